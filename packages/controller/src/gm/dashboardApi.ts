/**
 * The GM's routes for the dashboard: a job's hard examples, their samples, labels, skips and the COCO
 * export, under `/dashboard/v1/jobs/{plural}/{namespace}/{name}/...`. Each request carries the
 * signed-in user's bearer token: the GM asks the API server who it is (TokenReview) and whether that
 * user may `get` the job (`update` to label, skip or restore) (SubjectAccessReview), then asks the LC
 * of the job's inference node over the LC's own WebSocket (edge nodes are usually not reachable from
 * the cloud) and relays its answer.
 *
 * - GET  hard-examples?list=queue|skipped&offset=&limit=&version=...&order=newest|oldest
 *                                               a page of the examples (newest first, at most 200),
 *                                               the filtered total, counts per version and per list,
 *                                               the dataset's line count
 * - GET  hard-examples/{id}                     one example (404 with `state`: evicted, labelled, gone)
 * - GET  hard-examples/{id}/image               the sample's bytes (immutable: an id names one sample)
 * - POST hard-examples/{id}/label               `{boxes: [{x1,y1,x2,y2,cls}]}` or `{label}`
 * - POST hard-examples/{id}/skip | restore
 * - GET  coco                                   COCO JSON of the labelled samples of the dataset index
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthenticationV1Api, AuthorizationV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { LcRequest, LcResponse } from '@sedna-ts/api-types';
import type { GmLogger } from '../config.js';
import { describeError, httpStatusOf } from '../errors.js';
import type { LcServer } from '../lc/lcServer.js';

/** The kinds whose jobs have hard examples: plural, lower-case kind. */
const KINDS: Record<string, string> = { incrementallearningjobs: 'incrementallearningjob', lifelonglearningjobs: 'lifelonglearningjob' };
/** The largest body of a dashboard request (the dashboard has the same limit: `GM_MAX_BODY`). */
export const MAX_BODY = 256 * 1024;

/** Options of {@link DashboardApi}. */
export interface DashboardApiOptions {
  kubeConfig: KubeConfig;
  /** The leader's LC endpoint, or undefined while this replica does not lead. */
  lcServer: () => LcServer | undefined;
  logger: GmLogger;
  /** How long an LC has to answer (default 20 s). */
  requestTimeoutMs?: number;
}

type Json = Record<string, unknown>;

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

/** JSON strings and number literals of a JSON text. */
const JSON_TOKENS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
const NOT_FINITE = '\u0000not-finite:';

/** Where in `value` the first string starting with `marker` is (`boxes[0].x1`), and that string. */
function markedAt(value: unknown, marker: string, path = ''): { path: string; mark: string } | undefined {
  if (typeof value === 'string') return value.startsWith(marker) ? { path, mark: value } : undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = markedAt(v, marker, `${path}[${i}]`);
      if (found) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const found = markedAt(v, marker, path ? `${path}.${k}` : k);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Parses a JSON body. A number literal beyond a double (`1e309`) is refused naming its field and the
 * literal as sent: JSON.parse would make it Infinity, which the LC request (JSON again) would carry as null.
 */
export function parseBody(text: string, subject: string): unknown {
  if (!text) return {};
  const literals: string[] = [];
  const marked = text.replace(JSON_TOKENS, (t) => (t.startsWith('"') || Number.isFinite(Number(t)) ? t : `"\\u0000not-finite:${literals.push(t) - 1}"`));
  let value: unknown;
  try {
    value = JSON.parse(marked) as unknown;
  } catch {
    throw Object.assign(new Error(`${subject}: the body is not JSON`), { status: 400 });
  }
  if (literals.length > 0) {
    const at = markedAt(value, NOT_FINITE);
    const literal = literals[Number(at?.mark.slice(NOT_FINITE.length))] ?? literals[0];
    throw Object.assign(new Error(`${subject}: ${at?.path || 'the body'} ${literal} is not a finite number`), { status: 400 });
  }
  return value;
}

/**
 * Reads a JSON body of at most {@link MAX_BODY} bytes. A larger one is refused with 413 while the rest
 * is read and dropped, so the answer reaches the client (leaving a for-await loop over the request
 * would destroy its socket: the client saw ECONNRESET).
 */
async function readJson(req: IncomingMessage, subject: string): Promise<unknown> {
  const text = await new Promise<string>((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_BODY) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd);
      req.resume();
      reject(Object.assign(new Error(`${subject}: the body is larger than ${MAX_BODY} bytes (256 KiB)`), { status: 413 }));
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks).toString('utf8'));
    req.on('data', onData).once('end', onEnd).once('error', reject);
  });
  return parseBody(text, subject);
}

