/** What the parts of a running LC share. */
import { randomUUID } from 'node:crypto';
import { encodeFrameContent, JOB_EVENT_PHASE, type Dataset, type UpstreamDatasetMessage, type UpstreamJobMessage, type WireFrame } from '@sedna-ts/api-types';
import { type ResolvedConfig } from './config.js';
import { type LcLogger } from './logger.js';
import { type LcMetrics } from './metrics.js';
import { type ObjectStore } from './storage/objectStore.js';
import { type Outbox } from './gm/outbox.js';
import { isRemoteIndex, mirrorPath } from './datasets/remoteIndex.js';
import { hostPath, isUrl } from './datasets/dataRoots.js';
import { type LogPosition } from './datasets/datasetMonitor.js';
import { type FileAccess } from './storage/files.js';

export { hostPath, isUrl };

/** What the jobs of a Dataset read of it: its sample log (datasetMonitor.ts), and what round files take from its index. */
export interface DatasetSamples {
  /** The end of the sample log of a Dataset this LC monitors. */
  logEnd(namespace: string, name: string): LogPosition | undefined;
  /** The sample lines of its log from `from` to `to` (the end, or less), in batches (from its start when `from` is of an older log). */
  samplesSince(namespace: string, name: string, from: LogPosition, to: LogPosition): AsyncGenerator<Buffer[]>;
  /** Owner and mode of its index at the last read, or why there are none (refused, timing out, not read yet). */
  access(namespace: string, name: string): FileAccess | string;
  /** The csv header of its index (exact bytes), once read. */
  header(namespace: string, name: string): Buffer | undefined;
  /** Why no sample can arrive now (`no index at <path>`, the index unreadable), or undefined. */
  blocked(namespace: string, name: string): string | undefined;
}

/** The shared services of one LC. */
export interface LcContext {
  config: ResolvedConfig;
  store: ObjectStore;
  outbox: Outbox;
  metrics: LcMetrics;
  logger: LcLogger;
  /** The clock (the trigger timer and the decision times). */
  now(): Date;
  /** The Datasets this LC monitors (set once they are). */
  datasets?: DatasetSamples;
  /** The `resourceKind`s of the learning jobs this LC handles (their outputDirs must not overlap). */
  jobKinds?: readonly string[];
}


/** Where this process reads a Dataset's index: its host path, or the LC's copy of an index in S3. */
export function datasetIndexPath(config: ResolvedConfig, dataset: Dataset): string {
  const url = dataset.spec.url;
  return isRemoteIndex(url) ? mirrorPath(config.dataDir, dataset.metadata.namespace ?? 'default', dataset.metadata.name as string, url) : hostPath(config, url);
}

/** An upstream `status` frame about the job `namespace/name` of `resourceKind` (lower case, e.g. `incrementallearningjob`). */
export function jobFrame(resourceKind: string, namespace: string, name: string, message: UpstreamJobMessage, messageId: string = randomUUID()): WireFrame {
  return {
    header: { namespace, resourceKind, resourceName: name, operation: 'status', messageId },
    content: encodeFrameContent(message),
  };
}

/**
 * An upstream frame of a Warning event about a job (phase `Event`): the GM records it on the job, and
 * on the job's worker pod `pod` when given.
 */
export function jobWarningFrame(resourceKind: string, namespace: string, name: string, reason: string, message: string, pod?: string): WireFrame {
  return jobFrame(resourceKind, namespace, name, { phase: JOB_EVENT_PHASE, status: 'Warning', events: [{ type: 'Warning', reason, message, ...(pod ? { pod } : {}) }] });
}

/** An upstream `status` frame about a dataset. */
export function datasetFrame(namespace: string, name: string, message: UpstreamDatasetMessage, messageId: string = randomUUID()): WireFrame {
  return {
    header: { namespace, resourceKind: 'dataset', resourceName: name, operation: 'status', messageId },
    content: encodeFrameContent(message),
  };
}
