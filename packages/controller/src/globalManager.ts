/**
 * The Global Manager: informers on Datasets, Models, IncrementalLearningJobs and the pods it owns, one
 * reconcile queue, the reconcilers, the downstream sync to the Local Controllers and the server they
 * connect to. It speaks only the Kubernetes API (through @kubernetes/client-node) and the GM-LC
 * WebSocket protocol, so it runs unchanged against `sedna up`'s embedded API server and a cluster.
 */
import type { KubernetesListObject, KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { SEDNA_GROUP, SEDNA_VERSION, type Dataset, type IncrementalLearningJob, type Model } from '@sedna-ts/api-types';
import { resolveConfig, type GlobalManagerConfig, type ResolvedConfig } from './config.js';
import { DATASET_PLURAL, DatasetController } from './datasetController.js';
import { Downstream } from './downstream.js';
import { ControllerError, describeError, toControllerError } from './errors.js';
import { PodExpectations } from './expectations.js';
import { Informer, type InformerEvent } from './informer.js';
import { JobController } from './jobController.js';
import { incrementalLearningPolicy } from './jobPolicy.js';
import { KubeApi } from './kubeApi.js';
import { workerLabelKeys } from './labels.js';
import { LcServer } from './lcServer.js';
import { createMetrics } from './metrics.js';
import { DEFAULT_DECIDE_OPTIONS, type DecideOptions } from './stateMachine.js';
import { nodeToken } from './tokens.js';
import { WorkQueue } from './workQueue.js';

/** A running Global Manager. */
export interface GlobalManager {
  /** The URL a Local Controller on this machine dials, e.g. `ws://127.0.0.1:9000/`. */
  wsUrl: string;
  /** The port of the WebSocket (and /healthz, /readyz, /metrics) server. */
  port: number;
  /** The token the LC of `node` presents (`Authorization: Bearer <token>`). */
  nodeToken(node: string): string;
  /** Stops everything; reports not yet applied stay unacknowledged in the LCs' outboxes. */
  stop(): Promise<void>;
}

type Cached<T> = T & KubernetesObject;
type IlJob = Cached<IncrementalLearningJob>;

function sednaPath(namespace: string, plural: string): string {
  return namespace ? `/apis/${SEDNA_GROUP}/${SEDNA_VERSION}/namespaces/${namespace}/${plural}` : `/apis/${SEDNA_GROUP}/${SEDNA_VERSION}/${plural}`;
}

function decideOptions(config: ResolvedConfig): DecideOptions {
  return {
    ...DEFAULT_DECIDE_OPTIONS,
    maxAttempts: config.retry.maxAttempts,
    retryInitialMs: config.retry.initialBackoffSeconds * 1000,
    retryMaxMs: config.retry.maxBackoffSeconds * 1000,
    reportGraceMs: config.reportGraceSeconds * 1000,
    maxConditions: config.maxConditions,
    podRetentionRounds: config.podRetentionRounds,
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ControllerError('API_ERROR', message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts a Global Manager: validates the configuration, listens for Local Controllers, lists and
 * watches the objects, and resolves once every watched kind is listed and reconciling has begun.
 *
 * @throws ControllerError `INVALID_CONFIG`, `LISTEN_FAILED`, `CRD_MISSING`, or `API_ERROR` when the API
 *   server cannot be listed within `startTimeoutSeconds`.
 *
 * @example
 * ```ts
 * import { startGlobalManager } from '@sedna-ts/controller';
 *
 * const gm = await startGlobalManager({ kubeConfig: '/home/me/.sedna/kubeconfig', secret: 'a-long-random-secret', websocket: { port: 0 } });
 * console.log(`LCs dial ${gm.wsUrl} with token ${gm.nodeToken('edge-1')}`);
 * process.on('SIGTERM', () => void gm.stop());
 * ```
 */
export async function startGlobalManager(config: GlobalManagerConfig = {}): Promise<GlobalManager> {
  const c = resolveConfig(config);
  const log = c.logger;
  const api = new KubeApi(c.kubeConfig);
  const metrics = createMetrics();
  const expectations = new PodExpectations();
  const policy = incrementalLearningPolicy;
  const namespace = c.namespace;
  let ready = false;

  const queue = new WorkQueue({
    backoff: c.backoff,
    concurrency: c.concurrency,
    onError: (key, error, retryInMs) => {
      metrics.reconciles.inc({ kind: key.split('/')[0] ?? '', result: 'error' });
      log.error({ key, error: describeError(error), retryInMs }, 'reconcile failed; retrying');
    },
    onDepth: (depth) => metrics.reconcileQueueDepth.set(depth),
  });
  const enqueueJob = (ns: string, name: string): void => queue.add(`${policy.resourceKind}/${ns}/${name}`);
  const enqueueDataset = (ns: string, name: string): void => queue.add(`dataset/${ns}/${name}`);

  const informerBase = { kubeConfig: c.kubeConfig, backoff: c.watchBackoff, logger: log };
  const jobsOf = (ns: string, uses: (job: IlJob) => boolean): IlJob[] => jobs.list(ns).filter(uses);

  const datasets: Informer<Cached<Dataset>> = new Informer<Cached<Dataset>>({
    ...informerBase,
    name: DATASET_PLURAL,
    path: sednaPath(namespace, DATASET_PLURAL),
    list: () => api.listSedna(DATASET_PLURAL, namespace) as Promise<KubernetesListObject<Cached<Dataset>>>,
    onEvent: (event: InformerEvent, dataset) => {
      if (event === 'delete') downstream.datasetDeleted(dataset);
      else downstream.datasetChanged(dataset);
      const ns = dataset.metadata.namespace ?? 'default';
      for (const job of jobsOf(ns, (j) => policy.datasetName(j) === dataset.metadata.name)) enqueueJob(ns, job.metadata.name ?? '');
    },
  });
  const models: Informer<Cached<Model>> = new Informer<Cached<Model>>({
    ...informerBase,
    name: 'models',
    path: sednaPath(namespace, 'models'),
    list: () => api.listSedna('models', namespace) as Promise<KubernetesListObject<Cached<Model>>>,
    onEvent: (event: InformerEvent, model) => {
      if (event === 'delete') downstream.modelDeleted(model);
      else downstream.modelChanged(model);
      const ns = model.metadata.namespace ?? 'default';
      for (const job of jobsOf(ns, (j) => policy.modelNames(j).includes(model.metadata.name ?? ''))) enqueueJob(ns, job.metadata.name ?? '');
    },
  });
  const jobs: Informer<IlJob> = new Informer<IlJob>({
    ...informerBase,
    name: policy.plural,
    path: sednaPath(namespace, policy.plural),
    list: () => api.listSedna(policy.plural, namespace) as Promise<KubernetesListObject<IlJob>>,
    onEvent: (event: InformerEvent, job) => {
      if (event === 'delete') downstream.jobDeleted(job, policy);
      else downstream.jobChanged(job, policy);
      enqueueJob(job.metadata.namespace ?? 'default', job.metadata.name ?? '');
    },
  });
  const podKeys = workerLabelKeys(policy.resourceKind);
  const pods: Informer<V1Pod> = new Informer<V1Pod>({
    ...informerBase,
    name: 'pods',
    path: namespace ? `/api/v1/namespaces/${namespace}/pods` : '/api/v1/pods',
    labelSelector: podKeys.name,
    list: async () => {
      const list = namespace ? await api.core.listNamespacedPod({ namespace, labelSelector: podKeys.name }) : await api.core.listPodForAllNamespaces({ labelSelector: podKeys.name });
      return list as KubernetesListObject<V1Pod>;
    },
    onEvent: (event: InformerEvent, pod) => {
      const jobName = pod.metadata?.labels?.[podKeys.name];
      const ns = pod.metadata?.namespace ?? 'default';
      if (!jobName || !pod.metadata?.name) return;
      const jobKey = `${ns}/${jobName}`;
      if (event === 'delete') expectations.gone(jobKey, pod.metadata.name);
      else expectations.observed(jobKey, pod.metadata.name, Boolean(pod.metadata.deletionTimestamp));
      enqueueJob(ns, jobName);
    },
  });

  const downstream: Downstream = new Downstream(
    {
      datasets: () => [...datasets.list()],
      models: () => [...models.list()],
      jobs: () => jobs.list().map((job) => ({ job, policy })),
      dataset: (ns, name) => datasets.get(name, ns),
    },
    (node, key, frame) => lcServer.current?.send(node, key, frame),
  );

  // The server needs the controllers' handlers and they need its connections: tied through this holder.
  const lcServer: { current?: LcServer } = {};
  const jobController = new JobController<IlJob>({
    policy,
    api,
    jobs,
    pods,
    datasets,
    models,
    expectations,
    downstream,
    lcs: () => lcServer.current?.connectedNodes() ?? new Map(),
    nodeToken: (node) => nodeToken(c.secret, node),
    enqueue: enqueueJob,
    options: decideOptions(c),
    podSettings: { storageInitializer: c.storageInitializer, workerDefaultRequests: c.workerDefaultRequests },
    metrics,
    logger: log,
  });
  const datasetController = new DatasetController({ api, datasets, enqueue: enqueueDataset, metrics, logger: log });

  const server = await LcServer.listen({
    address: c.websocket.address,
    port: c.websocket.port,
    secret: c.secret,
    logger: log,
    metrics,
    upstream: new Map([
      ['dataset', datasetController.upstream],
      [policy.resourceKind, jobController.upstream],
    ]),
    resync: (node) => downstream.resync(node),
    onConnect: (info) => {
      // Pods waiting for this node's LC_SERVER can be created now.
      for (const job of jobs.list()) {
        if (downstream.jobNodes(job, policy).has(info.nodeName)) enqueueJob(job.metadata.namespace ?? 'default', job.metadata.name ?? '');
      }
    },
    onDisconnect: () => undefined,
    ready: () => ready,
  });
  lcServer.current = server;

  const informers = [datasets, models, jobs, pods];
  const stopAll = async (): Promise<void> => {
    ready = false;
    await queue.stop();
    jobController.abandon();
    datasetController.abandon();
    await server.close();
    await Promise.all(informers.map((i) => i.stop()));
  };

  try {
    for (const informer of informers) informer.start();
    await withTimeout(
      Promise.all(informers.map((i) => i.waitForSync())),
      c.startTimeoutSeconds * 1000,
      `GlobalManager: the API server at ${c.kubeConfig.getCurrentCluster()?.server ?? '?'} could not be listed within ${c.startTimeoutSeconds}s`,
    );
  } catch (error) {
    await stopAll();
    throw toControllerError(error, 'API_ERROR', 'GlobalManager: start failed');
  }

  queue.start(async (key) => {
    const [kind, ns, name] = key.split('/') as [string, string, string];
    if (kind === 'dataset') return datasetController.reconcile(ns, name);
    return jobController.reconcile(ns, name);
  });
  ready = true;
  const port = server.port;
  log.info({ wsUrl: server.url, port, namespace: namespace || '(all)' }, 'global manager started');

  let stopping: Promise<void> | undefined;
  return {
    wsUrl: server.url,
    port,
    nodeToken: (node: string) => nodeToken(c.secret, node),
    stop: () => {
      stopping ??= stopAll().then(() => log.info({}, 'global manager stopped'));
      return stopping;
    },
  };
}
