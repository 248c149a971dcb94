/**
 * Prometheus metrics of one LC (prom-client), in a registry of its own so several LCs can live in one
 * process (tests, `sedna up`). Served on `GET /metrics` of the worker API. A job's series carry
 * `namespace` and `sedna_job` (never `job`, Prometheus' scrape job) and go when the job is deleted, a
 * Dataset's (`namespace`, `dataset`) when the Dataset is;
 * enumerated label values are lower case (`@sedna-ts/api-types/contract`'s `METRIC_LABEL_VALUES`).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { REPORT_KINDS } from './workers/workerReport.js';

/** The LC's metrics. */
export class LcMetrics {
  readonly registry = new Registry();
  readonly outboxDepth: Gauge;
  readonly gmConnected: Gauge;
  readonly upstreamAcks: Counter<'result'>;
  readonly triggersFired: Counter<'stage' | 'cause'>;
  readonly triggerChecks: Counter<'stage' | 'result'>;
  readonly deployDecisions: Counter<'decision'>;
  readonly workerReports: Counter<'kind' | 'status' | 'code'>;
  readonly workerReportsRejected: Counter<'code' | 'reason'>;
  readonly workerReportsUnauthenticated: Counter<'namespace' | 'sedna_job' | 'kind'>;
  readonly datasetSamples: Gauge<'namespace' | 'dataset'>;
  readonly datasetLinesQuarantined: Counter<'namespace' | 'dataset'>;
  readonly datasetReadTimeouts: Counter<'namespace' | 'dataset'>;
  readonly hardExamples: Gauge<'namespace' | 'sedna_job'>;
  readonly hardExamplesEvicted: Counter<'namespace' | 'sedna_job'>;
  readonly samplesReturned: Counter<'namespace' | 'sedna_job'>;

  constructor(nodeName: string) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ node: nodeName });
    this.outboxDepth = new Gauge({ name: 'sedna_lc_outbox_depth', help: 'Upstream messages waiting for the GM ack', registers });
    this.gmConnected = new Gauge({ name: 'sedna_lc_gm_connected', help: '1 while the GM connection is up (hello received)', registers });
    this.upstreamAcks = new Counter({ name: 'sedna_lc_upstream_acks_total', help: 'Upstream messages acknowledged by the GM, by result (ok, rejected)', labelNames: ['result'], registers });
    this.triggersFired = new Counter({ name: 'sedna_lc_triggers_fired_total', help: 'Stages moved to Ready by this LC, by stage (train, eval) and cause (trigger, manual)', labelNames: ['stage', 'cause'], registers });
    this.triggerChecks = new Counter({ name: 'sedna_lc_trigger_checks_total', help: 'Trigger evaluations, by stage (train, deploy) and result (fire, wait)', labelNames: ['stage', 'result'], registers });
    this.deployDecisions = new Counter({ name: 'sedna_lc_deploy_decisions_total', help: 'Deploy gate decisions (deploy, keep, manual_deploy)', labelNames: ['decision'], registers });
    this.workerReports = new Counter({ name: 'sedna_lc_worker_reports_total', help: 'Worker reports received, by kind, status and HTTP code', labelNames: ['kind', 'status', 'code'], registers });
    this.workerReportsRejected = new Counter({ name: 'sedna_lc_worker_reports_rejected_total', help: 'Worker reports refused, by HTTP code and reason (no-token, bad-token, not-ready, bad-body, too-large, out-of-scope, unknown-job, not-bound, stopping)', labelNames: ['code', 'reason'], registers });
    this.workerReportsUnauthenticated = new Counter({ name: 'sedna_lc_worker_reports_unauthenticated_total', help: 'Worker reports taken without a worker token (jobs with sedna.io/worker-auth: none), by job and report kind', labelNames: ['namespace', 'sedna_job', 'kind'], registers });
    this.datasetSamples = new Gauge({ name: 'sedna_lc_dataset_samples', help: 'Samples counted in a dataset index', labelNames: ['namespace', 'dataset'], registers });
    this.datasetLinesQuarantined = new Counter({ name: 'sedna_lc_dataset_lines_quarantined_total', help: 'Index lines put in quarantine (bad path, unreadable file, NUL, stray CR)', labelNames: ['namespace', 'dataset'], registers });
    this.datasetReadTimeouts = new Counter({ name: 'sedna_lc_dataset_read_timeouts_total', help: 'Dataset reads that got no answer within the deadline', labelNames: ['namespace', 'dataset'], registers });
    this.hardExamples = new Gauge({ name: 'sedna_lc_hard_examples', help: 'Hard examples indexed for a job', labelNames: ['namespace', 'sedna_job'], registers });
    this.hardExamplesEvicted = new Counter({ name: 'sedna_lc_hard_examples_evicted_total', help: 'Hard examples evicted by the budget', labelNames: ['namespace', 'sedna_job'], registers });
    this.samplesReturned = new Counter({ name: 'sedna_lc_samples_returned_total', help: 'Samples of failed rounds returned to the pools', labelNames: ['namespace', 'sedna_job'], registers });
  }

  /** A job is deleted: every series of it goes (its hard examples, samples returned, reports taken without a token). */
  forgetJob(namespace: string, name: string): void {
    const labels = { namespace, sedna_job: name };
    this.hardExamples.remove(labels);
    this.hardExamplesEvicted.remove(labels);
    this.samplesReturned.remove(labels);
    for (const kind of REPORT_KINDS) this.workerReportsUnauthenticated.remove({ ...labels, kind });
  }

  /** A Dataset is deleted: every series of it goes (its sample count, quarantined lines, read timeouts). */
  forgetDataset(namespace: string, name: string): void {
    const labels = { namespace, dataset: name };
    this.datasetSamples.remove(labels);
    this.datasetLinesQuarantined.remove(labels);
    this.datasetReadTimeouts.remove(labels);
  }

  /** The text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
