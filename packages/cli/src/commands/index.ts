/** Every verb of the `sedna` command, in help order. A new verb is one file here and one line below. */
import type { CommandModule } from '../command.js';
import { applyCommand } from './apply.js';
import { completionCommand } from './completion.js';
import { crdsCommand } from './crds.js';
import { deleteCommand } from './delete.js';
import { downCommand } from './down.js';
import { describeCommand } from './describe.js';
import { getCommand } from './get.js';
import { logsCommand } from './logs.js';
import { rollbackCommand } from './rollback.js';
import { statusCommand } from './status.js';
import { triggerCommand } from './trigger.js';
import { upCommand } from './up.js';
import { validateCommand } from './validate.js';
import { versionCommand } from './version.js';
import { waitCommand } from './wait.js';

/** The verbs, in the order `sedna --help` lists them. */
export const COMMANDS: readonly CommandModule[] = [
  upCommand,
  statusCommand,
  downCommand,
  applyCommand,
  getCommand,
  describeCommand,
  deleteCommand,
  triggerCommand,
  rollbackCommand,
  waitCommand,
  logsCommand,
  validateCommand,
  crdsCommand,
  versionCommand,
  completionCommand,
];
