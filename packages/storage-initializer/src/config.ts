/** The initializer's configuration: a documented object with environment defaults, validated once. */
import { logLevelFromEnv } from '@sedna-ts/internal';
import { StorageInitializerError } from './errors.js';
import { ENV } from './contract.js';

/** How to reach an S3-compatible server. */
export interface S3Settings {
  /** `http(s)://host:port`; undefined means AWS S3 itself. */
  endpoint: string | undefined;
  /** Both keys, or neither (anonymous requests). */
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  region: string;
  /** `http://host/bucket/key` rather than `http://bucket.host/key`: what S3-compatible servers expect. */
  forcePathStyle: boolean;
}

/** Log levels, least to most severe. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The whole configuration of a run. {@link configFromEnv} builds it from the environment. */
export interface InitializerConfig {
  s3: S3Settings;
  /** The prefix of a destination that marks an indirect (index file) download. */
  indirectMark: string;
  logLevel: LogLevel;
  /** Files downloaded at once within one source (prefix or index). */
  concurrency: number;
  /** Attempts per request, the first included, when failures are transient. */
  attempts: number;
  /** Backoff before the second attempt; doubled each attempt, with jitter, up to {@link retryMaxDelayMs}. */
  retryDelayMs: number;
  retryMaxDelayMs: number;
  /** What a local source becomes: a copy (works in any container) or a symbolic link to it. */
  localMode: 'copy' | 'symlink';
  /** An index line naming a file that does not exist: logged and skipped, or the run fails. */
  indirectMissing: 'warn' | 'fail';
  /** Extra HTTP request headers per host name, from `<host>-headers` variables (JSON objects). */
  httpHeaders: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** One documented environment variable. */
export interface EnvVariableDoc {
  name: string;
  default: string;
  description: string;
}

/** Every environment variable the initializer reads, with its default: printed by `--help`. */
export const CONFIG_ENV: readonly EnvVariableDoc[] = [
  { name: ENV.s3Endpoint, default: '(AWS S3)', description: 'S3-compatible server, http(s)://host:port; without a scheme, https unless S3_USE_HTTPS=0' },
  { name: ENV.accessKeyId, default: '(anonymous)', description: 'S3 access key id (set both keys or neither); never printed' },
  { name: ENV.secretAccessKey, default: '(anonymous)', description: 'S3 secret access key; never printed' },
  { name: 'S3_USE_HTTPS', default: '1', description: '0 or false: http for an S3_ENDPOINT_URL without a scheme' },
  { name: 'S3_REGION', default: 'AWS_REGION, else us-east-1', description: 'region used to sign S3 requests' },
  { name: 'S3_FORCE_PATH_STYLE', default: 'true', description: 'false: virtual-hosted bucket URLs (bucket.host)' },
  { name: ENV.indirectUrlMark, default: '@', description: 'destination prefix that marks an index file (indirect download)' },
  { name: 'SEDNA_LOG_LEVEL', default: 'info', description: 'debug, info, warn (warning) or error' },
  { name: 'LOG_LEVEL', default: '(none)', description: 'deprecated: the level when SEDNA_LOG_LEVEL is not set, with a warning' },
  { name: 'SEDNA_DOWNLOAD_CONCURRENCY', default: '8', description: 'files fetched at once within one source (1-64)' },
  { name: 'SEDNA_DOWNLOAD_ATTEMPTS', default: '5', description: 'attempts per request on transient failures (1-20)' },
  { name: 'SEDNA_RETRY_DELAY_MS', default: '500', description: 'first backoff; doubles each attempt, with jitter' },
  { name: 'SEDNA_RETRY_MAX_DELAY_MS', default: '15000', description: 'longest backoff' },
  { name: 'SEDNA_LOCAL_MODE', default: 'copy', description: 'copy or symlink: what a local source becomes' },
  { name: 'SEDNA_INDIRECT_MISSING', default: 'warn', description: 'warn or fail: an index line whose file does not exist' },
  { name: '<host>-headers', default: '(none)', description: 'JSON object of HTTP headers sent to <host>, e.g. "models.example.com-headers"; values never printed' },
];

type Env = Readonly<Record<string, string | undefined>>;


function usage(message: string): StorageInitializerError {
  return new StorageInitializerError('USAGE', message, { step: 'arguments' });
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.trim());
  if (!Number.isInteger(value) || value < min || value > max) {
    throw usage(`${name}: ${JSON.stringify(raw)} is not an integer from ${min} to ${max}`);
  }
  return value;
}

function choice<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = raw.trim().toLowerCase() as T;
  if (!choices.includes(value)) throw usage(`${name}: ${JSON.stringify(raw)} is not one of ${choices.join(', ')}`);
  return value;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw usage(`${name}: ${JSON.stringify(env[name])} is not a boolean (true/false, 1/0)`);
}

