/**
 * Exponential backoff: the one delay function of the retries, reconnects and work queues of every
 * package. Try `attempt + 1` waits `initialMs * 2^(attempt - 1)`, capped at `maxMs`; with `jitter` a
 * random half of that is dropped ("equal jitter"), so many clients that failed together do not come
 * back in step.
 */

/** Initial delay and cap of an exponential backoff, in milliseconds. */
export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
}

/** How `backoffDelay` computes a delay. */
export interface BackoffOptions extends BackoffSettings {
  /** Equal jitter: a delay between half the exponential delay and all of it. Default false. */
  jitter?: boolean;
  /** A random number in [0, 1) for the jitter (tests pass a fixed one). Default `Math.random`. */
  random?: () => number;
}

/**
 * The delay before the next try after `attempt` failures (1 or more; 0 counts as 1).
 *
 * @example
 * backoffDelay(3, { initialMs: 1000, maxMs: 30_000 }); // 4000
 * backoffDelay(3, { initialMs: 1000, maxMs: 30_000, jitter: true }); // between 2000 and 4000
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const exponent = Math.max(0, attempt - 1);
  // 2^exponent overflows to Infinity long after any cap is reached (and 0 * Infinity is NaN).
  const raw = options.initialMs * 2 ** exponent;
  const ceiling = Number.isFinite(raw) ? Math.min(raw, options.maxMs) : options.maxMs;
  if (!options.jitter) return ceiling;
  const random = options.random ?? Math.random;
  return ceiling / 2 + (random() * ceiling) / 2;
}
