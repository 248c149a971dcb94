/** The one error class of @sedna-ts/api-types. */
import { formatIssue, type ValidationIssue } from './issues.js';

/** What went wrong. */
export type ApiTypesErrorCode =
  /** A document is not a valid Sedna object; `issues` says why. */
  | 'INVALID_OBJECT'
  /** Text could not be parsed as YAML/JSON, or a document is too large; `issues` says where. */
  | 'PARSE_ERROR'
  /** Anything else (a bug). */
  | 'INTERNAL';

/**
 * Error thrown by the functions of this package that throw (most return issues instead). Its message is
 * the formatted issues, one per line.
 */
export class ApiTypesError extends Error {
  override readonly name = 'ApiTypesError';
  readonly code: ApiTypesErrorCode;
  readonly issues: readonly ValidationIssue[];

  constructor(code: ApiTypesErrorCode, message: string, options: { issues?: readonly ValidationIssue[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.issues = options.issues ?? [];
  }

  /** An INVALID_OBJECT or PARSE_ERROR error whose message lists `issues`. */
  static fromIssues(code: 'INVALID_OBJECT' | 'PARSE_ERROR', issues: readonly ValidationIssue[]): ApiTypesError {
    return new ApiTypesError(code, issues.map(formatIssue).join('\n'), { issues });
  }
}

/** Turns any thrown value into an ApiTypesError (an ApiTypesError is returned as it is). */
export function toApiTypesError(error: unknown): ApiTypesError {
  if (error instanceof ApiTypesError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiTypesError('INTERNAL', message, { cause: error });
}
