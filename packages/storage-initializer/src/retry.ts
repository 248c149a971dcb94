/** Attempts with exponential backoff, for failures that may pass. */
import { backoffDelay as exponentialDelay } from '@sedna-ts/internal';
import { type StorageInitializerErrorCode } from './errors.js';

/** How many attempts, and how long to wait between them. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Wait before the second attempt; doubled after each failed attempt. */
  delayMs: number;
  maxDelayMs: number;
}

/** What a failed attempt means. `reason` is the short human text that ends up in the error message. */
export interface Failure {
  code: StorageInitializerErrorCode;
  reason: string;
  transient: boolean;
  /** The server asked to wait this long (Retry-After). */
  retryAfterMs?: number;
}

/** The attempts ran out, or a failure was not transient. */
export class AttemptsFailed extends Error {
  constructor(
    readonly failure: Failure,
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(failure.reason, { cause: lastError });
  }
}

/**
 * The wait before attempt `attempt + 1` (attempt counts from 1): `delayMs * 2^(attempt-1)` capped at
 * `maxDelayMs`, of which a random half is dropped (equal jitter), so that many pods restarting at once
 * do not retry in step; never shorter than what the server asked for, within the cap.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, retryAfterMs = 0, random: () => number = Math.random): number {
  const jittered = exponentialDelay(attempt, { initialMs: policy.delayMs, maxMs: policy.maxDelayMs, jitter: true, random });
  return Math.round(Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs)));
}

/**
 * Runs `attempt` until it succeeds, a failure is not transient, or the attempts run out.
 *
 * @throws AttemptsFailed with the last failure and the number of attempts made.
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  options: {
    policy: RetryPolicy;
    classify: (error: unknown) => Failure;
    onRetry?: (failure: Failure, attempt: number, delayMs: number) => void;
  },
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      const failure = options.classify(error);
      if (!failure.transient || n >= options.policy.attempts) throw new AttemptsFailed(failure, n, error);
      const delay = backoffDelay(options.policy, n, failure.retryAfterMs);
      options.onRetry?.(failure, n, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/**
 * What any transfer's error means when it is not the server's answer: a local write failure (`IO`,
 * never retried), or a network failure (connection refused or reset, DNS, timeouts, a body cut short:
 * transient), found in the error or its causes; undefined when it is neither.
 */
export function commonFailure(error: unknown): Failure | undefined {
  // By shape, not instanceof: Node's own errors may come from another realm (jest's vm modules).
  type Shape = { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
  const first = (typeof error === 'object' && error !== null ? error : {}) as Shape;
  if (first.name === 'LocalWriteError') return { code: 'IO', reason: String(first.message), transient: false };
  for (let e = first, depth = 0; depth < 5; e = e.cause as Shape, depth++) {
    const message = typeof e.message === 'string' ? e.message : '';
    if (typeof e.code === 'string' && TRANSIENT_NETWORK_CODES.has(e.code)) {
      const detail = message.includes(e.code) ? message : message ? `${e.code}: ${message}` : e.code;
      return { code: 'UNAVAILABLE', reason: `network error (${detail})`, transient: true };
    }
    if (e.name === 'TimeoutError' || e.name === 'TruncatedBodyError') return { code: 'UNAVAILABLE', reason: message, transient: true };
    if (typeof e.cause !== 'object' || e.cause === null) break;
  }
  return undefined;
}
