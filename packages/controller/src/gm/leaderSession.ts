/**
 * What the leading Global Manager replica runs, from the moment it leads until it stops leading:
 * informers on Datasets, Models, and for each kind of learning job (`config.kinds`) its jobs and the
 * pods it owns; one reconcile queue dispatching by kind; a reconciler per kind; the downstream sync to
 * the Local Controllers and their WebSocket endpoint with an upstream handler per kind. A replica that
 * loses the lease stops its session; one that gains it starts a fresh one (caches, expectations and LC
 * queues are rebuilt from the API server, as after a restart).
 */
import type { KubernetesListObject, KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { SEDNA_GROUP, SEDNA_VERSION, type Dataset, type Model } from '@sedna-ts/api-types';
import { nodeToken } from '@sedna-ts/api-types/tokens';
import type { GmLogger, ResolvedConfig } from '../config.js';
import { DATASET_PLURAL, DatasetController } from './datasetController.js';
import { Downstream } from '../lc/downstream.js';
import { ControllerError, describeError, toControllerError } from '../errors.js';
import { PodExpectations } from '../jobs/expectations.js';
import { Informer, type InformerEvent } from '../kube/informer.js';
import { JobController } from '../jobs/jobController.js';
import type { JobKind, JobPolicy, LearningJob } from '../jobs/jobPolicy.js';
import { KubeApi } from '../kube/kubeApi.js';
import { workerLabelKeys } from '../jobs/labels.js';
import { TokenReviewAuthenticator } from '../lc/lcAuth.js';
import { LcServer } from '../lc/lcServer.js';
import type { GmMetrics } from '../metrics.js';
import { DEFAULT_DECIDE_OPTIONS, type DecideOptions } from '../jobs/stateMachine.js';
import { withTimeout } from '../kube/timeout.js';
import { OutputDirConflictCache, type PolicyJob } from '../jobs/outputDirs.js';
import { specProblem } from '../jobs/specCheck.js';
import { WorkQueue } from '@sedna-ts/internal';

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
type Job = Cached<LearningJob>;

/** One kind of job in the session: its policy, informers and reconciler. */
interface KindRuntime {
  policy: JobPolicy<Job>;
  jobs: Informer<Job>;
  pods: Informer<V1Pod>;
  controller: JobController<Job>;
  enqueue(namespace: string, name: string): void;
}

/** What the parts of a session share while they are built. */
interface SessionBase {
  c: ResolvedConfig;
  log: GmLogger;
  api: KubeApi;
  metrics: GmMetrics;
  queue: WorkQueue;
  informerBase: { kubeConfig: ResolvedConfig['kubeConfig']; backoff: ResolvedConfig['watchBackoff']; logger: GmLogger };
  /** Filled as the kinds are built; the Dataset and Model informers read it when they fire. */
  kinds: KindRuntime[];
  downstream: Downstream;
  lcServer: LcServer;
  /** The jobs' outputDir conflicts, kept between the job changes that alter them (outputDirs.ts). */
  outputDirs: OutputDirConflictCache;
}

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
    startDeadlineMs: config.startDeadlineSeconds * 1000,
    deployConfirmMs: config.deployConfirmSeconds * 1000,
    maxConditions: config.maxConditions,
    podRetentionRounds: config.podRetentionRounds,
  };
}

function createQueue(c: ResolvedConfig, metrics: GmMetrics): WorkQueue {
  return new WorkQueue({
    backoff: c.backoff,
    concurrency: c.concurrency,
    onError: (key, error, retryInMs) => {
      metrics.reconciles.inc({ kind: key.split('/')[0] ?? '', result: 'error' });
      c.logger.error({ key, error: describeError(error), retryInMs }, 'reconcile failed; retrying');
    },
    onDepth: (depth) => metrics.reconcileQueueDepth.set(depth),
  });
}

/** Enqueues every job of every kind that runs on `node` (its Dataset's node or a stage's). */
function enqueueNodeJobs(s: SessionBase, node: string): void {
  for (const k of s.kinds) {
    for (const job of k.jobs.list()) if (s.downstream.jobNodes(job, k.policy).has(node)) k.enqueue(job.metadata.namespace ?? 'default', job.metadata.name ?? '');
  }
}

