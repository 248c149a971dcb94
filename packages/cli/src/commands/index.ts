/** Every verb of the `sedna` command, in help order. A new verb is one file here and one line below. */
import type { CommandModule } from '../command.js';
import { crdsCommand } from './crds.js';
import { validateCommand } from './validate.js';

/** The verbs, in the order `sedna --help` lists them. */
export const COMMANDS: readonly CommandModule[] = [validateCommand, crdsCommand];
