/**
 * The Global Manager: one HTTP server (health, readiness, metrics, the LC WebSocket endpoint) for the
 * life of the replica, and, while this replica is the leader (Lease-based election, so two replicas
 * never act at once), a leader session: informers, the reconcile queue, the reconcilers and the
 * downstream sync to the Local Controllers. It speaks only the Kubernetes API (through
 * @kubernetes/client-node) and the GM-LC WebSocket protocol, so it runs unchanged against `sedna up`'s
 * embedded API server and a cluster.
 */
import { GM_LEASE_LABEL, KINDS_ANNOTATION } from '@sedna-ts/api-types/contract';
import { releaseConnections } from '../kube/connectionReuse.js';
import { resolveConfig, type GlobalManagerConfig, type ResolvedConfig } from '../config.js';
import { ControllerError, describeError, toControllerError } from '../errors.js';
import { DashboardApi } from './dashboardApi.js';
import { GmHttpServer, type Readiness } from './httpServer.js';
import { LeaderElector } from './leaderElection.js';
import { startLeaderSession, type LeaderSession } from './leaderSession.js';
import { CLOSE_NOT_LEADER } from '../lc/lcServer.js';
import { createMetrics, type GmMetrics } from '../metrics.js';
import { withTimeout } from '../kube/timeout.js';
import { nodeToken } from '@sedna-ts/api-types/tokens';

/** A running Global Manager. */
export interface GlobalManager {
  /** The URL a Local Controller on this machine dials, e.g. `ws://127.0.0.1:9000/`. */
  wsUrl: string;
  /** The port of the WebSocket (and /healthz, /readyz, /metrics) server. */
  port: number;
  /** This replica's identity in the leader election. */
  identity: string;
  /** Whether this replica leads and reconciles now (its /readyz answers 200). */
  isLeader(): boolean;
  /** The token the LC of `node` presents (`Authorization: Bearer <token>`). */
  nodeToken(node: string): string;
  /**
   * Stops everything: the reconcilers first (reports not yet applied stay unacknowledged in the LCs'
   * outboxes), then the lease is released so another replica takes over at once, then the server.
   */
  stop(): Promise<void>;
}

/**
 * Starts a Global Manager: validates the configuration, listens (health, readiness, metrics, LCs),
 * and takes part in the leader election (unless `leaderElection.enabled` is false). Resolves once this
 * replica leads with every watched kind listed and reconciling begun, or once it knows another replica
 * leads (it then waits as a follower, ready to take over).
 *
 * @throws ControllerError `INVALID_CONFIG`, `LISTEN_FAILED`, `CRD_MISSING`, or `API_ERROR` when the API
 *   server cannot be reached or listed within `startTimeoutSeconds`.
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
/**
 * The session changes of one replica, one at a time in the order the election asks for them: `lead()`
 * starts a leader session (and settles `first` on the first outcome), `unlead()` stops it.
 */
class Leadership {
  session: LeaderSession | undefined;
  stopping = false;
  elector: LeaderElector | undefined;
  readonly first: Promise<void>;
  private changes: Promise<void> = Promise.resolve();
  private settleFirst: ((error?: unknown) => void) | undefined;

  constructor(
    private readonly c: ResolvedConfig,
    private readonly metrics: GmMetrics,
    private readonly http: GmHttpServer,
  ) {
    this.first = new Promise<void>((resolve, reject) => {
      this.settleFirst = (error) => {
        this.settleFirst = undefined;
        if (error === undefined) resolve();
        else reject(error);
      };
    });
    // Awaited by the caller; marked handled so a failure before that await is not reported as unhandled.
    this.first.catch(() => undefined);
  }

  /** Settles the first outcome as "started" (a follower is started once it knows who leads). */
  started(): void {
    this.settleFirst?.();
  }

  private leading(): boolean {
    return !this.stopping && (!this.elector || this.elector.isLeader);
  }

  lead(): void {
    const { c, metrics, http } = this;
    this.changes = this.changes.then(async () => {
      if (!this.leading() || this.session) return;
      try {
        this.session = await startLeaderSession(c, metrics, () => this.leading());
        http.attach(this.session.lcServer);
        metrics.leader.set(1);
        c.logger.info({ identity: c.leaderElection.identity, wsUrl: http.url, namespace: c.namespace || '(all)', kinds: c.kinds.map((k) => k.kind) }, 'leading: reconciling and taking local controllers');
        this.settleFirst?.();
      } catch (error) {
        this.session = undefined;
        // Lost the lease while listing: a follower now, which is a start too.
        const lost = error instanceof ControllerError && error.code === 'STOPPED' && !this.stopping;
        if (this.settleFirst) return this.settleFirst(lost ? undefined : error);
        if (lost || !this.elector || this.stopping) return;
        // Another replica may do better (or this one, later): step down and hand the lease over.
        const pauseMs = c.leaderElection.leaseDurationSeconds * 1000;
        c.logger.error({ error: describeError(error), retryInMs: pauseMs }, 'could not start leading; handing the lease over');
        this.elector.pause(pauseMs);
        await this.elector.release();
      }
    });
  }