/** Enqueues every job of every kind in `namespace` that `uses` an object. */
function enqueueUsers(s: SessionBase, namespace: string, uses: (policy: JobPolicy<Job>, job: Job) => boolean): void {
  for (const k of s.kinds) {
    for (const job of k.jobs.list(namespace)) if (uses(k.policy, job)) k.enqueue(namespace, job.metadata.name ?? '');
  }
}

function datasetInformer(s: SessionBase): Informer<Cached<Dataset>> {
  const namespace = s.c.namespace;
  return new Informer<Cached<Dataset>>({
    ...s.informerBase,
    name: DATASET_PLURAL,
    path: sednaPath(namespace, DATASET_PLURAL),
    list: () => s.api.listSedna(DATASET_PLURAL, namespace) as Promise<KubernetesListObject<Cached<Dataset>>>,
    onEvent: (event: InformerEvent, dataset) => {
      if (event === 'delete') s.downstream.datasetDeleted(dataset);
      else s.downstream.datasetChanged(dataset);
      enqueueUsers(s, dataset.metadata.namespace ?? 'default', (policy, job) => policy.datasetName(job) === dataset.metadata.name);
    },
  });
}

function modelInformer(s: SessionBase): Informer<Cached<Model>> {
  const namespace = s.c.namespace;
  return new Informer<Cached<Model>>({
    ...s.informerBase,
    name: 'models',
    path: sednaPath(namespace, 'models'),
    list: () => s.api.listSedna('models', namespace) as Promise<KubernetesListObject<Cached<Model>>>,
    onEvent: (event: InformerEvent, model) => {
      if (event === 'delete') s.downstream.modelDeleted(model);
      else s.downstream.modelChanged(model);
      enqueueUsers(s, model.metadata.namespace ?? 'default', (policy, job) => policy.modelNames(job).includes(model.metadata.name ?? ''));
    },
  });
}

/** The pods of one kind's jobs (by the kind's name label); a pod gone takes its token Secret along. */
function podInformer(s: SessionBase, policy: JobPolicy<Job>, expectations: PodExpectations, runtime: () => KindRuntime): Informer<V1Pod> {
  const namespace = s.c.namespace;
  const label = workerLabelKeys(policy.resourceKind).name;
  return new Informer<V1Pod>({
    ...s.informerBase,
    name: `pods of ${policy.plural}`,
    path: namespace ? `/api/v1/namespaces/${namespace}/pods` : '/api/v1/pods',
    labelSelector: label,
    list: async () => {
      const list = namespace ? await s.api.core.listNamespacedPod({ namespace, labelSelector: label }) : await s.api.core.listPodForAllNamespaces({ labelSelector: label });
      return list as KubernetesListObject<V1Pod>;
    },
    onEvent: (event: InformerEvent, pod) => {
      const jobName = pod.metadata?.labels?.[label];
      const ns = pod.metadata?.namespace ?? 'default';
      const podName = pod.metadata?.name;
      if (!jobName || !podName) return;
      const jobKey = `${ns}/${jobName}`;
      if (event === 'delete') {
        expectations.gone(jobKey, podName);
        void runtime()
          .controller.podGone(pod)
          .catch((error: unknown) => {
            s.log.warn({ pod: `${ns}/${podName}`, error: (error as Error).message }, 'the token Secret of a deleted worker pod could not be deleted; it goes with its job');
          });
      } else expectations.observed(jobKey, podName, Boolean(pod.metadata?.deletionTimestamp));
      runtime().enqueue(ns, jobName);
    },
  });
}

/** Every job of every kind the session knows. */
function allJobs(s: SessionBase): PolicyJob[] {
  return s.kinds.flatMap((k) => k.jobs.list().map((job) => ({ job, policy: k.policy as JobPolicy<LearningJob> })));
}

