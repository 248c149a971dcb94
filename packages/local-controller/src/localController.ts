/**
 * `startLocalController`: the LC of one node. It restores its objects, pools and outbox from its data
 * dir, serves the worker API, monitors the datasets of its node, runs one `JobManager` per job and one
 * hard-example store per job deployed here, and keeps a connection to the GM that brings objects down
 * and takes the outbox up.
 */
import { join } from 'node:path';
import { jobFolder } from '@sedna-ts/api-types/contract';
import { ensurePrivateDirSync } from '@sedna-ts/internal';
import { validateDocument, formatIssue, type Dataset, type IncrementalLearningJob, type WorkerReport, type WorkerReportReply } from '@sedna-ts/api-types';
import { resolveConfig, type LocalControllerConfig, type ResolvedConfig } from './config.js';
import { type LcContext } from './context.js';
import { lockDataDir } from './dataDirLock.js';
import { DatasetRegistry } from './datasets.js';
import { toLocalControllerError } from './errors.js';
import { GmClient, PROTOCOL_VERSION } from './gmClient.js';
import { HardExampleStore } from './hardExampleStore.js';
import { JobManager } from './jobManager.js';
import { LcMetrics } from './metrics.js';
import { ObjectStore, type StoredObject } from './objectStore.js';
import { Outbox } from './outbox.js';
import { VERSION } from './version.js';
import { startWorkerApi, type WorkerApi } from './workerApi.js';
import { parseWorkerReport, routeReport } from './workerReport.js';
import { NodeCredential } from './nodeCredential.js';
import { authenticateWorker, awaitsWorkerName, bindingProblem, scopeProblem } from './workerAuth.js';

/** Kinds the LC stores and acts on. */
const HANDLED_KINDS = new Set(['dataset', 'model', 'incrementallearningjob']);
const KIND_NAMES: Readonly<Record<string, string>> = { dataset: 'Dataset', model: 'Model', incrementallearningjob: 'IncrementalLearningJob' };

/** A running Local Controller. */
export interface LocalController {
  /** URL of the worker API: the `LC_SERVER` of this node's workers, e.g. `http://127.0.0.1:9100`. */
  readonly url: string;
  readonly nodeName: string;
  /** The resolved configuration. */
  readonly config: Readonly<Omit<ResolvedConfig, 'logger' | 'nodeToken'>>;
  /** Whether the GM connection is up (its hello received). */
  readonly gmConnected: boolean;
  /** Upstream messages not yet acknowledged by the GM. */
  readonly outboxDepth: number;
  /** Resolves true once the GM connection is up, false after `timeoutMs`. */
  waitForGm(timeoutMs?: number): Promise<boolean>;
  /** The hot-update folder of a job (host path); `kind` defaults to `incrementallearningjob`. */
  hotUpdateDir(namespace: string, name: string, kind?: string): string;
  /** The hard-example folder of a job (host path), mounted as HE_SAVED_URL; `kind` defaults to `incrementallearningjob`. */
  hardExampleDir(namespace: string, name: string, kind?: string): string;
  /** Prometheus text of the LC's metrics. */
  metrics(): Promise<string>;
  /**
   * Stop: the worker API finishes the requests in flight and closes, job actions in progress finish, the
   * outbox is flushed as far as the GM acks within `drainTimeoutMs` (the rest stays on disk for the next
   * start), then the GM connection, the watchers and the files are closed.
   */
  stop(): Promise<void>;
}

/**
 * Start the Local Controller of a node.
 *
 * @example
 * const lc = await startLocalController({
 *   nodeName: 'edge-node',
 *   gmUrl: 'ws://127.0.0.1:9000/',
 *   nodeToken: process.env.SEDNA_NODE_TOKEN!,
 *   dataDir: '/var/lib/sedna',
 * });
 * console.log(`workers report to ${lc.url}`);
 * process.on('SIGTERM', () => void lc.stop());
 */
export async function startLocalController(input: LocalControllerConfig): Promise<LocalController> {
  const config = resolveConfig(input);
  const logger = config.logger.child({ node: config.nodeName });
  try {
    // Job objects, the outbox and the node token: 0700, tightened (and logged) if an earlier run left it open.
    ensurePrivateDirSync(config.dataDir, { logger });
  } catch (error) {
    throw toLocalControllerError(error, 'STORAGE_FAILED', 'LC start');
  }
  const release = await lockDataDir(config.dataDir);
  const cleanups: Array<() => Promise<void>> = [release];
  try {
    return await start(config, logger, cleanups);
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw toLocalControllerError(error, 'STORAGE_FAILED', 'LC start');
  }
}

