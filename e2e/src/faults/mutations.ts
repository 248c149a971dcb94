// Seeded mutations of the project's own Sedna documents (examples/, e2e/fixtures/jobs/): fields deleted,
// duplicated, retyped, huge strings, deep nesting, wrong apiVersion or kind, unicode, numbers out of
// range, unknown fields. Each mutant goes through the validation of `sedna validate` and `sedna apply`
// (validateDocument, and validateText on its YAML) and through the API server over HTTP as kubectl
// sends bodies (POST, PUT, merge patch, JSON patch). What must hold: nothing throws or crashes, the API
// server answers 4xx (never 5xx, never a dropped connection) and stays up, and every rejection names
// the path of the field it is about.
import { readFileSync } from 'node:fs';
import { request, Agent } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { getKindInfo, parseDocuments, validateDocument, validateText, type ValidationIssue } from '@sedna-ts/api-types';
import { seededRandom } from '@sedna-ts/internal';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The documents mutated: every Sedna object of these files (placeholders `${X}` filled in). */
export const SEED_FILES = [
  'examples/objects/dataset.yaml',
  'examples/objects/models.yaml',
  'examples/objects/incremental-learning-job.yaml',
  'examples/objects/incremental-learning-job.edgeai.yaml',
  'examples/helmet-detection/jobs/embedded/helmet-detection.yaml',
  'examples/helmet-detection/jobs/embedded/helmet-lifelong.yaml',
  'examples/thermal-comfort/jobs/thermal-comfort.yaml',
  'e2e/fixtures/jobs/tray-classifier.yaml',
  'e2e/fixtures/jobs/original-lifelonglearningjob.yaml',
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

/** The Sedna documents of {@link SEED_FILES}. */
export function seedDocuments(): Array<Record<string, Json>> {
  const docs: Array<Record<string, Json>> = [];
  for (const file of SEED_FILES) {
    const text = readFileSync(join(REPO, file), 'utf8').replace(/\$\{(\w+)\}/g, (_w, key: string) => (key === 'NODE' ? 'edge-node' : key === 'NAME' ? 'mutant' : `/tmp/${key.toLowerCase()}`));
    for (const doc of parseDocuments(text).documents) {
      const value = doc.value as Record<string, Json> | null;
      if (!value || typeof value !== 'object' || typeof value.kind !== 'string' || !getKindInfo(value.kind)) continue;
      // The sedna.io form (what `sedna apply` sends for an edgeai.io document too).
      const checked = validateDocument(value);
      docs.push(checked.valid ? (structuredClone(checked.object) as unknown as Record<string, Json>) : value);
    }
  }
  if (docs.length === 0) throw new Error(`no Sedna documents in ${SEED_FILES.join(', ')}`);
  return docs;
}

/** Every path of `value` (objects and arrays included) down to 40 levels, the root excluded. */
function pathsOf(value: Json, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (prefix.length >= 40) return out;
  if (Array.isArray(value)) value.forEach((v, i) => out.push([...prefix, i], ...pathsOf(v, [...prefix, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push([...prefix, k], ...pathsOf(v, [...prefix, k]));
  return out;
}

function getAt(root: Json, path: Path): Json | undefined {
  let v: Json | undefined = root;
  for (const key of path) v = v && typeof v === 'object' ? (v as Record<string | number, Json>)[key] : undefined;
  return v;
}

function setAt(root: Json, path: Path, value: Json | undefined): void {
  const parent = getAt(root, path.slice(0, -1));
  const key = path[path.length - 1] as string | number;
  if (!parent || typeof parent !== 'object') return;
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete (parent as Record<string, Json>)[key as string];
  } else (parent as Record<string | number, Json>)[key] = value;
}

/** One mutation applied: what was done where (for messages and for the JSON patch). */
export interface Mutation {
  what: string;
  path: Path;
}

const STRANGE_STRINGS = ['', ' ', '\u0000', '\u202e\u0645\u0631\u062d\u0628\u0627', '\ud83d\ude80\ud83e\udd16', '\ud800', 'a\nb: c', '${X}', '../../etc/passwd', '%s%n', 'NaN', '-1', '25:00', '\\u0000'];
const STRANGE_NUMBERS = [-1, 0, 1e308, -1e308, 2 ** 53 + 1, 2 ** 31, -(2 ** 31) - 1, 0.5, 1e-320, 65536];

/** Mutates `doc` in place with 1 to 3 seeded mutations; returns what was done. */
export function mutate(doc: Record<string, Json>, random: () => number): Mutation[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const done: Mutation[] = [];
  const count = 1 + Math.floor(random() * 3);
  for (let m = 0; m < count; m++) {
    const paths = pathsOf(doc);
    const path = pick(paths);
    const current = getAt(doc, path);
    const kind = pick(['delete', 'duplicate', 'retype', 'huge', 'deep', 'apiVersion', 'kind', 'unicode', 'number', 'unknown', 'null'] as const);
    switch (kind) {
      case 'delete':
        setAt(doc, path, undefined);
        done.push({ what: 'deleted', path });
        break;
      case 'duplicate': {
        const parent = getAt(doc, path.slice(0, -1));
        // The same value twice (a copy of a deeply nested one would overflow structuredClone).
        if (Array.isArray(parent)) parent.push(current as Json);
        else setAt(doc, [...path.slice(0, -1), `${String(path[path.length - 1])}Copy`], current as Json);
        done.push({ what: 'duplicated', path });
        break;
      }
      case 'retype':
        setAt(doc, path, typeof current === 'string' ? pick([42, true, [current], { value: current }]) : typeof current === 'number' ? pick([String(current), [current], false]) : pick(['text', 7, [], {}]));
        done.push({ what: 'retyped', path });
        break;
      case 'huge':
        setAt(doc, path, 'x'.repeat(pick([1000, 70_000, 300_000, 4_000_000])));
        done.push({ what: 'huge string', path });
        break;
      case 'deep': {
        let value: Json = 'bottom';
        const depth = pick([100, 1000, 10_000]);
        for (let i = 0; i < depth; i++) value = random() < 0.5 ? [value] : { a: value };
        setAt(doc, path, value);
        done.push({ what: `nested ${depth} deep`, path });
        break;
      }
      case 'apiVersion':
        doc.apiVersion = pick(['v1', 'sedna.io/v1', 'sedna.io/v1alpha2', 'edgeai.io/v1alpha1', '', 7, null]);
        done.push({ what: 'wrong apiVersion', path: ['apiVersion'] });
        break;
      case 'kind':
        doc.kind = pick(['Pod', 'dataset', 'IncrementalLearningJobs', '', 3]);
        done.push({ what: 'wrong kind', path: ['kind'] });
        break;
      case 'unicode':
        setAt(doc, path, pick(STRANGE_STRINGS));
        done.push({ what: 'strange string', path });
        break;
      case 'number':
        setAt(doc, path, pick(STRANGE_NUMBERS));
        done.push({ what: 'number out of range', path });
        break;
      case 'unknown':
        setAt(doc, [...path.slice(0, -1), pick(['extra', 'Spec', 'nodename', '__proto__x'])], 'unknown');
        done.push({ what: 'unknown field', path: path.slice(0, -1) });
        break;
      case 'null':
        setAt(doc, path, null);
        done.push({ what: 'null', path });
        break;
    }
  }
  return done;
}

/** A rejection names a path: one of the issue's path, its position in the text, or a field of the Status. */
function issueNamesPath(issue: ValidationIssue): boolean {
  return issue.path !== '' || issue.position !== undefined;
}

/** What a run of the mutants found. */
export interface MutationFigures {
  seed: number;
  documents: number;
  /** Through validateDocument: accepted, rejected. */
  validation: { accepted: number; rejected: number };
  /** Through the API server, by HTTP status. */
  api: Record<string, number>;
  requests: number;
  /** Every broken expectation, one line each. */
  violations: string[];
}

/** The API server of a kubeconfig, spoken to as kubectl does (HTTPS, bearer token, JSON bodies). */
class ApiConnection {
  private readonly agent: Agent;
  private readonly base: URL;
  private readonly token: string;

  constructor(kubeconfig: string) {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const cluster = kc.getCurrentCluster();
    const user = kc.getCurrentUser();
    if (!cluster || !user?.token) throw new Error(`${kubeconfig}: no cluster or token`);
    this.base = new URL(cluster.server);
    this.token = user.token;
    const ca = cluster.caData ? Buffer.from(cluster.caData, 'base64') : cluster.caFile ? readFileSync(cluster.caFile) : undefined;
    this.agent = new Agent({ keepAlive: true, maxSockets: 4, ...(ca ? { ca } : {}) });
  }

  send(method: string, path: string, body: string | undefined, contentType = 'application/json'): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: this.base.hostname, port: this.base.port, method, path, agent: this.agent, headers: { authorization: `Bearer ${this.token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': contentType } : {}) }, timeout: 60_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 60 s`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Literal text in the work list of {@link toJson}. */
class Text {
  constructor(readonly text: string) {}
}

/** JSON text of `value` without recursion: a body nested deeper than JSON.stringify can go, as an attacker sends it. */
export function toJson(value: Json): string {
  const out: string[] = [];
  const work: Array<Json | Text> = [value];
  while (work.length > 0) {
    const item = work.pop() as Json | Text;
    if (item instanceof Text) out.push(item.text);
    else if (Array.isArray(item)) {
      out.push('[');
      work.push(new Text(']'));
      for (let i = item.length - 1; i >= 0; i--) work.push(item[i] as Json, ...(i > 0 ? [new Text(',')] : []));
    } else if (item !== null && typeof item === 'object') {
      out.push('{');
      work.push(new Text('}'));
      const entries = Object.entries(item);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, v] = entries[i] as [string, Json];
        work.push(v, new Text(`${JSON.stringify(k)}:`), ...(i > 0 ? [new Text(',')] : []));
      }
    } else out.push(JSON.stringify(item));
  }
  return out.join('');
}

/** Mutants whose requests are in flight at once. */
const CONCURRENCY = 4;

const jsonPointer = (path: Path) => path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
const dotted = (path: Path) => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${p}`)).join('');

/**
 * Whether a Status of the API server names a path: a cause with a field, or a message naming a field
 * of the document (dotted or as a JSON pointer), or the document's apiVersion, kind or name (what
 * routing and metadata rejections are about).
 */
function statusNamesPath(body: string, mutations: readonly Mutation[], name: string): boolean {
  let status: { message?: string; details?: { causes?: Array<{ field?: string }> } };
  try {
    status = JSON.parse(body) as typeof status;
  } catch {
    return false;
  }
  const causes = status.details?.causes ?? [];
  if (causes.length > 0 && causes.every((c) => typeof c.field === 'string' && c.field !== '')) return true;
  const message = status.message ?? '';
  // Kubernetes' own wording for a body of another group/version ("the API version in the data (v1) does
  // not match ..."), a JSON patch's `at path "..."` and the depth limit's `at <path>` name a field too.
  if (message.includes('the API version in the data') || /at path "[^"]*"/.test(message) || /nested deeper than \d+ levels, at \S/.test(message)) return true;
  const named = ['apiVersion', 'kind', 'metadata', 'spec', 'status', name, ...mutations.flatMap((m) => [dotted(m.path), jsonPointer(m.path), String(m.path[m.path.length - 1] ?? '')])];
  return named.some((n) => n !== '' && message.includes(n));
}

/**
 * Runs `count` mutants of the seed documents through validation and through the API server of
 * `kubeconfig` (namespace `default`; objects named `mutant-<i>`), and checks the server answers `/healthz`
 * after each hundred. Returns the figures and the violations.
 */
export async function runMutations(options: { seed: number; count: number; kubeconfig: string; log?: (line: string) => void }): Promise<MutationFigures> {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const seeds = seedDocuments();
  const api = new ApiConnection(options.kubeconfig);
  const figures: MutationFigures = { seed: options.seed, documents: 0, validation: { accepted: 0, rejected: 0 }, api: {}, requests: 0, violations: [] };
  const violation = (line: string) => {
    if (figures.violations.length < 50) figures.violations.push(line);
  };
  const inFlight = new Set<Promise<void>>();
  try {
    for (let i = 0; i < options.count; i++) {
      const original = pick(seeds);
      const doc = structuredClone(original);
      const name = `mutant-${i}`;
      (doc.metadata as Record<string, Json>).name = name;
      const base = structuredClone(doc);
      const mutations = mutate(doc, random);
      const label = `mutant ${i} (${String(original.kind)}; ${mutations.map((m) => `${m.what} at ${dotted(m.path) || '(root)'}`).join(', ')})`;
      figures.documents++;

      // The validation of `sedna validate` and `sedna apply`: on the object, and on its YAML text.
      try {
        const result = validateDocument(doc);
        if (result.valid) figures.validation.accepted++;
        else {
          figures.validation.rejected++;
          for (const issue of result.issues) if (!issueNamesPath(issue)) violation(`${label}: validation issue without a path: ${issue.message}`);
        }
      } catch (error) {
        violation(`${label}: validation threw ${(error as Error).stack ?? String(error)}`);
      }
      // JSON is YAML: the text `sedna validate -f` reads, half the time with a key written twice.
      let text: string | undefined;
      try {
        text = JSON.stringify(doc, null, 1);
      } catch {
        text = toJson(doc);
      }
      try {
        if (text !== undefined) {
          const twice = random() < 0.5 ? text.replace(/\n(\s*)("\w+"): ([^{[\n]+?),?\n/, (whole, indent: string, key: string, value: string) => `\n${indent}${key}: ${value},\n${indent}${key}: ${value},\n`) : text;
          for (const issue of validateText(twice).issues) if (!issueNamesPath(issue)) violation(`${label}: validation of its text: issue without a path or position: ${issue.message}`);
        }
      } catch (error) {
        violation(`${label}: validation threw ${(error as Error).stack ?? String(error)}`);
      }

      // The API server, as kubectl sends bodies.
      const info = getKindInfo(String(original.kind));
      if (!info) continue;
      const collection = `/apis/sedna.io/v1alpha1/namespaces/default/${info.plural}`;
      const method = pick(['POST', 'PUT', 'merge', 'json-patch'] as const);
      const calls: Array<[string, string, string | undefined, string?]> = [];
      if (method === 'POST') calls.push(['POST', collection, toJson(doc)]);
      else {
        // An object to change first (valid or not: what the server accepted stays).
        calls.push(['POST', collection, toJson(base)]);
        if (method === 'PUT') calls.push(['PUT', `${collection}/${name}`, toJson(doc)]);
        else if (method === 'merge') calls.push(['PATCH', `${collection}/${name}`, toJson(doc), 'application/merge-patch+json']);
        else {
          const ops = mutations.map((m) => {
            const value = getAt(doc, m.path);
            return value === undefined ? { op: 'remove', path: jsonPointer(m.path) } : { op: pick(['replace', 'add', 'test']), path: jsonPointer(m.path), value };
          });
          calls.push(['PATCH', `${collection}/${name}`, toJson(ops as Json), 'application/json-patch+json']);
        }
      }
      calls.push(['DELETE', `${collection}/${name}`, undefined]);
      const send = async () => {
        for (const [verb, path, body, type] of calls) {
          figures.requests++;
          let answer: { status: number; body: string };
          try {
            answer = await api.send(verb, path, body, type);
          } catch (error) {
            violation(`${label}: ${verb} ${path}: no answer: ${(error as Error).message}`);
            continue;
          }
          figures.api[String(answer.status)] = (figures.api[String(answer.status)] ?? 0) + 1;
          // 413: the body as a whole is too large (documented); no field to name.
          if (answer.status >= 500) violation(`${label}: ${verb} ${path}: HTTP ${answer.status} ${answer.body.slice(0, 300)}`);
          else if (answer.status >= 400 && answer.status !== 413 && verb !== 'DELETE' && !(verb === 'POST' && body === calls[0]?.[2] && method !== 'POST') && !statusNamesPath(answer.body, mutations, name)) {
            violation(`${label}: ${verb} ${path}: HTTP ${answer.status} names no path: ${answer.body.slice(0, 300)}`);
          }
        }
      };
      // Mutants are made in order (the seed decides them all); their requests go out CONCURRENCY at a time.
      const task = send().finally(() => inFlight.delete(task));
      inFlight.add(task);
      if (inFlight.size >= CONCURRENCY) await Promise.race(inFlight);
      if (i % 100 === 99) {
        await Promise.all(inFlight);
        const health = await api.send('GET', '/healthz', undefined).catch((error: unknown) => ({ status: 0, body: String(error) }));
        if (health.status !== 200) violation(`after mutant ${i}: the API server's /healthz answers ${health.status} ${health.body.slice(0, 200)}`);
        options.log?.(`${i + 1} mutants: ${JSON.stringify(figures.api)}`);
      }
    }
    await Promise.all(inFlight);
  } finally {
    api.close();
  }
  return figures;
}
