/**
 * The Global Manager: one HTTP server (health, readiness, metrics, the LC WebSocket endpoint) for the
 * life of the replica, and, while this replica is the leader (Lease-based election, so two replicas
 * never act at once), a leader session: informers, the reconcile queue, the reconcilers and the
 * downstream sync to the Local Controllers. It speaks only the Kubernetes API (through
 * @kubernetes/client-node) and the GM-LC WebSocket protocol, so it runs unchanged against `sedna up`'s
 * embedded API server and a cluster.
 */
import { GM_LEASE_LABEL, KINDS_ANNOTATION } from '@sedna-ts/api-types/contract';
import { releaseConnections } from './connectionReuse.js';
import { resolveConfig, type GlobalManagerConfig } from './config.js';
import { ControllerError, describeError, toControllerError } from './errors.js';
import { GmHttpServer, type Readiness } from './httpServer.js';
import { LeaderElector } from './leaderElection.js';
import { startLeaderSession, type LeaderSession } from './leaderSession.js';
import { CLOSE_NOT_LEADER } from './lcServer.js';
import { createMetrics } from './metrics.js';
import { withTimeout } from './timeout.js';
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
export async function startGlobalManager(config: GlobalManagerConfig = {}): Promise<GlobalManager> {
  const c = resolveConfig(config);
  const log = c.logger;
  const metrics = createMetrics();
  const election = c.leaderElection;
  let session: LeaderSession | undefined;
  let stopping = false;
  let elector: LeaderElector | undefined;

  const readiness = (): Readiness => {
    if (stopping) return { ready: false, reason: 'the global manager is stopping' };
    if (session?.ready()) return { ready: true, reason: 'leading' };
    if (elector && !elector.isLeader) {
      const leader = elector.leader;
      return { ready: false, reason: `this global manager replica (${election.identity}) is not the leader${leader ? `; the leader is ${leader}` : ''}` };
    }
    return { ready: false, reason: 'the global manager is starting: listing the watched kinds' };
  };
  const http = await GmHttpServer.listen({ address: c.websocket.address, port: c.websocket.port, logger: log, metrics, readiness });

  // Session changes run one at a time, in the order the election asks for them.
  let changes: Promise<void> = Promise.resolve();
  let settleFirst: ((error?: unknown) => void) | undefined;
  const first = new Promise<void>((resolve, reject) => {
    settleFirst = (error) => {
      settleFirst = undefined;
      if (error === undefined) resolve();
      else reject(error);
    };
  });
  // Awaited below; marked handled so a failure before that await is not reported as unhandled.
  first.catch(() => undefined);
  const lead = (): void => {
    changes = changes.then(async () => {
      if (stopping || (elector && !elector.isLeader) || session) return;
      try {
        session = await startLeaderSession(c, metrics, () => !stopping && (!elector || elector.isLeader));
        http.attach(session.lcServer);
        metrics.leader.set(1);
        log.info({ identity: election.identity, wsUrl: http.url, namespace: c.namespace || '(all)' }, 'leading: reconciling and taking local controllers');
        settleFirst?.();
      } catch (error) {
        session = undefined;
        // Lost the lease while listing: a follower now, which is a start too.
        const lost = error instanceof ControllerError && error.code === 'STOPPED' && !stopping;
        if (settleFirst) return settleFirst(lost ? undefined : error);
        if (lost) return;
        if (!elector || stopping) return;
        // Another replica may do better (or this one, later): step down and hand the lease over.
        log.error({ error: describeError(error), retryInMs: election.leaseDurationSeconds * 1000 }, 'could not start leading; handing the lease over');
        elector.pause(election.leaseDurationSeconds * 1000);
        await elector.release();
      }
    });
  };
  const unlead = (closeCode: number, reason: string): Promise<void> => {
    changes = changes.then(async () => {
      http.attach(undefined);
      metrics.leader.set(0);
      const ended = session;
      session = undefined;
      if (ended) {
        await ended.stop(closeCode, reason);
        log.info({ identity: election.identity, reason }, 'stopped reconciling');
      }
    });
    return changes;
  };

  if (election.enabled) {
    elector = new LeaderElector({
      ...election,
      // Who handles what: `sedna apply` and `sedna describe` read the leader's Lease to say so.
      leaseMetadata: { labels: { [GM_LEASE_LABEL]: 'true' }, annotations: { [KINDS_ANNOTATION]: c.kinds.map((k) => k.kind).join(',') } },
      kubeConfig: c.kubeConfig,
      logger: log,
      onStartedLeading: lead,
      onStoppedLeading: () => void unlead(stopping ? 1001 : CLOSE_NOT_LEADER, stopping ? 'the global manager is stopping' : 'this global manager replica is no longer the leader'),
    });
    elector.start();
    // A follower is started once it knows who leads; a leader once its session runs.
    void elector.firstTry().then(() => {
      if (!elector?.isLeader) settleFirst?.();
    });
  } else {
    lead();
  }

  const shutdown = async (): Promise<void> => {
    stopping = true;
    if (elector) await elector.stop();
    await unlead(1001, 'the global manager is stopping');
    if (elector) await elector.release();
    await http.close();
    metrics.leader.set(0);
    await releaseConnections(c.kubeConfig);
  };

  try {
    if (elector) {
      await withTimeout(elector.firstTry(), c.startTimeoutSeconds * 1000, () => {
        const server = c.kubeConfig.getCurrentCluster()?.server ?? '?';
        return new ControllerError('API_ERROR', `GlobalManager: the API server at ${server} could not be reached within ${c.startTimeoutSeconds}s (lease ${election.namespace}/${election.name})`);
      });
    }
    // A leader's session has its own time limit for listing.
    await first;
  } catch (error) {
    await shutdown();
    throw toControllerError(error, 'API_ERROR', 'GlobalManager: start failed');
  }
  log.info({ identity: election.identity, leader: elector?.isLeader ?? true, port: http.port }, elector && !elector.isLeader ? 'global manager started as a follower' : 'global manager started');

  let stopped: Promise<void> | undefined;
  return {
    wsUrl: http.url,
    port: http.port,
    identity: election.identity,
    isLeader: () => session?.ready() === true,
    nodeToken: (node: string) => nodeToken(c.secret, node),
    stop: () => {
      stopped ??= shutdown().then(() => log.info({}, 'global manager stopped'));
      return stopped;
    },
  };
}
