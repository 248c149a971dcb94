import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { writeFileAtomic } from '../dataSource.js';
import type { DataSource, EstimatorOptions, Metrics, SavedModelFile } from '../estimator.js';
import { WorkerSdkError } from '../errors.js';
import { type TfjsRuntime } from './initTfjs.js';
import { TfjsEstimator } from './tfjsEstimator.js';
import type { Tf } from './tfTypes.js';

/** The file beside `model.json` holding a tabular model's features, classes and standardisation. */
export const TABULAR_META_FILE = 'tabular.json';

/** Options of `TfjsTabularEstimator`. */
export interface TfjsTabularEstimatorOptions {
  /** The feature columns, in order. Default: the numeric columns of the first training row. */
  features?: readonly string[];
  /** Number of classes. Default: the largest training label + 1. */
  numClasses?: number;
  /** Hidden layer sizes (relu); `[]` is softmax regression. Default `[16]`. */
  hidden?: readonly number[];
  /** Epochs of `fit` (default 40; the train option `epochs` overrides it). */
  epochs?: number;
  /** Batch size (default 32; the train option `batch_size` overrides it). */
  batchSize?: number;
  /** Adam's learning rate (default 0.01). */
  learningRate?: number;
  /** Seed of the weight initialisers (default 1). */
  seed?: number;
  /** Also write `model.onnx` on save (default false: the standardisation lives in `tabular.json`). */
  exportOnnx?: boolean;
  /** The runtime from `initTfjs()`; default: `initTfjs()` on first use. */
  runtime?: TfjsRuntime;
}

/** A tabular prediction: the class and the probability of each class. */
export interface TabularPrediction {
  label: number;
  probabilities: number[];
}

interface TabularMeta {
  features: string[];
  numClasses: number;
  mean: number[];
  std: number[];
}

type Row = Record<string, unknown>;

/**
 * A small classifier of table rows on tfjs (softmax regression or an MLP): rows are objects (as
 * `CSVDataParse` gives them), labels are class numbers. Features are standardised with the mean and
 * deviation of the data it was first trained on, kept in `tabular.json` beside the model so a fine-tuned
 * or loaded model uses the same. `predict(row)` gives `{label, probabilities}`; `evaluate` gives
 * `accuracy` and `precision_score` (micro, the same number for single-label classes).
 *
 * @example
 * const estimator = new TfjsTabularEstimator({ features: ['airTemp', 'rh'], numClasses: 3, hidden: [16] });
 * await estimator.train(data);                       // data.x: rows, data.y: 0 | 1 | 2
 * const { label, probabilities } = await estimator.predict({ airTemp: 24, rh: 50 });
 */
export class TfjsTabularEstimator extends TfjsEstimator<Row, TabularPrediction> {
  private readonly state: TabularState;

  constructor(options: TfjsTabularEstimatorOptions = {}) {
    // The callbacks need the model's state before `this` exists: it lives in its own object.
    const state = new TabularState(options);
    super({
      runtime: options.runtime,
      createModel: (tf) => state.createModel(tf),
      compile: (model, tf) => model.compile({ optimizer: tf.train.adam(options.learningRate ?? 0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] }),
      toTensors: (data, tf) => state.toTensors(data, tf),
      toInput: (row, tf) => tf.tensor2d([state.vector(row, state.required(), 0)]),
      fromOutput: (output) => {
        const probabilities = Array.from((output as Tensor).dataSync());
        return { label: probabilities.indexOf(Math.max(...probabilities)), probabilities };
      },
      metrics: ({ yTrue, yPred }) => {
        const truth = (yTrue as Tensor).argMax(-1);
        const guess = (yPred as Tensor).argMax(-1);
        try {
          const t = truth.dataSync();
          const g = guess.dataSync();
          let right = 0;
          for (let i = 0; i < t.length; i++) if (t[i] === g[i]) right++;
          const accuracy = t.length === 0 ? 0 : right / t.length;
          return { accuracy, precision_score: accuracy };
        } finally {
          truth.dispose();
          guess.dispose();
        }
      },
      fit: { epochs: options.epochs ?? 40, batchSize: options.batchSize ?? 32, shuffle: true, verbose: 0 },
      exportOnnx: options.exportOnnx ?? false,
    });
    this.state = state;
  }

  /** Trains (from scratch the first time, fitting the standardisation; else fine-tuning the loaded model). */
  override async train(trainData: DataSource, validData?: DataSource, options: EstimatorOptions = {}): Promise<Metrics> {
    this.state.meta ??= this.state.fitMeta(trainData);
    return super.train(trainData, validData, options);
  }

