import { join } from 'node:path';
import type { LayersModel, ModelFitArgs, Tensor } from '@tensorflow/tfjs';
import type { DataSource, Estimator, EstimatorOptions, Metrics, SavedModelFile } from '../estimator.js';
import { WorkerSdkError } from '../errors.js';
import { ONNX_MODEL_FILE } from '../onnx/modelFile.js';
import { initTfjs, type TfjsRuntime } from './initTfjs.js';
import { loadLayersModel, modelJsonPath, saveLayersModel } from './layersModelFiles.js';
import { type OnnxExportOptions, saveOnnx } from './onnxExport.js';
import type { Tf } from './tfTypes.js';

/** Inputs and targets for `fit`/`evaluate`, as `TfjsEstimatorOptions.toTensors` returns them. */
export interface TensorPair {
  x: Tensor | Tensor[];
  y: Tensor | Tensor[];
}

/** What a metrics callback receives: targets and predictions of a model on labelled data. */
export interface TfjsMetricsInput {
  yTrue: Tensor | Tensor[];
  yPred: Tensor | Tensor[];
  data: DataSource;
  tf: Tf;
}

/** How a `TfjsEstimator` builds, feeds and scores its model. Only `toTensors` is required. */
export interface TfjsEstimatorOptions<X, P> {
  /** The runtime from `initTfjs()`; default: `initTfjs()` on first use. */
  runtime?: TfjsRuntime;
  /** Builds a fresh model when `train` runs with none loaded (training from scratch). */
  createModel?: (tf: Tf) => LayersModel | Promise<LayersModel>;
  /** Compiles the model before `fit` when it is not compiled yet. Default: Adam(1e-3) and mean squared error. */
  compile?: (model: LayersModel, tf: Tf) => void;
  /** Turns a data source into tensors. The estimator disposes them after use. */
  toTensors: (data: DataSource, tf: Tf) => TensorPair | Promise<TensorPair>;
  /** Turns one `predict` input into the model's input batch. Default: the input itself when it is a Tensor. */
  toInput?: (input: X, tf: Tf) => Tensor | Tensor[] | Promise<Tensor | Tensor[]>;
  /** Turns the model's output into the prediction. Default: `arraySync()` of each output. */
  fromOutput?: (output: Tensor | Tensor[], input: X, tf: Tf) => P | Promise<P>;
  /** Scores predictions against targets for `evaluate`. Default: the compiled loss and metrics (`model.evaluate`). */
  metrics?: (input: TfjsMetricsInput) => Metrics | Promise<Metrics>;
  /** Arguments of `model.fit`. The train options `epochs` and `batch_size` (or `batchSize`) override them. */
  fit?: ModelFitArgs;
  /** Also write `model.onnx` on save (default true), with these export options when an object. */
  exportOnnx?: boolean | OnnxExportOptions;
}

/** One weight as `getWeights` returns it: a copy, independent of the model. */
export interface TfjsWeight {
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * An `Estimator` around a tfjs LayersModel: `train` runs `fit`, `save` writes the tfjs format (and the
 * ONNX export, for inference on onnxruntime), `load` reads it back, `evaluate` scores a saved model
 * with your metrics callback. Extend it or configure it with callbacks.
 *
 * @example
 * ```ts
 * const estimator = new TfjsEstimator<number[], number[]>({
 *   createModel: (tf) => tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] }),
 *   toTensors: (data, tf) => ({ x: tf.tensor2d(data.x as number[][]), y: tf.tensor2d(data.y as number[][]) }),
 *   toInput: (x, tf) => tf.tensor2d([x]),
 *   fromOutput: (out) => Array.from((out as Tensor).dataSync()),
 *   fit: { epochs: 5, batchSize: 32 },
 * });
 * ```
 */
export class TfjsEstimator<X = Tensor, P = unknown> implements Estimator<X, P> {
  protected readonly options: TfjsEstimatorOptions<X, P>;
  protected runtime: TfjsRuntime | undefined;
  /** The model, once loaded, created or set. */
  model: LayersModel | undefined;
  /** The path the current model was loaded from. */
  protected loadedFrom: string | undefined;

  constructor(options: TfjsEstimatorOptions<X, P>) {
    this.options = options;
    this.runtime = options.runtime;
  }

