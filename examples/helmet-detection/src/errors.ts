/** What went wrong, for callers that branch on it. */
export type HelmetErrorCode =
  /** A script argument or parameter has an invalid value. */
  | 'INVALID_ARGUMENT'
  /** A frame id is not `<A|B|C>-<seed>-<index>`. */
  | 'INVALID_FRAME_ID'
  /** An index line's label is not `x1,y1,x2,y2,cls`. */
  | 'INVALID_LABEL'
  /** sharp rendered something other than the expected frame. */
  | 'RENDER_FAILED'
  /** Training was asked to run without a single image. */
  | 'NO_TRAINING_DATA'
  /** A model output does not have the detector's shape or type. */
  | 'MODEL_OUTPUT_INVALID'
  /** A `sedna` command the demo ran exited with an error (the demo retries those that poll). */
  | 'COMMAND_FAILED'
  /** The demo cannot go on: sedna up exited, a round failed, something did not happen in time. */
  | 'DEMO_FAILED';

/**
 * The one error class of the helmet-detection example. Messages name the object, the field and the
 * value, e.g. `frame id: "D-1-2" is not <A|B|C>-<seed>-<index>`.
 */
export class HelmetError extends Error {
  readonly code: HelmetErrorCode;

  constructor(code: HelmetErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HelmetError';
    this.code = code;
  }
}

/** Any thrown value as a `HelmetError` (kept as is when it already is one). */
export function toHelmetError(error: unknown, code: HelmetErrorCode = 'INVALID_ARGUMENT'): HelmetError {
  if (error instanceof HelmetError) return error;
  return new HelmetError(code, error instanceof Error ? error.message : String(error), { cause: error });
}
