/** Log lines: what the init container prints (pino's records), before the plain last line of a failure. */
import { type LogLevel } from './config.js';
import { type Redactor } from './redact.js';

/** Where the initializer logs. A pino logger fits, as does anything with these four methods. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** pino's level numbers. */
const PINO_LEVEL: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/**
 * A logger that writes pino's records, one JSON line each (`{"level":30,"time":1738324800000,"msg":"..."}`),
 * at `level` and above, as the other sedna-ts components log; newlines in a message become spaces.
 *
 * @example
 * const log = createLineLogger({ level: 'info', write: (line) => process.stderr.write(line) });
 */
export function createLineLogger(options: { level: LogLevel; write: (line: string) => void; now?: () => Date }): Logger {
  const min = PINO_LEVEL[options.level];
  const now = options.now ?? (() => new Date());
  const at = (level: LogLevel) => (message: string) => {
    if (PINO_LEVEL[level] < min) return;
    options.write(`${JSON.stringify({ level: PINO_LEVEL[level], time: now().getTime(), msg: oneLine(message) })}\n`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** `logger` with every message masked by `redactor` first. */
export function redactingLogger(logger: Logger, redactor: Redactor): Logger {
  return {
    debug: (m) => logger.debug(redactor.redact(m)),
    info: (m) => logger.info(redactor.redact(m)),
    warn: (m) => logger.warn(redactor.redact(m)),
    error: (m) => logger.error(redactor.redact(m)),
  };
}

/** The message on one line. */
export function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
