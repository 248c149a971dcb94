/**
 * Two jobs whose outputDirs are the same folder, or one inside the other, would overwrite each other's
 * round files, models and deployed index without a word (from the fault issue). The GM refuses the later
 * of the two (by creation time, then kind, namespace and name) with `InvalidSpec`, naming the other job
 * and both paths; the earlier one runs. When the earlier one goes, the later one is checked again.
 */
import { normalisedFolder, outputDirOverlap } from '@sedna-ts/api-types/contract';
import type { JobPolicy, LearningJob } from './jobPolicy.js';

/** A job and the policy of its kind. */
export interface PolicyJob {
  job: LearningJob;
  policy: JobPolicy<LearningJob>;
}

/** `[creation time, kind, namespace/name]` as one string that sorts as the tuple (NUL separates). */
function order(entry: PolicyJob): string {
  const m = entry.job.metadata;
  const created = String(m.creationTimestamp ?? '');
  return `${created}\u0000${entry.policy.kind}\u0000${m.namespace ?? 'default'}/${m.name ?? ''}`;
}

function subject(entry: PolicyJob): string {
  return `${entry.policy.kind} ${entry.job.metadata.namespace ?? 'default'}/${entry.job.metadata.name ?? ''}`;
}

/**
 * Why `target` may not use its outputDir: an earlier job (of any kind) whose outputDir is the same, holds
 * it or lies inside it. Undefined when there is none, or the kind has no outputDir.
 */
export function outputDirConflict(target: PolicyJob, others: Iterable<PolicyJob>): string | undefined {
  const raw = target.policy.outputDir?.(target.job);
  if (!raw) return undefined;
  const myOrder = order(target);
  let first: { entry: PolicyJob; dir: string; how: string } | undefined;
  for (const other of others) {
    if (other.job.metadata.uid === target.job.metadata.uid || other.job.metadata.deletionTimestamp) continue;
    const theirsRaw = other.policy.outputDir?.(other.job);
    if (!theirsRaw || order(other) >= myOrder) continue;
    const overlap = outputDirOverlap(raw, theirsRaw);
    const how = overlap === 'same' ? 'is also the outputDir of' : overlap === 'inside' ? 'is inside the outputDir' : overlap === 'holds' ? 'holds the outputDir' : undefined;
    if (!how) continue;
    if (!first || order(other) < order(first.entry)) first = { entry: other, dir: theirsRaw, how };
  }
  if (!first) return undefined;
  return conflictMessage(target, raw, first);
}

const HOW = { same: 'is also the outputDir of', inside: 'is inside the outputDir', holds: 'holds the outputDir' } as const;

function conflictMessage(target: PolicyJob, raw: string, first: { entry: PolicyJob; dir: string; how: string }): string {
  const theirs = first.how === HOW.same ? '' : ` ${JSON.stringify(first.dir)} of`;
  return `${subject(target)}: spec.outputDir: ${JSON.stringify(raw)} ${first.how}${theirs} ${subject(first.entry)}, created earlier: two jobs would overwrite each other's round files and models; give this job a folder of its own`;
}

/** The first index of `sorted` whose value is not below `key`. */
function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `outputDirConflict` of every job of `entries` at once, in O(n log n) (a job's folder against the
 * earlier ones': its own folder and its ancestors looked up, the folders under it found in a sorted list)
 * instead of comparing every pair for every job. Keyed by uid; a job without a conflict has no entry.
 */
export function outputDirConflicts(entries: readonly PolicyJob[]): Map<string, string> {
  const out = new Map<string, string>();
  const withDirs = entries
    .map((entry) => ({ entry, raw: entry.policy.outputDir?.(entry.job), order: order(entry) }))
    .filter((e): e is { entry: PolicyJob; raw: string; order: string } => Boolean(e.raw))
    .sort((x, y) => (x.order < y.order ? -1 : x.order > y.order ? 1 : 0));
  // The earlier jobs' folders: the first job (by order) of each folder, and the folders sorted.
  const firstOf = new Map<string, { entry: PolicyJob; raw: string; order: string }>();
  const folders: string[] = [];
  for (const e of withDirs) {
    const mine = normalisedFolder(e.raw);
    let first: { entry: PolicyJob; raw: string; order: string; how: string } | undefined;
    const consider = (c: { entry: PolicyJob; raw: string; order: string } | undefined, how: string) => {
      if (c && c.entry.job.metadata.uid !== e.entry.job.metadata.uid && (!first || c.order < first.order)) first = { ...c, how };
    };
    consider(firstOf.get(mine), HOW.same);
    // Its ancestors: the folder is inside theirs.
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//.exec(mine)?.[0] ?? '';
    const rest = mine.slice(scheme.length);
    const absolute = rest.startsWith('/') ? '/' : '';
    const parts = rest.split('/').filter((p) => p !== '');
    for (let k = parts.length - 1; k >= (scheme || absolute ? 0 : 1); k--) consider(firstOf.get(`${scheme}${absolute}${parts.slice(0, k).join('/')}`), HOW.inside);
    // The folders under it: it holds theirs.
    const prefix = mine.endsWith('/') ? mine : `${mine}/`;
    for (let i = lowerBound(folders, prefix); i < folders.length && (folders[i] as string).startsWith(prefix); i++) {
      if (folders[i] !== mine) consider(firstOf.get(folders[i] as string), HOW.holds);
    }
    if (first) out.set(e.entry.job.metadata.uid ?? '', conflictMessage(e.entry, e.raw, { entry: first.entry, dir: first.raw, how: first.how }));
    // A job being deleted holds nothing for the jobs after it.
    if (!e.entry.job.metadata.deletionTimestamp && !firstOf.has(mine)) {
      firstOf.set(mine, e);
      folders.splice(lowerBound(folders, mine), 0, mine);
    }
  }
  return out;
}

/**
 * The outputDir conflicts of the GM's jobs, answered from one pass over all of them (`outputDirConflicts`)
 * and kept until a job is added or deleted, or changes what the answers depend on (its outputDir, its
 * creation time, its deletion). A status write changes none of them, so a GM with many jobs answers
 * most questions from the cache: before, every job event compared every job with every other.
 */
export class OutputDirConflictCache {
  private answers: Map<string, string> | undefined;
  private readonly seen = new Map<string, string>();

  constructor(private readonly all: () => PolicyJob[]) {}

  private static fingerprint(entry: PolicyJob): string {
    return `${order(entry)}\u0000${entry.policy.outputDir?.(entry.job) ?? ''}\u0000${entry.job.metadata.deletionTimestamp ? 'deleting' : ''}`;
  }

  /** An informer event of `entry` (`gone` once deleted): the answers are dropped if it changed them. */
  observe(entry: PolicyJob, gone: boolean): void {
    const uid = entry.job.metadata.uid ?? '';
    const now = gone ? undefined : OutputDirConflictCache.fingerprint(entry);
    if (this.seen.get(uid) === now) return;
    if (now === undefined) this.seen.delete(uid);
    else this.seen.set(uid, now);
    this.answers = undefined;
  }

  /** Why `target` may not use its outputDir (see `outputDirConflict`). */
  conflict(target: PolicyJob): string | undefined {
    // A version not observed yet is answered on its own, against every job.
    if (this.seen.get(target.job.metadata.uid ?? '') !== OutputDirConflictCache.fingerprint(target)) return outputDirConflict(target, this.all());
    this.answers ??= outputDirConflicts(this.all());
    return this.answers.get(target.job.metadata.uid ?? '');
  }
}
