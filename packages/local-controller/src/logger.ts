/**
 * The logger the LC writes to: pino's interface (an object of fields, then a message). Pass your own pino
 * logger in the config to merge the LC's logs with yours; by default the LC makes one.
 */
import { pino } from 'pino';

type LogFn = (fields: object, message?: string) => void;

/** The subset of pino's `Logger` the LC uses. */
export interface LcLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): LcLogger;
}

/** A pino logger named `sedna-lc`, at `level` (default `LOG_LEVEL`, else `info`), writing JSON lines to stderr. */
export function createLogger(level: string = process.env.LOG_LEVEL?.toLowerCase() || 'info'): LcLogger {
  return pino({ name: 'sedna-lc', level }, pino.destination(2));
}
