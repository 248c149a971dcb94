/**
 * `startLocalController`: the LC of one node. It restores its objects, pools and outbox from its data
 * dir, serves the worker API, monitors the datasets of its node, runs one `JobManager` per job and one
 * hard-example store per job deployed here, and keeps a connection to the GM that brings objects down
 * and takes the outbox up.
 */
import { join } from 'node:path';
import { jobFolder } from '@sedna-ts/api-types/contract';
import { ensurePrivateDirSync } from '@sedna-ts/internal';
import { type MetricsServer, type MetricsSource, startMetricsServer } from '@sedna-ts/internal/metrics';
import type { Dataset } from '@sedna-ts/api-types';
import { resolveConfig, type LocalControllerConfig, type ResolvedConfig } from './config.js';
import { type LcContext } from './context.js';
import { lockDataDir } from './storage/dataDirLock.js';
import { DatasetRegistry } from './datasets/datasets.js';
import { LocalControllerError, toLocalControllerError } from './errors.js';
import { GmClient, PROTOCOL_VERSION } from './gm/gmClient.js';
import type { LcJobKind } from './jobs/jobKind.js';
import { JobRegistry } from './jobs/jobRegistry.js';
import { createLabellingHandler } from './workers/labelling.js';
import { BUILT_IN_LC_KINDS } from './kinds/index.js';
import { LcMetrics } from './metrics.js';
import { ObjectStore, type StoredObject } from './storage/objectStore.js';
import { Outbox } from './gm/outbox.js';
import { VERSION } from './version.js';
import { startWorkerApi, type WorkerApi } from './workers/workerApi.js';
import { NodeCredential } from './gm/nodeCredential.js';
import { createObjectApplier, type ObjectApplier } from './gm/objectApplier.js';
import { countReportReply, createReportHandler } from './workers/reportHandler.js';
import { authenticateWorker } from './workers/workerAuth.js';


/** A running Local Controller. */
export interface LocalController {
  /** URL of the worker API: the `LC_SERVER` of this node's workers, e.g. `http://127.0.0.1:9100`. */
  readonly url: string;
  readonly nodeName: string;
  /** The resolved configuration. */
  readonly config: Readonly<Omit<ResolvedConfig, 'logger' | 'nodeToken'>>;
  /** Whether the GM connection is up (its hello received). */
  readonly gmConnected: boolean;
  /** Why the GM and this LC do not talk, when one refused the other's protocol version (both versions named). */
  readonly gmRefusal: string | undefined;
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
  /** URL of the metrics listener of `metricsAddress` (`http://host:port`), when configured. */
  readonly metricsUrl: string | undefined;
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
    return await start(config, input.kinds ?? BUILT_IN_LC_KINDS, logger, cleanups);
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw toLocalControllerError(error, 'STORAGE_FAILED', 'LC start');
  }
}

/** The parts of a running LC that its stop() and its API read. */
interface Parts {
  ctx: LcContext;
  credential: NodeCredential;
  jobs: JobRegistry;
  datasets: DatasetRegistry;
  state: { stopping: boolean; gm?: GmClient };
}

/** Opens the LC's state: its objects, its outbox, its node credential. */
async function openState(config: ResolvedConfig, logger: ResolvedConfig['logger'], cleanups: Array<() => Promise<void>>): Promise<{ ctx: LcContext; credential: NodeCredential }> {
  const store = await ObjectStore.open(join(config.dataDir, 'objects'), logger);
  const opened = await Outbox.open(join(config.dataDir, 'outbox', 'outbox.log'));
  const outbox = opened.outbox;
  cleanups.push(() => outbox.close());
  if (opened.tornBytes > 0 || opened.skipped > 0) logger.warn({ tornBytes: opened.tornBytes, skipped: opened.skipped }, 'outbox log had a torn or unreadable record (a crash mid-write); it was cut off');
  // One line per upstream message once it is on disk, in order: what the GM's "upstream message" lines
  // are checked against (every message once, in order).
  outbox.onAppend(({ id, seq, frame }) => logger.info({ messageId: id, seq, kind: frame.header.resourceKind, object: `${frame.header.namespace}/${frame.header.resourceName}` }, 'upstream message queued'));
  const credential = await NodeCredential.open({ ...(config.nodeToken !== undefined ? { nodeToken: config.nodeToken } : {}), ...(config.tokenFile !== undefined ? { tokenFile: config.tokenFile } : {}), dataDir: config.dataDir, logger });
  const metrics = new LcMetrics(config.nodeName);
  return { ctx: { config, store, outbox, metrics, logger, now: () => new Date() }, credential };
}

