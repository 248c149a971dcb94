/**
 * The Global Manager's configuration: a documented object with environment defaults, validated once
 * at start. `--config <yaml>` (as the original GM) reads the same fields from a file.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { KubeConfig, type V1ResourceRequirements } from '@kubernetes/client-node';
import { type LoggerWithChild } from '@sedna-ts/internal';
import { createLogger } from '@sedna-ts/internal/logger';
import { MAX_DEADLINE_MS } from '@sedna-ts/api-types/contract';
import { parse as parseYaml } from 'yaml';
import { reuseConnections } from './kube/connectionReuse.js';
import { ControllerError } from './errors.js';
import { DEFAULT_TOKEN_AUDIENCE, type TokenReviewSettings } from './lc/lcAuth.js';
import type { JobKind, KindSettings } from './jobs/jobPolicy.js';
import { BUILT_IN_KINDS } from './kinds/index.js';
import type { LeaderElectionSettings } from './gm/leaderElection.js';
import { DEFAULT_WORKER_REQUESTS } from './jobs/workerPod.js';
import { DEFAULT_STORAGE_INITIALIZER_IMAGE, DEFAULT_STORAGE_INITIALIZER_RESOURCES } from './jobs/workerStorage.js';

/** The logging interface the Global Manager uses (debug, info, warn, error, child); a pino logger fits. */
export type GmLogger = LoggerWithChild;

/**
 * Configuration of `startGlobalManager`. Every field is optional except `secret` (or SEDNA_GM_SECRET).
 *
 * | field | default | env |
 * |---|---|---|
 * | kubeConfig | in-cluster, else $KUBECONFIG, else ~/.kube/config | |
 * | namespace | all namespaces | SEDNA_GM_NAMESPACE |
 * | websocket.address | 0.0.0.0 | SEDNA_GM_ADDRESS |
 * | websocket.port | 9000 (0: an ephemeral port) | SEDNA_GM_PORT |
 * | secret | (required) | SEDNA_GM_SECRET |
 * | reportGraceSeconds | 60 (0: no deadline) | SEDNA_GM_REPORT_GRACE_SECONDS |
 * | startDeadlineSeconds | 600 (0: no deadline) | |
 * | deployConfirmSeconds | 600 (0: no deadline) | |
 * | retry | 4 attempts, 10 s doubling, capped at 300 s | SEDNA_GM_RETRY_INITIAL_BACKOFF_SECONDS (the first delay) |
 * | backoff | reconcile errors: 1 s doubling, capped at 300 s | |
 * | watchBackoff | informer reconnects: 1 s doubling, capped at 30 s | |
 * | maxConditions | 200 | |
 * | podRetentionRounds | 10 | |
 * | concurrency | 16 keys reconciled at once (a reconcile mostly waits on the API server's durable writes) | |
 * | startTimeoutSeconds | 60 | |
 * | storageInitializer.image | sedna-ts/storage-initializer:0.1 | SEDNA_GM_STORAGE_INITIALIZER_IMAGE |
 * | storageInitializer.resources | requests and limits cpu 1, memory 1Gi (the original's) | |
 * | workerDefaultRequests | cpu 100m, memory 256Mi | |
 * | leaderElection.enabled | true | SEDNA_GM_LEADER_ELECT |
 * | leaderElection.namespace | POD_NAMESPACE, else the in-cluster namespace, else `namespace`, else default | SEDNA_GM_LEASE_NAMESPACE |
 * | leaderElection.name | sedna-gm | SEDNA_GM_LEASE_NAME |
 * | leaderElection.identity | `<POD_NAME or host name>_<8 random hex>` | SEDNA_GM_IDENTITY |
 * | leaderElection.leaseDurationSeconds, renewDeadlineSeconds, retryPeriodSeconds | 15, 10, 2 | |
 * | serviceAccountAuth.enabled | true | SEDNA_GM_SA_AUTH |
 * | serviceAccountAuth.audience | sedna-gm | SEDNA_GM_TOKEN_AUDIENCE |
 * | serviceAccountAuth.serviceAccounts | [`<GM namespace>/sedna-lc`] | SEDNA_GM_LC_SERVICE_ACCOUNTS (comma-separated) |
 * | logger | pino at SEDNA_LOG_LEVEL (info) | SEDNA_LOG_LEVEL; LOG_LEVEL when it is not set (deprecated, warned once) |
 */
