/**
 * The one logger of the sedna-ts components: pino, at the level the environment asks for
 * (`logLevelFromEnv` of logger.ts). Its own entry, `@sedna-ts/internal/logger`: pino is loaded only by
 * the packages that log with it (and list it in their dependencies).
 */
import { pino, type DestinationStream, type Logger as PinoLogger, type LoggerOptions } from 'pino';
// Values only from logger.ts: a type of it in this entry's declarations would make tsup share a
// declaration chunk between the two entries, which the packages inlining these types cannot resolve.
import { LOG_LEVEL_DEPRECATION, logLevelFromEnv, parseLogLevel } from './logger.js';
import { redactValue } from './redact.js';

/** Options of `createLogger`. */
export interface CreateLoggerOptions {
  /** The `name` field of every record (`sedna-gm`, `sedna-lc`, `api-server`, ...). */
  name?: string;
  /** The level; default from `env` by `profile` (a deprecated `LOG_LEVEL` is warned about once). */
  level?: string;
  /** Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Default `component` (see `LogLevelProfile`). */
  profile?: 'component' | 'worker';
  /** 1 (stdout), 2 (stderr, the default) or a stream. File descriptors are written synchronously. */
  destination?: 1 | 2 | DestinationStream;
  /** Fields bound to every record. */
  bindings?: Record<string, unknown>;
}

let deprecationWarned = false;

/**
 * pino's `hooks` that pass the message and the fields of every call through `redactValue` (a record may
 * carry a worker's text: a failure message, a report). For a pino logger made elsewhere (`sedna up`'s).
 */
export const redactingHooks: NonNullable<LoggerOptions['hooks']> = {
  logMethod(args, method) {
    method.apply(this, args.map((arg) => redactValue(arg)) as Parameters<typeof method>);
  },
};

/**
 * A pino logger: JSON lines (`{"level":30,"time":...,"name":"sedna-lc","msg":"..."}`). The message and
 * the fields of every call go through `redactValue` first: no token sedna-ts issues reaches a log.
 *
 * @example
 * const logger = createLogger({ name: 'sedna-lc' }); // SEDNA_LOG_LEVEL, else info; stderr
 * logger.child({ job: 'default/helmet' }).info({ round: 3 }, 'round started');
 */
export function createLogger(options: CreateLoggerOptions = {}): PinoLogger {
  const choice = options.level === undefined ? logLevelFromEnv(options.env ?? process.env, options.profile) : undefined;
  const level = options.level === undefined ? (choice as { level: string }).level : (parseLogLevel(options.level) ?? options.level);
  const destination = options.destination ?? 2;
  const stream = typeof destination === 'number' ? pino.destination({ dest: destination, sync: true }) : destination;
  let logger = pino(
    {
      level,
      ...(options.name === undefined ? {} : { name: options.name }),
      hooks: redactingHooks,
    },
    stream,
  );
  if (options.bindings) logger = logger.child(options.bindings);
  if (choice?.deprecated && !deprecationWarned) {
    deprecationWarned = true;
    logger.warn({ variable: 'LOG_LEVEL', logLevel: level }, LOG_LEVEL_DEPRECATION);
  }
  return logger;
}
