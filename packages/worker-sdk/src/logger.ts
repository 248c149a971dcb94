import { parseLogLevel, type Logger as PinoShapedLogger } from '@sedna-ts/internal';
import { createLogger } from '@sedna-ts/internal/logger';

/**
 * The logger the SDK writes to. Shaped like pino's (`logger.info(obj, msg)`), so a pino logger can be
 * passed as is.
 */
export type Logger = PinoShapedLogger;

/**
 * A pino logger writing one JSON line per record (`{"level":30,"time":...,"msg":...}`) to stderr (stdout
 * stays the script's), at `level`, else `SEDNA_LOG_LEVEL`, else `LOG_LEVEL` (the original's), else
 * `INFO`, read when created. Python's names (`DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`) and pino's
 * are taken, in any case; an unknown name means `INFO`.
 */
export function createConsoleLogger(level?: string, bindings: Record<string, unknown> = {}): Logger {
  return createLogger({
    profile: 'worker',
    destination: 2,
    bindings,
    ...(level === undefined ? {} : { level: parseLogLevel(level) ?? 'info' }),
  });
}
