/**
 * Two jobs whose outputDirs are the same folder, or one inside the other, would overwrite each other's
 * round files, models and deployed index without a word (from the fault issue). The GM refuses the later
 * of the two (by creation time, then kind, namespace and name) with `InvalidSpec`, naming the other job
 * and both paths; the earlier one runs. When the earlier one goes, the later one is checked again.
 */
import { outputDirOverlap } from '@sedna-ts/api-types/contract';
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
  const theirs = first.how === 'is also the outputDir of' ? '' : ` ${JSON.stringify(first.dir)} of`;
  return `${subject(target)}: spec.outputDir: ${JSON.stringify(raw)} ${first.how}${theirs} ${subject(first.entry)}, created earlier: two jobs would overwrite each other's round files and models; give this job a folder of its own`;
}
