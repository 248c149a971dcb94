/**
 * The LC's configuration: a documented object, validated once at start-up with errors that name the
 * field and the value, and its environment-variable form for running the LC on its own (the original's
 * names where they exist: GM_ADDRESS, NODENAME, BIND_PORT, ROOTFS_MOUNT_DIR).
 */
import type { LcJobKind } from './jobs/jobKind.js';
import { isAbsolute, join, resolve } from 'node:path';
import { parseListenAddress } from '@sedna-ts/internal/metrics';
import { LocalControllerError } from './errors.js';
import { createLogger, type LcLogger } from './logger.js';
import { isValidTimeZone } from './jobs/trigger.js';

/** Budget of the hard-example store of each job: the oldest examples are evicted beyond it. */
export interface HardExampleBudget {
  /** Most examples kept per job (default 10000). */
  maxCount?: number;
  /** Most bytes kept per job, sample and meta files together (default 1 GiB). */
  maxBytes?: number;
}

/** A folder the LC never reads data from nor writes round files into, whatever `dataRoots` says. */
export interface DeniedRoot {
  /** The folder, a host path. */
  path: string;
  /** What it is, for the refusal message, e.g. `the data dir of sedna up, which holds its secrets`. */
  why?: string;
}

/** Configuration of `startLocalController`. */
export interface LocalControllerConfig {
  /** Name of this node; the GM sends this LC the objects of this node. */
  nodeName: string;
  /** WebSocket URL of the GM, e.g. `ws://127.0.0.1:9000/`. */
  gmUrl: string;
  /**
   * This node's token: hex HMAC-SHA256(GM secret, node name), sent to the GM and the key of the worker
   * tokens. Set this or `tokenFile`.
   */
  nodeToken?: string;
  /**
   * A file holding the token the LC presents to the GM instead, read again at every connection: on a
   * cluster, the LC pod's projected ServiceAccount token (audience `sedna-gm`). The GM answers with the
   * node token in its hello, which the LC keeps in its data dir. Set this or `nodeToken`.
   */
  tokenFile?: string;
  /** Folder of the LC's state: objects, outbox, job pools, dataset cursors, hot-update and hard-example folders. */
  dataDir: string;
  /** Address of the worker API (default `127.0.0.1`: only workers on this machine). */
  bindHost?: string;
  /** Port of the worker API (default 0: an ephemeral port). */
  port?: number;
  /** URL of the worker API as workers reach it (LC_SERVER), when not `http://<bindHost>:<port>`. */
  advertiseUrl?: string;
  /**
   * `host:port` of a listener of its own for `GET /metrics` (e.g. `0.0.0.0:9101`, so a cluster's
   * Prometheus scrapes the node while the worker API stays on the loopback). Default none: the metrics
   * are on the worker API's `/metrics` only.
   */
  metricsAddress?: string;
  /** Rounds whose round files are kept under `outputDir/data/{train,eval}` (default 10). */
  roundRetention?: number;
  /** IANA time zone of trigger timers (default: the system's). */
  timeZone?: string;
  /** Hard-example budget per job. */
  hardExampleBudget?: HardExampleBudget;
  /** Period of the fallback poll of dataset indexes and hard-example folders, seconds (default 60). */
  datasetPollSeconds?: number;
  /** Trigger check period when a trigger has no `checkPeriodSeconds` (default 10, the original's cadence). */
  defaultCheckPeriodSeconds?: number;
  /**
   * How long a read of a dataset index (or a check of its sample files) may go without an answer before
   * the Dataset gets `IndexReadable` `False` reason `ReadTimeout` and its reads go on apart (default
   * 30 s). Reads run in reader processes of their own, so one that never returns cannot stop the LC.
   */
  datasetReadTimeoutSeconds?: number;
  /** Where the host's `/` is seen by this process (default empty: the LC runs on the host). */
  hostRoot?: string;
  /**
   * Host folders the LC reads dataset indexes from and writes round files into, checked on real paths
   * (symlinks resolved). Absent: anywhere this process can read (under `hostRoot` when set), except the
   * denied roots; empty: nowhere. `SEDNA_LC_DATA_ROOTS`; when that is unset and the LC runs as root,
   * `configFromEnv` makes it empty, so a root LC reads no dataset until its folders are listed.
   */
  dataRoots?: readonly string[];
  /**
   * Host folders never read as data nor written into (e.g. `sedna up`'s data dir, which holds its
   * secrets). The LC's own `dataDir` is always denied, except the copies of S3 indexes it keeps there.
   */
  deniedRoots?: ReadonlyArray<string | DeniedRoot>;
  /** Host folder of the hot-update folders (default `<dataDir>/model-hot-update`). */
  hotUpdateRoot?: string;
  /** Host folder of the hard-example folders (default `<dataDir>/hard-examples`). */
  hardExampleRoot?: string;
  /**
   * Set when this node runs workers as local processes (the node agent of `sedna up`): the images that
   * have a local command. The GM then says which of a job's images cannot run here.
   */
  localImages?: readonly string[];
  /**
   * The kinds of learning job this LC handles (default `BUILT_IN_LC_KINDS`); a job of another kind from
   * the GM is ignored, and reports about one get 404.
   */
  kinds?: readonly LcJobKind[];
  /** How long `stop()` waits for the GM to ack the outbox (default 5000 ms). */
  drainTimeoutMs?: number;
  /**
   * How long a train or eval report of a worker the job's conditions do not name yet waits for the
   * GM's update that names it (the (S, Starting) condition the GM appends as it creates the pod), so
   * it gets that worker's round and attempt; past it the report is taken as the current worker of its
   * stage (default 5000 ms, below the worker SDK's 10 s request timeout).
   */
  workerNameWaitMs?: number;
  /** First and longest reconnect delays to the GM, ms (default 200 and 30000). */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /**
   * Where the S3 settings of Datasets whose index is in S3 come from (`S3_ENDPOINT_URL`, `ACCESS_KEY_ID`,
   * `SECRET_ACCESS_KEY` and the storage initializer's other variables); default `process.env`.
   */
  s3Env?: Readonly<Record<string, string | undefined>>;
  /** Logger (default: pino at SEDNA_LOG_LEVEL to stderr). */
  logger?: LcLogger;
}

