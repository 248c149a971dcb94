/** The one error class of @sedna-ts/knowledge-base, and the HTTP status of each of its codes. */

/** What went wrong. */
export type KnowledgeBaseErrorCode =
  /** No worker token, or one that is not valid (HTTP 401). */
  | 'UNAUTHENTICATED'
  /** A valid token that does not open this (a job of another kind, another job's index) (HTTP 403). */
  | 'FORBIDDEN'
  /** No index yet, no such file, no such route (HTTP 404). */
  | 'NOT_FOUND'
  /** The route exists, not with this method (HTTP 405). */
  | 'METHOD_NOT_ALLOWED'
  /** An index version that clashes with the stored ones: not after the current, or another content under a stored create_time (HTTP 409). */
  | 'CONFLICT'
  /** A body, field or parameter that is not what the route takes (HTTP 400). */
  | 'INVALID_INPUT'
  /** A body over the limit (HTTP 413). */
  | 'TOO_LARGE'
  /** A body of a type the route does not read: a Python pickle, another media type (HTTP 415). */
  | 'UNSUPPORTED_MEDIA_TYPE'
  /** The service's own configuration (the environment of `sedna-kb`, the options of `startKnowledgeBase`). */
  | 'INVALID_CONFIG'
  /** The data folder cannot be used (another user's, not writable, held by another process). */
  | 'DATA_DIR'
  /** Anything else: a bug, or a failing disk (HTTP 500). */
  | 'INTERNAL';

const HTTP_STATUS: Record<KnowledgeBaseErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  INVALID_INPUT: 400,
  TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_CONFIG: 500,
  DATA_DIR: 500,
  INTERNAL: 500,
};

/**
 * An error of the knowledge base. Its message names the object, the field and the value, e.g.
 * `index: seen_task.task_groups[0].model.url: "" is not a non-empty string`; the service replies with
 * it as `{status, message}` and the HTTP status of its code.
 */
export class KnowledgeBaseError extends Error {
  override readonly name = 'KnowledgeBaseError';
  readonly code: KnowledgeBaseErrorCode;

  constructor(code: KnowledgeBaseErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** The HTTP status the service replies with. */
  get status(): number {
    return HTTP_STATUS[this.code];
  }
}

/** The message of any thrown value (by shape: Node's errors may come from another realm under jest). */
export function errorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
  return String(error);
}

/** Turns any thrown value into a KnowledgeBaseError (one is returned as it is), code `INTERNAL`. */
export function toKnowledgeBaseError(error: unknown): KnowledgeBaseError {
  if (error instanceof KnowledgeBaseError) return error;
  return new KnowledgeBaseError('INTERNAL', errorMessage(error), { cause: error });
}
