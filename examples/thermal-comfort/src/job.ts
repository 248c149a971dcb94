// What the train, eval and inference workers share: the estimator of one task and the lifelong-learning
// modules, both configured from the job template's env as the original's parameters.
import { Context, LifelongLearning, type ModuleSpec } from '@sedna-ts/worker-sdk';
import { TfjsTabularEstimator, type TabularPrediction } from '@sedna-ts/worker-sdk/tfjs';
import { ATTRIBUTES, FEATURES } from './comfort.js';

/** A row as the workers hand it to the SDK: the CSV columns, numbers cast. */
export type Row = Record<string, unknown>;

/**
 * The estimator of one task group: a small MLP (`hidden`, default 16 units) over the five features,
 * three classes, `epochs` (default 40) of Adam at `learning_rate` (default 0.01).
 */
export function comfortEstimator(): TfjsTabularEstimator {
  return new TfjsTabularEstimator({
    features: FEATURES,
    numClasses: 3,
    hidden: Context.getList('hidden', ['16']).map(Number),
    epochs: Context.getInt('epochs', 40),
    learningRate: Context.getFloat('learning_rate', 0.01),
  });
}

/** A module from env `<name>` (its method) and `<name>_param` (a JSON object), with a default. */
function moduleFromEnv(name: string, fallback: ModuleSpec): ModuleSpec {
  const method = Context.getParameters(name);
  if (!method) return fallback;
  return { method, param: Context.getParameters(`${name}_param`, '{}') };
}

/**
 * The job's LifelongLearning: tasks by the attributes `season` and `cooling` (env `attribute`), unseen
 * samples by attribute (env `unseen_sample_recognition=SampleRegonitionByConfidence` with
 * `unseen_sample_recognition_param={"threshold": 0.6}` adds the model's confidence).
 */
export function comfortLearning(): LifelongLearning<Row, TabularPrediction> {
  return new LifelongLearning<Row, TabularPrediction>(comfortEstimator, {
    task_definition: moduleFromEnv('task_definition', { method: 'TaskDefinitionByDataAttr', param: { attribute: Context.getList('attribute', [...ATTRIBUTES]) } }),
    unseen_sample_recognition: moduleFromEnv('unseen_sample_recognition', { method: 'SampleRegonitionByAttribute' }),
    task_update_decision: moduleFromEnv('task_update_decision', { method: 'UpdateStrategyDefault' }),
  });
}
