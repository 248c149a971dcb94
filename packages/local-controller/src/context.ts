/** What the parts of a running LC share. */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { encodeFrameContent, type Dataset, type UpstreamDatasetMessage, type UpstreamJobMessage, type WireFrame } from '@sedna-ts/api-types';
import { type ResolvedConfig } from './config.js';
import { type LcLogger } from './logger.js';
import { type LcMetrics } from './metrics.js';
import { type ObjectStore } from './storage/objectStore.js';
import { type Outbox } from './gm/outbox.js';
import { isRemoteIndex, mirrorPath } from './datasets/remoteIndex.js';

/** The shared services of one LC. */
export interface LcContext {
  config: ResolvedConfig;
  store: ObjectStore;
  outbox: Outbox;
  metrics: LcMetrics;
  logger: LcLogger;
  /** The clock (the trigger timer and the decision times). */
  now(): Date;
  /** The `resourceKind`s of the learning jobs this LC handles (their outputDirs must not overlap). */
  jobKinds?: readonly string[];
}

/** Where a host path is as this process sees it (under `hostRoot` when the LC runs in a container). */
export function hostPath(config: ResolvedConfig, path: string): string {
  return config.hostRoot ? join(config.hostRoot, path) : path;
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

/** An upstream `status` frame about a dataset. */
export function datasetFrame(namespace: string, name: string, message: UpstreamDatasetMessage, messageId: string = randomUUID()): WireFrame {
  return {
    header: { namespace, resourceKind: 'dataset', resourceName: name, operation: 'status', messageId },
    content: encodeFrameContent(message),
  };
}