async function start(config: ResolvedConfig, logger: ResolvedConfig['logger'], cleanups: Array<() => Promise<void>>): Promise<LocalController> {
  const store = await ObjectStore.open(join(config.dataDir, 'objects'), logger);
  const opened = await Outbox.open(join(config.dataDir, 'outbox', 'outbox.log'));
  const outbox = opened.outbox;
  cleanups.push(() => outbox.close());
  if (opened.tornBytes > 0 || opened.skipped > 0) logger.warn({ tornBytes: opened.tornBytes, skipped: opened.skipped }, 'outbox log had a torn or unreadable record (a crash mid-write); it was cut off');
  const credential = await NodeCredential.open({ ...(config.nodeToken !== undefined ? { nodeToken: config.nodeToken } : {}), ...(config.tokenFile !== undefined ? { tokenFile: config.tokenFile } : {}), dataDir: config.dataDir, logger });
  const metrics = new LcMetrics(config.nodeName);
  const ctx: LcContext = { config, store, outbox, metrics, logger, now: () => new Date() };
  const jobs = new Map<string, JobManager>();
  const hardExamples = new Map<string, HardExampleStore>();
  let stopping = false;
  // Woken whenever a job object from the GM is stored (and when the LC stops).
  const jobUpdateWaiters = new Set<() => void>();
  const jobUpdated = () => {
    for (const wake of [...jobUpdateWaiters]) wake();
  };
  // Set once the worker API is up (its URL goes into the GM hello); the API handlers read it.
  const link: { gm?: GmClient } = {};

  const jobKey = (namespace: string, name: string) => `${namespace}/${name}`;
  const jobsOfDataset = (namespace: string, dataset: string) =>
    store
      .list<IncrementalLearningJob & StoredObject>('incrementallearningjob')
      .filter((j) => (j.metadata.namespace ?? 'default') === namespace && j.spec.dataset.name === dataset)
      .map((j) => jobs.get(jobKey(namespace, j.metadata.name as string)))
      .filter((m): m is JobManager => !!m);

  const datasets = new DatasetRegistry(ctx, async (namespace, name, change) => {
    await Promise.all(jobsOfDataset(namespace, name).map((m) => m.datasetChanged(change)));
  });
  cleanups.push(() => datasets.stop());

  async function syncHardExamples(job: IncrementalLearningJob): Promise<void> {
    const namespace = job.metadata.namespace ?? 'default';
    const name = job.metadata.name as string;
    const key = jobKey(namespace, name);
    const dataset = store.get<Dataset & StoredObject>('dataset', namespace, job.spec.dataset.name);
    const template = job.spec.deploySpec.template;
    const node = (template?.spec as { nodeName?: string } | undefined)?.nodeName ?? dataset?.spec.nodeName;
    if (!template || node !== config.nodeName || hardExamples.has(key)) return;
    const he = new HardExampleStore({
      dir: jobFolder(config.hardExampleRoot, namespace, 'incrementallearningjob', name),
      maxCount: config.hardExampleBudget.maxCount,
      maxBytes: config.hardExampleBudget.maxBytes,
      pollMs: config.datasetPollSeconds * 1000,
      logger: logger.child({ job: key, part: 'hard-examples' }),
      onChange: (count, evicted) => {
        metrics.hardExamples.set({ namespace, job: name }, count);
        if (evicted > 0) metrics.hardExamplesEvicted.inc({ namespace, job: name }, evicted);
      },
    });
    hardExamples.set(key, he);
    await he.start();
  }

  async function upsertJob(job: IncrementalLearningJob): Promise<void> {
    const namespace = job.metadata.namespace ?? 'default';
    const name = job.metadata.name as string;
    const key = jobKey(namespace, name);
    let manager = jobs.get(key);
    if (!manager) {
      manager = new JobManager({
        ctx,
        namespace,
        name,
        stateDir: join(config.dataDir, 'jobs', namespace, name),
        hotUpdateDir: jobFolder(config.hotUpdateRoot, namespace, 'incrementallearningjob', name),
      });
      jobs.set(key, manager);
    }
    await syncHardExamples(job);
    await manager.update(job);
  }

  async function removeJob(namespace: string, name: string): Promise<void> {
    const key = jobKey(namespace, name);
    const manager = jobs.get(key);
    jobs.delete(key);
    await manager?.remove();
    const he = hardExamples.get(key);
    hardExamples.delete(key);
    // The hard examples stay: they are the user's to label.
    await he?.stop();
  }

  async function applyObject(operation: 'insert' | 'delete', kind: string, namespace: string, name: string, object: unknown): Promise<void> {
    if (!HANDLED_KINDS.has(kind)) {
      logger.debug({ kind, namespace, name }, 'object of a kind this LC does not handle; ignored');
      return;
    }
    if (operation === 'delete') {
      await store.delete(kind, namespace, name);
      if (kind === 'dataset') await datasets.remove(namespace, name);
      if (kind === 'incrementallearningjob') await removeJob(namespace, name);
      logger.info({ kind, namespace, name }, 'object deleted');
      return;
    }
    const candidate = object as StoredObject | undefined;
    const checked = validateDocument(object);
    if (!checked.valid) {
      logger.error({ kind, namespace, name, issues: checked.issues.map(formatIssue) }, `${KIND_NAMES[kind]} ${namespace}/${name} from the GM is not valid; kept the previous version`);
      return;
    }
    if (candidate?.kind?.toLowerCase() !== kind || candidate.metadata.name !== name || (candidate.metadata.namespace ?? 'default') !== (namespace || 'default')) {
      logger.error({ kind, namespace, name, objectKind: candidate?.kind, objectName: candidate?.metadata.name }, 'object from the GM does not match its frame header; ignored');
      return;
    }
    if (!candidate.metadata.namespace) candidate.metadata.namespace = namespace || 'default';
    await store.put(kind, candidate);
    if (kind === 'dataset') {
      await datasets.upsert(candidate as unknown as Dataset);
      await Promise.all(jobsOfDataset(candidate.metadata.namespace, name).map((m) => m.datasetChanged()));
    } else if (kind === 'model') {
      await Promise.all([...jobs.entries()].filter(([key]) => key.startsWith(`${candidate.metadata.namespace}/`)).map(([, m]) => m.check()));
    } else {
      await upsertJob(candidate as unknown as IncrementalLearningJob);
      jobUpdated();
    }
  }

  /**
   * The job once its conditions name the worker of `report` (the GM's update racing the report), or as
   * it is after `workerNameWaitMs` (the report is then refused with a 503: the worker retries).
   */
  async function jobNamingWorker(report: WorkerReport, job: IncrementalLearningJob & StoredObject): Promise<IncrementalLearningJob & StoredObject> {
    const deadline = Date.now() + config.workerNameWaitMs;
    let current = job;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || stopping) return current;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          jobUpdateWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        jobUpdateWaiters.add(wake);
      });
      current = store.get<IncrementalLearningJob & StoredObject>('incrementallearningjob', report.namespace, report.ownerName) ?? current;
      if (!awaitsWorkerName(current, report)) return current;
    }
  }

  // The worker API first: its URL goes into the hello.
  const api: WorkerApi = await startWorkerApi({
    host: config.bindHost,
    port: config.port,
    logger,
    handlers: {
      authenticate: (name, token) => authenticateWorker(name, token, credential.workerKey, config.nodeName),
      async report(name, body, principal): Promise<WorkerReportReply> {
        if (stopping) return { status: 503, message: 'the LC is stopping; retry' };
        const parsed = parseWorkerReport(body, name);
        if (!parsed.ok) {
          metrics.workerReports.inc({ kind: 'unknown', status: 'unknown', code: '400' });
          return { status: 400, message: parsed.message };
        }
        const report = parsed.report;
        const count = (code: number) => metrics.workerReports.inc({ kind: report.kind, status: report.status, code: String(code) });
        const outOfScope = scopeProblem(principal, report);
        if (outOfScope) {
          count(403);
          logger.warn({ worker: name, job: `${report.namespace}/${report.ownerName}`, kind: report.kind }, outOfScope);
          return { status: 403, message: outOfScope };
        }
        if (report.ownerKind !== 'incrementallearningjob') {
          count(404);
          return { status: 404, message: `worker ${name}: ownerKind ${JSON.stringify(report.ownerKind)}: jobs of that kind are not handled by this LC` };
        }
        const job = store.get<IncrementalLearningJob & StoredObject>('incrementallearningjob', report.namespace, report.ownerName);
        if (!job) {
          count(404);
          return { status: 404, message: `worker ${name}: IncrementalLearningJob ${report.namespace}/${report.ownerName} is not known to the LC of node ${config.nodeName}` };
        }
        let current = job;
        if (awaitsWorkerName(current, report)) {
          current = await jobNamingWorker(report, current);
          if (stopping) return { status: 503, message: 'the LC is stopping; retry' };
        }
        const unbound = bindingProblem(current, principal, report);
        if (unbound) {
          count(unbound.status);
          logger.warn({ worker: name, job: `${report.namespace}/${report.ownerName}`, kind: report.kind, status: unbound.status }, unbound.message);
          return unbound;
        }
        const routing = routeReport(current, report);
        if (!routing.forward) {
          count(200);
          return { status: 200, message: `OK (not forwarded: ${routing.reason})` };
        }
        await outbox.append(routing.frame);
        count(200);
        logger.info({ worker: name, job: `${report.namespace}/${report.ownerName}`, kind: report.kind, status: report.status, round: routing.round, attempt: routing.attempt }, 'worker report forwarded');
        return { status: 200, message: 'OK' };
      },
      readiness() {
        return { ready: !stopping, gmConnected: link.gm?.connected ?? false, outboxDepth: outbox.depth, jobs: jobs.size };
      },
      async metrics() {
        metrics.outboxDepth.set(outbox.depth);
        metrics.gmConnected.set(link.gm?.connected ? 1 : 0);
        return { contentType: metrics.registry.contentType, text: await metrics.text() };
      },
    },
  });
  cleanups.push(() => api.close());
  // Bound to every address: workers on this machine reach it on the loopback.
  const url = config.advertiseUrl ?? api.url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//127.0.0.1:');

  // Resume from the data dir before the GM is reachable.
  for (const dataset of store.list<Dataset & StoredObject>('dataset')) await datasets.upsert(dataset);
  for (const job of store.list<IncrementalLearningJob & StoredObject>('incrementallearningjob')) await upsertJob(job);

  const connectionWaiters = new Set<() => void>();
  const client = new GmClient({
    url: config.gmUrl,
    nodeName: config.nodeName,
    credential: () => credential.bearer(),
    outbox,
    logger,
    initialDelayMs: config.reconnect.initialDelayMs,
    maxDelayMs: config.reconnect.maxDelayMs,
    hello: () => ({
      protocolVersion: PROTOCOL_VERSION,
      nodeName: config.nodeName,
      lcServer: url,
      hotUpdateRoot: config.hotUpdateRoot,
      hardExampleRoot: config.hardExampleRoot,
      version: VERSION,
    }),
    handlers: {
      async onHello(hello) {
        if (credential.learnsNodeToken) {
          if (hello.nodeToken === undefined) logger.warn({}, 'the GM accepted the token file but sent no node token: worker reports cannot be checked until it does');
          await credential.learn(hello.nodeToken);
        }
        const keep = new Set(hello.resources.map((r) => r.toLowerCase()));
        for (const key of store.keys()) {
          if (keep.has(key.toLowerCase())) continue;
          const [kind, namespace, name] = key.split('/') as [string, string, string];
          logger.info({ kind, namespace, name }, 'object not in the GM hello: deleted while this LC was away; forgotten');
          await applyObject('delete', kind, namespace, name, undefined);
        }
      },
      onObject: (operation, kind, namespace, name, object) => applyObject(operation, kind, namespace || 'default', name, object),
      async onAck(message, ok, error) {
        metrics.upstreamAcks.inc({ result: ok ? 'ok' : 'rejected' });
        metrics.outboxDepth.set(outbox.depth);
        if (!ok) logger.error({ messageId: message?.id, header: message?.frame.header, error }, 'the GM rejected an upstream message');
      },
      onConnection(connected) {
        metrics.gmConnected.set(connected ? 1 : 0);
        if (connected) for (const waiter of connectionWaiters) waiter();
      },
    },
  });
  link.gm = client;
  client.start();
  logger.info({ url, gm: config.gmUrl, dataDir: config.dataDir, jobs: jobs.size, outbox: outbox.depth }, 'local controller started');

  let stopped: Promise<void> | undefined;
  return {
    url,
    nodeName: config.nodeName,
    config: (({ logger: _l, nodeToken: _t, ...rest }) => rest)(config),
    get gmConnected() {
      return client.connected;
    },
    get outboxDepth() {
      return outbox.depth;
    },
    waitForGm(timeoutMs = 10_000) {
      if (client.connected) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const done = (value: boolean) => {
          clearTimeout(timer);
          connectionWaiters.delete(onConnected);
          resolve(value);
        };
        const onConnected = () => done(true);
        const timer = setTimeout(() => done(false), timeoutMs);
        connectionWaiters.add(onConnected);
      });
    },
    hotUpdateDir: (namespace, name, kind = 'incrementallearningjob') => jobFolder(config.hotUpdateRoot, namespace, kind, name),
    hardExampleDir: (namespace, name, kind = 'incrementallearningjob') => jobFolder(config.hardExampleRoot, namespace, kind, name),
    metrics: async () => {
      metrics.outboxDepth.set(outbox.depth);
      metrics.gmConnected.set(client.connected ? 1 : 0);
      return metrics.text();
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        jobUpdated();
        await api.close();
        await Promise.all([...jobs.values()].map((m) => m.stop()));
        const left = await client.drain(config.drainTimeoutMs);
        if (left > 0) logger.warn({ outbox: left }, 'stopping with upstream messages not yet acknowledged; they are sent on the next start');
        await client.stop();
        await datasets.stop();
        await Promise.all([...hardExamples.values()].map((h) => h.stop()));
        await outbox.close();
        await cleanups[0]?.();
        logger.info({}, 'local controller stopped');
      })();
      return stopped;
    },
  };
}