export interface GlobalManagerConfig {
  /** The Kubernetes API to use: a KubeConfig, or the path of a kubeconfig file. */
  kubeConfig?: KubeConfig | string;
  /** Watch only this namespace; empty or absent: all namespaces. */
  namespace?: string;
  /** Where the websocket (and /healthz, /readyz, /metrics) server listens. */
  websocket?: { address?: string; port?: number };
  /** Secret from which each node's token is derived (HMAC-SHA256); at least 16 characters. */
  secret?: string;
  /**
   * How long a worker pod that ended may wait for the report of its stage (Succeeded: NoReport after it),
   * counted from its end or its LC's later reconnection; 0: no deadline. A job's `sedna.io/deadlines`
   * `reportAfterPodEnded` overrides it.
   */
  reportGraceSeconds?: number;
  /**
   * How long a worker pod may stay Pending once its stage is Starting (StartTimeout after it); 0: no
   * deadline. A job's `sedna.io/deadlines` `starting` overrides it.
   */
  startDeadlineSeconds?: number;
  /**
   * How long a hot deploy waits for the inference worker's confirmation, once before restarting its pod
   * and once after (DeployTimeout); 0: no deadline. A job's `sedna.io/deadlines` `deployConfirmation`
   * overrides it.
   */
  deployConfirmSeconds?: number;
  /** Retries of a failed stage within a round. */
  retry?: { maxAttempts?: number; initialBackoffSeconds?: number; maxBackoffSeconds?: number };
  /** Backoff of a key whose reconcile failed or is blocked (a missing object, an LC not connected). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Backoff of an informer's reconnects after a watch or list error. */
  watchBackoff?: { initialMs?: number; maxMs?: number };
  /** Conditions kept in a job's status. */
  maxConditions?: number;
  /** Finished train and eval pods of this many last rounds are kept for their logs. */
  podRetentionRounds?: number;
  /** Keys reconciled at the same time. */
  concurrency?: number;
  /** How long `startGlobalManager` waits for the first list of every watched kind. */
  startTimeoutSeconds?: number;
  /** The init container that fetches s3:// and http(s):// inputs of worker pods. */
  storageInitializer?: { image?: string; resources?: V1ResourceRequirements };
  /**
   * Requests (quantities by resource name) a worker container gets for each resource it sets neither
   * a request nor a limit for, so every container the GM creates requests something.
   */
  workerDefaultRequests?: Record<string, string>;
  /**
   * Lease-based leader election among GM replicas (coordination.k8s.io/v1 Lease): only the leader
   * reconciles and takes LC connections. The identity must differ between replicas; a restarted
   * replica that keeps its identity takes its own lease back at once.
   */
  leaderElection?: {
    enabled?: boolean;
    namespace?: string;
    name?: string;
    identity?: string;
    leaseDurationSeconds?: number;
    renewDeadlineSeconds?: number;
    retryPeriodSeconds?: number;
  };
  /**
   * LCs on a cluster may prove their node with their projected ServiceAccount token instead of a node
   * token: the GM checks it with a TokenReview (audience `audience`), requires one of
   * `serviceAccounts` (`namespace/name`), and the bound pod's node must be the node the LC claims.
   */
  serviceAccountAuth?: { enabled?: boolean; audience?: string; serviceAccounts?: string[] };
  /**
   * The kinds of learning job this GM handles (not in a file): default `BUILT_IN_KINDS`. A kind not
   * listed is stored by the API server but no controller acts on it.
   */
  kinds?: readonly JobKind[];
  /**
   * Settings of each kind, by lower-case kind (e.g. `lifelonglearningjob: { knowledgeBaseServer }`),
   * handed to its policy. The original's `knowledgeBaseServer` key sets `lifelonglearningjob.knowledgeBaseServer`.
   */
  kindSettings?: Record<string, Record<string, unknown>>;
  /** The original's key: the knowledge-base server of lifelong-learning jobs (`kindSettings.lifelonglearningjob.knowledgeBaseServer`). */
  knowledgeBaseServer?: string;
  /** Where logs go. */
  logger?: GmLogger;
}