/** `host:port` gets a scheme (https unless told otherwise); anything else must be an http(s) URL. */
function endpoint(env: Env): string | undefined {
  const raw = env[ENV.s3Endpoint]?.trim();
  if (!raw) return undefined;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `${flag(env, 'S3_USE_HTTPS', true) ? 'https' : 'http'}://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw usage(`${ENV.s3Endpoint}: ${JSON.stringify(raw)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usage(`${ENV.s3Endpoint}: ${JSON.stringify(raw)} is not an http or https URL`);
  }
  if (url.username || url.password) throw usage(`${ENV.s3Endpoint}: credentials belong in ${ENV.accessKeyId} and ${ENV.secretAccessKey}, not in the URL`);
  return withScheme.replace(/\/+$/, '');
}

/** `<host>-headers` variables, parsed. Their values are secrets: errors name the variable only. */
function httpHeaders(env: Env): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.endsWith('-headers') || raw === undefined || name === '-headers') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw usage(`${name}: is not a JSON object of header names to values (value not shown)`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
      throw usage(`${name}: is not a JSON object of header names to string values (value not shown)`);
    }
    out[name.slice(0, -'-headers'.length).toLowerCase()] = parsed as Record<string, string>;
  }
  return out;
}

/**
 * Reads the configuration from environment variables ({@link CONFIG_ENV} lists them), with the
 * original download.py's names for what it had.
 *
 * @throws StorageInitializerError `USAGE` naming the variable and (except for secrets) its value.
 * @example
 * const config = configFromEnv({ S3_ENDPOINT_URL: 'http://127.0.0.1:9000', ACCESS_KEY_ID: 'k', SECRET_ACCESS_KEY: 's' });
 */
export function configFromEnv(env: Env = process.env): InitializerConfig {
  const accessKeyId = env[ENV.accessKeyId] || undefined;
  const secretAccessKey = env[ENV.secretAccessKey] || undefined;
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    const missing = accessKeyId === undefined ? ENV.accessKeyId : ENV.secretAccessKey;
    throw usage(`${missing}: is empty while ${missing === ENV.accessKeyId ? ENV.secretAccessKey : ENV.accessKeyId} is set: set both S3 keys, or neither for anonymous access`);
  }
  const indirectMark = env[ENV.indirectUrlMark] ?? '@';
  if (indirectMark === '') throw usage(`${ENV.indirectUrlMark}: is empty`);
  const retryDelayMs = integer(env, 'SEDNA_RETRY_DELAY_MS', 500, 0, 600_000);
  const retryMaxDelayMs = integer(env, 'SEDNA_RETRY_MAX_DELAY_MS', 15_000, 0, 3_600_000);
  return {
    s3: {
      endpoint: endpoint(env),
      accessKeyId,
      secretAccessKey,
      region: env.S3_REGION?.trim() || env.AWS_REGION?.trim() || 'us-east-1',
      forcePathStyle: flag(env, 'S3_FORCE_PATH_STYLE', true),
    },
    indirectMark,
    logLevel: logLevel(env),
    concurrency: integer(env, 'SEDNA_DOWNLOAD_CONCURRENCY', 8, 1, 64),
    attempts: integer(env, 'SEDNA_DOWNLOAD_ATTEMPTS', 5, 1, 20),
    retryDelayMs,
    retryMaxDelayMs: Math.max(retryMaxDelayMs, retryDelayMs),
    localMode: choice(env, 'SEDNA_LOCAL_MODE', ['copy', 'symlink'] as const, 'copy'),
    indirectMissing: choice(env, 'SEDNA_INDIRECT_MISSING', ['warn', 'fail'] as const, 'warn'),
    httpHeaders: httpHeaders(env),
  };
}

/** SEDNA_LOG_LEVEL, else LOG_LEVEL (deprecated: the run says so), else info. */
function logLevel(env: Env): LogLevel {
  const variable = env.SEDNA_LOG_LEVEL?.trim() ? 'SEDNA_LOG_LEVEL' : 'LOG_LEVEL';
  const raw = env[variable] ?? '';
  let level: string | undefined;
  try {
    level = logLevelFromEnv(env).level;
  } catch {
    level = undefined;
  }
  if (level === 'debug' || level === 'info' || level === 'warn' || level === 'error') return level;
  throw usage(`${variable}: ${JSON.stringify(raw)} is not one of debug, info, warn, error`);
}

/** Every secret a configuration holds: what a {@link Redactor} of its run must mask. */
export function configSecrets(config: InitializerConfig): string[] {
  const headerValues = Object.values(config.httpHeaders).flatMap((headers) => Object.values(headers));
  return [config.s3.accessKeyId, config.s3.secretAccessKey, ...headerValues].filter((s): s is string => !!s);
}
