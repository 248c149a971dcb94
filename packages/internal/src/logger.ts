/**
 * The one logging interface of the sedna-ts packages (pino's shape: fields first, then the message),
 * which each package names as its own (`GmLogger`, `LcLogger`, `ApiServerLogger`, `NodeAgentLogger`,
 * the worker SDK's `Logger`), and the level the environment asks for. The pino logger itself is
 * `createLogger` of `@sedna-ts/internal/logger` (createLogger.ts), a subpath of its own so that a package
 * that only reads the level does not bundle pino.
 *
 * Levels, by profile:
 * - `component` (GM, LC, API server, node agent, `sedna up`): `SEDNA_LOG_LEVEL`; `LOG_LEVEL` alone
 *   still works, with a deprecation warning once per process; with both, `SEDNA_LOG_LEVEL` wins; an
 *   unknown name is an error.
 * - `worker` (the worker SDK, as the original Python one): `LOG_LEVEL`, no warning, `SEDNA_LOG_LEVEL`
 *   winning when set; an unknown name means `info`, as before.
 * Both take pino's names and Python's (DEBUG, INFO, WARNING, ERROR, CRITICAL), in any case.
 */
/** What the packages log through: a pino logger fits, as does anything with these four methods. */
export interface Logger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

/** A `Logger` that also makes children with bound fields (`logger.child({ job })`), as pino does. */
export interface LoggerWithChild extends Logger {
  child(bindings: Record<string, unknown>): LoggerWithChild;
}

/** pino's levels. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

const LEVEL_NAMES: Record<string, LogLevel> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'fatal',
  critical: 'fatal',
  silent: 'silent',
};

/** The pino level of a pino or Python level name (`WARNING` is `warn`, `CRITICAL` is `fatal`), any case; undefined if unknown. */
export function parseLogLevel(name: string): LogLevel | undefined {
  return Object.hasOwn(LEVEL_NAMES, name.trim().toLowerCase()) ? LEVEL_NAMES[name.trim().toLowerCase()] : undefined;
}

/** Which variables set the level, and how (see the module comment). */
export type LogLevelProfile = 'component' | 'worker';

/** The level chosen from the environment, and where it came from. */
export interface LogLevelChoice {
  level: LogLevel;
  /** The variable it came from; undefined for the default, `info`. */
  variable?: 'SEDNA_LOG_LEVEL' | 'LOG_LEVEL';
  /** The level came from `LOG_LEVEL` where `SEDNA_LOG_LEVEL` is the variable to set (say so once). */
  deprecated: boolean;
}

/** The deprecation warning for a level taken from `LOG_LEVEL` alone. */
export const LOG_LEVEL_DEPRECATION = 'LOG_LEVEL is deprecated: set SEDNA_LOG_LEVEL instead';

/**
 * The level the environment asks for. An empty variable counts as unset.
 *
 * @throws RangeError for a `component` whose variable names no level, naming the variable and value.
 * @example
 * logLevelFromEnv({ LOG_LEVEL: 'debug' }); // { level: 'debug', variable: 'LOG_LEVEL', deprecated: true }
 * logLevelFromEnv({ LOG_LEVEL: 'WARNING' }, 'worker'); // { level: 'warn', variable: 'LOG_LEVEL', deprecated: false }
 */
export function logLevelFromEnv(env: Record<string, string | undefined> = process.env, profile: LogLevelProfile = 'component'): LogLevelChoice {
  const variable = env.SEDNA_LOG_LEVEL?.trim() ? 'SEDNA_LOG_LEVEL' : env.LOG_LEVEL?.trim() ? 'LOG_LEVEL' : undefined;
  if (!variable) return { level: 'info', deprecated: false };
  const value = env[variable] as string;
  const level = parseLogLevel(value);
  if (!level) {
    if (profile === 'worker') return { level: 'info', deprecated: false };
    throw new RangeError(`${variable}: ${JSON.stringify(value)} is not a log level (trace, debug, info, warn, error, fatal, silent, or DEBUG, INFO, WARNING, ERROR, CRITICAL)`);
  }
  return { level, variable, deprecated: variable === 'LOG_LEVEL' && profile === 'component' };
}
