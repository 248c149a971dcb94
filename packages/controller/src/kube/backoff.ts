/** Exponential backoff, shared by stage retries, the reconcile queue and the informers. */

/** Initial delay and cap of an exponential backoff, in milliseconds. */
export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
}

/**
 * The delay before try number `failures + 1` after `failures` failures (1 or more): `initialMs` doubled
 * for each failure after the first, capped at `maxMs`. E.g. 10 s, 20 s, 40 s, ... up to 300 s.
 */
export function backoffDelay(failures: number, settings: BackoffSettings): number {
  const exponent = Math.max(0, failures - 1);
  // 2^exponent overflows to Infinity long after any cap is reached, so Math.min keeps it finite.
  return Math.min(settings.initialMs * 2 ** exponent, settings.maxMs);
}
