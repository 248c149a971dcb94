/**
 * Logging of `sedna up`: each part (api-server, gm, lc, node-agent) logs JSON lines with pino to
 * `<dir>/logs/<part>.log`; warnings and errors also go to stdout as one short line each, beside the
 * notable events (see upEvents.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { LOG_LEVEL_DEPRECATION, logLevelFromEnv } from '@sedna-ts/internal';
import { redactingHooks } from '@sedna-ts/internal/logger';
import { pino, type Logger } from 'pino';
import { CliError, clock, LOGS_DIR, type CliIo } from '@sedna-ts/cli';

/** The parts of `sedna up` that log. */
export type UpPart = 'api-server' | 'dashboard' | 'gm' | 'kb' | 'lc' | 'node-agent' | 'sedna';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields worth showing in a short line, in this order. */
const SHORT_FIELDS = ['key', 'job', 'pod', 'node', 'stage', 'round', 'err', 'error'];

function short(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** One log record as a short line: `12:00:01 gm WARN reconcile failed; retrying key=... error=...`. */
export function shortLine(part: UpPart, record: Record<string, unknown>): string {
  const time = typeof record.time === 'number' ? clock(new Date(record.time)) : clock();
  const level = LEVELS[record.level as number] ?? String(record.level);
  const fields = SHORT_FIELDS.filter((f) => record[f] !== undefined).map((f) => `${f}=${short(record[f])}`);
  return `${time} ${part} ${level} ${String(record.msg ?? '')}${fields.length ? ` ${fields.join(' ')}` : ''}\n`;
}

/** A stream that turns pino JSON lines into short lines on `io.stdout`. */
function shortStream(part: UpPart, io: CliIo): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      pending += chunk.toString();
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        try {
          io.stdout.write(shortLine(part, JSON.parse(line) as Record<string, unknown>));
        } catch {
          io.stdout.write(`${clock()} ${part} ${line}\n`);
        }
        newline = pending.indexOf('\n');
      }
      callback();
    },
  });
}

/** The loggers of one `sedna up` and how to flush them. */
export interface UpLogs {
  logger(part: UpPart): Logger;
  /** Where the log files are. */
  dir: string;
  /** Writes out what is buffered (before exit). */
  flush(): void;
}

/**
 * Loggers writing to `<dataDir>/logs/<part>.log` at `level` (default SEDNA_LOG_LEVEL, else LOG_LEVEL,
 * deprecated and said so on stderr, else info), and warnings and errors to stdout in short.
 *
 * @throws CliError USAGE for a level that is no level.
 */
export function createUpLogs(dataDir: string, io: CliIo, level = levelFromEnv(io)): UpLogs {
  const dir = path.join(dataDir, LOGS_DIR);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const destinations: Array<ReturnType<typeof pino.destination>> = [];
  const loggers = new Map<UpPart, Logger>();
  return {
    dir,
    logger(part) {
      let logger = loggers.get(part);
      if (!logger) {
        const dest = path.join(dir, `${part}.log`);
        // Logs may name tokens' owners and paths: 0600 like the other files, made before pino opens it.
        fs.closeSync(fs.openSync(dest, 'a', 0o600));
        fs.chmodSync(dest, 0o600);
        const file = pino.destination({ dest, sync: false });
        destinations.push(file);
        logger = pino(
          { name: part, level, hooks: redactingHooks },
          pino.multistream([
            { level: level as pino.Level, stream: file },
            { level: 'warn', stream: shortStream(part, io) },
          ]),
        );
        loggers.set(part, logger);
      }
      return logger;
    },
    flush() {
      for (const d of destinations) {
        try {
          d.flushSync();
        } catch {
          // Not open yet (nothing written): nothing to flush.
        }
      }
    },
  };
}

/** The level of SEDNA_LOG_LEVEL (or of LOG_LEVEL alone, with the deprecation said once on stderr). */
function levelFromEnv(io: CliIo): string {
  let choice;
  try {
    choice = logLevelFromEnv(io.env);
  } catch (error) {
    throw new CliError('USAGE', (error as Error).message, { cause: error });
  }
  if (choice.deprecated) io.stderr.write(`sedna up: ${LOG_LEVEL_DEPRECATION}\n`);
  return choice.level;
}
