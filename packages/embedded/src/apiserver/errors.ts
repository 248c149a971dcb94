/**
 * What went wrong in the API server, as a stable string a caller can switch on. The first group are
 * the Kubernetes `metav1.StatusReason` values the server answers with (each maps to one HTTP code);
 * the second group are failures of the server itself.
 */
export type ApiServerErrorCode =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Expired'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'Invalid'
  | 'Timeout'
  | 'InternalError'
  /** The options given to `startApiServer` are invalid. */
  | 'InvalidOptions'
  /** The store could not be opened, read or written. */
  | 'StoreFailure'
  /** The store was written by a newer release (or is not a store of this server). */
  | 'StoreSchema';

const HTTP_CODES: Record<ApiServerErrorCode, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Expired: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  Timeout: 504,
  InternalError: 500,
  InvalidOptions: 500,
  StoreFailure: 500,
  StoreSchema: 500,
};

/** One field-level cause of an `Invalid` error, as `metav1.StatusCause`. */
export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

/** What a Status names: the object the request was about. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** A `metav1.Status` object, the body of every error answer. */
export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: { resourceVersion?: string; continue?: string };
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

/**
 * The one error class of the API server: a `code` to switch on (a Kubernetes status reason or a
 * server failure), a message that names the object, the field path and the value, and the underlying
 * `cause` when there is one. `toStatus()` gives the `metav1.Status` answered to clients.
 *
 * @example
 * ```ts
 * try { await startApiServer({ dataDir }); }
 * catch (e) { if (e instanceof ApiServerError && e.code === 'StoreSchema') process.exit(1); }
 * ```
 */
export class ApiServerError extends Error {
  override readonly name = 'ApiServerError';
  readonly code: ApiServerErrorCode;
  readonly details: StatusDetails | undefined;
  /** Extra `metadata` of the Status (an inconsistent `continue` token for an expired list). */
  readonly statusMetadata: { continue?: string } | undefined;

  constructor(
    code: ApiServerErrorCode,
    message: string,
    options?: { cause?: unknown; details?: StatusDetails; statusMetadata?: { continue?: string } },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
    this.statusMetadata = options?.statusMetadata;
  }

  /** The HTTP status code this error is answered with. */
  get httpStatus(): number {
    return HTTP_CODES[this.code];
  }

  /** The `metav1.Status` answered to a client. */
  toStatus(): KubeStatus {
    const internal = this.code === 'InvalidOptions' || this.code === 'StoreFailure' || this.code === 'StoreSchema';
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: this.statusMetadata ? { ...this.statusMetadata } : {},
      status: 'Failure',
      message: this.message,
      reason: internal ? 'InternalError' : this.code,
      ...(this.details ? { details: this.details } : {}),
      code: this.httpStatus,
    };
  }

  /** Returns `error` itself when it is an ApiServerError, else wraps it as `InternalError` with `context`. */
  static from(error: unknown, context: string): ApiServerError {
    if (error instanceof ApiServerError) return error;
    const detail = error instanceof Error ? error.message : String(error);
    return new ApiServerError('InternalError', `${context}: ${detail}`, { cause: error });
  }
}

/** A Status of success, as answered by some deletes. */
export function successStatus(details?: StatusDetails): KubeStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    message: '',
    reason: '',
    ...(details ? { details } : {}),
    code: 200,
  };
}