/** The configuration with every default applied. */
export interface ResolvedConfig {
  kubeConfig: KubeConfig;
  namespace: string;
  websocket: { address: string; port: number };
  secret: string;
  reportGraceSeconds: number;
  startDeadlineSeconds: number;
  deployConfirmSeconds: number;
  retry: { maxAttempts: number; initialBackoffSeconds: number; maxBackoffSeconds: number };
  backoff: { initialMs: number; maxMs: number };
  watchBackoff: { initialMs: number; maxMs: number };
  maxConditions: number;
  podRetentionRounds: number;
  concurrency: number;
  startTimeoutSeconds: number;
  storageInitializer: { image: string; resources: V1ResourceRequirements };
  workerDefaultRequests: Record<string, string>;
  leaderElection: LeaderElectionSettings & { enabled: boolean };
  serviceAccountAuth: TokenReviewSettings;
  kinds: readonly JobKind[];
  kindSettings: Readonly<Record<string, KindSettings>>;
  logger: GmLogger;
}

const TOP_LEVEL_KEYS = new Set([
  'kubeConfig',
  'namespace',
  'websocket',
  'secret',
  'reportGraceSeconds',
  'startDeadlineSeconds',
  'deployConfirmSeconds',
  'retry',
  'backoff',
  'watchBackoff',
  'maxConditions',
  'podRetentionRounds',
  'concurrency',
  'startTimeoutSeconds',
  'storageInitializer',
  'workerDefaultRequests',
  'leaderElection',
  'serviceAccountAuth',
  'kinds',
  'kindSettings',
  'knowledgeBaseServer',
  'logger',
]);
/** Keys of the original GM's config file that have no meaning here; a file may carry them. */
const ORIGINAL_ONLY_KEYS = new Set(['master', 'localController', 'minResyncPeriodSeconds']);
const NESTED_KEYS: Record<string, Set<string>> = {
  websocket: new Set(['address', 'port']),
  retry: new Set(['maxAttempts', 'initialBackoffSeconds', 'maxBackoffSeconds']),
  backoff: new Set(['initialMs', 'maxMs']),
  watchBackoff: new Set(['initialMs', 'maxMs']),
  storageInitializer: new Set(['image', 'resources']),
  leaderElection: new Set(['enabled', 'namespace', 'name', 'identity', 'leaseDurationSeconds', 'renewDeadlineSeconds', 'retryPeriodSeconds']),
  serviceAccountAuth: new Set(['enabled', 'audience', 'serviceAccounts']),
};

/** The longest deadline a setting may give (7 days, as `sedna.io/deadlines`); 0 is none. */
const MAX_DEADLINE_SECONDS = MAX_DEADLINE_MS / 1000;

/** One environment variable the GM reads. */
export interface EnvVariable {
  name: string;
  /** The configuration field it sets. */
  field: string;
  description: string;
}

/**
 * Every environment variable the GM reads, and the field it sets (a field given in the config wins).
 * The Kubernetes client also reads KUBECONFIG, and in a pod the ServiceAccount files and
 * KUBERNETES_SERVICE_HOST/PORT the kubelet provides.
 */
