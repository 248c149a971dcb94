/** What went wrong while making files private. */
export type PrivateFilesErrorCode = 'MKDIR_FAILED' | 'CHMOD_FAILED' | 'READ_FAILED' | 'NOT_OWNED';

/**
 * The one error class of this package. Messages name the path and, for a chmod, both modes, e.g.
 * `/var/lib/sedna: cannot tighten from 0777 to 0700: EPERM: operation not permitted, chmod ...`.
 * The packages that bundle this one wrap it in their own error class at their edge.
 */
export class PrivateFilesError extends Error {
  override readonly name = 'PrivateFilesError';
  readonly code: PrivateFilesErrorCode;

  constructor(code: PrivateFilesErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
