/**
 * What the leading Global Manager replica runs, from the moment it leads until it stops leading:
 * informers on Datasets, Models, IncrementalLearningJobs and the pods it owns, one reconcile queue, the
 * reconcilers, the downstream sync to the Local Controllers and their WebSocket endpoint. A replica that
 * loses the lease stops its session; one that gains it starts a fresh one (caches, expectations and LC
 * queues are rebuilt from the API server, as after a restart).
 */
import type { KubernetesListObject, KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { SEDNA_GROUP, SEDNA_VERSION, type Dataset, type IncrementalLearningJob, type Model } from '@sedna-ts/api-types';
import type { ResolvedConfig } from './config.js';
import { DATASET_PLURAL, DatasetController } from './datasetController.js';
import { Downstream } from './downstream.js';
import { ControllerError, describeError, toControllerError } from './errors.js';
import { PodExpectations } from './expectations.js';
import { Informer, type InformerEvent } from './informer.js';
import { JobController } from './jobController.js';
import { incrementalLearningPolicy } from './jobPolicy.js';
import { KubeApi } from './kubeApi.js';
import { workerLabelKeys } from './labels.js';
import { TokenReviewAuthenticator } from './lcAuth.js';
import { LcServer } from './lcServer.js';
import type { GmMetrics } from './metrics.js';
import { DEFAULT_DECIDE_OPTIONS, type DecideOptions } from './stateMachine.js';
import { withTimeout } from './timeout.js';
import { nodeToken } from '@sedna-ts/api-types/tokens';
import { WorkQueue } from './workQueue.js';

/** A running leader session. */
export interface LeaderSession {
  /** The LC endpoint (attach it to the HTTP server once the session is started). */
  readonly lcServer: LcServer;
  /** Whether the informers are synced and the reconcilers run. */
  ready(): boolean;
  /**
   * Stops reconciling (waits for the reconciles in flight), drops pending reports unacknowledged (the
   * LCs replay them), closes the LC connections with `closeCode`, and stops watching.
   */
  stop(closeCode?: number, closeReason?: string): Promise<void>;
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

/**
 * Starts a leader session: lists and watches, and once every watched kind is listed (within
 * `startTimeoutSeconds`) and `stillLeading()` holds, starts reconciling.
 *
 * @throws ControllerError `CRD_MISSING`, `API_ERROR` (not listed in time), or `STOPPED` when the
 *   replica stopped leading meanwhile; the session is stopped before the error is thrown.
 */
export async function startLeaderSession(c: ResolvedConfig, metrics: GmMetrics, stillLeading: () => boolean): Promise<LeaderSession> {
  const log = c.logger;
  const api = new KubeApi(c.kubeConfig);
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
      if (event === 'delete') {
        expectations.gone(jobKey, pod.metadata.name);
        void jobController.podGone(pod).catch((error: unknown) => {
          log.warn({ pod: `${ns}/${pod.metadata?.name}`, error: (error as Error).message }, 'the token Secret of a deleted worker pod could not be deleted; it goes with its job');
        });
      } else expectations.observed(jobKey, pod.metadata.name, Boolean(pod.metadata.deletionTimestamp));
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
    (node, key, frame) => lcServer.send(node, key, frame),
  );

  // The LC endpoint needs the controllers' handlers and they need its connections: tied through `lcs`.
  const lcs = (): ReturnType<LcServer['connectedNodes']> => lcServer.connectedNodes();
  const jobController = new JobController<IlJob>({
    policy,
    api,
    jobs,
    pods,
    datasets,
    models,
    expectations,
    downstream,
    lcs,
    nodeToken: (node) => nodeToken(c.secret, node),
    enqueue: enqueueJob,
    options: decideOptions(c),
    podSettings: { storageInitializer: c.storageInitializer, workerDefaultRequests: c.workerDefaultRequests },
    metrics,
    logger: log,
  });
  const datasetController = new DatasetController({ api, datasets, enqueue: enqueueDataset, metrics, logger: log });

  const lcServer: LcServer = new LcServer({
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
    ...(c.serviceAccountAuth.enabled ? { authenticator: new TokenReviewAuthenticator(c.kubeConfig, c.serviceAccountAuth, log) } : {}),
  });

  const informers = [datasets, models, jobs, pods];
  let stopping: Promise<void> | undefined;
  const stop = (closeCode?: number, closeReason?: string): Promise<void> => {
    stopping ??= (async () => {
      ready = false;
      await queue.stop();
      jobController.abandon();
      datasetController.abandon();
      await lcServer.close(closeCode, closeReason);
      await Promise.all(informers.map((i) => i.stop()));
      metrics.reconcileQueueDepth.set(0);
      metrics.connectedNodes.set(0);
      metrics.downstreamQueueDepth.reset();
    })();
    return stopping;
  };

  try {
    for (const informer of informers) informer.start();
    await withTimeout(
      Promise.all(informers.map((i) => i.waitForSync())),
      c.startTimeoutSeconds * 1000,
      () => new ControllerError('API_ERROR', `GlobalManager: the API server at ${c.kubeConfig.getCurrentCluster()?.server ?? '?'} could not be listed within ${c.startTimeoutSeconds}s`),
    );
    if (!stillLeading()) throw new ControllerError('STOPPED', 'GlobalManager: stopped leading while the watched kinds were listed');
  } catch (error) {
    await stop();
    throw toControllerError(error, 'API_ERROR', 'GlobalManager: start failed');
  }

  queue.start(async (key) => {
    const [kind, ns, name] = key.split('/') as [string, string, string];
    if (kind === 'dataset') return datasetController.reconcile(ns, name);
    return jobController.reconcile(ns, name);
  });
  ready = true;
  return { lcServer, ready: () => ready, stop };
}
