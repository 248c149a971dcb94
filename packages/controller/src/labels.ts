/**
 * Names the Global Manager writes on objects: the original's worker labels, ours for round and attempt,
 * the finalizer and the manual-trigger annotation.
 */

/** Our label: the round a worker pod belongs to. */
export const ROUND_LABEL = 'sedna.io/round';
/** Our label: the attempt (1 to maxAttempts) of the stage a worker pod runs. */
export const ATTEMPT_LABEL = 'sedna.io/attempt';
/** Finalizer through which a deleted job's pods and LC folders are cleaned up. */
export const CLEANUP_FINALIZER = 'sedna.io/cleanup';
/** Annotation `sedna trigger` sets: `<train|eval|deploy>@<RFC 3339 time>`. */
export const TRIGGER_ANNOTATION = 'sedna.io/trigger';

/** The original's labels of a job's worker pods, prefixed by the lower-case kind. */
export interface WorkerLabelKeys {
  /** `<kind>.sedna.io/name`: the job's name. */
  name: string;
  /** `<kind>.sedna.io/uid`: the job's uid. */
  uid: string;
  /** `<kind>.sedna.io/worker-type`: train, eval or inference. */
  workerType: string;
}

/** The label keys of worker pods for a lower-case kind such as `incrementallearningjob`. */
export function workerLabelKeys(resourceKind: string): WorkerLabelKeys {
  return {
    name: `${resourceKind}.sedna.io/name`,
    uid: `${resourceKind}.sedna.io/uid`,
    workerType: `${resourceKind}.sedna.io/worker-type`,
  };
}

/** A label selector string from key/value pairs (`a=b,c=d`). */
export function labelSelector(labels: Readonly<Record<string, string | number>>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}
