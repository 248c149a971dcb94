/** The shape of one verb of the `sedna` command: each verb lives in its own file under commands/. */
import type { Command } from 'commander';
import type { CliIo } from './io.js';

/**
 * A verb: `register` adds its sub-command to the program. Its action resolves to the exit code, or throws
 * a CliError (whose code gives the exit code).
 */
export interface CommandModule {
  /** The verb, e.g. `validate`. */
  name: string;
  register(program: Command, io: CliIo, exit: (code: number) => void): void;
}
