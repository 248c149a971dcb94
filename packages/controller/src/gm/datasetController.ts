/**
 * The reconciler of Datasets: writes `status.numberOfSamples` (and `updateTime`) and `status.conditions`
 * from the reports of the LC on the dataset's node, through the status subresource, and only then
 * acknowledges them. The latest count wins, and the latest condition of each type; reports that arrive
 * while a write is pending are answered by that write. The events of a report (a line the LC put in
 * quarantine) are recorded as Kubernetes Events of the Dataset, best effort.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { ConditionStatus, type Dataset, type DatasetCondition, type JobEvent } from '@sedna-ts/api-types';
import type { GmLogger } from '../config.js';
import { ControllerError } from '../errors.js';
import type { Informer } from '../kube/informer.js';
import { isConflict, type KubeApi, type SednaApiObject } from '../kube/kubeApi.js';
import type { UpstreamFrame, UpstreamHandler, UpstreamResult } from '../lc/lcServer.js';
import type { GmMetrics } from '../metrics.js';
import type { HandleResult } from '@sedna-ts/internal';

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

interface PendingReport {
  /** The latest count reported; undefined when no report carried one. */
  count: number | undefined;
  /** The latest condition of each type reported. */
  conditions: DatasetCondition[];
  waiters: { resolve: (r: UpstreamResult) => void; reject: (e: unknown) => void }[];
}

const MAX_CONFLICTS = 5;

/** Reconciles Datasets and applies their LC reports. */
export class DatasetController {
  private readonly pending = new Map<string, PendingReport>();

  constructor(private readonly deps: DatasetControllerDeps) {}

