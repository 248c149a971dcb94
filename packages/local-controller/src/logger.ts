/**
 * The logger the LC writes to: pino's interface (an object of fields, then a message). Pass your own pino
 * logger in the config to merge the LC's logs with yours; by default the LC makes one.
 */
import { type LoggerWithChild } from '@sedna-ts/internal';
import { createLogger as createPinoLogger } from '@sedna-ts/internal/logger';
import { LocalControllerError } from './errors.js';

/** The subset of pino's `Logger` the LC uses (debug, info, warn, error, child). */
export type LcLogger = LoggerWithChild;

/**
 * A pino logger named `sedna-lc` writing JSON lines to stderr, at `level`, else `SEDNA_LOG_LEVEL` of
 * `env`, else `LOG_LEVEL` (deprecated, warned once), else `info`.
 *
 * @throws LocalControllerError `CONFIG_INVALID` for a level that is no level.
 */
export function createLogger(level?: string, env: NodeJS.ProcessEnv = process.env): LcLogger {
  try {
    return createPinoLogger({ name: 'sedna-lc', env, destination: 2, ...(level === undefined ? {} : { level }) });
  } catch (error) {
    throw new LocalControllerError('CONFIG_INVALID', `LC env ${(error as Error).message}`, { cause: error });
  }
}