export const CONFIG_ENV: readonly EnvVariable[] = [
  { name: 'SEDNA_GM_SECRET', field: 'secret', description: 'node tokens derive from it, >= 16 characters; required' },
  { name: 'SEDNA_GM_ADDRESS', field: 'websocket.address', description: 'listen address (default 0.0.0.0)' },
  { name: 'SEDNA_GM_PORT', field: 'websocket.port', description: 'listen port (default 9000)' },
  { name: 'SEDNA_GM_NAMESPACE', field: 'namespace', description: 'watch one namespace (default all)' },
  { name: 'SEDNA_GM_REPORT_GRACE_SECONDS', field: 'reportGraceSeconds', description: 'wait for a report after a pod ends (default 60)' },
  { name: 'SEDNA_GM_RETRY_INITIAL_BACKOFF_SECONDS', field: 'retry.initialBackoffSeconds', description: 'first retry delay of a failed stage (default 10)' },
  { name: 'SEDNA_GM_STORAGE_INITIALIZER_IMAGE', field: 'storageInitializer.image', description: 'image of the init container (default sedna-ts/storage-initializer:0.1)' },
  { name: 'SEDNA_GM_LEADER_ELECT', field: 'leaderElection.enabled', description: 'leader election (default true)' },
  { name: 'SEDNA_GM_LEASE_NAMESPACE', field: 'leaderElection.namespace', description: 'namespace of the Lease (default the GM namespace)' },
  { name: 'SEDNA_GM_LEASE_NAME', field: 'leaderElection.name', description: 'name of the Lease (default sedna-gm)' },
  { name: 'SEDNA_GM_IDENTITY', field: 'leaderElection.identity', description: 'this replica in the Lease (default <POD_NAME or host name>_<random>)' },
  { name: 'POD_NAME', field: 'leaderElection.identity', description: 'the pod name, first part of the default identity' },
  { name: 'POD_NAMESPACE', field: 'leaderElection.namespace', description: 'the GM namespace (else the in-cluster one, else namespace, else default): the Lease and the default LC ServiceAccount' },
  { name: 'SEDNA_GM_SA_AUTH', field: 'serviceAccountAuth.enabled', description: 'LCs may prove their node with a ServiceAccount token (default true)' },
  { name: 'SEDNA_GM_TOKEN_AUDIENCE', field: 'serviceAccountAuth.audience', description: 'audience of the LC tokens (default sedna-gm)' },
  { name: 'SEDNA_GM_LC_SERVICE_ACCOUNTS', field: 'serviceAccountAuth.serviceAccounts', description: 'namespace/name of the LC ServiceAccounts, comma-separated (default <GM namespace>/sedna-lc)' },
  { name: 'SEDNA_LOG_LEVEL', field: 'logger', description: 'pino level: trace, debug, info (default), warn, error, fatal, silent (or DEBUG, INFO, WARNING, ERROR, CRITICAL)' },
  { name: 'LOG_LEVEL', field: 'logger', description: 'deprecated: the level when SEDNA_LOG_LEVEL is not set, with a warning' },
];

/** Where a pod finds its namespace (the projected ServiceAccount volume). */
const IN_CLUSTER_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

function invalid(field: string, value: unknown, problem: string): ControllerError {
  return new ControllerError('INVALID_CONFIG', `GlobalManager config: ${field}: ${JSON.stringify(value)} ${problem}`);
}

function number(field: string, value: unknown, fallback: number, min: number, options: { integer?: boolean; max?: number } = {}): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw invalid(field, value, 'is not a number');
  if (options.integer && !Number.isInteger(n)) throw invalid(field, value, 'is not an integer');
  if (n < min) throw invalid(field, value, `is less than ${min}`);
  if (options.max !== undefined && n > options.max) throw invalid(field, value, `is more than ${options.max}`);
  return n;
}

