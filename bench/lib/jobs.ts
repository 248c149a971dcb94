// IncrementalLearningJobs for the control-plane benchmarks (trigger-latency, round-overhead, scale,
// footprint): each job has its own Dataset (an index in its own folder) and placeholder train and eval
// workers (bench/trigger-latency/workers: the worker SDK, no training), no inference worker; its train
// trigger is `num_of_samples >= 1` with the original's usual checkPeriodSeconds of 60, so a round starts
// from the dataset change. A watch keeps the latest version of every job of a namespace.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi, type KubeConfig, Watch } from '@kubernetes/client-node';
import type { Dataset, IncrementalLearningJob } from '@sedna-ts/api-types';

export const PLACEHOLDER_WORKERS = join(dirname(fileURLToPath(import.meta.url)), '..', 'trigger-latency', 'workers');

/**
 * The objects (a JSON document stream for `sedna apply -f`) of `n` jobs `j<i>` with Datasets `d<i>` in
 * `ns` (i from `first`), their files under `root`; `env` is added to their workers.
 */
export function jobObjects(ns: string, n: number, root: string, options: { node?: string; env?: Record<string, string>; first?: number } = {}): string {
  const node = options.node ?? 'edge-node';
  const env = Object.entries(options.env ?? {}).map(([name, value]) => ({ name, value }));
  mkdirSync(join(root, 'models'), { recursive: true });
  writeFileSync(join(root, 'models', 'model.onnx'), 'placeholder');
  const first = options.first ?? 0;
  // The namespace and its Models come with the first jobs; later batches (`first` > 0) add jobs only.
  const docs: object[] =
    first > 0
      ? []
      : [
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
          { apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name: 'initial', namespace: ns }, spec: { url: join(root, 'models', 'model.onnx'), format: 'onnx' } },
          { apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name: 'deploy', namespace: ns }, spec: { url: join(root, 'models', 'model.onnx'), format: 'onnx' } },
        ];
  const container = (name: string, script: string) => ({ spec: { nodeName: node, containers: [{ name, workingDir: PLACEHOLDER_WORKERS, args: [script], ...(env.length > 0 ? { env } : {}) }] } });
  for (let i = first; i < first + n; i++) {
    const folder = join(root, ns, `d${i}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'index.txt'), '');
    docs.push(
      { apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', metadata: { name: `d${i}`, namespace: ns }, spec: { url: join(folder, 'index.txt'), format: 'txt', nodeName: node } },
      {
        apiVersion: 'sedna.io/v1alpha1',
        kind: 'IncrementalLearningJob',
        metadata: { name: `j${i}`, namespace: ns },
        spec: {
          dataset: { name: `d${i}`, trainProb: 0.5 },
          initialModel: { name: 'initial' },
          outputDir: join(folder, 'output'),
          trainSpec: {
            template: container('train-worker', 'train.mjs'),
            trigger: { checkPeriodSeconds: 60, timer: { start: '00:00', end: '24:00' }, condition: { operator: '>=', threshold: 1, metric: 'num_of_samples' } },
          },
          evalSpec: { template: container('eval-worker', 'eval.mjs') },
          deploySpec: { model: { name: 'deploy', hotUpdateEnabled: true }, trigger: { condition: { operator: '>', threshold: 0, metric: 'precision_delta' } } },
        },
      },
    );
  }
  return docs.map((d) => JSON.stringify(d)).join('\n---\n');
}

let serial = 0;
/**
 * Appends one train and one eval sample (trainProb 0.5) to dataset `d<i>` of `ns` under `root`, their
 * files written first (the LC quarantines a line whose sample file it cannot read); returns when
 * (performance.now()) the lines were appended.
 */
export function appendSamples(root: string, ns: string, i: number): number {
  const folder = join(root, ns, `d${i}`);
  const names = [`s${serial++}.png`, `s${serial++}.png`];
  for (const name of names) writeFileSync(join(folder, name), 'placeholder sample');
  appendFileSync(join(folder, 'index.txt'), `${names[0]} 0\n${names[1]} 1\n`);
  return performance.now();
}

/** The jobs of a namespace as a watch sees them, and waits on them. */
export class JobWatch {
  readonly latest = new Map<string, IncrementalLearningJob>();
  /** Every version seen, with when (performance.now()), when `keepHistory`. */
  readonly history: Array<{ at: number; job: IncrementalLearningJob }> = [];
  private readonly waiters = new Set<() => void>();
  private request: { abort(): void } | undefined;
  private stopped = false;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly ns: string,
    private readonly keepHistory = false,
  ) {}

  async start(): Promise<void> {
    this.request = await new Watch(this.kubeConfig).watch(
      `/apis/sedna.io/v1alpha1/namespaces/${this.ns}/incrementallearningjobs`,
      {},
      (_type, job: IncrementalLearningJob) => {
        this.latest.set(job.metadata?.name as string, job);
        if (this.keepHistory) this.history.push({ at: performance.now(), job });
        for (const wake of [...this.waiters]) wake();
      },
      (error) => {
        if (error && !this.stopped) console.error(`watch of ${this.ns} ended: ${(error as Error).message}`);
      },
    );
  }

  /** Resolves with the time (performance.now()) at which `predicate` first held for `name`; rejects after `timeoutMs` naming what it waited for. */
  until(name: string, predicate: (job: IncrementalLearningJob) => boolean, what = 'the awaited state', timeoutMs = 10 * 60_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        const job = this.latest.get(name);
        const last = job?.status?.conditions?.at(-1);
        reject(new Error(`job ${this.ns}/${name}: not at ${what} within ${timeoutMs / 1000} s (last condition: ${last ? `${last.stage} ${last.type} round ${last.round}` : 'none'})`));
      }, timeoutMs);
      const check = () => {
        const job = this.latest.get(name);
        if (job && predicate(job)) {
          this.waiters.delete(check);
          clearTimeout(timer);
          resolve(performance.now());
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  stop(): void {
    this.stopped = true;
    this.request?.abort();
  }
}

/** The job waits for its next round after round `round` (0: none yet). */
export const idleAt = (round: number) => (job: IncrementalLearningJob) => {
  const last = job.status?.conditions?.at(-1);
  return last?.stage === 'Train' && last.type === 'Waiting' && last.round === round;
};
/** Round `round` has reached (Train, Ready). */
export const trainReady = (round: number) => (job: IncrementalLearningJob) => (job.status?.conditions ?? []).some((c) => c.stage === 'Train' && c.type === 'Ready' && c.round === round);

/**
 * Resolves once the LC has counted every Dataset of `ns` (all `n` have a number of samples): it holds the jobs then,
 * so an append is a new sample. Throws after `timeoutMs` saying how many were counted.
 */
export async function datasetsCounted(kubeConfig: KubeConfig, ns: string, n: number, timeoutMs = 10 * 60_000): Promise<void> {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = (await api.listNamespacedCustomObject({ group: 'sedna.io', version: 'v1alpha1', namespace: ns, plural: 'datasets' })) as { items: Dataset[] };
    const counted = list.items.filter((d) => typeof d.status?.numberOfSamples === 'number').length;
    if (list.items.length === n && counted === n) return;
    if (Date.now() > deadline) throw new Error(`datasets of ${ns}: ${counted} of ${n} counted by the LC within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