/** The Cache-Control of a hard example's sample: private (the user's), a day, immutable. */
export const IMAGE_CACHE_CONTROL = 'private, max-age=86400, immutable';

/** The query of a hard-example list, or what is wrong with it (naming the parameter and the value). */
export function listQuery(params: URLSearchParams): { list: 'queue' | 'skipped'; offset?: number; limit?: number; versions?: string[]; order?: 'newest' | 'oldest' } | string {
  const list = params.get('list') ?? 'queue';
  if (list !== 'queue' && list !== 'skipped') return `list=${JSON.stringify(list)} is not queue or skipped`;
  const out: ReturnType<typeof listQuery> & object = { list };
  for (const key of ['offset', 'limit'] as const) {
    const value = params.get(key);
    if (value === null) continue;
    if (!/^\d{1,9}$/.test(value)) return `${key}=${JSON.stringify(value)} is not a whole number`;
    out[key] = Number(value);
  }
  const order = params.get('order');
  if (order !== null && order !== 'newest' && order !== 'oldest') return `order=${JSON.stringify(order)} is not newest or oldest`;
  if (order) out.order = order;
  const versions = params.getAll('version');
  if (versions.length > 0) out.versions = versions;
  return out;
}

/** How long a yes of the API server (TokenReview and SubjectAccessReview) is kept, and for how many tokens and jobs. */
export const AUTH_CACHE_MS = 10_000;
export const AUTH_CACHE_ENTRIES = 1000;

/** Values kept for `ttlMs` each, at most `max` of them (the oldest goes first). */
class TtlCache<V> {
  private readonly entries = new Map<string, { at: number; value: V }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (Date.now() - entry.at < this.ttlMs) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { at: Date.now(), value });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

type ReviewedUser = { username: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };

/** The dashboard's routes on the GM's HTTP server. */
export class DashboardApi {
  /**
   * The API server's yes for a token, by its hash (never the token): the user it is and the jobs and verbs
   * it may, each kept {@link AUTH_CACHE_MS}: a gallery's images would each cost a TokenReview and a
   * SubjectAccessReview. A refusal is never kept, and drops what was kept for the token.
   */
  private readonly reviewed = new TtlCache<{ user: ReviewedUser; allowed: TtlCache<true> }>(AUTH_CACHE_MS, AUTH_CACHE_ENTRIES);
  /** The node of a job, kept as long (each request would read the job). */
  private readonly nodes = new TtlCache<string>(AUTH_CACHE_MS, AUTH_CACHE_ENTRIES);
  private readonly authn: AuthenticationV1Api;
  private readonly authz: AuthorizationV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(private readonly options: DashboardApiOptions) {
    this.authn = options.kubeConfig.makeApiClient(AuthenticationV1Api);
    this.authz = options.kubeConfig.makeApiClient(AuthorizationV1Api);
    this.custom = options.kubeConfig.makeApiClient(CustomObjectsApi);
  }

  /** Whether `path` is one of these routes. */
  static matches(path: string): boolean {
    return path.startsWith('/dashboard/v1/');
  }