/** The configuration with every default filled in. */
export interface ResolvedConfig {
  nodeName: string;
  gmUrl: string;
  /** Exactly one of `nodeToken` and `tokenFile` is set. */
  nodeToken: string | undefined;
  tokenFile: string | undefined;
  dataDir: string;
  bindHost: string;
  port: number;
  advertiseUrl: string | undefined;
  metricsAddress: { host: string; port: number } | undefined;
  roundRetention: number;
  timeZone: string | undefined;
  hardExampleBudget: Required<HardExampleBudget>;
  datasetPollSeconds: number;
  defaultCheckPeriodSeconds: number;
  datasetReadTimeoutSeconds: number;
  hostRoot: string;
  /** Normalised absolute host paths; undefined: no allow list. */
  dataRoots: string[] | undefined;
  deniedRoots: Array<Required<DeniedRoot>>;
  hotUpdateRoot: string;
  hardExampleRoot: string;
  localImages: readonly string[] | undefined;
  drainTimeoutMs: number;
  workerNameWaitMs: number;
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  s3Env: Readonly<Record<string, string | undefined>> | undefined;
  logger: LcLogger;
}

const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function invalid(field: string, value: unknown, what: string): LocalControllerError {
  return new LocalControllerError('CONFIG_INVALID', `LC config: ${field}: ${JSON.stringify(value)} ${what}`);
}

function integer(field: string, value: unknown, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, value, max === Number.MAX_SAFE_INTEGER ? `is not an integer >= ${min}` : `is not an integer from ${min} to ${max}`);
  }
  return value;
}

function positive(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalid(field, value, 'is not a positive number');
  return value;
}

function folder(field: string, value: unknown, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') throw invalid(field, value, 'is not a folder path');
  return resolve(value);
}

