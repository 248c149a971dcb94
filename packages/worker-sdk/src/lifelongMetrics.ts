import { type MetricValue } from '@sedna-ts/api-types';
import { ClassFactory, ClassType } from './classFactory.js';
import { WorkerSdkError } from './errors.js';

// Metrics of the lifelong eval: built-in names, functions, and how scores are averaged.

/** A metric computed from labels and predictions. */
export type MetricFunction = (yTrue: readonly unknown[], yPred: readonly unknown[]) => number;
/** Metrics of `evaluate`: built-in names (`precision_score`, `accuracy`), functions by name, or one function. */
export type LifelongMetrics = string | readonly string[] | Readonly<Record<string, MetricFunction>> | MetricFunction;

/** sklearn's names of the metrics built in. */
const BUILTIN_METRICS: Readonly<Record<string, MetricFunction>> = {
  precision_score: accuracyOf,
  accuracy: accuracyOf,
  accuracy_score: accuracyOf,
};

/** The label a prediction stands for: itself, its `label`, or the arg max of its probabilities. */
function labelOf(prediction: unknown): unknown {
  if (Array.isArray(prediction) && prediction.every((v) => typeof v === 'number')) return prediction.indexOf(Math.max(...prediction));
  if (prediction !== null && typeof prediction === 'object' && 'label' in prediction) return (prediction as { label: unknown }).label;
  return prediction;
}

/** Micro-averaged precision of single-label predictions, i.e. the share of right answers (sklearn's `precision_score(average="micro")`). */
function accuracyOf(yTrue: readonly unknown[], yPred: readonly unknown[]): number {
  if (yTrue.length === 0) return 0;
  let right = 0;
  yTrue.forEach((y, i) => {
    if (String(labelOf(yPred[i])) === String(y)) right++;
  });
  return right / yTrue.length;
}

/** The finite numbers of a metrics object. */
export function numericMetrics(metrics: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (metrics !== null && typeof metrics === 'object') {
    for (const [key, value] of Object.entries(metrics)) if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
  }
  return out;
}

/** Mean of each metric over `entries`, weighted by their sample counts. */
export function weightedMean(entries: ReadonlyArray<{ metrics: Record<string, number>; weight: number }>): Record<string, MetricValue> {
  const sums: Record<string, { total: number; weight: number }> = {};
  for (const { metrics, weight } of entries) {
    for (const [key, value] of Object.entries(metrics)) {
      const s = (sums[key] ??= { total: 0, weight: 0 });
      s.total += value * Math.max(weight, 1);
      s.weight += Math.max(weight, 1);
    }
  }
  return Object.fromEntries(Object.entries(sums).map(([key, s]) => [key, s.total / s.weight]));
}

/** The functions `metrics` names (built-in, or registered under `ClassType.GENERAL`) or gives. */
export function metricFunctions(metrics: LifelongMetrics): Record<string, MetricFunction> {
  if (typeof metrics === 'function') return { [metrics.name || 'metric']: metrics };
  const names = typeof metrics === 'string' ? [metrics] : Array.isArray(metrics) ? (metrics as readonly string[]) : undefined;
  if (!names) return { ...(metrics as Record<string, MetricFunction>) };
  return Object.fromEntries(
    names.map((name) => {
      const fn = BUILTIN_METRICS[name] ?? (ClassFactory.isExists(ClassType.GENERAL, name) ? ClassFactory.getCls<MetricFunction>(ClassType.GENERAL, name) : undefined);
      if (!fn) throw new WorkerSdkError('CONFIG_INVALID', `LifelongLearning.evaluate: metrics: ${JSON.stringify(name)} is not ${Object.keys(BUILTIN_METRICS).join(', ')} nor a function registered under ${ClassType.GENERAL}`);
      return [name, fn];
    }),
  );
}