/** The LC's metrics with the gauges read at scrape time (outbox depth, GM connection) brought up to date. */
function metricsSource(parts: Parts): MetricsSource {
  const { metrics, outbox } = parts.ctx;
  return {
    contentType: metrics.registry.contentType,
    metrics: () => {
      metrics.outboxDepth.set(outbox.depth);
      metrics.gmConnected.set(parts.state.gm?.connected ? 1 : 0);
      return metrics.text();
    },
  };
}

/** The worker API: reports, health, readiness, metrics. */
function serveWorkers(parts: Parts): Promise<WorkerApi> {
  const { ctx, credential, jobs, state } = parts;
  const { config, outbox } = ctx;
  return startWorkerApi({
    host: config.bindHost,
    port: config.port,
    logger: ctx.logger,
    handlers: {
      authenticate: (name, token) => authenticateWorker(name, token, credential.workerKey, config.nodeName),
      // A refused token is worth a line and a count: a worker misconfigured, or someone trying tokens.
      refused: (name, out, reason) => {
        countReportReply(ctx.metrics, out.status, reason);
        ctx.logger.warn({ worker: name, status: out.status }, out.message);
      },
      report: createReportHandler({ ctx, jobs, stopping: () => state.stopping }),
      readiness: () => ({ ready: !state.stopping, gmConnected: state.gm?.connected ?? false, ...(state.gm?.refusal ? { gmRefusal: state.gm.refusal } : {}), outboxDepth: outbox.depth, jobs: jobs.size }),
      async metrics() {
        const source = metricsSource(parts);
        return { contentType: source.contentType, text: await source.metrics() };
      },
    },
  });
}

/** The connection to the GM: objects down (applied by `apply`), the outbox up. */
function connectToGm(parts: Parts, lcServer: string, apply: ObjectApplier, onConnected: () => void): GmClient {
  const { ctx, credential } = parts;
  const { config, logger, metrics, outbox, store } = ctx;
  return new GmClient({
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
      lcServer,
      hotUpdateRoot: config.hotUpdateRoot,
      hardExampleRoot: config.hardExampleRoot,
      version: VERSION,
      ...(config.localImages ? { localImages: [...config.localImages] } : {}),
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
          logger.info({ kind, object: `${namespace}/${name}` }, 'object not in the GM hello: deleted while this LC was away; forgotten');
          await apply('delete', kind, namespace, name, undefined);
        }
      },
      onObject: (operation, kind, namespace, name, object) => apply(operation, kind, namespace || 'default', name, object),
      async onAck(message, ok, error) {
        metrics.upstreamAcks.inc({ result: ok ? 'ok' : 'rejected' });
        metrics.outboxDepth.set(outbox.depth);
        if (!ok) logger.error({ messageId: message?.id, header: message?.frame.header, error }, 'the GM rejected an upstream message');
      },
      onConnection(connected) {
        metrics.gmConnected.set(connected ? 1 : 0);
        if (connected) onConnected();
      },
      onRequest: createLabellingHandler(ctx, parts.jobs),
    },
  });
}

/** Resolves true once `client` is connected, false after `timeoutMs`. */
function waitForConnection(client: GmClient, waiters: Set<() => void>, timeoutMs: number): Promise<boolean> {
  if (client.connected) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    const done = (value: boolean) => {
      clearTimeout(timer);
      waiters.delete(onConnected);
      resolve(value);
    };
    const onConnected = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    waiters.add(onConnected);
  });
}

