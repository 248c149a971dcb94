/**
 * Prometheus metrics of the Global Manager, in a registry of its own (two GMs in one process, as in
 * tests, do not collide): the jobs, rounds, stage durations, trigger decisions, queue depths, LC
 * connections and upstream messages. A job's series carry `namespace` and `sedna_job` (never `job`,
 * Prometheus' scrape job); enumerated label values are lower case (`@sedna-ts/api-types/contract`'s
 * `METRIC_LABEL_VALUES`).
 */
import { METRIC_OUTCOMES } from '@sedna-ts/api-types/contract';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The metrics a Global Manager updates. */
export interface GmMetrics {
  registry: Registry;
  /** 1 for each learning job this GM reconciles, from its first reconcile to its deletion (what a dashboard lists jobs from). */
  jobInfo: Gauge<'namespace' | 'sedna_job' | 'kind'>;
  /** Rounds that ended, by result (`completed`, `failed`). */
  rounds: Counter<'namespace' | 'sedna_job' | 'result'>;
  /** Seconds from a stage's Starting (or Ready, for stages without a pod) to its Completed or Failed. */
  stageDuration: Histogram<'stage' | 'result'>;
  /** Seconds from a stage's Ready (its trigger fired) to its Running (the worker started). */
  triggerLatency: Histogram<'stage'>;
  /** Triggers that fired (`Ready` of train and eval) and deploy verdicts (`Deploy`, `Keep`, `ManualDeploy`). */
  triggerDecisions: Counter<'stage' | 'decision'>;
  /** Keys waiting in the reconcile queue. */
  reconcileQueueDepth: Gauge;
  /** Frames waiting for each node. */
  downstreamQueueDepth: Gauge<'node'>;
  /** Reconciles, by kind and result (`ok`, `error`, `blocked`). */
  reconciles: Counter<'kind' | 'result'>;
  /** Connected Local Controllers. */
  connectedNodes: Gauge;
  /** Upstream messages, by kind and result (`applied`, `ignored`, `rejected`, `duplicate`). */
  upstreamMessages: Counter<'kind' | 'result'>;
  /** 1 while this replica leads and reconciles, else 0. */
  leader: Gauge;
}

/** A fresh registry with the GM metrics and Node's default process metrics. */
export function createMetrics(): GmMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sedna_gm_' });
  const registers = [registry];
  return {
    registry,
    jobInfo: new Gauge({ name: 'sedna_gm_job_info', help: 'One series per learning job, from its creation to its deletion', labelNames: ['namespace', 'sedna_job', 'kind'], registers }),
    rounds: new Counter({ name: 'sedna_gm_rounds_total', help: 'Rounds of learning jobs that ended, by result', labelNames: ['namespace', 'sedna_job', 'result'], registers }),
    stageDuration: new Histogram({
      name: 'sedna_gm_stage_duration_seconds',
      help: 'Duration of job stages from Starting to Completed or Failed',
      labelNames: ['stage', 'result'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    }),
    triggerLatency: new Histogram({
      name: 'sedna_gm_trigger_latency_seconds',
      help: "Seconds from a stage's Ready (trigger fired) to its Running (worker started)",
      labelNames: ['stage'],
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
      registers,
    }),
    triggerDecisions: new Counter({ name: 'sedna_gm_trigger_decisions_total', help: 'Triggers that fired and deploy gate verdicts', labelNames: ['stage', 'decision'], registers }),
    reconcileQueueDepth: new Gauge({ name: 'sedna_gm_reconcile_queue_depth', help: 'Keys waiting in the reconcile queue', registers }),
    downstreamQueueDepth: new Gauge({ name: 'sedna_gm_downstream_queue_depth', help: 'Frames waiting to be sent to a node', labelNames: ['node'], registers }),
    reconciles: new Counter({ name: 'sedna_gm_reconciles_total', help: 'Reconciles by kind and result', labelNames: ['kind', 'result'], registers }),
    connectedNodes: new Gauge({ name: 'sedna_gm_connected_local_controllers', help: 'Local Controllers connected', registers }),
    upstreamMessages: new Counter({ name: 'sedna_gm_upstream_messages_total', help: 'Upstream messages from Local Controllers', labelNames: ['kind', 'result'], registers }),
    leader: new Gauge({ name: 'sedna_gm_leader', help: '1 while this replica leads and reconciles', registers }),
  };
}

/**
 * A job is reconciled: its info series says it exists (a dashboard's job list reads it from the job's
 * creation). `kind` is the lower-case kind (`incrementallearningjob`), as `sedna_gm_reconciles_total`
 * and every enumerated label value writes it.
 */
export function observeJob(metrics: GmMetrics, namespace: string, name: string, kind: string): void {
  metrics.jobInfo.set({ namespace, sedna_job: name, kind }, 1);
}

/** A job is gone: every series of it goes too, so a deleted job does not stay in a dashboard. */
export function forgetJob(metrics: GmMetrics, namespace: string, name: string, kind: string): void {
  metrics.jobInfo.remove({ namespace, sedna_job: name, kind });
  for (const result of METRIC_OUTCOMES) metrics.rounds.remove({ namespace, sedna_job: name, result });
}
