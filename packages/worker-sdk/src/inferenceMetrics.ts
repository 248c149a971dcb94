/**
 * Prometheus metrics of an inference worker (prom-client, in a registry of its own, labelled with the
 * job (`sedna_job`), namespace and worker): inferences and their latency per model version, hard examples found and
 * saved, hot updates, and the model version serving now. Served on `GET /metrics` when
 * SEDNA_WORKER_METRICS_ADDRESS is set.
 */
import type * as PromClient from 'prom-client';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { lazyRequire } from './lazyRequire.js';

// Loaded when an IncrementalLearning first touches its metrics (inference), never by train or eval.
const promClient = lazyRequire<typeof PromClient>('prom-client');

/** The metrics an `IncrementalLearning` inference worker updates. */
export class InferenceMetrics {
  readonly registry: Registry;
  /** Inference calls, by model version and result (`ok`, `error`). */
  readonly inferences: Counter<'model_version' | 'result'>;
  /** Seconds of each successful predict, by model version. */
  readonly latency: Histogram<'model_version'>;
  /** Inputs the hard example filter judged hard, by model version. */
  readonly hardExamples: Counter<'model_version'>;
  /** Hard examples written to HE_SAVED_URL. */
  readonly savedHardExamples: Counter;
  /** Hot updates, by result (`completed`, `failed`). */
  readonly modelUpdates: Counter<'result'>;
  /** 1 for the model version serving now (one series per version ever served, the others 0). */
  readonly modelVersion: Gauge<'model_version'>;

  constructor(labels: { namespace: string; job: string; worker: string }) {
    const { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } = promClient();
    this.registry = new Registry();
    const registers = [this.registry];
    // `sedna_job` (the contract's METRIC_JOB_LABEL), not `job`: Prometheus sets `job` to the scrape job of every target.
    this.registry.setDefaultLabels({ namespace: labels.namespace, sedna_job: labels.job, worker: labels.worker });
    collectDefaultMetrics({ register: this.registry, prefix: 'sedna_worker_' });
    this.inferences = new Counter({ name: 'sedna_worker_inferences_total', help: 'Inference calls, by model version and result', labelNames: ['model_version', 'result'], registers });
    this.latency = new Histogram({
      name: 'sedna_worker_inference_duration_seconds',
      help: 'Duration of successful predict calls, by model version',
      labelNames: ['model_version'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.hardExamples = new Counter({ name: 'sedna_worker_hard_examples_total', help: 'Inputs judged hard by the hard example filter, by model version', labelNames: ['model_version'], registers });
    this.savedHardExamples = new Counter({ name: 'sedna_worker_hard_examples_saved_total', help: 'Hard examples written to HE_SAVED_URL', registers });
    this.modelUpdates = new Counter({ name: 'sedna_worker_model_updates_total', help: 'Hot updates, by result', labelNames: ['result'], registers });
    this.modelVersion = new Gauge({ name: 'sedna_worker_model_version_info', help: '1 for the model version serving now, 0 for the versions served before', labelNames: ['model_version'], registers });
  }

  /** Marks `version` as the one serving. */
  serving(version: string, previous: string | undefined): void {
    if (previous !== undefined && previous !== version) this.modelVersion.set({ model_version: previous }, 0);
    this.modelVersion.set({ model_version: version }, 1);
  }

  /** The text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
