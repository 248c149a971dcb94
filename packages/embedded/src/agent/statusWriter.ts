import { type CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { backoffDelay } from '@sedna-ts/internal';
import { errorFields, type NodeAgentLogger } from './logger.js';
import { type PodStatusBody } from './podStatus.js';

/** The API status code of a client-node error, if it carries one. */
export function apiStatusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

interface Slot {
  namespace: string;
  name: string;
  latest: PodStatusBody;
  latestVersion: number;
  writtenVersion: number;
  lastWritten: string | undefined;
  running: boolean;
  waiters: { version: number; resolve: (written: boolean) => void }[];
  dropped: boolean;
}

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * Writes pod statuses through the pods/status subresource with a JSON merge patch, one write in
 * flight per pod: a status given while a write is in flight replaces any older one still waiting, an
 * unchanged status is not sent again, and a failed write is retried with backoff until it lands, the
 * pod is gone (404) or the pod is dropped.
 */
export class StatusWriter {
  private readonly slots = new Map<string, Slot>();
  private closed = false;

  constructor(
    private readonly core: CoreV1Api,
    private readonly logger: NodeAgentLogger,
    private readonly retry = { baseMs: 500, maxMs: 15_000 },
  ) {}

  /**
   * Queues a status. Resolves true once it (or a later one) is written or the pod is gone (nothing
   * left to write to), false when the pod was dropped before that.
   */
  write(uid: string, namespace: string, name: string, status: PodStatusBody): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    let slot = this.slots.get(uid);
    if (!slot) {
      slot = { namespace, name, latest: status, latestVersion: 0, writtenVersion: 0, lastWritten: undefined, running: false, waiters: [], dropped: false };
      this.slots.set(uid, slot);
    }
    slot.latest = status;
    const version = ++slot.latestVersion;
    const done = new Promise<boolean>((resolve) => slot.waiters.push({ version, resolve }));
    // The flag is set before run() starts: run() may finish synchronously (an unchanged status).
    if (!slot.running) {
      slot.running = true;
      void this.run(uid, slot);
    }
    return done;
  }

  /** Stops writing for a pod (it is gone or no longer ours); pending waiters resolve. */
  drop(uid: string): void {
    this.finish(uid, false);
  }

  /** Drops every pod and takes no more writes (the agent stops). */
  close(): void {
    this.closed = true;
    for (const uid of [...this.slots.keys()]) this.finish(uid, false);
  }

  private finish(uid: string, written: boolean): void {
    const slot = this.slots.get(uid);
    if (!slot) return;
    slot.dropped = true;
    this.settle(slot, Number.POSITIVE_INFINITY, written);
    this.slots.delete(uid);
  }

  private settle(slot: Slot, upTo: number, written = true): void {
    const ready = slot.waiters.filter((w) => w.version <= upTo);
    slot.waiters = slot.waiters.filter((w) => w.version > upTo);
    for (const waiter of ready) waiter.resolve(written);
  }

  private async run(uid: string, slot: Slot): Promise<void> {
    let attempt = 0;
    while (!slot.dropped && slot.writtenVersion < slot.latestVersion) {
      const version = slot.latestVersion;
      const body = JSON.stringify(slot.latest);
      if (body === slot.lastWritten) {
        slot.writtenVersion = version;
        this.settle(slot, version);
        continue;
      }
      try {
        await this.core.patchNamespacedPodStatus({ name: slot.name, namespace: slot.namespace, body: { status: slot.latest } }, MERGE_PATCH);
        attempt = 0;
        slot.lastWritten = body;
        slot.writtenVersion = version;
        this.settle(slot, version);
      } catch (error) {
        if (apiStatusCode(error) === 404) {
          this.logger.debug({ pod: `${slot.namespace}/${slot.name}` }, 'pod gone, status not written');
          this.finish(uid, true);
          return;
        }
        attempt++;
        this.logger.warn({ pod: `${slot.namespace}/${slot.name}`, attempt, ...errorFields(error) }, 'pod status write failed, retrying');
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, { initialMs: this.retry.baseMs, maxMs: this.retry.maxMs })).unref());
      }
    }
    slot.running = false;
  }
}
