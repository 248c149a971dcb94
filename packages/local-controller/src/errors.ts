/** What went wrong in the Local Controller. */
export type LocalControllerErrorCode =
  /** A config field or environment variable is missing or malformed. */
  | 'CONFIG_INVALID'
  /** A worker report body is not a valid `WorkerReport`. */
  | 'REPORT_INVALID'
  /** A worker report without a valid `Authorization: Bearer <token>` header. */
  | 'UNAUTHENTICATED'
  /** A worker report whose token is not the one of that worker on this node. */
  | 'FORBIDDEN'
  /** A worker report about a job this LC does not hold. */
  | 'JOB_NOT_FOUND'
  /** A dataset index cannot be read, or its format is not txt or csv. */
  | 'DATASET_INVALID'
  /** A read of a dataset index got no answer within the deadline (`datasetReadTimeoutMs`). */
  | 'READ_TIMEOUT'
  /** A file or folder outside the folders the LC may read and write (`dataRoots`), or inside a denied one. */
  | 'PATH_NOT_ALLOWED'
  /** A model to publish is missing or cannot be copied. */
  | 'MODEL_INVALID'
  /** A file of the LC's data dir cannot be read or written. */
  | 'STORAGE_FAILED'
  /** The GM refused the connection or spoke another protocol version. */
  | 'GM_REFUSED'
  /** The LC is stopping or stopped. */
  | 'STOPPED'
  /** A bug: something that should not happen. */
  | 'INTERNAL';

/**
 * The one error class of @sedna-ts/local-controller. `code` says what kind of failure it is; the message
 * names the object, the field and the value, e.g.
 * `LC config: port: 70000 is not a port number (0 to 65535)`.
 */
export class LocalControllerError extends Error {
  override readonly name = 'LocalControllerError';
  readonly code: LocalControllerErrorCode;

  constructor(code: LocalControllerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * Turn any thrown value into a `LocalControllerError`. An existing one is returned as is; anything else
 * is wrapped with `code`, its message prefixed by `context` when given.
 */
export function toLocalControllerError(error: unknown, code: LocalControllerErrorCode = 'INTERNAL', context?: string): LocalControllerError {
  if (error instanceof LocalControllerError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new LocalControllerError(code, context ? `${context}: ${message}` : message, { cause: error });
}