  unlead(closeCode: number, reason: string): Promise<void> {
    this.changes = this.changes.then(async () => {
      this.http.attach(undefined);
      this.metrics.leader.set(0);
      const ended = this.session;
      this.session = undefined;
      if (ended) {
        await ended.stop(closeCode, reason);
        this.c.logger.info({ identity: this.c.leaderElection.identity, reason }, 'stopped reconciling');
      }
    });
    return this.changes;
  }
}

/** Joins the election (the Lease says which kinds the leader handles), or leads at once without one. */
function elect(c: ResolvedConfig, leadership: Leadership): void {
  if (!c.leaderElection.enabled) return leadership.lead();
  const elector = new LeaderElector({
    ...c.leaderElection,
    // Who handles what: `sedna apply` and `sedna describe` read the leader's Lease to say so.
    leaseMetadata: { labels: { [GM_LEASE_LABEL]: 'true' }, annotations: { [KINDS_ANNOTATION]: c.kinds.map((k) => k.kind).join(',') } },
    kubeConfig: c.kubeConfig,
    logger: c.logger,
    onStartedLeading: () => leadership.lead(),
    onStoppedLeading: () =>
      void leadership.unlead(leadership.stopping ? 1001 : CLOSE_NOT_LEADER, leadership.stopping ? 'the global manager is stopping' : 'this global manager replica is no longer the leader'),
  });
  leadership.elector = elector;
  elector.start();
  void elector.firstTry().then(() => {
    if (!elector.isLeader) leadership.started();
  });
}

function readinessOf(c: ResolvedConfig, leadership: Leadership): () => Readiness {
  return () => {
    if (leadership.stopping) return { ready: false, reason: 'the global manager is stopping' };
    if (leadership.session?.ready()) return { ready: true, reason: 'leading' };
    const elector = leadership.elector;
    if (elector && !elector.isLeader) {
      const leader = elector.leader;
      return { ready: false, reason: `this global manager replica (${c.leaderElection.identity}) is not the leader${leader ? `; the leader is ${leader}` : ''}` };
    }
    return { ready: false, reason: 'the global manager is starting: listing the watched kinds' };
  };
}

/**
 * Starts a Global Manager: validates the configuration, listens (health, readiness, metrics, LCs),
 * and takes part in the leader election (unless `leaderElection.enabled` is false). Resolves once this
 * replica leads with every watched kind listed and reconciling begun, or once it knows another replica
 * leads (it then waits as a follower, ready to take over).
 *
 * @throws ControllerError `INVALID_CONFIG`, `LISTEN_FAILED`, `CRD_MISSING`, or `API_ERROR` when the API
 *   server cannot be reached or listed within `startTimeoutSeconds`.
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
  const metrics = createMetrics();
  const election = c.leaderElection;
  // The server answers /readyz from the leadership made right after it listens.
  const holder: { leadership?: Leadership } = {};
  const dashboard = new DashboardApi({ kubeConfig: c.kubeConfig, lcServer: () => holder.leadership?.session?.lcServer, logger: log });
  const http = await GmHttpServer.listen({ address: c.websocket.address, port: c.websocket.port, logger: log, metrics, dashboard, readiness: () => readinessOf(c, holder.leadership as Leadership)() });
  const l = new Leadership(c, metrics, http);
  holder.leadership = l;
  elect(c, l);

  const shutdown = async (): Promise<void> => {
    l.stopping = true;
    if (l.elector) await l.elector.stop();
    await l.unlead(1001, 'the global manager is stopping');
    if (l.elector) await l.elector.release();
    await http.close();
    metrics.leader.set(0);
    await releaseConnections(c.kubeConfig);
  };
  try {
    if (l.elector) {
      await withTimeout(l.elector.firstTry(), c.startTimeoutSeconds * 1000, () => {
        const server = c.kubeConfig.getCurrentCluster()?.server ?? '?';
        return new ControllerError('API_ERROR', `GlobalManager: the API server at ${server} could not be reached within ${c.startTimeoutSeconds}s (lease ${election.namespace}/${election.name})`);
      });
    }
    // A leader's session has its own time limit for listing.
    await l.first;
  } catch (error) {
    await shutdown();
    throw toControllerError(error, 'API_ERROR', 'GlobalManager: start failed');
  }
  const follower = l.elector !== undefined && !l.elector.isLeader;
  log.info({ identity: election.identity, leader: !follower, port: http.port }, follower ? 'global manager started as a follower' : 'global manager started');

  let stopped: Promise<void> | undefined;
  return {
    wsUrl: http.url,
    port: http.port,
    identity: election.identity,
    isLeader: () => l.session?.ready() === true,
    nodeToken: (node: string) => nodeToken(c.secret, node),
    stop: () => {
      stopped ??= shutdown().then(() => log.info({}, 'global manager stopped'));
      return stopped;
    },
  };
}