/** Stop in order: the worker API, the jobs, the outbox drained to the GM, the GM link, the datasets, the files. */
async function stopAll(parts: Parts, api: WorkerApi, metricsServer: MetricsServer | undefined, client: GmClient, release: (() => Promise<void>) | undefined): Promise<void> {
  const { ctx, jobs, datasets, state } = parts;
  state.stopping = true;
  jobs.wakeAll();
  await api.close();
  await metricsServer?.close();
  await jobs.stop();
  const left = await client.drain(ctx.config.drainTimeoutMs);
  if (left > 0) ctx.logger.warn({ outbox: left }, 'stopping with upstream messages not yet acknowledged; they are sent on the next start');
  await client.stop();
  await datasets.stop();
  await ctx.outbox.close();
  await release?.();
  ctx.logger.info({}, 'local controller stopped');
}

async function start(config: ResolvedConfig, kinds: readonly LcJobKind[], logger: ResolvedConfig['logger'], cleanups: Array<() => Promise<void>>): Promise<LocalController> {
  const { ctx, credential } = await openState(config, logger, cleanups);
  ctx.jobKinds = kinds.map((k) => k.resourceKind);
  const jobs = new JobRegistry(ctx, kinds);
  const datasets = new DatasetRegistry(ctx, async (namespace, name, change) => {
    await Promise.all(jobs.ofDataset(namespace, name).map((m) => m.datasetChanged(change)));
  });
  ctx.datasets = datasets;
  cleanups.push(() => datasets.stop());
  const parts: Parts = { ctx, credential, jobs, datasets, state: { stopping: false } };

  // The worker API first: its URL goes into the GM hello.
  const api = await serveWorkers(parts);
  cleanups.push(() => api.close());
  // Bound to every address: workers on this machine reach it on the loopback.
  const url = config.advertiseUrl ?? api.url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//127.0.0.1:');

  const metrics = metricsSource(parts);
  let metricsServer: MetricsServer | undefined;
  if (config.metricsAddress) {
    metricsServer = await startMetricsServer(metrics, config.metricsAddress).catch((error: unknown) => {
      throw new LocalControllerError('CONFIG_INVALID', `LC config metricsAddress: ${(error as Error).message}`, { cause: error });
    });
    const server = metricsServer;
    cleanups.push(() => server.close());
  }

  // Resume from the data dir before the GM is reachable.
  for (const dataset of ctx.store.list<Dataset & StoredObject>('dataset')) await datasets.upsert(dataset);
  await jobs.resume();

  const connectionWaiters = new Set<() => void>();
  const client = connectToGm(parts, url, createObjectApplier(ctx, datasets, jobs), () => connectionWaiters.forEach((wake) => wake()));
  parts.state.gm = client;
  client.start();
  // The settings an operator sets by environment, so a log says which took effect.
  const settings = { metrics: metricsServer?.url, hardExampleBudget: config.hardExampleBudget, roundRetention: config.roundRetention, timeZone: config.timeZone, dataRoots: config.dataRoots };
  logger.info({ url, gm: config.gmUrl, dataDir: config.dataDir, kinds: kinds.map((k) => k.kind), jobs: jobs.size, outbox: ctx.outbox.depth, ...settings }, 'local controller started');

  let stopped: Promise<void> | undefined;
  return {
    url,
    nodeName: config.nodeName,
    config: (({ logger: _l, nodeToken: _t, ...rest }) => rest)(config),
    get gmConnected() {
      return client.connected;
    },
    get gmRefusal() {
      return client.refusal;
    },
    get outboxDepth() {
      return ctx.outbox.depth;
    },
    waitForGm: (timeoutMs = 10_000) => waitForConnection(client, connectionWaiters, timeoutMs),
    hotUpdateDir: (namespace, name, kind = 'incrementallearningjob') => jobFolder(config.hotUpdateRoot, namespace, kind, name),
    hardExampleDir: (namespace, name, kind = 'incrementallearningjob') => jobFolder(config.hardExampleRoot, namespace, kind, name),
    metrics: () => metrics.metrics(),
    metricsUrl: metricsServer?.url,
    stop() {
      stopped ??= stopAll(parts, api, metricsServer, client, cleanups[0]);
      return stopped;
    },
  };
}
