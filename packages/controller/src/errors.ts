/** The one error class of @sedna-ts/controller. */

/** What went wrong, as a stable string a caller can switch on. */
export type ControllerErrorCode =
  /** The Global Manager configuration is invalid (a field, its path and its value are named). */
  | 'INVALID_CONFIG'
  /** The sedna.io CustomResourceDefinitions are not installed on the API server. */
  | 'CRD_MISSING'
  /** The Kubernetes API server could not be reached or answered with an error. */
  | 'API_ERROR'
  /** A write kept conflicting (HTTP 409) after fresh reads. */
  | 'CONFLICT'
  /** A referenced object (Dataset, Model, the Secret of a credentialName) does not exist. */
  | 'NOT_FOUND'
  /** The Secret of a credentialName cannot serve as S3 credentials (one key without the other). */
  | 'INVALID_CREDENTIAL'
  /** A frame from a Local Controller was malformed or not allowed. */
  | 'BAD_FRAME'
  /** The Global Manager is stopping or stopped. */
  | 'STOPPED'
  /** The websocket or HTTP server could not listen. */
  | 'LISTEN_FAILED'
  /** A Local Controller could not be asked: not connected, gone, or no answer in time. */
  | 'UNAVAILABLE'
  /** Anything else (a bug). */
  | 'INTERNAL';

/**
 * Error thrown or returned by the Global Manager: a `code` to switch on, a message that names the
 * object, the field path and the value, and the underlying `cause` when there is one.
 *
 * @example
 * ```ts
 * try { await startGlobalManager(config); }
 * catch (e) { if (e instanceof ControllerError && e.code === 'CRD_MISSING') console.error(e.message); }
 * ```
 */
export class ControllerError extends Error {
  override readonly name = 'ControllerError';
  readonly code: ControllerErrorCode;

  constructor(code: ControllerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/**
 * Turns any thrown value into a ControllerError: a ControllerError is returned as it is, anything else
 * is wrapped with `code` and `context` (`<context>: <original message>`).
 */
export function toControllerError(error: unknown, code: ControllerErrorCode = 'INTERNAL', context?: string): ControllerError {
  if (error instanceof ControllerError) return error;
  const detail = describeError(error);
  return new ControllerError(code, context ? `${context}: ${detail}` : detail, { cause: error });
}

/** The HTTP status of a client-node ApiException (or of anything carrying `code`/`statusCode`), if any. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

/**
 * A one-line description of an error. For a client-node ApiException this is the status and the API
 * server's `message`, not the multi-line dump of headers the exception carries.
 */
export function describeError(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const status = httpStatusOf(error);
    const body = (error as { body?: unknown }).body;
    if (status !== undefined && body !== undefined) {
      let parsed: unknown = body;
      if (typeof body === 'string') {
        try {
          parsed = JSON.parse(body);
        } catch {
          parsed = body;
        }
      }
      const message = typeof parsed === 'object' && parsed !== null ? (parsed as { message?: unknown }).message : parsed;
      return `HTTP ${status}${typeof message === 'string' && message ? `: ${message}` : ''}`;
    }
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
