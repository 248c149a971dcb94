/**
 * The datasets of this node: one `DatasetMonitor` per Dataset whose `spec.nodeName` is this node, its
 * reads done by the LC's dataset reader processes (readerPool.ts), the `numberOfSamples` report upstream
 * whenever the count differs from the last one sent (#136), the `IndexReadable` condition upstream when
 * the index is refused (outside the folders the LC may read, see dataRoots.ts) or its reads time out
 * (`ReadTimeout`), and again when it is read again, a Warning event for each line put in quarantine or
 * recounted without the record of counted lines, and the hand-over of each change to the jobs of the
 * dataset, which take their samples from the monitor's sample log (`DatasetSamples`).
 */
import { rm } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { ConditionStatus, DatasetConditionType, type Dataset, type DatasetCondition, type DatasetEvent } from '@sedna-ts/api-types';
import { datasetFrame, datasetIndexPath, isUrl, type DatasetSamples, type LcContext } from '../context.js';
import { type FileAccess } from '../storage/files.js';
import { rootsOf } from './dataRoots.js';
import { DatasetMonitor, type DatasetChange, type IndexAccess, type LogPosition, type QuarantinedLine } from './datasetMonitor.js';
import { headerOf, indexFormatOf, type IndexFormat, type LineChecks } from './indexReader.js';
import { ReaderPool } from './readerPool.js';
import { isRemoteIndex, RemoteIndexMirror } from './remoteIndex.js';

/** The reason of `IndexReadable` `False` when reads of the index got no answer in time. */
export const READ_TIMEOUT = 'ReadTimeout';

/** Most Warning events about quarantined lines sent for one read (the rest are counted in one more). */
const EVENTS_PER_READ = 10;

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
  /** Owner and mode of the index at its last read. */
  access: FileAccess | undefined;
}

/** The per-line checks of a Dataset's sample paths: inside the index's folder, and (host paths) a readable regular file. */
function lineChecksOf(dataset: Dataset, hostRoot: string): LineChecks {
  const url = dataset.spec.url;
  if (isRemoteIndex(url)) {
    const key = url.replace(/^[a-z0-9]+:\/\/[^/]+/i, '');
    return { root: posix.dirname(key), files: false };
  }
  return { root: dirname(url), files: true, ...(hostRoot ? { hostRoot } : {}) };
}

/** See the module comment. */
export class DatasetRegistry implements DatasetSamples {
  private readonly entries = new Map<string, Entry>();
  private readonly readers: ReaderPool;

  constructor(
    private readonly ctx: LcContext,
    private readonly onChange: (namespace: string, name: string, change: DatasetChange) => Promise<void>,
  ) {
    this.readers = new ReaderPool({
      timeoutMs: ctx.config.datasetReadTimeoutSeconds * 1000,
      logger: ctx.logger,
    });
  }

  /** The cursor file of an LC before the monitor's state folder. */
  private legacyCursorPath(namespace: string, name: string): string {
    return join(this.ctx.config.dataDir, 'datasets', namespace, `${name}.json`);
  }

  private stateDir(namespace: string, name: string): string {
    return join(this.ctx.config.dataDir, 'dataset-state', namespace, name);
  }

  /** Samples counted in a dataset of this node, if it is monitored. */
  count(namespace: string, name: string): number | undefined {
    return this.entries.get(`${namespace}/${name}`)?.monitor.count;
  }

  /**
   * Why no sample of a monitored dataset can arrive now, or undefined: `no index at <spec.url>` when
   * the file does not exist, the `IndexReadable` message when it cannot be read.
   */
  blocked(namespace: string, name: string): string | undefined {
    const entry = this.entries.get(`${namespace}/${name}`);
    if (!entry) return undefined;
    if (entry.readable?.status === ConditionStatus.False) return entry.readable.message ?? `spec.url ${JSON.stringify(entry.url)} cannot be read`;
    return entry.monitor.indexMissing ? `no index at ${entry.url}` : undefined;
  }

  logEnd(namespace: string, name: string): LogPosition | undefined {
    return this.entries.get(`${namespace}/${name}`)?.monitor.logEnd;
  }

  async *samplesSince(namespace: string, name: string, from: LogPosition, to: LogPosition): AsyncGenerator<Buffer[]> {
    const entry = this.entries.get(`${namespace}/${name}`);
    if (entry) yield* entry.monitor.samplesSince(from, to);
  }

