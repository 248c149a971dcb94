/** The one error class of @sedna-ts/storage-initializer. */

/** What went wrong. */
export type StorageInitializerErrorCode =
  /** The arguments or the environment are not what the initializer takes. */
  | 'USAGE'
  /** A source URL has a scheme the initializer does not fetch, or no file name where one is needed. */
  | 'UNSUPPORTED_URL'
  /** The object, prefix, file or HTTP resource does not exist. */
  | 'NOT_FOUND'
  /** The server refused the credentials (HTTP 401/403, unknown access key, bad signature). */
  | 'ACCESS_DENIED'
  /** A failure that may pass (network, 5xx, throttling, truncated body) persisted through every attempt. */
  | 'UNAVAILABLE'
  /** The server answered with an error that is neither of the above. */
  | 'REMOTE'
  /** An archive could not be read. */
  | 'INVALID_ARCHIVE'
  /** An archive entry, object key or index line would land outside the destination. */
  | 'UNSAFE_PATH'
  /** An index file (indirect download) is not a single readable file with a base URI. */
  | 'INVALID_INDEX'
  /** A local file operation failed (disk full, permissions, ...). */
  | 'IO'
  /** Anything else: a bug. */
  | 'INTERNAL';

/** The step of a download an error happened in, named in its message. */
export type DownloadStep = 'arguments' | 'list' | 'download' | 'copy' | 'link' | 'extract' | 'read index';

/**
 * An error of the storage initializer. The message names the URL and the step, e.g.
 * `s3://models/helmet/model.tar.gz: download: access denied (HTTP 403 InvalidAccessKeyId: ...)`, and
 * never contains a credential: messages and causes are masked before the error is created.
 */
export class StorageInitializerError extends Error {
  override readonly name = 'StorageInitializerError';
  readonly code: StorageInitializerErrorCode;
  /** The source URL (masked) the error is about, when there is one. */
  readonly url: string | undefined;
  /** The step that failed, when there is one. */
  readonly step: DownloadStep | undefined;

  constructor(
    code: StorageInitializerErrorCode,
    message: string,
    options: { cause?: unknown; url?: string; step?: DownloadStep } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.url = options.url;
    this.step = options.step;
  }
}

/**
 * The message of any thrown value. Errors are recognised by shape, not `instanceof`: Node's own errors
 * come from another realm under some runners (jest's vm modules).
 */
export function errorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
  return String(error);
}

/**
 * The message of an error followed by its causes' codes and messages, for errors whose own message
 * says little (fetch's `fetch failed`): `fetch failed: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:9`.
 */
export function errorChain(error: unknown): string {
  const parts = [errorMessage(error)];
  let cause = (error as { cause?: unknown } | null)?.cause;
  for (let depth = 0; typeof cause === 'object' && cause !== null && depth < 4; depth++) {
    const { code } = cause as { code?: unknown };
    const message = errorMessage(cause);
    const text = typeof code === 'string' && !message.includes(code) ? `${code} ${message}` : message;
    if (!parts.some((p) => p.includes(text))) parts.push(text);
    cause = (cause as { cause?: unknown }).cause;
  }
  return parts.join(': ');
}

/** Turns any thrown value into a StorageInitializerError (one is returned as it is), code `INTERNAL`. */
export function toStorageInitializerError(error: unknown): StorageInitializerError {
  if (error instanceof StorageInitializerError) return error;
  return new StorageInitializerError('INTERNAL', errorMessage(error), { cause: error });
}
