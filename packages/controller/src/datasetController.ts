/**
 * The reconciler of Datasets: writes `status.numberOfSamples` (and `updateTime`) from the reports of
 * the LC on the dataset's node, through the status subresource, and only then acknowledges them. The
 * latest count wins; reports that arrive while a write is pending are answered by that write.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Dataset } from '@sedna-ts/api-types';
import type { GmLogger } from './config.js';
import { ControllerError } from './errors.js';
import type { Informer } from './informer.js';
import { isConflict, type KubeApi, type SednaApiObject } from './kubeApi.js';
import type { UpstreamFrame, UpstreamHandler, UpstreamResult } from './lcServer.js';
import type { GmMetrics } from './metrics.js';
import type { HandleResult } from './workQueue.js';

/** Plural of Dataset. */
export const DATASET_PLURAL = 'datasets';

/** What the dataset controller works with. */
export interface DatasetControllerDeps {
  api: KubeApi;
  datasets: Informer<Dataset & KubernetesObject>;
  enqueue: (namespace: string, name: string) => void;
  metrics: GmMetrics;
  logger: GmLogger;
}

interface PendingCount {
  count: number;
  waiters: { resolve: (r: UpstreamResult) => void; reject: (e: unknown) => void }[];
}

const MAX_CONFLICTS = 5;

/** Reconciles Datasets and applies their LC reports. */
export class DatasetController {
  private readonly pending = new Map<string, PendingCount>();

  constructor(private readonly deps: DatasetControllerDeps) {}

  /** The upstream handler of `dataset`: `{numberOfSamples}` from the LC on the dataset's node. */
  readonly upstream: UpstreamHandler = (frame: UpstreamFrame): Promise<UpstreamResult> => {
    const { namespace, resourceName: name } = frame.header;
    const where = `Dataset ${namespace}/${name}`;
    const payload = frame.payload as { numberOfSamples?: unknown } | undefined;
    const count = payload?.numberOfSamples;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
      return Promise.resolve({ result: 'rejected', error: `${where}: numberOfSamples: ${JSON.stringify(count)} is not a non-negative integer` });
    }
    const dataset = this.deps.datasets.get(name, namespace);
    if (!dataset) return Promise.resolve({ result: 'rejected', error: `${where} not found` });
    if (dataset.spec.nodeName !== frame.node) {
      return Promise.resolve({ result: 'rejected', error: `${where}: node ${frame.node} is not its node (${dataset.spec.nodeName})` });
    }
    const key = `${namespace}/${name}`;
    return new Promise((resolve, reject) => {
      const entry = this.pending.get(key) ?? { count, waiters: [] };
      entry.count = count;
      entry.waiters.push({ resolve, reject });
      this.pending.set(key, entry);
      this.deps.enqueue(namespace, name);
    });
  };

  /** Writes the pending count of a Dataset, if any. */
  async reconcile(namespace: string, name: string): Promise<HandleResult> {
    const key = `${namespace}/${name}`;
    const entry = this.pending.get(key);
    if (!entry) return {};
    this.pending.delete(key);
    let dataset: (Dataset & KubernetesObject) | undefined = this.deps.datasets.get(name, namespace);
    try {
      for (let tries = 0; ; tries++) {
        if (!dataset) {
          for (const w of entry.waiters) w.resolve({ result: 'rejected', error: `Dataset ${key} not found` });
          return {};
        }
        if (dataset.status?.numberOfSamples === entry.count) break;
        try {
          await this.deps.api.replaceStatus(DATASET_PLURAL, dataset as unknown as SednaApiObject, {
            ...dataset.status,
            numberOfSamples: entry.count,
            updateTime: new Date().toISOString(),
          });
          this.deps.logger.info({ dataset: key, numberOfSamples: entry.count }, 'dataset samples updated');
          break;
        } catch (error) {
          if (!isConflict(error) || tries >= MAX_CONFLICTS) throw error;
          dataset = await this.deps.api.getSedna<Dataset & KubernetesObject>(DATASET_PLURAL, namespace, name);
        }
      }
    } catch (error) {
      // Keep the count for the retry, unless a newer one arrived meanwhile.
      const newer = this.pending.get(key);
      if (newer) newer.waiters.unshift(...entry.waiters);
      else this.pending.set(key, entry);
      throw error;
    }
    for (const w of entry.waiters) w.resolve({ result: 'applied' });
    this.deps.metrics.reconciles.inc({ kind: 'dataset', result: 'ok' });
    return {};
  }

  /** Drops every pending report unacknowledged (the GM is stopping). */
  abandon(): void {
    const stopping = new ControllerError('STOPPED', 'the global manager is stopping');
    for (const entry of this.pending.values()) for (const w of entry.waiters) w.reject(stopping);
    this.pending.clear();
  }
}
