/**
 * The jobs of this LC, of every kind it handles: one manager per job (made by its kind), one
 * hard-example store per job whose inference worker runs on this node, and a wake-up for whoever waits
 * for the next job object from the GM (a worker report racing the GM's update).
 */
import { jobFolder, userHardExampleFolder, type HardExampleTemplate } from '@sedna-ts/api-types/contract';
import { hostPath, jobWarningFrame } from '../context.js';
import { folderRefusal } from '../datasets/dataRoots.js';
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
  // Hard-example folder problems already told to the GM (job and message): said once, not at every sync.
  private readonly toldFolderProblems = new Set<string>();
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
    this.ctx.metrics.forgetJob(namespace, name);
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

  /** The hard-example store of a job on this node, if it has one (the dashboard keeps and holds examples in it). */
  hardExampleStore(kind: LcJobKind, namespace: string, name: string): HardExampleStore | undefined {
    return this.hardExamples.get(this.key(kind, namespace, name));
  }

  /** Stops every manager (their actions in progress finish) and every hard-example store. */
  async stop(): Promise<void> {
    this.wakeAll();
    await Promise.all([...this.entries.values()].map((e) => e.manager.stop()));
    await Promise.all([...this.hardExamples.values()].map((h) => h.stop()));
  }

  /**
   * The host folder of a job's hard examples: the one its inference template names itself as
   * `HE_SAVED_URL` (through its hostPath volume; the path itself where workers are host processes), else
   * the LC's folder of the job, which the GM mounts. Undefined, with a warning, when the template's
   * folder is in no hostPath volume of a node that runs containers: the LC cannot see it.
   */
  private hardExampleFolder(kind: LcJobKind, job: LcJob): string | undefined {
    const { config } = this.ctx;
    const namespace = job.metadata.namespace ?? 'default';
    const name = job.metadata.name as string;
    const template = (job.spec as { deploySpec?: { template?: { spec?: HardExampleTemplate } } } | undefined)?.deploySpec?.template?.spec;
    const own = userHardExampleFolder(template);
    if (!own) return jobFolder(config.hardExampleRoot, namespace, kind.resourceKind, name);
    const host = own.hostPath ?? (config.localImages ? own.url : undefined);
    if (!host) {
      this.folderProblem(kind, job, `${kind.kind} ${namespace}/${name}: spec.deploySpec.template: HE_SAVED_URL ${JSON.stringify(own.url)} is in no hostPath volume of the inference worker, so this LC cannot see its hard examples (they are not indexed); mount a hostPath volume there`);
      return undefined;
    }
    return hostPath(config, host);
  }

  private async syncHardExamples(kind: LcJobKind, job: LcJob, key: string): Promise<void> {
    const { config, store, logger, metrics } = this.ctx;
    const namespace = job.metadata.namespace ?? 'default';
    const name = job.metadata.name as string;
    const dataset = store.get<Dataset & StoredObject>('dataset', namespace, kind.datasetName(job));
    if (kind.inferenceNode(job, dataset) !== config.nodeName || this.hardExamples.has(key)) return;
    const dir = this.hardExampleFolder(kind, job);
    if (!dir) return;
    if (dir !== jobFolder(config.hardExampleRoot, namespace, kind.resourceKind, name)) {
      // The user's folder: the LC writes its index there and deletes what the budget evicts, so only
      // where its roots allow (it may run as root).
      const refused = await folderRefusal(config, dir, `${kind.kind} ${namespace}/${name}: the HE_SAVED_URL folder of its inference template`).catch((error: unknown) => (error as Error).message);
      if (refused) {
        this.folderProblem(kind, job, `${refused}; its hard examples are not indexed`);
        return;
      }
    }
    const he = new HardExampleStore({
      dir,
      maxCount: config.hardExampleBudget.maxCount,
      maxBytes: config.hardExampleBudget.maxBytes,
      pollMs: config.datasetPollSeconds * 1000,
      logger: logger.child({ job: `${namespace}/${name}`, kind: kind.kind, part: 'hard-examples' }),
      onChange: (count, evicted) => {
        metrics.hardExamples.set({ namespace, sedna_job: name }, count);
        if (evicted > 0) metrics.hardExamplesEvicted.inc({ namespace, sedna_job: name }, evicted);
        void this.entries.get(key)?.manager.samplesKept?.(count);
      },
    });
    try {
      await he.start();
    } catch (error) {
      // A file where the folder should be, a folder it may not write: the job runs, its hard examples are not indexed.
      await he.stop().catch(() => undefined);
      this.folderProblem(kind, job, `${kind.kind} ${namespace}/${name}: hard-example folder ${JSON.stringify(dir)}: ${(error as Error).message}; its hard examples are not indexed`);
      return;
    }
    this.hardExamples.set(key, he);
  }

  /**
   * A hard-example folder the LC cannot index: a warning in its log and, once per job and problem, a
   * Warning event `HardExamplesNotIndexed` on the job (through the outbox), so `sedna describe` says it.
   */
  private folderProblem(kind: LcJobKind, job: LcJob, message: string): void {
    const namespace = job.metadata.namespace ?? 'default';
    const name = job.metadata.name as string;
    this.ctx.logger.warn({ job: `${namespace}/${name}` }, message);
    const told = `${kind.resourceKind}/${namespace}/${name}\u0000${message}`;
    if (this.toldFolderProblems.has(told)) return;
    if (this.toldFolderProblems.size >= 10_000) this.toldFolderProblems.clear();
    this.toldFolderProblems.add(told);
    this.ctx.outbox.append(jobWarningFrame(kind.resourceKind, namespace, name, 'HardExamplesNotIndexed', message)).catch((error: unknown) => this.ctx.logger.error({ job: `${namespace}/${name}`, error: (error as Error).message }, 'could not queue the HardExamplesNotIndexed event'));
  }
}