function absoluteFolders(field: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw invalid(field, value, 'is not a list of absolute folder paths');
  return value.map((item: unknown, i) => {
    if (typeof item !== 'string' || !isAbsolute(item)) throw invalid(`${field}[${i}]`, item, 'is not an absolute folder path');
    return resolve(item);
  });
}

function localImagesOf(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw invalid('localImages', value, 'is not a list of image names');
  return value.map((item: unknown, i) => {
    if (typeof item !== 'string' || item === '') throw invalid(`localImages[${i}]`, item, 'is not an image name');
    return item;
  });
}

function deniedRoots(value: unknown): Array<Required<DeniedRoot>> {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid('deniedRoots', value, 'is not a list of absolute folder paths');
  return value.map((item: unknown, i) => {
    const root = typeof item === 'string' ? { path: item } : (item as DeniedRoot | null);
    const [path] = absoluteFolders(`deniedRoots[${i}]`, [root?.path]) as [string];
    if (root?.why !== undefined && typeof root.why !== 'string') throw invalid(`deniedRoots[${i}].why`, root.why, 'is not a string');
    return { path, why: root?.why ?? 'a folder this LC never reads as data' };
  });
}

/** Validate a config and fill in the defaults; throws `CONFIG_INVALID` naming the first bad field. */
export function resolveConfig(config: LocalControllerConfig): ResolvedConfig {
  if (config === null || typeof config !== 'object') throw invalid('(config)', config, 'is not an object');
  if (typeof config.nodeName !== 'string' || config.nodeName.length > 253 || !NODE_NAME.test(config.nodeName)) {
    throw invalid('nodeName', config.nodeName, 'is not a node name (lower-case DNS-1123 subdomain)');
  }
  let gmUrl: URL;
  try {
    gmUrl = new URL(String(config.gmUrl));
  } catch {
    throw invalid('gmUrl', config.gmUrl, 'is not a URL (ws://host:port/)');
  }
  if (gmUrl.protocol !== 'ws:' && gmUrl.protocol !== 'wss:') throw invalid('gmUrl', config.gmUrl, 'is not a ws:// or wss:// URL');
  if (config.nodeToken !== undefined && config.tokenFile !== undefined) throw invalid('tokenFile', config.tokenFile, 'is set together with nodeToken: set one of them');
  if (config.tokenFile === undefined && (typeof config.nodeToken !== 'string' || config.nodeToken.trim() === '')) throw invalid('nodeToken', config.nodeToken, 'is empty (set nodeToken or tokenFile)');
  if (config.tokenFile !== undefined && (typeof config.tokenFile !== 'string' || !isAbsolute(config.tokenFile))) throw invalid('tokenFile', config.tokenFile, 'is not an absolute file path');
  const dataDir = folder('dataDir', config.dataDir);
  const bindHost = config.bindHost ?? '127.0.0.1';
  if (typeof bindHost !== 'string' || bindHost.trim() === '') throw invalid('bindHost', config.bindHost, 'is not a host address');
  const port = integer('port', config.port, 0, 0, 65535);
  let advertiseUrl: string | undefined;
  if (config.advertiseUrl !== undefined) {
    try {
      const url = new URL(config.advertiseUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
      advertiseUrl = config.advertiseUrl.replace(/\/+$/, '');
    } catch {
      throw invalid('advertiseUrl', config.advertiseUrl, 'is not an http:// URL');
    }
  }
  let metricsAddress: ResolvedConfig['metricsAddress'];
  if (config.metricsAddress !== undefined) {
    try {
      metricsAddress = parseListenAddress(String(config.metricsAddress), 'metricsAddress');
    } catch {
      throw invalid('metricsAddress', config.metricsAddress, 'is not host:port (e.g. 0.0.0.0:9101)');
    }
  }
  const timeZone = config.timeZone;
  if (timeZone !== undefined && (typeof timeZone !== 'string' || !isValidTimeZone(timeZone))) throw invalid('timeZone', timeZone, 'is not an IANA time zone');
  const budget = config.hardExampleBudget ?? {};
  if (budget === null || typeof budget !== 'object') throw invalid('hardExampleBudget', budget, 'is not an object');
  const hostRoot = config.hostRoot === undefined || config.hostRoot === '' ? '' : folder('hostRoot', config.hostRoot);
  if (hostRoot !== '' && !isAbsolute(hostRoot)) throw invalid('hostRoot', config.hostRoot, 'is not an absolute path');
  const reconnect = config.reconnect ?? {};
  const initialDelayMs = positive('reconnect.initialDelayMs', reconnect.initialDelayMs, 200);
  const maxDelayMs = positive('reconnect.maxDelayMs', reconnect.maxDelayMs, 30_000);
  if (maxDelayMs < initialDelayMs) throw invalid('reconnect.maxDelayMs', maxDelayMs, `is less than reconnect.initialDelayMs (${initialDelayMs})`);
  return {
    nodeName: config.nodeName,
    gmUrl: gmUrl.toString(),
    nodeToken: config.tokenFile === undefined ? (config.nodeToken as string).trim() : undefined,
    tokenFile: config.tokenFile,
    dataDir,
    bindHost,
    port,
    advertiseUrl,
    metricsAddress,
    roundRetention: integer('roundRetention', config.roundRetention, 10, 1),
    timeZone,
    hardExampleBudget: {
      maxCount: integer('hardExampleBudget.maxCount', budget.maxCount, 10_000, 1),
      maxBytes: integer('hardExampleBudget.maxBytes', budget.maxBytes, 1024 ** 3, 1),
    },
    datasetPollSeconds: positive('datasetPollSeconds', config.datasetPollSeconds, 60),
    defaultCheckPeriodSeconds: positive('defaultCheckPeriodSeconds', config.defaultCheckPeriodSeconds, 10),
    datasetReadTimeoutSeconds: positive('datasetReadTimeoutSeconds', config.datasetReadTimeoutSeconds, 30),
    hostRoot,
    dataRoots: config.dataRoots === undefined ? undefined : absoluteFolders('dataRoots', config.dataRoots),
    deniedRoots: deniedRoots(config.deniedRoots),
    hotUpdateRoot: folder('hotUpdateRoot', config.hotUpdateRoot, join(dataDir, 'model-hot-update')),
    hardExampleRoot: folder('hardExampleRoot', config.hardExampleRoot, join(dataDir, 'hard-examples')),
    localImages: localImagesOf(config.localImages),
    drainTimeoutMs: integer('drainTimeoutMs', config.drainTimeoutMs, 5000, 0),
    workerNameWaitMs: integer('workerNameWaitMs', config.workerNameWaitMs, 5000, 0),
    reconnect: { initialDelayMs, maxDelayMs },
    s3Env: config.s3Env,
    logger: config.logger ?? createLogger(),
  };
}

/** One environment variable of the standalone LC. */
export interface EnvVariable {
  name: string;
  field: string;
  description: string;
}

/** The environment variables `configFromEnv` reads, for `--help`. */
export const CONFIG_ENV: readonly EnvVariable[] = [
  { name: 'GM_ADDRESS', field: 'gmUrl', description: 'GM address, host:port (the original) or a ws:// URL; required' },
  { name: 'NODENAME', field: 'nodeName', description: 'this node name (falls back to HOSTNAME); required' },
  { name: 'SEDNA_NODE_TOKEN', field: 'nodeToken', description: "this node's token from the GM; required unless SEDNA_LC_TOKEN_FILE is set" },
  { name: 'SEDNA_LC_TOKEN_FILE', field: 'tokenFile', description: 'file with the token shown to the GM instead (a projected ServiceAccount token), read at every connection' },
  { name: 'SEDNA_LC_DATA_DIR', field: 'dataDir', description: 'state folder (default /var/lib/sedna)' },
  { name: 'BIND_ADDRESS', field: 'bindHost', description: 'worker API address (default 127.0.0.1)' },
  { name: 'BIND_PORT', field: 'port', description: 'worker API port (default 9100, the original)' },
  { name: 'SEDNA_LC_ADVERTISE_URL', field: 'advertiseUrl', description: 'worker API URL as workers reach it (LC_SERVER)' },
  { name: 'SEDNA_LC_METRICS_ADDRESS', field: 'metricsAddress', description: 'host:port of a /metrics listener of its own, e.g. 0.0.0.0:9101 (default none: /metrics on the worker API only)' },
  { name: 'ROOTFS_MOUNT_DIR', field: 'hostRoot', description: "where the host's / is mounted (default none: on the host)" },
  {
    name: 'SEDNA_LC_DATA_ROOTS',
    field: 'dataRoots',
    description: 'host folders of dataset indexes and outputDirs, absolute paths separated by : or , (default: anything readable; none when the LC runs as root)',
  },
  { name: 'SEDNA_LC_ROUND_RETENTION', field: 'roundRetention', description: 'rounds of round files kept (default 10)' },
  { name: 'SEDNA_LC_TIME_ZONE', field: 'timeZone', description: 'IANA time zone of trigger timers (default the system one)' },
  { name: 'SEDNA_LC_HARD_EXAMPLES_MAX_COUNT', field: 'hardExampleBudget.maxCount', description: 'hard examples kept per job (default 10000)' },
  { name: 'SEDNA_LC_HARD_EXAMPLES_MAX_BYTES', field: 'hardExampleBudget.maxBytes', description: 'bytes of hard examples kept per job (default 1 GiB)' },
  { name: 'SEDNA_LC_POLL_SECONDS', field: 'datasetPollSeconds', description: 'fallback poll of dataset indexes and hard-example folders (default 60)' },
  { name: 'SEDNA_LC_READ_TIMEOUT_SECONDS', field: 'datasetReadTimeoutSeconds', description: 'a dataset read without an answer this long gives its Dataset ReadTimeout (default 30)' },
  { name: 'SEDNA_LC_HOT_UPDATE_ROOT', field: 'hotUpdateRoot', description: 'hot-update folders (default <data dir>/model-hot-update)' },
  { name: 'SEDNA_LC_HARD_EXAMPLE_ROOT', field: 'hardExampleRoot', description: 'hard-example folders (default <data dir>/hard-examples)' },
  { name: 'S3_ENDPOINT_URL', field: 's3Env', description: 'S3 server of Datasets whose index is in S3 (default AWS; the storage initializer\'s other S3 variables apply too)' },
  { name: 'ACCESS_KEY_ID', field: 's3Env', description: 'S3 key of Datasets whose index is in S3 (default anonymous)' },
  { name: 'SECRET_ACCESS_KEY', field: 's3Env', description: 'S3 secret of Datasets whose index is in S3 (default anonymous)' },
  { name: 'SEDNA_LOG_LEVEL', field: 'logger', description: 'debug, info (default), warn or error (pino levels; DEBUG, INFO, WARNING, ERROR, CRITICAL too)' },
  { name: 'LOG_LEVEL', field: 'logger', description: 'deprecated: the level when SEDNA_LOG_LEVEL is not set, with a warning' },
];

function envNumber(env: NodeJS.ProcessEnv, name: string, field: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new LocalControllerError('CONFIG_INVALID', `LC env ${name} (${field}): ${JSON.stringify(raw)} is not a number`);
  return value;
}

function envString(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

/**
 * The settings of the environment variables of `CONFIG_ENV` other than who the LC is and where it
 * connects (GM_ADDRESS, NODENAME, SEDNA_NODE_TOKEN, SEDNA_LC_TOKEN_FILE, SEDNA_LC_DATA_DIR): only those
 * set. What `configFromEnv` builds on, and what an LC started by another program (`sedna up`) takes from
 * that program's environment. `resolveConfig` validates the values.
 *
 * @example
 * settingsFromEnv({ SEDNA_LC_METRICS_ADDRESS: '0.0.0.0:9101' }); // { metricsAddress: '0.0.0.0:9101' }
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<LocalControllerConfig> {
  const settings: Partial<LocalControllerConfig> = {};
  const optional: Array<[keyof LocalControllerConfig, string | number | undefined]> = [
    ['port', envNumber(env, 'BIND_PORT', 'port')],
    ['bindHost', envString(env, 'BIND_ADDRESS')],
    ['advertiseUrl', envString(env, 'SEDNA_LC_ADVERTISE_URL')],
    ['metricsAddress', envString(env, 'SEDNA_LC_METRICS_ADDRESS')],
    ['hostRoot', envString(env, 'ROOTFS_MOUNT_DIR')],
    ['roundRetention', envNumber(env, 'SEDNA_LC_ROUND_RETENTION', 'roundRetention')],
    ['timeZone', envString(env, 'SEDNA_LC_TIME_ZONE')],
    ['datasetPollSeconds', envNumber(env, 'SEDNA_LC_POLL_SECONDS', 'datasetPollSeconds')],
    ['datasetReadTimeoutSeconds', envNumber(env, 'SEDNA_LC_READ_TIMEOUT_SECONDS', 'datasetReadTimeoutSeconds')],
    ['hotUpdateRoot', envString(env, 'SEDNA_LC_HOT_UPDATE_ROOT')],
    ['hardExampleRoot', envString(env, 'SEDNA_LC_HARD_EXAMPLE_ROOT')],
  ];
  for (const [field, value] of optional) if (value !== undefined) (settings as Record<string, unknown>)[field] = value;
  const dataRoots = envString(env, 'SEDNA_LC_DATA_ROOTS');
  if (dataRoots !== undefined) settings.dataRoots = dataRoots.split(/[:,]/).map((r) => r.trim()).filter((r) => r !== '');
  const maxCount = envNumber(env, 'SEDNA_LC_HARD_EXAMPLES_MAX_COUNT', 'hardExampleBudget.maxCount');
  const maxBytes = envNumber(env, 'SEDNA_LC_HARD_EXAMPLES_MAX_BYTES', 'hardExampleBudget.maxBytes');
  if (maxCount !== undefined || maxBytes !== undefined) settings.hardExampleBudget = { ...(maxCount !== undefined ? { maxCount } : {}), ...(maxBytes !== undefined ? { maxBytes } : {}) };
  return settings;
}

/**
 * The config from environment variables (see `CONFIG_ENV`); `resolveConfig` then validates it. `uid` is
 * the user the LC runs as: for root (0), an unset `SEDNA_LC_DATA_ROOTS` allows no folder at all.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env, uid: number | undefined = process.getuid?.()): LocalControllerConfig {
  const address = envString(env, 'GM_ADDRESS');
  if (!address) throw new LocalControllerError('CONFIG_INVALID', 'LC env GM_ADDRESS (gmUrl): is not set (host:port of the GM)');
  const nodeName = envString(env, 'NODENAME') ?? envString(env, 'HOSTNAME');
  if (!nodeName) throw new LocalControllerError('CONFIG_INVALID', 'LC env NODENAME (nodeName): is not set, nor HOSTNAME');
  const nodeToken = envString(env, 'SEDNA_NODE_TOKEN');
  const tokenFile = envString(env, 'SEDNA_LC_TOKEN_FILE');
  if (!nodeToken && !tokenFile) throw new LocalControllerError('CONFIG_INVALID', 'LC env SEDNA_NODE_TOKEN (nodeToken): is not set, nor SEDNA_LC_TOKEN_FILE (tokenFile)');
  const config: LocalControllerConfig = {
    nodeName,
    gmUrl: /^wss?:\/\//.test(address) ? address : `ws://${address}/`,
    ...(nodeToken ? { nodeToken } : {}),
    ...(tokenFile ? { tokenFile } : {}),
    dataDir: envString(env, 'SEDNA_LC_DATA_DIR') ?? '/var/lib/sedna',
    port: 9100,
    ...settingsFromEnv(env),
  };
  // Secure by default: an LC running as root reads whatever a Dataset names, so without a list it reads
  // nothing (each Dataset says why); an LC running as a user reads what that user can.
  if (config.dataRoots === undefined && uid === 0) config.dataRoots = [];
  return config;
}