// A Kubernetes resource quantity: a decimal number with an optional suffix (100m, 1.5, 1Gi, 2e3).
const QUANTITY = /^([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?$/;

function quantities(field: string, value: unknown, fallback: Record<string, string>): Record<string, string> {
  if (value === undefined) return { ...fallback };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, value, 'is not a map of resource names to quantities');
  const out: Record<string, string> = {};
  for (const [name, quantity] of Object.entries(value)) {
    const text = typeof quantity === 'number' ? String(quantity) : quantity;
    if (typeof text !== 'string' || !QUANTITY.test(text)) throw invalid(`${field}.${name}`, quantity, 'is not a resource quantity (e.g. 100m, 1, 256Mi)');
    out[name] = text;
  }
  return out;
}

function resources(field: string, value: unknown, fallback: V1ResourceRequirements): V1ResourceRequirements {
  if (value === undefined) return structuredClone(fallback);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, value, 'is not an object with requests and limits');
  for (const key of Object.keys(value)) if (key !== 'requests' && key !== 'limits') throw invalid(`${field}.${key}`, (value as Record<string, unknown>)[key], `is not a field of ${field} (requests, limits)`);
  const v = value as { requests?: unknown; limits?: unknown };
  return { requests: quantities(`${field}.requests`, v.requests, {}), limits: quantities(`${field}.limits`, v.limits, {}) };
}

function nonEmpty(field: string, value: unknown, fallback: string): string {
  if (value === undefined || value === '') return fallback;
  if (typeof value !== 'string' || value.trim() === '') throw invalid(field, value, 'is not a non-empty string');
  return value;
}

function flag(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  throw invalid(field, value, 'is not a boolean (true or false)');
}