  /** The tfjs namespace in use (initialising tfjs on first use). */
  async tf(): Promise<Tf> {
    this.runtime ??= await initTfjs();
    return this.runtime.tf;
  }

  protected requireModel(what: string): LayersModel {
    if (this.model === undefined) throw new WorkerSdkError('ESTIMATOR_FAILED', `TfjsEstimator.${what}: no model; call load(modelUrl) first${what === 'train' ? ' or give createModel' : ''}`);
    return this.model;
  }

  /** Compiles the model with `options.compile` (default Adam(1e-3), mean squared error) unless it is compiled. */
  protected ensureCompiled(model: LayersModel, tf: Tf): void {
    if (model.optimizer != null) return;
    if (this.options.compile !== undefined) this.options.compile(model, tf);
    else model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
  }

  /** Trains with `fit` on the tensors of `trainData` (validated on `validData` when given); returns the last epoch's logs. */
  async train(trainData: DataSource, validData?: DataSource, options: EstimatorOptions = {}): Promise<Metrics> {
    const tf = await this.tf();
    if (this.model === undefined && this.options.createModel !== undefined) this.model = await this.options.createModel(tf);
    const model = this.requireModel('train');
    this.ensureCompiled(model, tf);
    const fitArgs: ModelFitArgs = { ...this.options.fit };
    const epochs = numberOption(options, 'epochs');
    const batchSize = numberOption(options, 'batch_size') ?? numberOption(options, 'batchSize');
    if (epochs !== undefined) fitArgs.epochs = epochs;
    if (batchSize !== undefined) fitArgs.batchSize = batchSize;

    const train = await this.options.toTensors(trainData, tf);
    const valid = validData === undefined ? undefined : await this.options.toTensors(validData, tf);
    try {
      if (valid !== undefined) fitArgs.validationData = [valid.x, valid.y];
      const history = await model.fit(train.x, train.y, fitArgs);
      const metrics: Metrics = {};
      for (const [key, values] of Object.entries(history.history)) {
        const last = values[values.length - 1];
        if (typeof last === 'number') metrics[key] = last;
      }
      return metrics;
    } finally {
      disposeAll(tf, train, valid);
    }
  }

  /**
   * Scores the model at `options.modelPath` (loaded unless it is the current one) on `data`: with the
   * `metrics` callback when given, else the compiled loss and metrics.
   */
  async evaluate(data: DataSource, options: EstimatorOptions & { modelPath: string }): Promise<Metrics> {
    const tf = await this.tf();
    if (options.modelPath && (this.loadedFrom === undefined || (await modelJsonPath(options.modelPath)) !== this.loadedFrom)) await this.load(options.modelPath);
    const model = this.requireModel('evaluate');
    const pair = await this.options.toTensors(data, tf);
    try {
      if (this.options.metrics !== undefined) {
        const yPred = model.predict(pair.x) as Tensor | Tensor[];
        try {
          return await this.options.metrics({ yTrue: pair.y, yPred, data, tf });
        } finally {
          tf.dispose(yPred);
        }
      }
      this.ensureCompiled(model, tf);
      const result = model.evaluate(pair.x, pair.y) as Tensor | Tensor[];
      const scalars = Array.isArray(result) ? result : [result];
      const metrics: Metrics = {};
      scalars.forEach((t, i) => {
        metrics[model.metricsNames[i] ?? `metric_${i}`] = t.dataSync()[0] as number;
      });
      tf.dispose(scalars);
      return metrics;
    } finally {
      disposeAll(tf, pair);
    }
  }

  /** Runs the model on one input (converted by `toInput`), returning `fromOutput` of its output. */
  async predict(input: X): Promise<P> {
    const tf = await this.tf();
    const model = this.requireModel('predict');
    const batch = this.options.toInput !== undefined ? await this.options.toInput(input, tf) : defaultInput(tf, input);
    const owned = batch !== (input as unknown);
    try {
      const output = model.predict(batch) as Tensor | Tensor[];
      try {
        if (this.options.fromOutput !== undefined) return await this.options.fromOutput(output, input, tf);
        return (Array.isArray(output) ? output.map((t) => t.arraySync()) : output.arraySync()) as P;
      } finally {
        tf.dispose(output);
      }
    } finally {
      if (owned) tf.dispose(batch);
    }
  }

