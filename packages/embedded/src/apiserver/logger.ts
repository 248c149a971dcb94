import { type Logger } from '@sedna-ts/internal';
import { createLogger } from '@sedna-ts/internal/logger';
import { ApiServerError } from './errors.js';

/** The logging the API server needs: a pino logger fits, as does anything with debug, info, warn and error. */
export type ApiServerLogger = Logger;

/**
 * The default logger: pino to stderr at `SEDNA_LOG_LEVEL` (`LOG_LEVEL` alone: deprecated, warned once;
 * default `info`).
 *
 * @throws ApiServerError `InvalidOptions` for a level that is no level.
 */
export function defaultApiServerLogger(): ApiServerLogger {
  try {
    return createLogger({ name: 'api-server', destination: 2 });
  } catch (error) {
    throw new ApiServerError('InvalidOptions', (error as Error).message, { cause: error });
  }
}

/** A logger that drops everything. */
export const silentLogger: ApiServerLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