  /** Loads `model.json` (or its folder) and the `tabular.json` beside it. */
  override async load(modelUrl: string): Promise<void> {
    const folder = modelUrl.endsWith('.json') ? dirname(modelUrl) : modelUrl;
    let meta: TabularMeta;
    try {
      meta = JSON.parse(await readFile(join(folder, TABULAR_META_FILE), 'utf8')) as TabularMeta;
    } catch (error) {
      throw new WorkerSdkError('MODEL_INVALID', `TfjsTabularEstimator.load: ${join(folder, TABULAR_META_FILE)}: ${(error as Error).message}`, { cause: error });
    }
    await super.load(modelUrl);
    this.state.meta = meta;
  }

  /** Writes `model.json`, its weights and `tabular.json`. */
  override async save(modelDir: string): Promise<SavedModelFile[]> {
    const files = await super.save(modelDir);
    const path = join(modelDir, TABULAR_META_FILE);
    await writeFileAtomic(path, JSON.stringify(this.state.required()));
    return [...files, { path, format: 'json' }];
  }
}

/** What a tabular model knows besides its weights, and how rows become tensors. */
class TabularState {
  meta: TabularMeta | undefined;

  constructor(readonly options: TfjsTabularEstimatorOptions) {}

  required(): TabularMeta {
    if (!this.meta) throw new WorkerSdkError('ESTIMATOR_FAILED', 'TfjsTabularEstimator: no model; train or load one first');
    return this.meta;
  }

  vector(row: Row, meta: TabularMeta, position: number): number[] {
    if (row === null || typeof row !== 'object') throw new WorkerSdkError('INPUT_INVALID', `TfjsTabularEstimator: row ${position}: ${JSON.stringify(row)} is not an object`);
    return meta.features.map((name, j) => {
      const value = Number(row[name]);
      if (!Number.isFinite(value)) throw new WorkerSdkError('INPUT_INVALID', `TfjsTabularEstimator: row ${position}: ${name}: ${JSON.stringify(row[name])} is not a number`);
      return (value - (meta.mean[j] as number)) / (meta.std[j] as number);
    });
  }

  /** Features, classes and standardisation from the first training data. */
  fitMeta(data: DataSource): TabularMeta {
    const rows = data.x as Row[];
    const first = rows[0];
    if (!first) throw new WorkerSdkError('DATASET_INVALID', 'TfjsTabularEstimator.train: no rows');
    const features = this.options.features ? [...this.options.features] : Object.keys(first).filter((k) => typeof first[k] === 'number');
    if (features.length === 0) throw new WorkerSdkError('DATASET_INVALID', `TfjsTabularEstimator.train: no numeric column in ${JSON.stringify(first)}; give options.features`);
    const labels = data.y.map(Number);
    const numClasses = this.options.numClasses ?? Math.max(...labels) + 1;
    const mean = features.map((name) => rows.reduce((s, r) => s + Number(r[name]), 0) / rows.length);
    const std = features.map((name, j) => Math.sqrt(rows.reduce((s, r) => s + (Number(r[name]) - (mean[j] as number)) ** 2, 0) / rows.length) || 1);
    return { features, numClasses, mean, std };
  }

  createModel(tf: Tf): LayersModel {
    const meta = this.required();
    const seed = this.options.seed ?? 1;
    const model = tf.sequential();
    const hidden = this.options.hidden ?? [16];
    hidden.forEach((units, i) =>
      model.add(tf.layers.dense({ units, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }), ...(i === 0 ? { inputShape: [meta.features.length] } : {}) })),
    );
    model.add(
      tf.layers.dense({ units: meta.numClasses, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + hidden.length }), ...(hidden.length === 0 ? { inputShape: [meta.features.length] } : {}) }),
    );
    return model;
  }

  toTensors(data: DataSource, tf: Tf): { x: Tensor; y: Tensor } {
    const meta = this.required();
    const x = (data.x as Row[]).map((row, i) => this.vector(row, meta, i));
    const labels = data.y.map((y, i) => {
      const label = Number(y);
      if (!Number.isInteger(label) || label < 0 || label >= meta.numClasses) {
        throw new WorkerSdkError('DATASET_INVALID', `TfjsTabularEstimator: row ${i}: label ${JSON.stringify(y)} is not a class in 0..${meta.numClasses - 1}`);
      }
      return label;
    });
    return tf.tidy(() => ({ x: tf.tensor2d(x, [x.length, meta.features.length]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), meta.numClasses).toFloat() }));
  }
}
