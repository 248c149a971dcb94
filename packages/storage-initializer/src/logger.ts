/** Log lines: what the init container prints, and what a pod's termination message shows on failure. */
import { type LogLevel } from './config.js';
import { type Redactor } from './redact.js';

/** Where the initializer logs. A pino logger fits, as does anything with these four methods. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const LABEL: Record<LogLevel, string> = { debug: 'DEBUG', info: 'INFO ', warn: 'WARN ', error: 'ERROR' };

/**
 * A logger that writes `2025-01-31T12:00:00.000Z INFO  message` lines at `level` and above, each on one
 * line (newlines in a message become spaces, so the last log line is always a whole message).
 *
 * @example
 * const log = createLineLogger({ level: 'info', write: (line) => process.stderr.write(line) });
 */
export function createLineLogger(options: { level: LogLevel; write: (line: string) => void; now?: () => Date }): Logger {
  const min = RANK[options.level];
  const now = options.now ?? (() => new Date());
  const at = (level: LogLevel) => (message: string) => {
    if (RANK[level] < min) return;
    options.write(`${now().toISOString()} ${LABEL[level]} ${oneLine(message)}\n`);
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