  /**
   * The upstream handler of `dataset`: `{numberOfSamples?, conditions?, events?}` from the LC on the
   * dataset's node (an LC before conditions sends only the count).
   */
  readonly upstream: UpstreamHandler = (frame: UpstreamFrame): Promise<UpstreamResult> => {
    const { namespace, resourceName: name } = frame.header;
    const where = `Dataset ${namespace}/${name}`;
    const payload = frame.payload as { numberOfSamples?: unknown; conditions?: unknown; events?: unknown } | undefined;
    const count = payload?.numberOfSamples;
    if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 0)) {
      return Promise.resolve({ result: 'rejected', error: `${where}: numberOfSamples: ${JSON.stringify(count)} is not a non-negative integer` });
    }
    const conditions = reportedConditions(where, payload?.conditions);
    if (typeof conditions === 'string') return Promise.resolve({ result: 'rejected', error: conditions });
    const events = reportedEvents(where, payload?.events);
    if (typeof events === 'string') return Promise.resolve({ result: 'rejected', error: events });
    if (count === undefined && conditions.length === 0 && events.length === 0) {
      return Promise.resolve({ result: 'rejected', error: `${where}: the report has neither numberOfSamples nor conditions nor events` });
    }
    const dataset = this.deps.datasets.get(name, namespace);
    if (!dataset) return Promise.resolve({ result: 'rejected', error: `${where} not found` });
    if (dataset.spec.nodeName !== frame.node) {
      return Promise.resolve({ result: 'rejected', error: `${where}: node ${frame.node} is not its node (${dataset.spec.nodeName})` });
    }
    for (const event of events) {
      this.deps.logger.warn({ dataset: `${namespace}/${name}`, reason: event.reason }, event.message);
      void this.deps.api.createEvent(dataset, event.type, event.reason, event.message).catch((error: unknown) => {
        this.deps.logger.warn({ dataset: `${namespace}/${name}`, reason: event.reason, error: (error as Error).message }, 'dataset event not recorded');
      });
    }
    if (count === undefined && conditions.length === 0) return Promise.resolve({ result: 'applied' });
    const key = `${namespace}/${name}`;
    return new Promise((resolve, reject) => {
      const entry = this.pending.get(key) ?? { count: undefined, conditions: [], waiters: [] };
      if (count !== undefined) entry.count = count;
      entry.conditions = [...entry.conditions.filter((c) => !conditions.some((n) => n.type === c.type)), ...conditions];
      entry.waiters.push({ resolve, reject });
      this.pending.set(key, entry);
      this.deps.enqueue(namespace, name);
    });
  };

  /** Writes the pending count and conditions of a Dataset, if any. */
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
        const now = new Date().toISOString();
        // The status requires a count: an index refused before it was ever read has none, which is 0.
        const count = entry.count ?? dataset.status?.numberOfSamples ?? 0;
        const conditions = mergeConditions(dataset.status?.conditions, entry.conditions, now);
        const sameConditions = JSON.stringify(conditions ?? []) === JSON.stringify(dataset.status?.conditions ?? []);
        if (dataset.status?.numberOfSamples === count && sameConditions) break;
        try {
          await this.deps.api.replaceStatus(DATASET_PLURAL, dataset as unknown as SednaApiObject, {
            ...dataset.status,
            numberOfSamples: count,
            updateTime: now,
            ...(conditions ? { conditions } : {}),
          });
          if (dataset.status?.numberOfSamples !== count) this.deps.logger.info({ dataset: key, numberOfSamples: count }, 'dataset samples updated');
          for (const c of entry.conditions) {
            const before = dataset.status?.conditions?.find((o) => o.type === c.type);
            if (before?.status === c.status && before.message === c.message) continue;
            const log = c.status === ConditionStatus.True ? this.deps.logger.info.bind(this.deps.logger) : this.deps.logger.warn.bind(this.deps.logger);
            log({ dataset: key, type: c.type, status: c.status, reason: c.reason }, c.message ?? `dataset condition ${c.type} is ${c.status}`);
          }
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

const CONDITION_STATUSES: readonly string[] = Object.values(ConditionStatus);

/**
 * The events of an LC report, or the message rejecting it (naming the field and the value). A job's
 * events may name a worker pod they are about too (`pod`).
 */
export function reportedEvents(where: string, value: unknown): JobEvent[] | string {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return `${where}: events: ${JSON.stringify(value)} is not a list`;
  const out: JobEvent[] = [];
  for (const [i, raw] of value.entries()) {
    const at = `${where}: events[${i}]`;
    const e = raw as Record<string, unknown> | null;
    if (e === null || typeof e !== 'object' || Array.isArray(e)) return `${at}: ${JSON.stringify(raw)} is not an object`;
    if (e.type !== 'Normal' && e.type !== 'Warning') return `${at}.type: ${JSON.stringify(e.type)} is not Normal or Warning`;
    if (typeof e.reason !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(e.reason)) return `${at}.reason: ${JSON.stringify(e.reason)} is not a CamelCase word`;
    if (typeof e.message !== 'string') return `${at}.message: ${JSON.stringify(e.message)} is not a string`;
    if (e.pod !== undefined && (typeof e.pod !== 'string' || e.pod === '')) return `${at}.pod: ${JSON.stringify(e.pod)} is not a pod name`;
    out.push({ type: e.type, reason: e.reason, message: e.message.slice(0, 1024), ...(typeof e.pod === 'string' ? { pod: e.pod } : {}) });
  }
  return out;
}

/** The conditions of an LC report, or the message rejecting it (naming the field and the value). */
function reportedConditions(where: string, value: unknown): DatasetCondition[] | string {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return `${where}: conditions: ${JSON.stringify(value)} is not a list`;
  const out: DatasetCondition[] = [];
  for (const [i, raw] of value.entries()) {
    const at = `${where}: conditions[${i}]`;
    const c = raw as Record<string, unknown> | null;
    if (c === null || typeof c !== 'object' || Array.isArray(c)) return `${at}: ${JSON.stringify(raw)} is not an object`;
    if (typeof c.type !== 'string' || c.type === '') return `${at}.type: ${JSON.stringify(c.type)} is not a non-empty string`;
    if (typeof c.status !== 'string' || !CONDITION_STATUSES.includes(c.status)) return `${at}.status: ${JSON.stringify(c.status)} is not True, False or Unknown`;
    const condition: DatasetCondition = { type: c.type, status: c.status as DatasetCondition['status'] };
    for (const field of ['reason', 'message', 'lastTransitionTime'] as const) {
      const v = c[field];
      if (v === undefined) continue;
      if (typeof v !== 'string') return `${at}.${field}: ${JSON.stringify(v)} is not a string`;
      if (field === 'lastTransitionTime' && Number.isNaN(Date.parse(v))) return `${at}.lastTransitionTime: ${JSON.stringify(v)} is not a time`;
      condition[field] = v;
    }
    out.push(condition);
  }
  return out;
}

/**
 * The status conditions after a report: each reported condition replaces the one of its type, keeping
 * its `lastTransitionTime` while the status stays (else the LC's time, else `now`). Undefined when
 * there are none at all (the status then has no `conditions`, as before conditions existed).
 */
export function mergeConditions(existing: readonly DatasetCondition[] | undefined, reported: readonly DatasetCondition[], now: string): DatasetCondition[] | undefined {
  if (reported.length === 0) return existing ? [...existing] : undefined;
  const merged = [...(existing ?? [])];
  for (const c of reported) {
    const i = merged.findIndex((o) => o.type === c.type);
    const before = i >= 0 ? merged[i] : undefined;
    const since = before && before.status === c.status ? (before.lastTransitionTime ?? now) : (c.lastTransitionTime ?? now);
    const next: DatasetCondition = { type: c.type, status: c.status, ...(c.reason !== undefined ? { reason: c.reason } : {}), ...(c.message !== undefined ? { message: c.message } : {}), lastTransitionTime: since };
    if (i >= 0) merged[i] = next;
    else merged.push(next);
  }
  return merged;
}
