/**
 * What `describe` shows of a learning job (IncrementalLearningJob, LifelongLearningJob), read from its
 * status: the conditions as a timeline, the deploy decisions and the metrics per round, parsed from the
 * conditions' `data` (see docs/design/incremental-learning.md, section 2). Pure functions.
 */
import { parseConditionData } from '@sedna-ts/api-types/contract';
import type { DeployDecision, IncrementalCondData, JobCondition, MetricValue, ModelInfo } from '@sedna-ts/api-types';
import { whyNoController, type GmPresence } from './gmPresence.js';

/** One line of the timeline. */
export interface TimelineEntry {
  time: string;
  round: number | undefined;
  stage: string;
  type: string;
  attempt: number | undefined;
  reason: string;
  message: string;
}

/** A deploy decision and the round it closed. */
export interface DecisionEntry {
  round: number;
  decision: string;
  metric: string;
  operator: string;
  threshold: number | undefined;
  /** The value of the metric the gate compared, when recorded. */
  value: MetricValue | undefined;
  reason: string;
  time: string;
}

/** Metrics of one model in one round. */
export interface MetricsEntry {
  round: number;
  /** `new` (this round's model) or `deployed` (the one it was compared with), or the output of train. */
  model: 'new' | 'deployed' | 'trained';
  url: string;
  metrics: Record<string, MetricValue>;
}

/** The parts of a job's status `describe` reads. */
export interface LearningJobStatus {
  round?: number;
  conditions?: JobCondition[];
  lastDecision?: DeployDecision;
  lastGoodModel?: ModelInfo;
  startTime?: string;
  completionTime?: string;
}

/** The condition's data, parsed; `{}` when it has none or it is not a JSON object (the contract's reader). */
export function conditionData(condition: Pick<JobCondition, 'data'>): IncrementalCondData {
  return parseConditionData(condition.data);
}

function roundOf(condition: JobCondition, data: IncrementalCondData): number | undefined {
  return condition.round ?? data.round;
}

/** The conditions in order, with round and attempt from the condition or its data. */
export function timeline(status: LearningJobStatus): TimelineEntry[] {
  return (status.conditions ?? []).map((c) => {
    const data = conditionData(c);
    return {
      time: c.lastTransitionTime ?? c.lastHeartbeatTime ?? '',
      round: roundOf(c, data),
      stage: c.stage,
      type: c.type,
      attempt: data.attempt,
      reason: c.reason ?? '',
      message: c.message ?? '',
    };
  });
}

/** Every deploy decision recorded in the conditions (once per round and verdict), then `lastDecision` if not among them. */
export function decisions(status: LearningJobStatus): DecisionEntry[] {
  const out: DecisionEntry[] = [];
  const seen = new Set<string>();
  const add = (d: DeployDecision | undefined, round: number | undefined) => {
    if (!d) return;
    const r = d.round ?? round ?? 0;
    const key = `${r}/${d.decision}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({
      round: r,
      decision: d.decision,
      metric: d.metric ?? '',
      operator: d.operator ?? '',
      threshold: d.threshold,
      value: d.metric ? d.compared?.[d.metric] : undefined,
      reason: d.reason ?? '',
      time: d.time ?? '',
    });
  };
  for (const c of status.conditions ?? []) {
    const data = conditionData(c);
    add(data.decision, roundOf(c, data));
  }
  add(status.lastDecision, status.lastDecision?.round);
  return out;
}

/**
 * Metrics per round: each (Eval, Completed) condition's output models (the first is the round's new
 * model, the second the deployed one it was compared with), and metrics a train worker reported.
 * A later condition of the same round and model replaces an earlier one (a retried stage).
 */
export function metricsPerRound(status: LearningJobStatus): MetricsEntry[] {
  const byKey = new Map<string, MetricsEntry>();
  for (const c of status.conditions ?? []) {
    if (c.type !== 'Completed' || (c.stage !== 'Eval' && c.stage !== 'Train')) continue;
    const data = conditionData(c);
    const round = roundOf(c, data) ?? 0;
    const models = data.output?.models ?? (data.output?.model ? [data.output.model] : []);
    models.forEach((m, i) => {
      if (!m.metrics || Object.keys(m.metrics).length === 0) return;
      const model: MetricsEntry['model'] = c.stage === 'Train' ? 'trained' : i === 0 ? 'new' : 'deployed';
      if (c.stage === 'Eval' && i > 1) return;
      byKey.set(`${round}/${model}`, { round, model, url: m.url, metrics: m.metrics });
    });
  }
  return [...byKey.values()].sort((a, b) => a.round - b.round || order(a.model) - order(b.model));
}

function order(model: MetricsEntry['model']): number {
  return model === 'trained' ? 0 : model === 'new' ? 1 : 2;
}

/** A metric for a table: 4 significant decimals at most, lists as `[a, b]`, their mean noted. */
export function formatMetric(value: MetricValue | undefined): string {
  if (value === undefined) return '';
  const one = (n: number) => (Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(4))));
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const mean = value.reduce((s, n) => s + n, 0) / value.length;
    return `[${value.map(one).join(', ')}] (mean ${one(mean)})`;
  }
  return one(value);
}

/**
 * The current state in words: `round 2: Train Running`. Without a condition, why, as far as the GM's
 * Lease (`presence`) tells for the job's `kind`: `not started: no global manager is running`, `not
 * started: no controller acts on it (the global manager handles: ...)`, or `not started yet (no
 * condition)` when a GM handles the kind; without a Lease read, the question whether a GM runs.
 */
export function currentState(status: LearningJobStatus, kind?: string, presence?: GmPresence): string {
  const last = status.conditions?.[status.conditions.length - 1];
  if (!last) {
    if (kind === undefined || presence === undefined) return 'not started (no condition yet: is the global manager running?)';
    const why = whyNoController(kind, presence);
    return why ? `not started: ${why}` : 'not started yet (no condition)';
  }
  const data = conditionData(last);
  const round = roundOf(last, data) ?? status.round ?? 0;
  const attempt = data.attempt && data.attempt > 1 ? `, attempt ${data.attempt}` : '';
  const reason = last.reason ? ` (${last.reason})` : '';
  const done = status.completionTime ? ', job completed' : '';
  return `round ${round}: ${last.stage} ${last.type}${attempt}${reason}${done}`;
}
