import type { MetricValue } from '@sedna-ts/api-types';

/**
 * What a data source hands an estimator: parallel arrays of inputs and (except for test data) labels.
 * `BaseDataSource` implements it.
 */
export interface DataSource<X = unknown, Y = unknown> {
  /** `train`, `eval` or `test`. */
  readonly dataType: 'train' | 'eval' | 'test';
  x: X[];
  y: Y[];
  numExamples(): number;
}

/** One file written by `Estimator.save`, with its format (`onnx`, `tfjs`, or the user's own, e.g. `pb`). */
export interface SavedModelFile {
  /** Absolute path of the file (or of the folder, for multi-file formats). */
  path: string;
  format: string;
}

/** Metrics an estimator returns from `train` or `evaluate`: a flat map of scalars or per-class lists. */
export type Metrics = Record<string, MetricValue>;

/** Options passed through from the worker script to the estimator, as keyword arguments were in Python. */
export type EstimatorOptions = Record<string, unknown>;

/**
 * The contract a user's model code implements, as Sedna Lib's Estimator: train, evaluate, predict,
 * load, save, and optionally getWeights/setWeights.
 *
 * `save(modelDir)` writes every artefact of the model under `modelDir` (the round's `MODEL_URL` folder)
 * and returns the files it wrote, each with its format; the SDK reports all of them.
 *
 * Hot update loads a new model into a *new* estimator instance and swaps it in atomically, so an
 * estimator instance holds one model for its whole life; `dispose` releases it once the calls in
 * flight have finished.
 */
export interface Estimator<X = unknown, P = unknown> {
  train(trainData: DataSource, validData?: DataSource, options?: EstimatorOptions): Promise<Metrics | void> | Metrics | void;
  evaluate(data: DataSource, options: EstimatorOptions & { modelPath: string }): Promise<Metrics> | Metrics;
  predict(data: X, options?: EstimatorOptions): Promise<P> | P;
  load(modelUrl: string): Promise<void> | void;
  save(modelDir: string): Promise<SavedModelFile[]> | SavedModelFile[];
  getWeights?(): Promise<unknown> | unknown;
  setWeights?(weights: unknown): Promise<void> | void;
  dispose?(): Promise<void> | void;
}

/** A class whose instances are estimators, as Python users pass `estimator=Estimator`. */
export type EstimatorClass<X = unknown, P = unknown> = new () => Estimator<X, P>;

/** A function that makes a fresh estimator. */
export type EstimatorFactory<X = unknown, P = unknown> = () => Estimator<X, P> | Promise<Estimator<X, P>>;

/**
 * What `IncrementalLearning` accepts: an estimator instance, a class, or a factory. Hot update needs a
 * class or a factory, since the new model goes into a new instance.
 */
export type EstimatorSource<X = unknown, P = unknown> = Estimator<X, P> | EstimatorClass<X, P> | EstimatorFactory<X, P>;