/** Why a job is not run: its spec, or an earlier job's outputDir (outputDirs.ts). */
function jobProblem(s: SessionBase, job: Job, policy: JobPolicy<Job>): string | undefined {
  return specProblem(job, policy) ?? s.outputDirs.conflict({ job, policy: policy as JobPolicy<LearningJob> });
}

/** One kind's informers and reconciler, with the policy for the GM's settings of that kind. */
function kindRuntime(s: SessionBase, kind: JobKind, datasets: Informer<Cached<Dataset>>, models: Informer<Cached<Model>>): KindRuntime {
  const { c } = s;
  const policy = kind.policy(c.kindSettings[kind.resourceKind] ?? {}) as JobPolicy<Job>;
  const expectations = new PodExpectations();
  const enqueue = (ns: string, name: string): void => s.queue.add(`${policy.resourceKind}/${ns}/${name}`);
  const runtime = {} as KindRuntime;
  const jobs = new Informer<Job>({
    ...s.informerBase,
    name: policy.plural,
    path: sednaPath(c.namespace, policy.plural),
    list: () => s.api.listSedna(policy.plural, c.namespace) as Promise<KubernetesListObject<Job>>,
    onEvent: (event: InformerEvent, job) => {
      s.outputDirs.observe({ job, policy: policy as JobPolicy<LearningJob> }, event === 'delete');
      if (event === 'delete') s.downstream.jobDeleted(job, policy);
      else if (jobProblem(s, job, policy)) s.downstream.jobWithdrawn(job, policy);
      else s.downstream.jobChanged(job, policy);
      enqueue(job.metadata.namespace ?? 'default', job.metadata.name ?? '');
      // A job gone (or going) may free an outputDir a later job was refused: those are checked again.
      if (event === 'delete' || job.metadata.deletionTimestamp) {
        for (const k of s.kinds) {
          for (const other of k.jobs.list()) if (other.metadata.uid !== job.metadata.uid) k.enqueue(other.metadata.namespace ?? 'default', other.metadata.name ?? '');
        }
      }
    },
  });
  const pods = podInformer(s, policy, expectations, () => runtime);
  const controller = new JobController<Job>({
    policy,
    api: s.api,
    jobs,
    pods,
    datasets,
    models,
    expectations,
    downstream: s.downstream,
    lcs: () => s.lcServer.connectedNodes(),
    nodeToken: (node) => nodeToken(c.secret, node),
    enqueue,
    conflict: (job) => s.outputDirs.conflict({ job, policy: policy as JobPolicy<LearningJob> }),
    options: decideOptions(c),
    podSettings: { storageInitializer: c.storageInitializer, workerDefaultRequests: c.workerDefaultRequests },
    metrics: s.metrics,
    logger: s.log,
  });
  return Object.assign(runtime, { policy, jobs, pods, controller, enqueue });
}

/** The LC endpoint, with the Dataset handler and one upstream handler per kind. */
function lcServerOf(s: SessionBase, datasetController: DatasetController): LcServer {
  const { c } = s;
  return new LcServer({
    secret: c.secret,
    logger: s.log,
    metrics: s.metrics,
    upstream: new Map([['dataset', datasetController.upstream], ...s.kinds.map((k) => [k.policy.resourceKind, k.controller.upstream] as const)]),
    resync: (node) => s.downstream.resync(node),
    // Pods waiting for this node's LC_SERVER can be created now; a deadline waiting for its reports
    // counts from now. Gone: the jobs say what they wait for, and their report deadlines stop.
    onConnect: (info) => enqueueNodeJobs(s, info.nodeName),
    onDisconnect: (node) => enqueueNodeJobs(s, node),
    ...(c.serviceAccountAuth.enabled ? { authenticator: new TokenReviewAuthenticator(c.kubeConfig, c.serviceAccountAuth, s.log) } : {}),
  });
}

