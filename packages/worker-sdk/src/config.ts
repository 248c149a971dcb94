import type { WorkerEnvName } from '@sedna-ts/api-types/contract';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type * as Yaml from 'yaml';
import { lazyRequire } from './lazyRequire.js';
import { WorkerSdkError } from './errors.js';

const yaml = lazyRequire<typeof Yaml>('yaml');


/**
 * The variables BaseConfig reads: the worker environment the GM writes (the contract's table, so a
 * name the GM does not write cannot be read by mistake), and the original library's own settings.
 */
type ConfigEnvName =
  | WorkerEnvName
  | 'DEVICE_CATEGORY'
  | 'BACKEND_TYPE'
  | 'SERVICE_NAME'
  | 'PRETRAINED_MODEL_URL'
  | 'MODEL_NAME'
  | 'LOG_LEVEL'
  | 'SEDNA_LOG_LEVEL'
  | 'TRANSMITTER'
  | 'AGG_DATA_PATH'
  | 'S3_ENDPOINT_URL'
  | 'ACCESS_KEY_ID'
  | 'SECRET_ACCESS_KEY'
  | 'PARAMETERS'
  | 'MODEL_LOAD_MODE'
  | 'SEDNA_WORKER_METRICS_ADDRESS'
  | 'SEDNA_REPORT';
