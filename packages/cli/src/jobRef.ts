/**
 * The JOB argument of the verbs that act on one learning job (`sedna trigger`, `sedna logs`): `NAME`,
 * or `KIND/NAME` where KIND is any name of a learning-job kind that `resolveKind` accepts (`ll/atcii`,
 * `il/helmet`, `incrementallearningjob/helmet`). A bare NAME is looked up across the learning-job kinds
 * the server serves, in the namespace; it must name exactly one job.
 */
import { LEARNING_JOB_KINDS, SEDNA_API_VERSION, SEDNA_GROUP, resolveKind, type KindInfo } from '@sedna-ts/api-types';
import { objectPath, type ApiResource } from './discovery.js';
import { CliError } from './errors.js';
import { checkPathSegment } from './names.js';
import type { KubeObject } from './printers.js';
import type { Session } from './session.js';

/** A JOB argument as typed, before looking: the kind when it names one. */
export interface JobArgument {
  kind: KindInfo | undefined;
  name: string;
}

/** A job found on the server. */
export interface FoundJob {
  kind: KindInfo;
  name: string;
  /** The object as read. */
  object: KubeObject;
}

/** A resolved job with the resource that serves its kind. */
export interface ResolvedJob extends FoundJob {
  resource: ApiResource;
}

/** How a kind is written in a `KIND/NAME` hint: its first short name (`il`, `ll`). */
export function kindShortName(kind: KindInfo): string {
  return kind.shortNames[0] ?? kind.singular;
}

/** `A`, `A and B`, `A, B and C` (or `or`). */
function words(items: readonly string[], last: 'and' | 'or' = 'and'): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${last} ${items.at(-1)}`;
}

/**
 * Reads a JOB argument: `NAME` or `KIND/NAME`.
 *
 * @throws CliError USAGE when it is neither; INVALID_INPUT when KIND is not a learning-job kind (naming them).
 */
export function parseJobArgument(text: string): JobArgument {
  const slash = text.indexOf('/');
  if (slash < 0) {
    if (!text) throw new CliError('USAGE', 'JOB is empty: expected NAME or KIND/NAME (helmet, il/helmet)');
    return { kind: undefined, name: text };
  }
  const kindText = text.slice(0, slash);
  const name = text.slice(slash + 1);
  if (!kindText || !name || name.includes('/')) throw new CliError('USAGE', `JOB ${JSON.stringify(text)}: expected NAME or KIND/NAME (helmet, il/helmet)`);
  const kind = resolveKind(kindText);
  if (!kind?.learningJob) {
    const what = kind ? `${kind.kind} is not a learning job` : `${JSON.stringify(kindText)} is not a kind of learning job`;
    throw new CliError('INVALID_INPUT', `JOB ${JSON.stringify(text)}: ${what}: expected ${words(LEARNING_JOB_KINDS.map((k) => `${k.kind} (${kindShortName(k)})`), 'or')}`);
  }
  return { kind, name };
}

/** Reads one job of `kind`; undefined when there is none of that name. */
export type JobLookup = (kind: KindInfo, name: string) => Promise<KubeObject | undefined>;

/**
 * Finds the job a JOB argument names among the `served` learning-job kinds, reading with `lookup`.
 *
 * @throws CliError as {@link parseJobArgument}; INVALID_INPUT when its kind is not served, or a bare
 * NAME is a job of several kinds (naming them); NOT_FOUND when there is no such job (naming the kinds
 * looked in).
 */
export async function findJob(text: string, namespace: string, served: readonly KindInfo[], lookup: JobLookup): Promise<FoundJob> {
  const { kind, name } = parseJobArgument(text);
  checkPathSegment(name, 'job NAME');
  if (kind) {
    if (!served.includes(kind)) throw notServed(kind.kind);
    const object = await lookup(kind, name);
    if (!object) throw new CliError('NOT_FOUND', `${kind.plural}.${SEDNA_GROUP} "${name}" not found`);
    return { kind, name, object };
  }
  if (served.length === 0) throw notServed(words(LEARNING_JOB_KINDS.map((k) => k.kind)));
  const objects = await Promise.all(served.map((k) => lookup(k, name)));
  const found = served.flatMap((k, i) => (objects[i] ? [{ kind: k, name, object: objects[i] }] : []));
  const only = found[0];
  if (!only) throw new CliError('NOT_FOUND', `no learning job "${name}" in namespace ${namespace} (looked for ${words(served.map((k) => k.kind))})`);
  if (found.length > 1) {
    const last = found.at(-1)!.kind;
    throw new CliError('INVALID_INPUT', `job "${name}" exists as ${words(found.map((f) => f.kind.kind))}: say which, e.g. ${kindShortName(last)}/${name}`);
  }
  return only;
}

function notServed(kinds: string): CliError {
  return new CliError('INVALID_INPUT', `the API server does not serve ${kinds} (${SEDNA_API_VERSION}): register the Sedna CRDs (\`sedna up\` does; on a cluster: sedna crds | kubectl apply -f -)`);
}

/**
 * The job a JOB argument names on the session's server, in `namespace`.
 *
 * @example
 * const job = await resolveJob(session, 'll/atcii', 'default'); // job.kind.kind === 'LifelongLearningJob'
 * @throws CliError as {@link findJob}; the server's errors other than 404 as they come.
 */
export async function resolveJob(session: Session, text: string, namespace: string): Promise<ResolvedJob> {
  const discovery = await session.resources();
  const resources = new Map<KindInfo, ApiResource>();
  for (const kind of LEARNING_JOB_KINDS) {
    const resource = discovery.forKind(SEDNA_API_VERSION, kind.kind);
    if (resource) resources.set(kind, resource);
  }
  const lookup: JobLookup = async (kind, name) => {
    try {
      return await session.client.get<KubeObject>(objectPath(resources.get(kind)!, namespace, name));
    } catch (error) {
      if (error instanceof CliError && error.status === 404) return undefined;
      throw error;
    }
  };
  const found = await findJob(text, namespace, [...resources.keys()], lookup);
  return { ...found, resource: resources.get(found.kind)! };
}
