/**
 * The jobs of this LC, of every kind it handles: one manager per job (made by its kind), one
 * hard-example store per job whose inference worker runs on this node, and a wake-up for whoever waits
 * for the next job object from the GM (a worker report racing the GM's update).
 */
import { jobFolder } from '@sedna-ts/api-types/contract';
import type { Dataset } from '@sedna-ts/api-types';
import type { LcContext } from '../context.js';
import { HardExampleStore } from '../workers/hardExampleStore.js';
import type { LcJob, LcJobKind, LcJobManager } from './jobKind.js';
import type { StoredObject } from '../storage/objectStore.js';

interface Entry {
  kind: LcJobKind;
  namespace: string;
  name: string;
  manager: LcJobManager;
}

/** See the module comment. */
export class JobRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly hardExamples = new Map<string, HardExampleStore>();
  private readonly waiters = new Set<() => void>();
  private readonly byResource: ReadonlyMap<string, LcJobKind>;

  constructor(
    private readonly ctx: LcContext,
    readonly kinds: readonly LcJobKind[],
  ) {
    this.byResource = new Map(kinds.map((k) => [k.resourceKind, k]));
  }

  /** The kind whose `resourceKind` (lower case) this is, if this LC handles it. */
  kindOf(resourceKind: string): LcJobKind | undefined {
    return this.byResource.get(resourceKind);
  }

  /** Jobs managed now. */
  get size(): number {
    return this.entries.size;
  }

  private key(kind: LcJobKind, namespace: string, name: string): string {
    return `${kind.resourceKind}/${namespace}/${name}`;
  }

  /** A job as stored (the GM's latest version). */
  stored(kind: LcJobKind, namespace: string, name: string): (LcJob & StoredObject) | undefined {
    return this.ctx.store.get<LcJob & StoredObject>(kind.resourceKind, namespace, name);
  }

  /** A new version of a job: its manager (made on first sight) and its hard-example store follow it. */
  async upsert(kind: LcJobKind, job: LcJob): Promise<void> {
    const namespace = job.metadata.namespace ?? 'default';
    const name = job.metadata.name as string;
    const key = this.key(kind, namespace, name);
    let entry = this.entries.get(key);
    if (!entry) {
      const { config } = this.ctx;
      const manager = kind.createManager({
        ctx: this.ctx,
        namespace,
        name,
        stateDir: kind.stateDir(config.dataDir, namespace, name),
        hotUpdateDir: jobFolder(config.hotUpdateRoot, namespace, kind.resourceKind, name),
      });
      entry = { kind, namespace, name, manager };
      this.entries.set(key, entry);
    }
    await this.syncHardExamples(kind, job, key);
    await entry.manager.update(job);
    for (const wake of [...this.waiters]) wake();
  }

  /** A job was deleted: its manager removes its state; its hard examples stay (they are the user's to label). */
  async remove(kind: LcJobKind, namespace: string, name: string): Promise<void> {
    const key = this.key(kind, namespace, name);
    const entry = this.entries.get(key);
    this.entries.delete(key);
    await entry?.manager.remove();
    const he = this.hardExamples.get(key);
    this.hardExamples.delete(key);
    await he?.stop();
  }

  /** Every stored job of every kind, to resume after a restart. */
  async resume(): Promise<void> {
    for (const kind of this.kinds) {
      for (const job of this.ctx.store.list<LcJob & StoredObject>(kind.resourceKind)) await this.upsert(kind, job);
    }
  }

  /** The managers of the jobs of Dataset `namespace/dataset`. */
  ofDataset(namespace: string, dataset: string): LcJobManager[] {
    return this.select((kind, job) => (job.metadata.namespace ?? 'default') === namespace && kind.datasetName(job) === dataset);
  }

  /** The managers of the jobs in `namespace`. */
  inNamespace(namespace: string): LcJobManager[] {
    return this.select((_kind, job) => (job.metadata.namespace ?? 'default') === namespace);
  }

  private select(match: (kind: LcJobKind, job: LcJob) => boolean): LcJobManager[] {
    return [...this.entries.values()]
      .filter((e) => {
        const job = this.stored(e.kind, e.namespace, e.name);
        return job !== undefined && match(e.kind, job);
      })
      .map((e) => e.manager);
  }

  /** Resolves at the next job update, or after `ms`. */
  nextUpdate(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waiters.add(wake);
    });
  }

  /** Wakes every waiter now (the LC is stopping). */
  wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Has the hard-example store of a job read its folder again (after the dashboard moved examples). */
  async rescanHardExamples(kind: LcJobKind, namespace: string, name: string): Promise<void> {
    await this.hardExamples.get(this.key(kind, namespace, name))?.rescan();
  }

  /** Stops every manager (their actions in progress finish) and every hard-example store. */
  async stop(): Promise<void> {
    this.wakeAll();
    await Promise.all([...this.entries.values()].map((e) => e.manager.stop()));
    await Promise.all([...this.hardExamples.values()].map((h) => h.stop()));
  }

  private async syncHardExamples(kind: LcJobKind, job: LcJob, key: string): Promise<void> {
    const { config, store, logger, metrics } = this.ctx;
    const namespace = job.metadata.namespace ?? 'default';
    const name = job.metadata.name as string;
    const dataset = store.get<Dataset & StoredObject>('dataset', namespace, kind.datasetName(job));
    if (kind.inferenceNode(job, dataset) !== config.nodeName || this.hardExamples.has(key)) return;
    const he = new HardExampleStore({
      dir: jobFolder(config.hardExampleRoot, namespace, kind.resourceKind, name),
      maxCount: config.hardExampleBudget.maxCount,
      maxBytes: config.hardExampleBudget.maxBytes,
      pollMs: config.datasetPollSeconds * 1000,
      logger: logger.child({ job: `${namespace}/${name}`, kind: kind.kind, part: 'hard-examples' }),
      onChange: (count, evicted) => {
        metrics.hardExamples.set({ namespace, job: name }, count);
        if (evicted > 0) metrics.hardExamplesEvicted.inc({ namespace, job: name }, evicted);
        void this.entries.get(key)?.manager.samplesKept?.(count);
      },
    });
    this.hardExamples.set(key, he);
    await he.start();
  }
}
