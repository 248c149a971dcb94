/**
 * Names the Global Manager writes on objects (the original's worker labels, ours for round and attempt,
 * the finalizer and the manual-trigger annotation), from the contract module the LC and the CLI share,
 * and label selectors.
 */

export {
  ROUND_LABEL,
  ATTEMPT_LABEL,
  CLEANUP_FINALIZER,
  TRIGGER_ANNOTATION,
  workerLabelKeys,
  type WorkerLabelKeys,
} from '@sedna-ts/api-types/contract';

/** A label selector string from key/value pairs (`a=b,c=d`). */
export function labelSelector(labels: Readonly<Record<string, string | number>>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}
