import { CliError, toCliError } from './errors.js';
import { ExitCode } from './exitCodes.js';

/** The brand every copy of the package puts on its CliErrors. */
const BRAND = Symbol.for('sedna-ts.cli.CliError');

test("a CliError of another copy of the package (@sedna-ts/up's own CLI) is a CliError here: its code gives the exit code", () => {
  // What the class of another copy makes: its own class, the same process-wide brand.
  class OtherCopyCliError extends Error {
    readonly [BRAND] = true;
    readonly code = 'USAGE';
    get exitCode(): number {
      return ExitCode.Usage;
    }
  }
  const other = new OtherCopyCliError('already running (pid 42) on /tmp/sedna');
  expect(other instanceof CliError).toBe(true);
  expect(toCliError(other)).toBe(other);
  expect(toCliError(other).exitCode).toBe(ExitCode.Usage);
  expect(new Error('boom') instanceof CliError).toBe(false);
  expect(toCliError(new Error('boom'))).toMatchObject({ code: 'INTERNAL', exitCode: ExitCode.Invalid });
});
