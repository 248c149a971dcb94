/** Exit codes of the `sedna` command (documented in the package README; scripts depend on them). */
export const ExitCode = {
  /** Everything went as asked. */
  Ok: 0,
  /** The input is invalid (objects that do not validate, unreadable or empty input). */
  Invalid: 1,
  /** The command line is wrong (unknown verb or flag, missing value), or `sedna up` already runs on the folder. */
  Usage: 2,
  /** Something named does not exist (a file, a folder, an object, a job's worker pod). */
  NotFound: 3,
  /** The API server cannot be reached (connection refused, DNS, TLS, timeout). */
  Unreachable: 4,
  /** A wait ended at its deadline without the outcome it waited for (`rollback --wait`). */
  Timeout: 5,
} as const;
/** One of the exit codes. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
