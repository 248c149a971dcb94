/**
 * The deploy gate: from the metrics of the new model and of the deployed one (the last eval's
 * `models[0]` and `models[1]`), build `k` = the new value and `k_delta` = new - old for every metric `k`
 * (elementwise for lists of equal length; lists of different lengths, or a list against a number,
 * by their means), then
 * evaluate the deploy trigger on that map. A manual deploy bypasses it. Pure.
 */
import { type DeployDecision, type MetricValue, type ModelInfo, type Trigger, type TriggerOperator } from '@sedna-ts/api-types';
import { evaluateCondition, evaluateTrigger } from './trigger.js';

function numeric(value: unknown): MetricValue | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (Array.isArray(value)) {
    const list = value.map((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v));
    return list.every((v) => typeof v === 'number' && Number.isFinite(v)) ? (list as number[]) : undefined;
  }
  return undefined;
}

function mean(list: number[]): number {
  return list.reduce((a, b) => a + b, 0) / list.length;
}

function delta(next: MetricValue, old: MetricValue): MetricValue | undefined {
  if (Array.isArray(next) && Array.isArray(old)) {
    if (next.length === 0 || old.length === 0) return undefined;
    if (next.length === old.length) return next.map((v, i) => v - (old[i] as number));
    return mean(next) - mean(old);
  }
  const a = Array.isArray(next) ? (next.length ? mean(next) : undefined) : next;
  const b = Array.isArray(old) ? (old.length ? mean(old) : undefined) : old;
  return a === undefined || b === undefined ? undefined : a - b;
}

/** `k` (new) and `k_delta` (new - old) for every numeric metric of the new model. */
export function comparedMetrics(newMetrics: ModelInfo['metrics'], oldMetrics: ModelInfo['metrics']): Record<string, MetricValue> {
  const compared: Record<string, MetricValue> = {};
  for (const [key, raw] of Object.entries(newMetrics ?? {})) {
    const value = numeric(raw);
    if (value === undefined) continue;
    compared[key] = value;
    const old = numeric(oldMetrics?.[key]);
    if (old === undefined) continue;
    const d = delta(value, old);
    if (d !== undefined) compared[`${key}_delta`] = d;
  }
  return compared;
}

/** Outcome of the gate: a decision, or wait (the deploy timer's window is closed). */
export type GateOutcome = { status: 'decided'; decision: DeployDecision } | { status: 'wait'; reason: string };

/** Inputs of `decideDeploy`. */
export interface GateInput {
  trigger: Pick<Trigger, 'timer' | 'condition'>;
  /** The last eval's output models: `[0]` the new model, `[1]` the deployed one. */
  evalModels: readonly ModelInfo[];
  round: number;
  now: Date;
  timeZone?: string;
  /** `sedna trigger deploy`: bypass the gate. */
  manual?: boolean;
}

/** Decide whether round `round`'s model is deployed. */
export function decideDeploy(input: GateInput): GateOutcome {
  const { trigger, evalModels, round, now, timeZone } = input;
  const compared = comparedMetrics(evalModels[0]?.metrics, evalModels[1]?.metrics);
  const base = {
    round,
    metric: trigger.condition.metric,
    operator: trigger.condition.operator as TriggerOperator,
    threshold: trigger.condition.threshold,
    compared,
    time: now.toISOString(),
  };
  if (input.manual) {
    const verdict = evaluateCondition(trigger.condition, compared);
    return { status: 'decided', decision: { ...base, decision: 'ManualDeploy', reason: `manual deploy (the gate would say: ${verdict.reason})` } };
  }
  if (evalModels.length === 0) return { status: 'decided', decision: { ...base, decision: 'Keep', reason: 'the eval reported no models' } };
  const result = evaluateTrigger(trigger, compared, now, timeZone);
  if (!result.inWindow) return { status: 'wait', reason: result.reason };
  return { status: 'decided', decision: { ...base, decision: result.fire ? 'Deploy' : 'Keep', reason: result.condition.reason } };
}