  /** Loads a tfjs model (folder with `model.json`, or that file), replacing and disposing the current one. */
  async load(modelUrl: string): Promise<void> {
    const tf = await this.tf();
    if (modelUrl.endsWith('.onnx')) {
      throw new WorkerSdkError('MODEL_INVALID', `TfjsEstimator.load: ${modelUrl} is an ONNX model; load it with OnnxEstimator from @sedna-ts/worker-sdk/onnx`);
    }
    const jsonPath = await modelJsonPath(modelUrl);
    const model = await loadLayersModel(tf, jsonPath);
    this.dispose();
    this.model = model;
    this.loadedFrom = jsonPath;
  }

  /**
   * Writes the model under `modelDir`: the tfjs format (`model.json` and its weights file) and, unless
   * `exportOnnx` is false, `model.onnx`. Returns every file with its format. A layer the ONNX export does
   * not cover throws `EXPORT_UNSUPPORTED` naming it (after the tfjs files are written).
   */
  async save(modelDir: string): Promise<SavedModelFile[]> {
    const tf = await this.tf();
    const model = this.requireModel('save');
    const [json, weights] = (await saveLayersModel(tf, model, modelDir)) as [string, string];
    const files: SavedModelFile[] = [
      { path: json, format: 'tfjs' },
      { path: weights, format: 'tfjs' },
    ];
    const exportOnnx = this.options.exportOnnx ?? true;
    if (exportOnnx !== false) {
      const onnxPath = join(modelDir, ONNX_MODEL_FILE);
      try {
        await saveOnnx(model, onnxPath, exportOnnx === true ? {} : exportOnnx);
      } catch (error) {
        if (!(error instanceof WorkerSdkError) || error.code !== 'EXPORT_UNSUPPORTED') throw error;
        throw new WorkerSdkError(
          'EXPORT_UNSUPPORTED',
          `TfjsEstimator.save(${modelDir}): ${error.message}; the tfjs format was saved, give the option exportOnnx: false to save only that`,
          { cause: error },
        );
      }
      files.push({ path: onnxPath, format: 'onnx' });
    }
    return files;
  }

  /** Copies of the model's weights, in `model.getWeights()` order. */
  getWeights(): TfjsWeight[] {
    const model = this.requireModel('getWeights');
    return model.weights.map((w) => ({ name: w.originalName, shape: w.shape.map((d) => d ?? 0), values: Float32Array.from(w.read().dataSync()) }));
  }

  /** Sets the weights from `getWeights`-shaped data (same order and shapes). */
  async setWeights(weights: TfjsWeight[]): Promise<void> {
    const tf = await this.tf();
    const model = this.requireModel('setWeights');
    if (!Array.isArray(weights) || weights.length !== model.weights.length) {
      throw new WorkerSdkError('INPUT_INVALID', `TfjsEstimator.setWeights: expected ${model.weights.length} weights, got ${Array.isArray(weights) ? weights.length : typeof weights}`);
    }
    const tensors = weights.map((w) => tf.tensor(w.values, w.shape));
    try {
      model.setWeights(tensors);
    } finally {
      tf.dispose(tensors);
    }
  }

  /** Releases the model's tensors and its optimizer's. */
  dispose(): void {
    this.model?.optimizer?.dispose();
    this.model?.dispose();
    this.model = undefined;
    this.loadedFrom = undefined;
  }
}

function numberOption(options: EstimatorOptions, key: string): number | undefined {
  const value = options[key];
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n <= 0 || !Number.isInteger(n)) {
    throw new WorkerSdkError('PARAMETER_INVALID', `TfjsEstimator.train: options.${key}: ${JSON.stringify(value)} is not a positive integer`);
  }
  return n;
}

function defaultInput(tf: Tf, input: unknown): Tensor | Tensor[] {
  if (input instanceof tf.Tensor) return input;
  if (Array.isArray(input) && input.length > 0 && input.every((t) => t instanceof tf.Tensor)) return input as Tensor[];
  throw new WorkerSdkError('INPUT_INVALID', 'TfjsEstimator.predict: the input is not a Tensor; give a toInput option that converts it');
}

function disposeAll(tf: Tf, ...pairs: Array<TensorPair | undefined>): void {
  for (const pair of pairs) if (pair !== undefined) tf.dispose([pair.x, pair.y].flat());
}