  /** Answers one request (never rejects). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.route(req, res);
    } catch (error) {
      const status = (error as { status?: number }).status ?? 500;
      if (status >= 500) this.options.logger.warn({ url: req.url, error: describeError(error) }, 'dashboard request failed');
      if (!res.headersSent) reply(res, status, { error: describeError(error) });
      else res.destroy();
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gm');
    const m = /^\/dashboard\/v1\/jobs\/([^/]+)\/([^/]+)\/([^/]+)\/(hard-examples|coco)(?:\/([^/]+)(?:\/(image|label|skip|restore))?)?$/.exec(url.pathname);
    const method = req.method ?? 'GET';
    if (!m) return reply(res, 404, { error: `no route ${method} ${url.pathname}` });
    let parts: (string | undefined)[];
    try {
      parts = m.map((p) => (p === undefined ? undefined : decodeURIComponent(p)));
    } catch {
      return reply(res, 400, { error: `${url.pathname}: not valid percent-encoding (a % must start %XX of UTF-8)` });
    }
    const [, plural, namespace, name, what, rawId, sub] = parts;
    const kind = KINDS[plural as string];
    if (!kind) return reply(res, 404, { error: `${plural}: not a kind with hard examples (${Object.keys(KINDS).join(', ')})` });
    if (what === 'coco' && rawId) return reply(res, 404, { error: `no route ${method} ${url.pathname}` });
    const writes = sub === 'label' || sub === 'skip' || sub === 'restore';
    if (writes !== (method === 'POST') || (!writes && method !== 'GET')) return reply(res, 405, { error: `${method} ${url.pathname} is not allowed` });
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return reply(res, 401, { error: 'a bearer token is required' });

    const verb = writes ? 'update' : 'get';
    const denied = await this.authorize(token, { namespace: namespace as string, plural: plural as string, name: name as string, verb });
    if (denied) return reply(res, denied.status, { error: denied.message });

    let request: LcRequest;
    if (what === 'coco') request = { action: 'dataset.coco' };
    else if (!rawId) {
      const query = listQuery(url.searchParams);
      if (typeof query === 'string') return reply(res, 400, { error: `${plural}.sedna.io ${namespace}/${name}: hard examples: ${query}` });
      request = { action: 'hardExamples.list', ...query };
    } else if (!sub) request = { action: 'hardExamples.get', id: rawId };
    else if (sub === 'image') request = { action: 'hardExamples.sample', id: rawId };
    else if (sub === 'label') {
      const body = await readJson(req, `${plural}.sedna.io ${namespace}/${name}: hard example ${rawId}`);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return reply(res, 400, { error: `the body is not an object ({boxes} or {label})` });
      request = { ...(body as Json), action: 'hardExamples.label', id: rawId } as LcRequest;
    }
    else request = { action: sub === 'skip' ? 'hardExamples.skip' : 'hardExamples.restore', id: rawId };

    const node = await this.nodeOf(plural as string, namespace as string, name as string);
    const lcServer = this.options.lcServer();
    if (!lcServer) return reply(res, 503, { error: 'this global manager does not lead now: ask the leader' });
    // The client went away before the answer: the LC stops its work (a COCO export of a large index).
    const gone = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) gone.abort();
    };
    res.once('close', onClose);
    let answer: LcResponse;
    try {
      answer = await lcServer.request(node, { namespace: namespace as string, resourceKind: kind, resourceName: name as string }, request, this.options.requestTimeoutMs ?? 20_000, gone.signal);
    } catch (error) {
      return reply(res, 504, { error: describeError(error) });
    } finally {
      res.off('close', onClose);
    }
    if (answer.error !== undefined || answer.status >= 400) {
      // What the LC adds to an error (`state` of an example not found) goes along.
      const extra = typeof answer.body === 'object' && answer.body !== null && !Array.isArray(answer.body) ? (answer.body as Json) : {};
      return reply(res, answer.status >= 400 ? answer.status : 502, { ...extra, error: answer.error ?? `the local controller answered ${answer.status}` });
    }
    if (answer.data !== undefined) {
      const bytes = Buffer.from(answer.data, 'base64');
      // An id names one sample for good (labelled, it leaves; a new one gets a new id): the browser keeps it.
      res.writeHead(200, { 'Content-Type': answer.contentType ?? 'application/octet-stream', 'Content-Length': bytes.length, 'Cache-Control': IMAGE_CACHE_CONTROL });
      res.end(bytes);
      return;
    }
    if (what === 'coco') res.setHeader('Content-Disposition', `attachment; filename="${name}-coco.json"`);
    return reply(res, 200, answer.body ?? {});
  }

  /** Undefined when the bearer of `token` may `verb` the job; else the status (401, 403) and why. */
  private async authorize(token: string, job: { namespace: string; plural: string; name: string; verb: string }): Promise<{ status: number; message: string } | undefined> {
    const key = createHash('sha256').update(token).digest('base64url');
    let known = this.reviewed.get(key);
    if (!known) {
      const review = await this.authn.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } });
      const user = review.status?.user;
      if (!review.status?.authenticated || !user?.username) {
        this.reviewed.delete(key);
        return { status: 401, message: `the API server does not accept the token${review.status?.error ? `: ${review.status.error}` : ''}` };
      }
      known = { user: user as ReviewedUser, allowed: new TtlCache<true>(AUTH_CACHE_MS, AUTH_CACHE_ENTRIES) };
      this.reviewed.set(key, known);
    }
    const { user } = known;
    const what = `${job.verb} ${job.plural} ${job.namespace}/${job.name}`;
    if (known.allowed.get(what)) return undefined;
    const access = await this.authz.createSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.username,
          ...(user.uid ? { uid: user.uid } : {}),
          ...(user.groups ? { groups: user.groups } : {}),
          ...(user.extra ? { extra: user.extra } : {}),
          resourceAttributes: { namespace: job.namespace, verb: job.verb, group: 'sedna.io', resource: job.plural, name: job.name },
        },
      },
    });
    if (access.status?.allowed) {
      known.allowed.set(what, true);
      return undefined;
    }
    const why = access.status?.reason ? `: ${access.status.reason}` : '';
    return { status: 403, message: `user ${JSON.stringify(user.username)} may not ${job.verb} ${job.plural}.sedna.io ${job.namespace}/${job.name}${why}` };
  }

  /** The node whose LC keeps the job's hard examples: the inference worker's, else the dataset's. */
  private async nodeOf(plural: string, namespace: string, name: string): Promise<string> {
    const key = `${plural}/${namespace}/${name}`;
    const known = this.nodes.get(key);
    if (known) return known;
    const node = await this.readNodeOf(plural, namespace, name);
    this.nodes.set(key, node);
    return node;
  }

  private async readNodeOf(plural: string, namespace: string, name: string): Promise<string> {
    let job: Json;
    try {
      job = (await this.custom.getNamespacedCustomObject({ group: 'sedna.io', version: 'v1alpha1', namespace, plural, name })) as Json;
    } catch (error) {
      throw Object.assign(new Error(`${plural}.sedna.io ${namespace}/${name}: ${describeError(error)}`), { status: httpStatusOf(error) ?? 502 });
    }
    const spec = (job.spec ?? {}) as Json;
    const deploy = (spec.deploySpec ?? {}) as { template?: { spec?: { nodeName?: string } } };
    const inference = deploy.template?.spec?.nodeName;
    if (inference) return inference;
    const datasetName = (spec.dataset as { name?: string } | undefined)?.name;
    if (!datasetName) throw Object.assign(new Error(`${plural}.sedna.io ${namespace}/${name}: spec.dataset.name is missing`), { status: 409 });
    const dataset = (await this.custom.getNamespacedCustomObject({ group: 'sedna.io', version: 'v1alpha1', namespace, plural: 'datasets', name: datasetName })) as Json;
    const node = (dataset.spec as { nodeName?: string } | undefined)?.nodeName;
    if (!node) throw Object.assign(new Error(`Dataset ${namespace}/${datasetName}: spec.nodeName is missing`), { status: 409 });
    return node;
  }
}