function inClusterNamespace(): string | undefined {
  try {
    return readFileSync(IN_CLUSTER_NAMESPACE_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The namespace the GM runs in: POD_NAMESPACE, else the in-cluster one, else the watched one, else default. */
function gmNamespace(env: NodeJS.ProcessEnv, watched: string): string {
  return env.POD_NAMESPACE || inClusterNamespace() || watched || 'default';
}

const SERVICE_ACCOUNT_REF = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

function serviceAccountAuth(config: GlobalManagerConfig, env: NodeJS.ProcessEnv, watched: string): TokenReviewSettings {
  const sa = config.serviceAccountAuth ?? {};
  const audience = sa.audience ?? env.SEDNA_GM_TOKEN_AUDIENCE ?? DEFAULT_TOKEN_AUDIENCE;
  if (typeof audience !== 'string' || audience.trim() === '') throw invalid('serviceAccountAuth.audience', audience, 'is not a non-empty string');
  const fromEnv = env.SEDNA_GM_LC_SERVICE_ACCOUNTS?.split(',').map((a) => a.trim()).filter(Boolean);
  const accounts: unknown = sa.serviceAccounts ?? fromEnv ?? [`${gmNamespace(env, watched)}/sedna-lc`];
  if (!Array.isArray(accounts) || accounts.length === 0) throw invalid('serviceAccountAuth.serviceAccounts', accounts, 'is not a non-empty list of namespace/name');
  accounts.forEach((account: unknown, i) => {
    if (typeof account !== 'string' || !SERVICE_ACCOUNT_REF.test(account)) throw invalid(`serviceAccountAuth.serviceAccounts[${i}]`, account, 'is not namespace/name of a ServiceAccount');
  });
  return { enabled: flag('serviceAccountAuth.enabled', sa.enabled ?? env.SEDNA_GM_SA_AUTH, true), audience, serviceAccounts: accounts as string[], maxInFlight: 32 };
}

function leaderElection(config: GlobalManagerConfig, env: NodeJS.ProcessEnv, watched: string): ResolvedConfig['leaderElection'] {
  const le = config.leaderElection ?? {};
  const leaseDurationSeconds = number('leaderElection.leaseDurationSeconds', le.leaseDurationSeconds, 15, 1, { integer: true });
  const renewDeadlineSeconds = number('leaderElection.renewDeadlineSeconds', le.renewDeadlineSeconds, Math.min(10, leaseDurationSeconds * (2 / 3)), 0.001);
  if (renewDeadlineSeconds >= leaseDurationSeconds) throw invalid('leaderElection.renewDeadlineSeconds', renewDeadlineSeconds, `is not less than leaderElection.leaseDurationSeconds (${leaseDurationSeconds})`);
  const retryPeriodSeconds = number('leaderElection.retryPeriodSeconds', le.retryPeriodSeconds, Math.min(2, renewDeadlineSeconds / 5), 0.001);
  // A candidate waits up to 1.2 retry periods: the leader must be able to retry within its deadline.
  if (retryPeriodSeconds * 1.2 >= renewDeadlineSeconds) throw invalid('leaderElection.retryPeriodSeconds', retryPeriodSeconds, `is not less than leaderElection.renewDeadlineSeconds / 1.2 (${renewDeadlineSeconds / 1.2})`);
  const namespace = le.namespace ?? env.SEDNA_GM_LEASE_NAMESPACE ?? gmNamespace(env, watched);
  const name = le.name ?? env.SEDNA_GM_LEASE_NAME ?? 'sedna-gm';
  const identity = le.identity ?? env.SEDNA_GM_IDENTITY ?? `${env.POD_NAME || hostname()}_${randomUUID().slice(0, 8)}`;
  for (const [field, value] of [
    ['leaderElection.namespace', namespace],
    ['leaderElection.name', name],
    ['leaderElection.identity', identity],
  ] as const) {
    if (typeof value !== 'string' || value.trim() === '') throw invalid(field, value, 'is not a non-empty string');
  }
  return {
    enabled: flag('leaderElection.enabled', le.enabled ?? env.SEDNA_GM_LEADER_ELECT, true),
    namespace,
    name,
    identity,
    leaseDurationSeconds,
    renewDeadlineSeconds,
    retryPeriodSeconds,
  };
}

function kindsOf(kinds: readonly JobKind[] | undefined): readonly JobKind[] {
  const list = kinds ?? BUILT_IN_KINDS;
  if (!Array.isArray(list)) throw invalid('kinds', list, 'is not a list of kinds');
  const seen = new Set<string>();
  list.forEach((kind: JobKind, i: number) => {
    if (!kind || typeof kind.resourceKind !== 'string' || typeof kind.plural !== 'string' || typeof kind.policy !== 'function') {
      throw invalid(`kinds[${i}]`, kind?.kind ?? kind, 'is not a JobKind (kind, resourceKind, plural, policy())');
    }
    if (seen.has(kind.resourceKind)) throw invalid(`kinds[${i}]`, kind.kind, 'is listed twice');
    seen.add(kind.resourceKind);
  });
  return list;
}

function kindSettingsOf(settings: Record<string, Record<string, unknown>> | undefined, knowledgeBaseServer: unknown): Readonly<Record<string, KindSettings>> {
  const out: Record<string, KindSettings> = {};
  if (settings !== undefined) {
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) throw invalid('kindSettings', settings, 'is not a mapping of kinds to settings');
    for (const [kind, value] of Object.entries(settings)) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`kindSettings.${kind}`, value, 'is not a mapping of settings');
      out[kind] = value;
    }
  }
  if (knowledgeBaseServer !== undefined) {
    if (typeof knowledgeBaseServer !== 'string' || knowledgeBaseServer === '') throw invalid('knowledgeBaseServer', knowledgeBaseServer, 'is not a URL');
    out.lifelonglearningjob = { knowledgeBaseServer, ...(out.lifelonglearningjob ?? {}) };
  }
  return out;
}

function checkKeys(config: Record<string, unknown>): void {
  for (const key of Object.keys(config)) {
    if (!TOP_LEVEL_KEYS.has(key) && !ORIGINAL_ONLY_KEYS.has(key)) throw invalid(key, config[key], 'is not a GlobalManager config field');
    const nested = NESTED_KEYS[key];
    const value = config[key];
    if (nested && value !== undefined) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(key, value, 'is not an object');
      for (const inner of Object.keys(value)) {
        if (!nested.has(inner)) throw invalid(`${key}.${inner}`, (value as Record<string, unknown>)[inner], `is not a field of ${key}`);
      }
    }
  }
}

