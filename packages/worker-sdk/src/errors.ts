/** What went wrong in the worker SDK. */
export type WorkerSdkErrorCode =
  /** An environment variable or option is missing or malformed. */
  | 'CONFIG_INVALID'
  /** A typed `Context` getter found a value of the wrong type. */
  | 'PARAMETER_INVALID'
  /** `ClassFactory.getCls` found nothing under that (type, name). */
  | 'CLASS_NOT_REGISTERED'
  /** `ClassFactory.register` of a taken (type, name) without `{ replace: true }`. */
  | 'CLASS_ALREADY_REGISTERED'
  /** A dataset index or CSV file is missing or malformed. */
  | 'DATASET_INVALID'
  /** A dataset line names a file outside the dataset root. */
  | 'DATASET_PATH_OUTSIDE_ROOT'
  /** A report could not be delivered to the Local Controller. */
  | 'REPORT_UNDELIVERABLE'
  /** A model file is missing, of the wrong size or checksum, or fails to load or warm up. */
  | 'MODEL_INVALID'
  /** `exportToOnnx` met a layer, activation or setting it cannot convert (the error names the layer). */
  | 'EXPORT_UNSUPPORTED'
  /** The user's estimator threw. */
  | 'ESTIMATOR_FAILED'
  /** A hard example could not be saved. */
  | 'HARD_EXAMPLE_FAILED'
  /** An inference input cannot be used (wrong shape, type or encoding). */
  | 'INPUT_INVALID'
  /** An optional runtime (tfjs, onnxruntime, sharp) cannot be loaded or fails its self-test. */
  | 'RUNTIME_UNAVAILABLE'
  /** The knowledge-base service did not take a request before its deadline, or a KB index is malformed. */
  | 'KB_FAILED'
  /** A bug: something that should not happen. */
  | 'INTERNAL';

/**
 * The one error class of the worker SDK. `code` says what kind of failure it is; the message names the
 * object, the field or variable and the value, e.g.
 * `Context: env batch_size: "abc" is not an integer`.
 */
export class WorkerSdkError extends Error {
  override readonly name = 'WorkerSdkError';
  readonly code: WorkerSdkErrorCode;

  constructor(code: WorkerSdkErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * Turn any thrown value into a `WorkerSdkError`. An existing one is returned as is; anything else is
 * wrapped with `code`, its message prefixed by `context` when given.
 */
export function toWorkerSdkError(error: unknown, code: WorkerSdkErrorCode = 'INTERNAL', context?: string): WorkerSdkError {
  if (error instanceof WorkerSdkError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new WorkerSdkError(code, context ? `${context}: ${message}` : message, { cause: error });
}
