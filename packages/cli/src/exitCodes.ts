/** Exit codes of the `sedna` command (documented in the package README; scripts depend on them). */
export const ExitCode = {
  /** Everything went as asked. */
  Ok: 0,
  /** The input is invalid (objects that do not validate, unreadable or empty input). */
  Invalid: 1,
  /** The command line is wrong (unknown verb or flag, missing value). */
  Usage: 2,
  /** Something named does not exist (a file or folder; later: an object). */
  NotFound: 3,
  /** The API server cannot be reached (later verbs). */
  Unreachable: 4,
} as const;
/** One of the exit codes. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