/** Where configuration is read from: an env-like record (default `process.env`). */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** Values that `SednaConfig.set` can override (the original's `from_json`), by their camelCase name. */
export interface ConfigOverrides {
  deviceCategory?: string;
  backendType?: string;
  lcServer?: string;
  originalDatasetUrl?: string;
  trainDatasetUrl?: string;
  testDatasetUrl?: string;
  dataPathPrefix?: string;
  namespace?: string;
  workerName?: string;
  serviceName?: string;
  jobName?: string;
  pretrainedModelUrl?: string;
  modelUrl?: string;
  modelName?: string;
  logLevel?: string;
  transmitter?: string;
  aggDataPath?: string;
  s3EndpointUrl?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  parameters?: string;
  modelUrls?: string;
  baseModelUrl?: string;
  modelHotUpdate?: boolean;
  modelPollPeriodSeconds?: number;
  modelHotUpdateConfig?: string;
  modelLoadMode?: string;
  heSavedUrl?: string;
  workerToken?: string;
  reportSpoolDir?: string;
  metricsAddress?: string;
  reportTo?: ReportDestination;
}

/** Where a worker's reports go: the Local Controller, or standard output (local mode). */
export type ReportDestination = 'lc' | 'stdout';
const REPORT_DESTINATIONS: readonly ReportDestination[] = ['lc', 'stdout'];

const SECRET_KEYS: ReadonlySet<keyof ConfigOverrides> = new Set(['secretAccessKey', 'accessKeyId', 'workerToken']);

/**
 * Sedna's `BaseConfig`: every setting a worker reads from its environment, with the original's env
 * names and defaults (docs/original/worker-contract.md#library-config) plus the ones the SDK needs (MODEL_URLS, MODEL_HOT_UPDATE, ...).
 *
 * Values are read from the environment each time they are used, not frozen at import, so a test (or a
 * script) can set `process.env` late. `set()` overrides values for this object (the original's
 * `from_json`), `reset()` drops the overrides. `BaseConfig` is the process-wide instance; construct
 * your own with `new SednaConfig({ env })` to read another environment.
 *
 * @example
 * import { BaseConfig } from '@sedna-ts/worker-sdk';
 * const trainIndex = BaseConfig.trainDatasetUrl; // TRAIN_DATASET_URL
 * BaseConfig.set({ modelUrl: '/tmp/out' });     // in a test
 */
export class SednaConfig {
  private readonly envSource: () => EnvSource;
  private overrides: ConfigOverrides;

  constructor(options: { env?: EnvSource | (() => EnvSource); overrides?: ConfigOverrides } = {}) {
    const env = options.env;
    this.envSource = typeof env === 'function' ? env : env ? () => env : () => process.env;
    this.overrides = { ...options.overrides };
  }

  /** The environment this config reads. */
  get env(): EnvSource {
    return this.envSource();
  }

  /** Override values (the original's `from_json`); later calls merge over earlier ones. */
  set(overrides: ConfigOverrides): this {
    this.overrides = { ...this.overrides, ...overrides };
    return this;
  }

  /** Drop every override: values come from the environment again. */
  reset(): this {
    this.overrides = {};
    return this;
  }

  private str(key: keyof ConfigOverrides, envName: ConfigEnvName): string | undefined;
  private str(key: keyof ConfigOverrides, envName: ConfigEnvName, fallback: string): string;
  private str(key: keyof ConfigOverrides, envName: ConfigEnvName, fallback?: string): string | undefined {
    const overridden = this.overrides[key];
    if (overridden !== undefined) return String(overridden);
    const value = this.envSource()[envName];
    return value === undefined || value === '' ? fallback : value;
  }

  /** DEVICE_CATEGORY, default `CPU`. */
  get deviceCategory(): string {
    return this.str('deviceCategory', 'DEVICE_CATEGORY', 'CPU');
  }
  /** BACKEND_TYPE, default `TENSORFLOW`. */
  get backendType(): string {
    return this.str('backendType', 'BACKEND_TYPE', 'TENSORFLOW');
  }
  /** LC_SERVER: the Local Controller's worker API, default `http://127.0.0.1:9100`. */
  get lcServer(): string {
    return this.str('lcServer', 'LC_SERVER', 'http://127.0.0.1:9100');
  }
  /**
   * SEDNA_REPORT: where reports go. `lc`: POSTed to LC_SERVER (a worker a controller started); `stdout`:
   * printed as one JSON line on standard output, nothing sent (local mode: a script run by hand). Unset:
   * `stdout` when neither WORKER_NAME nor LC_SERVER is set, else `lc`.
   *
   * @throws WorkerSdkError CONFIG_INVALID for any other value, naming it.
   */
  get reportTo(): ReportDestination {
    const value = this.str('reportTo', 'SEDNA_REPORT');
    if (value === undefined) return this.str('workerName', 'WORKER_NAME') === undefined && this.str('lcServer', 'LC_SERVER') === undefined ? 'stdout' : 'lc';
    if (!(REPORT_DESTINATIONS as readonly string[]).includes(value)) {
      throw new WorkerSdkError('CONFIG_INVALID', `env SEDNA_REPORT: ${JSON.stringify(value)} is not one of ${REPORT_DESTINATIONS.join(', ')} (unset: stdout when neither WORKER_NAME nor LC_SERVER is set, else lc)`);
    }
    return value as ReportDestination;
  }
  /** ORIGINAL_DATASET_URL: the Dataset's index; relative sample paths resolve against its folder. */
  get originalDatasetUrl(): string | undefined {
    return this.str('originalDatasetUrl', 'ORIGINAL_DATASET_URL');
  }
  /** TRAIN_DATASET_URL: this round's train index. */
  get trainDatasetUrl(): string | undefined {
    return this.str('trainDatasetUrl', 'TRAIN_DATASET_URL');
  }
  /** TEST_DATASET_URL: this round's eval index. */
  get testDatasetUrl(): string | undefined {
    return this.str('testDatasetUrl', 'TEST_DATASET_URL');
  }
  /** DATA_PATH_PREFIX, default `/home/data`: removed from model paths in reports. */
  get dataPathPrefix(): string {
    return this.str('dataPathPrefix', 'DATA_PATH_PREFIX', '/home/data');
  }
  /** NAMESPACE, default empty (the job name is used then, as the original). */
  get namespace(): string {
    return this.str('namespace', 'NAMESPACE', '');
  }
  /** WORKER_NAME, default empty (the job name is used then). */
  get workerName(): string {
    return this.str('workerName', 'WORKER_NAME', '');
  }
  /** SERVICE_NAME, default empty. */
  get serviceName(): string {
    return this.str('serviceName', 'SERVICE_NAME', '');
  }
  /** JOB_NAME, default `sedna`. */
  get jobName(): string {
    return this.str('jobName', 'JOB_NAME', 'sedna');
  }
  /** PRETRAINED_MODEL_URL, default `./`. */
  get pretrainedModelUrl(): string {
    return this.str('pretrainedModelUrl', 'PRETRAINED_MODEL_URL', './');
  }
  /** MODEL_URL: the round's output folder (train), or the model to serve (inference). */
  get modelUrl(): string | undefined {
    return this.str('modelUrl', 'MODEL_URL');
  }
  /** MODEL_NAME. */
  get modelName(): string | undefined {
    return this.str('modelName', 'MODEL_NAME');
  }
  /** SEDNA_LOG_LEVEL when set, else LOG_LEVEL (Python's names: DEBUG, INFO, WARNING, ERROR, CRITICAL), default `INFO`. */
  get logLevel(): string {
    return this.str('logLevel', 'SEDNA_LOG_LEVEL') ?? this.str('logLevel', 'LOG_LEVEL', 'INFO');
  }
  /** TRANSMITTER, default `ws`. */
  get transmitter(): string {
    return this.str('transmitter', 'TRANSMITTER', 'ws');
  }
  /** AGG_DATA_PATH, default `./`. */
  get aggDataPath(): string {
    return this.str('aggDataPath', 'AGG_DATA_PATH', './');
  }
  /** S3_ENDPOINT_URL, default empty. */
  get s3EndpointUrl(): string {
    return this.str('s3EndpointUrl', 'S3_ENDPOINT_URL', '');
  }
  /** ACCESS_KEY_ID, default empty. */
  get accessKeyId(): string {
    return this.str('accessKeyId', 'ACCESS_KEY_ID', '');
  }
  /** SECRET_ACCESS_KEY, default empty. */
  get secretAccessKey(): string {
    return this.str('secretAccessKey', 'SECRET_ACCESS_KEY', '');
  }
  /** PARAMETERS as given: a JSON string, or the path of a `.json`, `.yaml` or `.yml` file. */
  get parameters(): string | undefined {
    return this.str('parameters', 'PARAMETERS');
  }
  /**
   * PARAMETERS parsed (the original's `parameter`): the JSON string, or the JSON/YAML file it names.
   * Throws `CONFIG_INVALID` naming the variable and value when it cannot be read or parsed.
   */
  get parameter(): Record<string, unknown> | undefined {
    const raw = this.parameters;
    if (raw === undefined) return undefined;
    const trimmed = raw.trim();
    try {
      let parsed: unknown;
      if (trimmed.startsWith('{')) parsed = JSON.parse(trimmed);
      else {
        const ext = extname(trimmed).toLowerCase();
        if (ext === '.json') parsed = JSON.parse(readFileSync(trimmed, 'utf8'));
        else if (ext === '.yaml' || ext === '.yml') parsed = yaml().parse(readFileSync(trimmed, 'utf8'));
        else throw new Error('expected a JSON object or the path of a .json, .yaml or .yml file');
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      return parsed as Record<string, unknown>;
    } catch (error) {
      throw new WorkerSdkError('CONFIG_INVALID', `BaseConfig: env PARAMETERS: ${JSON.stringify(raw)}: ${(error as Error).message}`, { cause: error });
    }
  }
  /** MODEL_URLS: the models to evaluate, `;`-joined (new model first). */
  get modelUrls(): string | undefined {
    return this.str('modelUrls', 'MODEL_URLS');
  }
  /** BASE_MODEL_URL: the model a train worker starts from. */
  get baseModelUrl(): string | undefined {
    return this.str('baseModelUrl', 'BASE_MODEL_URL');
  }
  /** MODEL_HOT_UPDATE: `true` (case-insensitive) turns hot update on in an inference worker. */
  get modelHotUpdate(): boolean {
    const overridden = this.overrides.modelHotUpdate;
    if (overridden !== undefined) return overridden;
    return (this.envSource().MODEL_HOT_UPDATE ?? '').trim().toLowerCase() === 'true';
  }
  /**
   * MODEL_POLL_PERIOD_SECONDS, default 60; a value below 1 gives 60, as the original. Throws
   * `CONFIG_INVALID` for a value that is not a number.
   */
  get modelPollPeriodSeconds(): number {
    const raw = this.str('modelPollPeriodSeconds', 'MODEL_POLL_PERIOD_SECONDS');
    if (raw === undefined) return 60;
    const value = Number(raw.trim());
    if (raw.trim() === '' || !Number.isFinite(value)) {
      throw new WorkerSdkError('CONFIG_INVALID', `BaseConfig: env MODEL_POLL_PERIOD_SECONDS: ${JSON.stringify(raw)} is not a number`);
    }
    return value < 1 ? 60 : value;
  }
  /** MODEL_HOT_UPDATE_CONFIG: the `model_config.json` the LC writes for hot update. */
  get modelHotUpdateConfig(): string | undefined {
    return this.str('modelHotUpdateConfig', 'MODEL_HOT_UPDATE_CONFIG');
  }
  /** MODEL_LOAD_MODE, default `file`. */
  get modelLoadMode(): string {
    return this.str('modelLoadMode', 'MODEL_LOAD_MODE', 'file');
  }
  /** HE_SAVED_URL: the folder where `saveHardExample` writes (set by the GM on inference pods). */
  get heSavedUrl(): string | undefined {
    return this.str('heSavedUrl', 'HE_SAVED_URL');
  }
  /** SEDNA_WORKER_TOKEN: sent as `Authorization: Bearer <token>` with every report when set. */
  get workerToken(): string | undefined {
    return this.str('workerToken', 'SEDNA_WORKER_TOKEN');
  }
  /**
   * SEDNA_REPORT_SPOOL_DIR (ours): where an inference worker keeps reports the LC has not taken yet.
   * Default: a folder per worker under the OS temp folder.
   */
  get reportSpoolDir(): string | undefined {
    return this.str('reportSpoolDir', 'SEDNA_REPORT_SPOOL_DIR');
  }

  /**
   * SEDNA_WORKER_METRICS_ADDRESS (ours): `host:port` where an inference worker serves `GET /metrics`
   * (e.g. `0.0.0.0:9102`). Default none: no listener (the counters are still in `metrics`).
   */
  get metricsAddress(): string | undefined {
    return this.str('metricsAddress', 'SEDNA_WORKER_METRICS_ADDRESS');
  }

  /** The original's `get(item, default)`: the value, or `fallback` when it is empty or missing. */
  get<K extends keyof ConfigOverrides>(key: K, fallback?: NonNullable<ConfigOverrides[K]>): ConfigOverrides[K] {
    const value = (this as unknown as Record<string, unknown>)[key] as ConfigOverrides[K];
    return value === undefined || value === null || (value as unknown) === '' ? fallback : value;
  }

  /** Every value (secrets masked), e.g. to log at start-up. `PARAMETERS` stays as given. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of CONFIG_KEYS) {
      const value = this.get(key);
      out[key] = SECRET_KEYS.has(key) && value ? '***' : value;
    }
    return out;
  }
}

const CONFIG_KEYS: ReadonlyArray<keyof ConfigOverrides> = [
  'deviceCategory', 'backendType', 'lcServer', 'originalDatasetUrl', 'trainDatasetUrl', 'testDatasetUrl',
  'dataPathPrefix', 'namespace', 'workerName', 'serviceName', 'jobName', 'pretrainedModelUrl', 'modelUrl',
  'modelName', 'logLevel', 'transmitter', 'aggDataPath', 's3EndpointUrl', 'accessKeyId', 'secretAccessKey',
  'parameters', 'modelUrls', 'baseModelUrl', 'modelHotUpdate', 'modelPollPeriodSeconds', 'modelHotUpdateConfig',
  'modelLoadMode', 'heSavedUrl', 'workerToken', 'reportSpoolDir', 'metricsAddress', 'reportTo',
];

/** The process-wide config, read from `process.env` when each value is used (the original's `BaseConfig`). */
export const BaseConfig = new SednaConfig();
