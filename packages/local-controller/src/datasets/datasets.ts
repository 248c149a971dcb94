/**
 * The datasets of this node: one `DatasetMonitor` per Dataset whose `spec.nodeName` is this node, the
 * `numberOfSamples` report upstream whenever the count differs from the last one sent (#136), the
 * `IndexReadable` condition upstream when the index is refused (outside the folders the LC may read,
 * see dataRoots.ts) and again when it is read again, and the hand-over of each change to the jobs of
 * the dataset.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConditionStatus, DatasetConditionType, type Dataset, type DatasetCondition } from '@sedna-ts/api-types';
import { datasetFrame, datasetIndexPath, type LcContext } from '../context.js';
import { datasetIndexOpener } from './dataRoots.js';
import { DatasetMonitor, type DatasetChange, type IndexAccess } from './datasetMonitor.js';
import { indexFormatOf } from './indexReader.js';
import { isRemoteIndex, RemoteIndexMirror } from './remoteIndex.js';

interface Entry {
  monitor: DatasetMonitor;
  /** The local copy of an index in S3, kept up to date. */
  mirror?: RemoteIndexMirror;
  url: string;
  format: string;
  /** The count last sent upstream, or seen in the GM's object. */
  reported: number | undefined;
  /** The `IndexReadable` condition last sent upstream, or seen in the GM's object. */
  readable: DatasetCondition | undefined;
}

/** See the module comment. */
export class DatasetRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ctx: LcContext,
    private readonly onChange: (namespace: string, name: string, change: DatasetChange) => Promise<void>,
  ) {}

  private cursorPath(namespace: string, name: string): string {
    return join(this.ctx.config.dataDir, 'datasets', namespace, `${name}.json`);
  }

  /** Samples counted in a dataset of this node, if it is monitored. */
  count(namespace: string, name: string): number | undefined {
    return this.entries.get(`${namespace}/${name}`)?.monitor.count;
  }

  /** A Dataset was added or changed: start, restart or stop its monitor. */
  async upsert(dataset: Dataset): Promise<void> {
    const namespace = dataset.metadata.namespace ?? 'default';
    const name = dataset.metadata.name as string;
    const key = `${namespace}/${name}`;
    const existing = this.entries.get(key);
    const mine = dataset.spec.nodeName === this.ctx.config.nodeName;
    if (existing && (!mine || existing.url !== dataset.spec.url || existing.format !== dataset.spec.format)) {
      await existing.mirror?.stop();
      await existing.monitor.stop();
      this.entries.delete(key);
      if (mine) await rm(this.cursorPath(namespace, name), { force: true });
    }
    if (!mine) return;
    if (this.entries.has(key)) {
      await this.reportIfChanged(namespace, name);
      return;
    }
    const logger = this.ctx.logger.child({ dataset: key });
    const format = indexFormatOf(dataset.spec.format);
    if (!format) {
      logger.error({}, `Dataset ${key}: spec.format: ${JSON.stringify(dataset.spec.format)} is not txt or csv; not monitored`);
      return;
    }
    const remote = isRemoteIndex(dataset.spec.url);
    if (!remote && /^[a-z][a-z0-9+.-]*:\/\//i.test(dataset.spec.url)) {
      logger.error({}, `Dataset ${key}: spec.url: ${JSON.stringify(dataset.spec.url)}: this LC monitors host paths and s3:// indexes only`);
      return;
    }
    const mirror = remote
      ? new RemoteIndexMirror({ url: dataset.spec.url, file: datasetIndexPath(this.ctx.config, dataset), pollMs: this.ctx.config.datasetPollSeconds * 1000, logger, env: this.ctx.config.s3Env })
      : undefined;
    const entry: Entry = {
      url: dataset.spec.url,
      format: dataset.spec.format,
      reported: dataset.status?.numberOfSamples,
      readable: dataset.status?.conditions?.find((c) => c.type === DatasetConditionType.IndexReadable),
      ...(mirror ? { mirror } : {}),
      monitor: new DatasetMonitor({
        path: datasetIndexPath(this.ctx.config, dataset),
        open: datasetIndexOpener(this.ctx.config, dataset),
        onAccess: (access) => this.reportAccess(namespace, name, access),
        format,
        statePath: this.cursorPath(namespace, name),
        pollMs: this.ctx.config.datasetPollSeconds * 1000,
        logger,
        onChange: async (change) => {
          this.ctx.metrics.datasetSamples.set({ namespace, dataset: name }, change.count);
          await this.reportIfChanged(namespace, name);
          await this.onChange(namespace, name, change);
        },
      }),
    };
    this.entries.set(key, entry);
    await mirror?.start();
    await entry.monitor.start();
    this.ctx.metrics.datasetSamples.set({ namespace, dataset: name }, entry.monitor.count);
    await this.reportIfChanged(namespace, name);
  }

  private async reportIfChanged(namespace: string, name: string): Promise<void> {
    const entry = this.entries.get(`${namespace}/${name}`);
    if (!entry) return;
    const count = entry.monitor.count;
    if (entry.monitor.position.fileId === '' || entry.reported === count) return;
    entry.reported = count;
    await this.ctx.outbox.append(datasetFrame(namespace, name, { numberOfSamples: count }));
    this.ctx.logger.info({ dataset: `${namespace}/${name}`, numberOfSamples: count }, 'dataset sample count reported');
  }

  /** Send the `IndexReadable` condition when it changed: `False` naming the path and why, `True` once read again. */
  private async reportAccess(namespace: string, name: string, access: IndexAccess): Promise<void> {
    const entry = this.entries.get(`${namespace}/${name}`);
    if (!entry) return;
    const last = entry.readable;
    let condition: DatasetCondition;
    if (access.readable) {
      // Nothing to say about an index read all along: the condition appears once something was refused.
      if (last === undefined || last.status === ConditionStatus.True) return;
      condition = { type: DatasetConditionType.IndexReadable, status: ConditionStatus.True, reason: 'PathAllowed', message: `Dataset ${namespace}/${name}: spec.url is read again` };
    } else {
      if (last?.status === ConditionStatus.False && last.message === access.message) return;
      condition = { type: DatasetConditionType.IndexReadable, status: ConditionStatus.False, reason: access.reason, message: access.message };
    }
    condition.lastTransitionTime = this.ctx.now().toISOString();
    entry.readable = condition;
    await this.ctx.outbox.append(datasetFrame(namespace, name, { conditions: [condition] }));
    this.ctx.logger.info({ dataset: `${namespace}/${name}`, status: condition.status, reason: condition.reason }, 'dataset index condition reported');
  }

  /** A Dataset was deleted: stop its monitor and forget its cursor. */
  async remove(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    const entry = this.entries.get(key);
    this.entries.delete(key);
    await entry?.mirror?.stop();
    await entry?.monitor.stop();
    await rm(this.cursorPath(namespace, name), { force: true });
  }

  /** Stop every monitor. */
  async stop(): Promise<void> {
    await Promise.all([...this.entries.values()].map(async (e) => {
      await e.mirror?.stop();
      await e.monitor.stop();
    }));
    this.entries.clear();
  }
}
