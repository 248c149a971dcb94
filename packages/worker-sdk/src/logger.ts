/**
 * The logger the SDK writes to. Shaped like pino's (`logger.info(obj, msg)`), so a pino logger can be
 * passed as is.
 */
export interface Logger {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof LEVELS;

/**
 * A logger that writes one JSON line per record to stderr (stdout stays the script's), at `LOG_LEVEL`
 * (`DEBUG`, `INFO` (default), `WARN`, `ERROR`, case-insensitive, read when created).
 */
export function createConsoleLogger(level: string = process.env.LOG_LEVEL ?? 'INFO', bindings: Record<string, unknown> = {}): Logger {
  const wanted = (level.toLowerCase() === 'warning' ? 'warn' : level.toLowerCase()) as Level;
  const min = LEVELS[wanted] ?? LEVELS.info;
  const write = (lvl: Level) => (obj: Record<string, unknown>, msg: string) => {
    if (LEVELS[lvl] < min) return;
    process.stderr.write(`${JSON.stringify({ level: lvl, time: new Date().toISOString(), ...bindings, ...obj, msg })}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