/** Lists and watches everything, within `startTimeoutSeconds`, while this replica still leads. */
async function syncInformers(c: ResolvedConfig, informers: readonly Informer<KubernetesObject>[], stillLeading: () => boolean): Promise<void> {
  for (const informer of informers) informer.start();
  await withTimeout(
    Promise.all(informers.map((i) => i.waitForSync())),
    c.startTimeoutSeconds * 1000,
    () => new ControllerError('API_ERROR', `GlobalManager: the API server at ${c.kubeConfig.getCurrentCluster()?.server ?? '?'} could not be listed within ${c.startTimeoutSeconds}s`),
  );
  if (!stillLeading()) throw new ControllerError('STOPPED', 'GlobalManager: stopped leading while the watched kinds were listed');
}

/**
 * Starts a leader session: lists and watches, and once every watched kind is listed (within
 * `startTimeoutSeconds`) and `stillLeading()` holds, starts reconciling.
 *
 * @throws ControllerError `CRD_MISSING`, `API_ERROR` (not listed in time), or `STOPPED` when the
 *   replica stopped leading meanwhile; the session is stopped before the error is thrown.
 */
export async function startLeaderSession(c: ResolvedConfig, metrics: GmMetrics, stillLeading: () => boolean): Promise<LeaderSession> {
  const s = { c, log: c.logger, api: new KubeApi(c.kubeConfig), metrics, queue: createQueue(c, metrics), informerBase: { kubeConfig: c.kubeConfig, backoff: c.watchBackoff, logger: c.logger }, kinds: [] } as unknown as SessionBase;
  s.outputDirs = new OutputDirConflictCache(() => allJobs(s));
  s.downstream = new Downstream(
    {
      datasets: () => [...datasets.list()],
      models: () => [...models.list()],
      // A job whose spec is invalid is not placed on any node (specCheck.ts).
      jobs: () => s.kinds.flatMap((k) => k.jobs.list().filter((job) => !jobProblem(s, job, k.policy)).map((job) => ({ job, policy: k.policy as JobPolicy }))),
      dataset: (ns, name) => datasets.get(name, ns),
      model: (ns, name) => models.get(name, ns),
    },
    (node, key, frame) => s.lcServer.send(node, key, frame),
  );
  const datasets = datasetInformer(s);
  const models = modelInformer(s);
  for (const kind of c.kinds) s.kinds.push(kindRuntime(s, kind, datasets, models));
  const datasetController = new DatasetController({ api: s.api, datasets, enqueue: (ns, name) => s.queue.add(`dataset/${ns}/${name}`), metrics, logger: s.log });
  s.lcServer = lcServerOf(s, datasetController);

  const informers = [datasets, models, ...s.kinds.flatMap((k) => [k.jobs, k.pods])] as Informer<KubernetesObject>[];
  let ready = false;
  let stopping: Promise<void> | undefined;
  const stop = (closeCode?: number, closeReason?: string): Promise<void> => {
    stopping ??= (async () => {
      ready = false;
      await s.queue.stop();
      for (const k of s.kinds) k.controller.abandon();
      datasetController.abandon();
      await s.lcServer.close(closeCode, closeReason);
      await Promise.all(informers.map((i) => i.stop()));
      metrics.reconcileQueueDepth.set(0);
      metrics.connectedNodes.set(0);
      metrics.downstreamQueueDepth.reset();
      // The jobs are the next leader's to list: a job deleted meanwhile must not stay listed here.
      metrics.jobInfo.reset();
    })();
    return stopping;
  };

  try {
    await syncInformers(c, informers, stillLeading);
  } catch (error) {
    await stop();
    throw toControllerError(error, 'API_ERROR', 'GlobalManager: start failed');
  }
  const byKind = new Map(s.kinds.map((k) => [k.policy.resourceKind, k.controller]));
  s.queue.start(async (key) => {
    const [kind, ns, name] = key.split('/') as [string, string, string];
    if (kind === 'dataset') return datasetController.reconcile(ns, name);
    const controller = byKind.get(kind);
    if (!controller) throw new ControllerError('INTERNAL', `GlobalManager: no controller for the queue key ${key}`);
    return controller.reconcile(ns, name);
  });
  ready = true;
  return { lcServer: s.lcServer, ready: () => ready, stop };
}