/**
 * The GM's own KubeConfig, reusing its connections (`reuseConnections`). A KubeConfig it is given stays
 * as it was: the GM's is a view of it (its clusters, users, contexts and authenticators) with a pool of
 * connections of its own, which `stop()` closes without touching anyone else's requests.
 */
function loadKubeConfig(value: KubeConfig | string | undefined): KubeConfig {
  if (value instanceof KubeConfig) return reuseConnections(Object.create(value) as KubeConfig);
  const kc = new KubeConfig();
  try {
    if (typeof value === 'string' && value) kc.loadFromFile(value);
    else if (value === undefined || value === '') kc.loadFromDefault();
    else throw invalid('kubeConfig', value, 'is neither a KubeConfig nor the path of a kubeconfig file');
  } catch (error) {
    if (error instanceof ControllerError) throw error;
    throw new ControllerError('INVALID_CONFIG', `GlobalManager config: kubeConfig: ${JSON.stringify(value ?? '(default)')} cannot be loaded: ${(error as Error).message}`, { cause: error });
  }
  if (!kc.getCurrentCluster()) throw invalid('kubeConfig', typeof value === 'string' ? value : '(default)', 'has no current cluster');
  return reuseConnections(kc);
}

/**
 * Applies the defaults and the environment to a configuration and validates it.
 *
 * @throws ControllerError `INVALID_CONFIG` naming the field and its value.
 */
export function resolveConfig(config: GlobalManagerConfig = {}, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  checkKeys(config as Record<string, unknown>);
  const secret = config.secret ?? env.SEDNA_GM_SECRET ?? '';
  if (typeof secret !== 'string' || secret.length < 16) {
    throw new ControllerError('INVALID_CONFIG', 'GlobalManager config: secret: must be a string of at least 16 characters (set it or SEDNA_GM_SECRET)');
  }
  const address = config.websocket?.address ?? env.SEDNA_GM_ADDRESS ?? '0.0.0.0';
  if (typeof address !== 'string' || !address) throw invalid('websocket.address', address, 'is not a host address');
  const namespace = config.namespace ?? env.SEDNA_GM_NAMESPACE ?? '';
  if (typeof namespace !== 'string') throw invalid('namespace', namespace, 'is not a string');
  const retryInitial = number('retry.initialBackoffSeconds', config.retry?.initialBackoffSeconds ?? env.SEDNA_GM_RETRY_INITIAL_BACKOFF_SECONDS, 10, 0);
  const backoffInitial = number('backoff.initialMs', config.backoff?.initialMs, 1000, 1);
  const watchInitial = number('watchBackoff.initialMs', config.watchBackoff?.initialMs, 1000, 1);
  const resolved: ResolvedConfig = {
    kubeConfig: loadKubeConfig(config.kubeConfig),
    namespace,
    websocket: { address, port: number('websocket.port', config.websocket?.port ?? env.SEDNA_GM_PORT, 9000, 0, { integer: true, max: 65535 }) },
    secret,
    reportGraceSeconds: number('reportGraceSeconds', config.reportGraceSeconds ?? env.SEDNA_GM_REPORT_GRACE_SECONDS, 60, 0, { max: MAX_DEADLINE_SECONDS }),
    startDeadlineSeconds: number('startDeadlineSeconds', config.startDeadlineSeconds, 600, 0, { max: MAX_DEADLINE_SECONDS }),
    deployConfirmSeconds: number('deployConfirmSeconds', config.deployConfirmSeconds, 600, 0, { max: MAX_DEADLINE_SECONDS }),
    retry: {
      maxAttempts: number('retry.maxAttempts', config.retry?.maxAttempts, 4, 1, { integer: true }),
      initialBackoffSeconds: retryInitial,
      maxBackoffSeconds: number('retry.maxBackoffSeconds', config.retry?.maxBackoffSeconds, Math.max(300, retryInitial), retryInitial),
    },
    backoff: { initialMs: backoffInitial, maxMs: number('backoff.maxMs', config.backoff?.maxMs, Math.max(300_000, backoffInitial), backoffInitial) },
    watchBackoff: { initialMs: watchInitial, maxMs: number('watchBackoff.maxMs', config.watchBackoff?.maxMs, Math.max(30_000, watchInitial), watchInitial) },
    maxConditions: number('maxConditions', config.maxConditions, 200, 10, { integer: true }),
    podRetentionRounds: number('podRetentionRounds', config.podRetentionRounds, 10, 1, { integer: true }),
    concurrency: number('concurrency', config.concurrency, 16, 1, { integer: true }),
    startTimeoutSeconds: number('startTimeoutSeconds', config.startTimeoutSeconds, 60, 1),
    storageInitializer: {
      image: nonEmpty('storageInitializer.image', config.storageInitializer?.image ?? env.SEDNA_GM_STORAGE_INITIALIZER_IMAGE, DEFAULT_STORAGE_INITIALIZER_IMAGE),
      resources: resources('storageInitializer.resources', config.storageInitializer?.resources, DEFAULT_STORAGE_INITIALIZER_RESOURCES),
    },
    workerDefaultRequests: quantities('workerDefaultRequests', config.workerDefaultRequests, DEFAULT_WORKER_REQUESTS),
    leaderElection: leaderElection(config, env, namespace),
    serviceAccountAuth: serviceAccountAuth(config, env, namespace),
    kinds: kindsOf(config.kinds),
    kindSettings: kindSettingsOf(config.kindSettings, config.knowledgeBaseServer),
    logger: config.logger ?? gmLogger(env),
  };
  return resolved;
}