  access(namespace: string, name: string): FileAccess | string {
    const entry = this.entries.get(`${namespace}/${name}`);
    if (!entry) return `Dataset ${namespace}/${name} is not monitored on this node`;
    if (entry.readable?.status === ConditionStatus.False) return entry.readable.message ?? `Dataset ${namespace}/${name}: spec.url cannot be read`;
    return entry.access ?? `Dataset ${namespace}/${name}: spec.url: ${JSON.stringify(entry.url)} was not read yet`;
  }

  header(namespace: string, name: string): Buffer | undefined {
    const entry = this.entries.get(`${namespace}/${name}`);
    return entry ? headerOf(entry.monitor.position) : undefined;
  }

  /** A Dataset was added or changed: start, restart or stop its monitor. */
  async upsert(dataset: Dataset): Promise<void> {
    const namespace = dataset.metadata.namespace ?? 'default';
    const name = dataset.metadata.name as string;
    const key = `${namespace}/${name}`;
    const existing = this.entries.get(key);
    const mine = dataset.spec.nodeName === this.ctx.config.nodeName;
    if (existing && (!mine || existing.url !== dataset.spec.url || existing.format !== dataset.spec.format)) {
      await this.drop(namespace, name, mine);
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
    if (!remote && isUrl(dataset.spec.url)) {
      logger.error({}, `Dataset ${key}: spec.url: ${JSON.stringify(dataset.spec.url)}: this LC monitors host paths and s3:// indexes only`);
      return;
    }
    const path = datasetIndexPath(this.ctx.config, dataset);
    const mirror = remote ? new RemoteIndexMirror({ url: dataset.spec.url, file: path, pollMs: this.ctx.config.datasetPollSeconds * 1000, logger, env: this.ctx.config.s3Env }) : undefined;
    const entry: Entry = {
      url: dataset.spec.url,
      format: dataset.spec.format,
      reported: dataset.status?.numberOfSamples,
      readable: dataset.status?.conditions?.find((c) => c.type === DatasetConditionType.IndexReadable),
      access: undefined,
      ...(mirror ? { mirror } : {}),
      monitor: this.monitorOf(dataset, namespace, name, path, format, logger),
    };
    this.entries.set(key, entry);
    await mirror?.start();
    // Not waiting for the first read: a Dataset whose reads hang must not hold up the others (nor the LC's start).
    await entry.monitor.start(false);
    this.ctx.metrics.datasetSamples.set({ namespace, dataset: name }, entry.monitor.count);
    await this.reportIfChanged(namespace, name);
  }

  private monitorOf(dataset: Dataset, namespace: string, name: string, path: string, format: IndexFormat, logger: LcContext['logger']): DatasetMonitor {
    const key = `${namespace}/${name}`;
    const subject = `Dataset ${key}: spec.url: ${JSON.stringify(dataset.spec.url)}`;
    const roots = rootsOf(this.ctx.config);
    const checks = lineChecksOf(dataset, this.ctx.config.hostRoot);
    const ownCopy = isRemoteIndex(dataset.spec.url);
    return new DatasetMonitor({
      path,
      format,
      stateDir: this.stateDir(namespace, name),
      legacyCursorPath: this.legacyCursorPath(namespace, name),
      pollMs: this.ctx.config.datasetPollSeconds * 1000,
      logger,
      read: (cursor, options) =>
        this.readers.read(key, { path, subject, ownCopy, roots, format, cursor, ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}), ...(options.checks ? { checks } : {}) }),
      onAccess: (access) => this.reportAccess(namespace, name, access),
      onReadError: async (error) => {
        if ((error as { code?: string }).code !== 'READ_TIMEOUT') return;
        this.ctx.metrics.datasetReadTimeouts.inc({ namespace, dataset: name });
        await this.reportAccess(namespace, name, { readable: false, reason: READ_TIMEOUT, message: error.message });
      },
      onQuarantine: (lines) => this.reportQuarantine(namespace, name, dataset.spec.url, lines),
      onUnattributed: (message) => this.sendEvents(namespace, name, [{ type: 'Warning', reason: 'LinesNotAttributed', message: `Dataset ${key}: ${message}` }]),
      onChange: async (change) => {
        // A read that ends after the Dataset was removed must not bring its series back.
        if (!this.entries.has(key)) return;
        this.ctx.metrics.datasetSamples.set({ namespace, dataset: name }, change.count);
        await this.reportIfChanged(namespace, name);
        await this.onChange(namespace, name, change);
      },
    });
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
    if (access.readable && access.access) entry.access = access.access;
    const last = entry.readable;
    let condition: DatasetCondition;
    if (access.readable) {
      // Nothing to say about an index read all along: the condition appears once something was refused.
      if (last === undefined || last.status === ConditionStatus.True) return;
      const reason = last.reason === READ_TIMEOUT ? 'ReadAnswered' : 'PathAllowed';
      condition = { type: DatasetConditionType.IndexReadable, status: ConditionStatus.True, reason, message: `Dataset ${namespace}/${name}: spec.url is read again` };
    } else {
      if (last?.status === ConditionStatus.False && last.message === access.message) return;
      condition = { type: DatasetConditionType.IndexReadable, status: ConditionStatus.False, reason: access.reason, message: access.message };
    }
    condition.lastTransitionTime = this.ctx.now().toISOString();
    entry.readable = condition;
    await this.ctx.outbox.append(datasetFrame(namespace, name, { conditions: [condition] }));
    this.ctx.logger.info({ dataset: `${namespace}/${name}`, status: condition.status, reason: condition.reason }, 'dataset index condition reported');
  }

  /** A Warning event per quarantined line (the first few of a read; then one counting the rest). */
  private async reportQuarantine(namespace: string, name: string, url: string, lines: readonly QuarantinedLine[]): Promise<void> {
    this.ctx.metrics.datasetLinesQuarantined.inc({ namespace, dataset: name }, lines.length);
    const where = `Dataset ${namespace}/${name}: spec.url: ${JSON.stringify(url)}`;
    // The line as written, without the CR of a CRLF end (the quarantine keeps every byte).
    const text = (line: QuarantinedLine) => line.bytes.toString('utf8').replace(/\r$/, '').slice(0, 200);
    const events: DatasetEvent[] = lines.slice(0, EVENTS_PER_READ).map((line) => ({
      type: 'Warning',
      reason: 'LineQuarantined',
      message: `${where}: line ${line.lineNumber} ${JSON.stringify(text(line))} is not a sample: ${line.reason}; kept in the LC's quarantine of this Dataset`,
    }));
    if (lines.length > EVENTS_PER_READ) {
      events.push({ type: 'Warning', reason: 'LineQuarantined', message: `${where}: ${lines.length - EVENTS_PER_READ} more lines are not samples (lines ${lines[EVENTS_PER_READ]?.lineNumber} to ${lines[lines.length - 1]?.lineNumber}); kept in the LC's quarantine of this Dataset` });
    }
    await this.sendEvents(namespace, name, events);
  }

  private async sendEvents(namespace: string, name: string, events: DatasetEvent[]): Promise<void> {
    for (const event of events) this.ctx.logger.warn({ dataset: `${namespace}/${name}`, reason: event.reason }, event.message);
    await this.ctx.outbox.append(datasetFrame(namespace, name, { events }));
  }

  /** Stop a Dataset's monitor; `forget`: and its state (a new url, or the Dataset is gone). */
  private async drop(namespace: string, name: string, forget: boolean): Promise<void> {
    const key = `${namespace}/${name}`;
    const entry = this.entries.get(key);
    this.entries.delete(key);
    this.readers.forget(key);
    await entry?.mirror?.stop();
    await entry?.monitor.stop();
    if (forget) {
      await rm(this.legacyCursorPath(namespace, name), { force: true });
      await rm(this.stateDir(namespace, name), { recursive: true, force: true });
    }
  }

  /** A Dataset was deleted: stop its monitor, forget its state and its metric series. */
  async remove(namespace: string, name: string): Promise<void> {
    await this.drop(namespace, name, true);
    this.ctx.metrics.forgetDataset(namespace, name);
  }

  /** Stop every monitor (reads in flight are abandoned: nothing of them was counted). */
  async stop(): Promise<void> {
    this.readers.stop();
    await Promise.all([...this.entries.values()].map(async (e) => {
      await e.mirror?.stop();
      await e.monitor.stop();
    }));
    this.entries.clear();
  }
}
