import { pino } from 'pino';

/** The logging the API server needs: a pino logger fits, as does anything with these four methods. */
export interface ApiServerLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** The default logger: pino to stderr at `SEDNA_LOG_LEVEL` (default `info`). */
export function defaultApiServerLogger(): ApiServerLogger {
  return pino({ name: 'api-server', level: process.env.SEDNA_LOG_LEVEL ?? 'info' }, pino.destination(2));
}

/** A logger that drops everything. */
export const silentLogger: ApiServerLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