/**
 * Reads a configuration file (YAML or JSON) with the fields of `GlobalManagerConfig`; `kubeConfig` is
 * a path there. Fields of the original GM's file that mean nothing here (`master`, `localController`,
 * `minResyncPeriodSeconds`) are accepted and ignored; its `knowledgeBaseServer` goes to the lifelong-learning kind.
 *
 * @throws ControllerError `INVALID_CONFIG` when the file cannot be read or parsed.
 */
export function loadConfigFile(file: string): GlobalManagerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ControllerError('INVALID_CONFIG', `GlobalManager config ${file}: cannot be read: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ControllerError('INVALID_CONFIG', `GlobalManager config ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ControllerError('INVALID_CONFIG', `GlobalManager config ${file}: is not a mapping of fields`);
  const config = parsed as Record<string, unknown>;
  checkKeys(config);
  if ('logger' in config) throw invalid('logger', config.logger, 'cannot be set in a file');
  if (config.kubeConfig !== undefined && typeof config.kubeConfig !== 'string') throw invalid('kubeConfig', config.kubeConfig, 'is not a file path');
  for (const key of ORIGINAL_ONLY_KEYS) delete config[key];
  if ('kinds' in config) throw invalid('kinds', config.kinds, 'cannot be set in a file (kinds are code: startGlobalManager({ kinds }))');
  return config as GlobalManagerConfig;
}

/** The default logger: pino to stdout at SEDNA_LOG_LEVEL (LOG_LEVEL alone: deprecated, warned once). */
function gmLogger(env: NodeJS.ProcessEnv): GmLogger {
  try {
    return createLogger({ name: 'sedna-gm', env: { SEDNA_LOG_LEVEL: env.SEDNA_LOG_LEVEL, LOG_LEVEL: env.LOG_LEVEL }, destination: 1 });
  } catch (error) {
    throw new ControllerError('INVALID_CONFIG', `GlobalManager config: ${(error as Error).message}`, { cause: error });
  }
}
