/** What one run shares: configuration, logger, masking, the S3 client, and the one way errors are made. */
import { type S3Client } from '@aws-sdk/client-s3';
import { configFromEnv, configSecrets, type InitializerConfig } from './config.js';
import { type DownloadStep, errorMessage, StorageInitializerError, type StorageInitializerErrorCode } from './errors.js';
import { LocalWriteError, sweepPartials } from './files.js';
import { createLineLogger, type Logger, redactingLogger } from './logger.js';
import { Redactor } from './redact.js';
import { AttemptsFailed, type RetryPolicy } from './retry.js';
import { createS3Client } from './s3Client.js';

/** Options of {@link download}, {@link indirectDownload} and {@link runInitializer}. */
export interface DownloadOptions {
  /** The whole configuration; by default {@link configFromEnv} of `env`. */
  config?: InitializerConfig;
  /** Where the configuration comes from when `config` is not given; `process.env` by default. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where to log; by default lines on stderr at the configured level. Messages arrive masked. */
  logger?: Logger;
  /** An S3 client to use instead of one made from the configuration. */
  s3Client?: S3Client;
}

/** The run's shared state, handed to every source. */
export interface RunContext {
  readonly config: InitializerConfig;
  readonly log: Logger;
  readonly redactor: Redactor;
  readonly retry: RetryPolicy;
  /** The S3 client, made on first use. */
  s3(): S3Client;
  /** Sweeps `dir` for leftovers of a crashed run, once per run (and per `recursive`). */
  sweep(dir: string, recursive: boolean): Promise<void>;
  /** A masked error naming the URL and the step: `<url>: <step>: <reason>`. */
  fail(code: StorageInitializerErrorCode, url: string, step: DownloadStep, reason: string, cause?: unknown): StorageInitializerError;
  /** Any error of a step as a masked StorageInitializerError (one is returned as it is). */
  wrap(error: unknown, url: string, step: DownloadStep): StorageInitializerError;
}

/** Builds the context of a run from the options. */
export function createContext(options: DownloadOptions = {}): RunContext {
  const config = options.config ?? configFromEnv(options.env ?? process.env);
  const redactor = new Redactor(configSecrets(config));
  const base = options.logger ?? createLineLogger({ level: config.logLevel, write: (line) => process.stderr.write(line) });
  const log = redactingLogger(base, redactor);
  let client = options.s3Client;
  // One sweep per folder and run; everyone writing there waits for it.
  const sweeps = new Map<string, Promise<void>>();
  const context: RunContext = {
    config,
    log,
    redactor,
    retry: { attempts: config.attempts, delayMs: config.retryDelayMs, maxDelayMs: config.retryMaxDelayMs },
    s3: () => (client ??= createS3Client(config.s3)),
    sweep(dir, recursive) {
      const key = `${recursive ? 'r' : 'f'}:${dir}`;
      let sweep = sweeps.get(key);
      if (sweep === undefined) {
        sweep = sweepPartials(dir, recursive).then((removed) => {
          if (removed > 0) log.info(`removed ${removed} partial file(s) an interrupted earlier run left in ${dir}`);
        });
        sweeps.set(key, sweep);
      }
      return sweep;
    },
    fail(code, url, step, reason, cause) {
      const text = redactor.redact(url);
      return new StorageInitializerError(code, redactor.redact(`${url}: ${step}: ${reason}`), {
        url: text,
        step,
        ...(cause === undefined ? {} : { cause: redactor.sanitize(cause) }),
      });
    },
    wrap(error, url, step) {
      if (error instanceof StorageInitializerError) {
        const message = redactor.redact(error.message);
        if (message === error.message) return error;
        return new StorageInitializerError(error.code, message, {
          url: error.url === undefined ? undefined : redactor.redact(error.url),
          step: error.step ?? step,
          ...(error.cause === undefined ? {} : { cause: redactor.sanitize(error.cause) }),
        });
      }
      if (error instanceof AttemptsFailed) {
        const { failure, attempts } = error;
        const code = failure.transient ? 'UNAVAILABLE' : failure.code;
        const tail = attempts > 1 ? ` (gave up after ${attempts} attempts)` : '';
        return context.fail(code, url, step, `${failure.reason}${tail}`, error.lastError);
      }
      if (error instanceof LocalWriteError) return context.fail('IO', url, step, error.message, error);
      const message = errorMessage(error);
      return context.fail('INTERNAL', url, step, message, error);
    },
  };
  return context;
}
