/** What went wrong in a hard-example-mining filter. */
export type HemErrorCode = 'INVALID_PARAMETER' | 'INTERNAL';

/**
 * The one error class of this package. Messages name the filter, the parameter and the value, e.g.
 * `IBT: parameter threshold_img: "abc" is not a number`.
 */
export class HemError extends Error {
  override readonly name = 'HemError';
  readonly code: HemErrorCode;

  constructor(code: HemErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Turn any thrown value into a `HemError` (an existing one is returned as is). */
export function toHemError(error: unknown, code: HemErrorCode = 'INTERNAL'): HemError {
  if (error instanceof HemError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new HemError(code, message, { cause: error });
}
