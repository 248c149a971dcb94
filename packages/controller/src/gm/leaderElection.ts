/**
 * Leader election over a coordination.k8s.io/v1 Lease, so that of several Global Manager replicas only
 * one acts at a time (client-go's algorithm, written for client-node, which has none):
 * - a candidate reads the Lease; it takes it when it does not exist, when its holder is empty (a
 *   leader released it), or when the holder has not renewed it for `leaseDurationSeconds` of the
 *   candidate's own clock (it measures from when it saw the record change, so clocks need not agree);
 * - every write is a replace guarded by the Lease's resourceVersion, so of two candidates one wins and
 *   the other gets 409 and stays a follower;
 * - the leader renews every `retryPeriodSeconds` and steps down when it could not renew for
 *   `renewDeadlineSeconds` (shorter than the lease, so it stops acting before anyone may take over);
 * - `release()` clears `holderIdentity`, so a follower takes over at its next try instead of waiting
 *   for the lease to expire.
 */
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease, type V1LeaseSpec, type V1ObjectMeta } from '@kubernetes/client-node';
import type { GmLogger } from '../config.js';
import { describeError, httpStatusOf } from '../errors.js';
import { withTimeout } from '../kube/timeout.js';

/** What one try found: the lease is this replica's, another's, or was written by another meanwhile. */
type TryResult = 'held' | 'other' | 'conflict';

