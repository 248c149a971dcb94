/** The one error class of @sedna-ts/cli: what went wrong, and so which exit code the command ends with. */
import { ExitCode } from './exitCodes.js';

/** What went wrong. */
export type CliErrorCode = 'INVALID_INPUT' | 'USAGE' | 'NOT_FOUND' | 'UNREACHABLE' | 'INTERNAL';

const EXIT_CODES: Record<CliErrorCode, ExitCode> = {
  INVALID_INPUT: ExitCode.Invalid,
  USAGE: ExitCode.Usage,
  NOT_FOUND: ExitCode.NotFound,
  UNREACHABLE: ExitCode.Unreachable,
  // A bug is not the user's input, but the input is all a script can act on.
  INTERNAL: ExitCode.Invalid,
};

/**
 * Marks a CliError of any copy of this package: @sedna-ts/up, loaded by `sedna up`, may get a copy of
 * the CLI of its own (npm installs a missing peer dependency), whose errors must still be CliErrors here.
 */
const BRAND = Symbol.for('sedna-ts.cli.CliError');

/** An error a command reports to the user (its message is printed as `sedna: <message>`). */
export class CliError extends Error {
  /** `instanceof CliError` holds for the CliErrors of every copy of @sedna-ts/cli in the process. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  readonly [BRAND] = true;
  override readonly name = 'CliError';
  readonly code: CliErrorCode;
  /** The HTTP status of the API server's answer, when the error is one. */
  readonly status: number | undefined;
  /** The `reason` of the API server's Status (`NotFound`, `Conflict`, `AlreadyExists`, `Invalid`, ...), when it sent one. */
  readonly reason: string | undefined;

  constructor(code: CliErrorCode, message: string, options: { cause?: unknown; status?: number; reason?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.reason = options.reason;
  }

  /** The exit code for this error. */
  get exitCode(): ExitCode {
    return EXIT_CODES[this.code];
  }
}

/** Turns any thrown value into a CliError (a CliError is returned as it is). */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  return new CliError('INTERNAL', error instanceof Error ? error.message : String(error), { cause: error });
}