/** Settings of a leader elector. */
export interface LeaderElectionSettings {
  /** Namespace of the Lease. */
  namespace: string;
  /** Name of the Lease. */
  name: string;
  /** This replica's identity (unique per replica). */
  identity: string;
  /** How long a lease lasts without renewal before another replica may take it (an integer). */
  leaseDurationSeconds: number;
  /** How long the leader keeps trying to renew before it steps down; less than the lease duration. */
  renewDeadlineSeconds: number;
  /** Pause between tries (to acquire, or to renew). */
  retryPeriodSeconds: number;
  /** Labels and annotations the holder keeps on the Lease (e.g. the kinds it handles), merged into what is there. */
  leaseMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

/** Options of a leader elector. */
export interface LeaderElectorOptions extends LeaderElectionSettings {
  kubeConfig: KubeConfig;
  logger: GmLogger;
  /** This replica became the leader (called synchronously; start acting). */
  onStartedLeading: () => void;
  /** This replica is no longer the leader: it lost the lease or is stopping (stop acting now). */
  onStoppedLeading: () => void;
}

/** The time as the API server's MicroTime (RFC 3339 with microseconds). */
function microNow(ms: number): V1MicroTime {
  return new V1MicroTime(ms);
}

function sameRecord(a: V1LeaseSpec | undefined, b: V1LeaseSpec | undefined): boolean {
  const time = (t: unknown): number | undefined => (t === undefined || t === null ? undefined : new Date(t as string | Date).getTime());
  return a?.holderIdentity === b?.holderIdentity && time(a?.renewTime) === time(b?.renewTime) && a?.leaseTransitions === b?.leaseTransitions;
}

/** Elects one leader among the replicas that share a Lease. */
export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private leading = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** The last record seen and when (this process's clock) it was seen to change. */
  private observed: V1LeaseSpec | undefined;
  private observedAt = 0;
  private lastRenewAt = 0;
  private holder: string | undefined;
  private pausedUntil = 0;
  private firstResult: Promise<void>;
  private settleFirst!: () => void;

  constructor(private readonly options: LeaderElectorOptions) {
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.firstResult = new Promise((resolve) => (this.settleFirst = resolve));
  }

  /** Whether this replica holds the lease now. */
  get isLeader(): boolean {
    return this.leading;
  }

  /** The holder of the lease as last seen (this replica's identity while it leads). */
  get leader(): string | undefined {
    return this.holder;
  }

  /** Resolves after the first try that reached the API server (this replica leads, or knows who does). */
  firstTry(): Promise<void> {
    return this.firstResult;
  }

  /** Starts trying to acquire (and then to renew) the lease. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /**
   * Stops trying. A leader stops leading (`onStoppedLeading`) but keeps the lease until `release()`,
   * so what it stops can finish before another replica takes over.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
    this.stepDown('stopping');
  }

  /**
   * Gives the lease up if this replica holds it: `holderIdentity` cleared, so another replica takes
   * over at its next try. Best effort: a failure is logged, and the lease then expires on its own.
   */
  async release(): Promise<void> {
    const { namespace, name, identity, logger } = this.options;
    try {
      const lease = await this.read();
      if (!lease || lease.spec?.holderIdentity !== identity) return;
      const now = Date.now();
      const spec: V1LeaseSpec = { leaseDurationSeconds: 1, renewTime: microNow(now), acquireTime: microNow(now), leaseTransitions: lease.spec?.leaseTransitions ?? 0 };
      await this.api.replaceNamespacedLease({ namespace, name, body: { ...lease, spec } });
      this.holder = undefined;
      logger.info({ lease: `${namespace}/${name}`, identity }, 'leader lease released');
    } catch (error) {
      logger.warn({ lease: `${namespace}/${name}`, identity, error: describeError(error) }, 'leader lease could not be released; it expires on its own');
    }
  }

  /**
   * Steps down if leading and does not try again for `ms` (a replica that cannot act lets another
   * one try).
   */
  pause(ms: number): void {
    this.pausedUntil = Date.now() + ms;
    this.stepDown('paused');
  }

  private stepDown(why: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.options.logger.warn({ lease: `${this.options.namespace}/${this.options.name}`, identity: this.options.identity, why }, 'no longer the leader');
    this.options.onStoppedLeading();
  }

  private async sleep(ms: number): Promise<void> {
    if (this.stopped) return;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
      this.timer.unref();
    });
    this.wake = undefined;
  }

  private async run(): Promise<void> {
    const { retryPeriodSeconds, renewDeadlineSeconds, logger, namespace, name, identity } = this.options;
    const retryMs = retryPeriodSeconds * 1000;
    while (!this.stopped) {
      if (Date.now() < this.pausedUntil) {
        await this.sleep(this.pausedUntil - Date.now());
        continue;
      }
      let result: TryResult | undefined;
      try {
        result = await this.tryAcquireOrRenew();
      } catch (error) {
        logger.warn({ lease: `${namespace}/${name}`, identity, error: describeError(error) }, this.leading ? 'leader lease renewal failed' : 'leader lease could not be read or written');
      }
      if (this.stopped) break;
      if (result === 'held') {
        this.lastRenewAt = Date.now();
        // A try in flight when `pause` was called does not make this replica lead again.
        if (!this.leading && Date.now() >= this.pausedUntil) {
          this.leading = true;
          logger.info({ lease: `${namespace}/${name}`, identity }, 'became the leader');
          this.options.onStartedLeading();
        }
      } else if (this.leading && result === 'other') {
        this.stepDown(`the lease is held by ${this.holder ?? 'another replica'}`);
      } else if (this.leading && Date.now() - this.lastRenewAt > renewDeadlineSeconds * 1000) {
        this.stepDown(`the lease could not be renewed for ${renewDeadlineSeconds}s`);
      }
      if (result) this.settleFirst();
      // Candidates spread their tries (client-go's jitter of up to 1.2 periods); the leader renews on time.
      await this.sleep(this.leading ? retryMs : retryMs * (1 + Math.random() * 0.2));
    }
  }

  private async read(): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({ namespace: this.options.namespace, name: this.options.name });
    } catch (error) {
      if (httpStatusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** One try to take or keep the lease. */
  private async tryAcquireOrRenew(): Promise<TryResult> {
    const { namespace, name, identity, leaseDurationSeconds, renewDeadlineSeconds } = this.options;
    const deadline = renewDeadlineSeconds * 1000;
    const timedOut = (what: string) => () => new Error(`${what} lease ${namespace}/${name}: no answer within ${renewDeadlineSeconds}s`);
    const lease = await withTimeout(this.read(), deadline, timedOut('reading'));
    const now = Date.now();
    const mine: V1LeaseSpec = { holderIdentity: identity, leaseDurationSeconds, acquireTime: microNow(now), renewTime: microNow(now), leaseTransitions: 0 };
    if (!lease) {
      try {
        const body: V1Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: this.withOurMetadata({ name, namespace }), spec: mine };
        await withTimeout(this.api.createNamespacedLease({ namespace, body }), deadline, timedOut('creating'));
      } catch (error) {
        if (httpStatusOf(error) === 409) return 'conflict'; // another replica created it first
        throw error;
      }
      this.observe(mine, now);
      return 'held';
    }
    const spec = lease.spec ?? {};
    if (!sameRecord(spec, this.observed)) this.observe(spec, now);
    const holder = spec.holderIdentity || undefined;
    this.holder = holder;
    const duration = (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (holder && holder !== identity && now < this.observedAt + duration) return 'other';

    const next: V1LeaseSpec =
      holder === identity
        ? { ...mine, acquireTime: spec.acquireTime ?? mine.acquireTime, leaseTransitions: spec.leaseTransitions ?? 0 }
        : { ...mine, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 };
    try {
      await withTimeout(this.api.replaceNamespacedLease({ namespace, name, body: { ...lease, metadata: this.withOurMetadata(lease.metadata ?? { name, namespace }), spec: next } }), deadline, timedOut('writing'));
    } catch (error) {
      if (httpStatusOf(error) === 409) return 'conflict'; // written by another replica since the read
      throw error;
    }
    this.observe(next, now);
    return 'held';
  }

  /** `metadata` with the labels and annotations this replica keeps on the Lease while it holds it. */
  private withOurMetadata(metadata: V1ObjectMeta): V1ObjectMeta {
    const ours = this.options.leaseMetadata;
    if (!ours) return metadata;
    return {
      ...metadata,
      ...(ours.labels ? { labels: { ...(metadata.labels ?? {}), ...ours.labels } } : {}),
      ...(ours.annotations ? { annotations: { ...(metadata.annotations ?? {}), ...ours.annotations } } : {}),
    };
  }

  private observe(spec: V1LeaseSpec, at: number): void {
    this.observed = spec;
    this.observedAt = at;
    this.holder = spec.holderIdentity || undefined;
  }
}
