import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { writeFileAtomic } from '../dataSource.js';
import type { DataSource, Estimator, EstimatorOptions, Metrics, SavedModelFile } from '../estimator.js';
import { WorkerSdkError } from '../errors.js';
import { type ImagePreprocessOptions, type Letterbox, preprocessImage } from './imagePreprocess.js';
import { ONNX_MODEL_FILE } from './modelFile.js';
import { ort } from './ortRuntime.js';

/** Raw tensor data with its dims, as an alternative to `ort.Tensor`. */
export interface TensorData {
  data: Float32Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Float64Array;
  dims: readonly number[];
}

/**
 * What `OnnxEstimator.predict` takes: an image file path or encoded image bytes (preprocessed with
 * `options.image`), one tensor for the model's single input, or tensors by input name.
 */
export type OnnxInput = string | Uint8Array | Ort.Tensor | TensorData | Record<string, Ort.Tensor | TensorData>;

/** What `OnnxEstimator.predict` returns before `postprocess`: the outputs by name, and the letterbox for image inputs. */
export interface OnnxPrediction {
  outputs: Record<string, Ort.Tensor>;
  /** Present when the input was an image, to map boxes back to it (`unletterboxBox`). */
  letterbox?: Letterbox;
}

/** How an `OnnxEstimator` feeds its session and reads the result. */
export interface OnnxEstimatorOptions<P> {
  /** Preprocessing of image inputs (paths and encoded bytes). Required to predict on images. */
  image?: ImagePreprocessOptions;
  /** The input an image or a single tensor feeds (default: the model's first input). */
  inputName?: string;
  /** onnxruntime session options (threads, graph optimisation level, ...). */
  sessionOptions?: Ort.InferenceSession.SessionOptions;
  /** Turns the raw prediction into your result (default: the `OnnxPrediction` itself). */
  postprocess?: (prediction: OnnxPrediction) => P | Promise<P>;
  /** Scores predictions on labelled data for `evaluate` (`predictions[i]` is the result for `data.x[i]`). */
  metrics?: (input: { predictions: P[]; data: DataSource }) => Metrics | Promise<Metrics>;
}

/** Loads an ONNX model into an onnxruntime-node session (CPU). */
export async function createSession(model: string | Uint8Array, options?: Ort.InferenceSession.SessionOptions): Promise<Ort.InferenceSession> {
  try {
    return typeof model === 'string' ? await ort.InferenceSession.create(model, options ?? {}) : await ort.InferenceSession.create(model, options ?? {});
  } catch (error) {
    const what = typeof model === 'string' ? model : `(${model.byteLength} bytes)`;
    throw new WorkerSdkError('MODEL_INVALID', `ONNX model ${what}: ${(error as Error).message}`, { cause: error });
  }
}

/** An `ort.Tensor` from an `ort.Tensor` (returned as is) or `{data, dims}`; the type follows the typed array. */
export function toOrtTensor(input: Ort.Tensor | TensorData, what = 'input'): Ort.Tensor {
  if (input instanceof ort.Tensor) return input;
  if (input === null || typeof input !== 'object' || !ArrayBuffer.isView(input.data) || !Array.isArray(input.dims)) {
    throw new WorkerSdkError('INPUT_INVALID', `${what}: expected an ort.Tensor or {data: TypedArray, dims: number[]}`);
  }
  const size = input.dims.reduce((a, b) => a * b, 1);
  if (input.dims.some((d) => !Number.isInteger(d) || d < 0) || size !== input.data.length) {
    throw new WorkerSdkError('INPUT_INVALID', `${what}: dims [${input.dims.join(', ')}] hold ${size} elements but data has ${input.data.length}`);
  }
  const d = input.data;
  if (d instanceof Float32Array) return new ort.Tensor('float32', d, input.dims);
  if (d instanceof Int32Array) return new ort.Tensor('int32', d, input.dims);
  if (d instanceof BigInt64Array) return new ort.Tensor('int64', d, input.dims);
  if (d instanceof Float64Array) return new ort.Tensor('float64', d, input.dims);
  if (d instanceof Int8Array) return new ort.Tensor('int8', d, input.dims);
  return new ort.Tensor('uint8', d, input.dims);
}

/** The `.onnx` file `modelUrl` names: the path itself, or `model.onnx` in it when it is a folder. */
async function onnxModelPath(modelUrl: string): Promise<string> {
  const path = resolve(modelUrl);
  try {
    return (await stat(path)).isDirectory() ? join(path, ONNX_MODEL_FILE) : path;
  } catch (error) {
    throw new WorkerSdkError('MODEL_INVALID', `ONNX model ${path}: no such file or folder`, { cause: error });
  }
}

function isTensorLike(value: unknown): value is Ort.Tensor | TensorData {
  return value instanceof ort.Tensor || (value !== null && typeof value === 'object' && ArrayBuffer.isView((value as TensorData).data) && Array.isArray((value as TensorData).dims));
}

/**
 * An `Estimator` for inference on onnxruntime-node: `load` opens a session on an `.onnx` file (or a
 * folder's `model.onnx`), `predict` takes an image path, encoded bytes or tensors, `dispose` releases
 * the session. Hot update gives each model its own instance, so a session never changes under a call.
 * onnxruntime-node does not train: `train` throws; train with `TfjsEstimator` and export to ONNX.
 *
 * @example
 * ```ts
 * const estimator = new OnnxEstimator({ image: { width: 128, height: 128, layout: 'NHWC' } });
 * await estimator.load('/models/detector.onnx');
 * const { outputs, letterbox } = await estimator.predict('/data/scene-001.jpg');
 * ```
 */
export class OnnxEstimator<P = OnnxPrediction> implements Estimator<OnnxInput, P> {
  protected readonly options: OnnxEstimatorOptions<P>;
  /** The open session, once loaded. */
  session: Ort.InferenceSession | undefined;
  /** The `.onnx` file the session was loaded from. */
  modelPath: string | undefined;

  constructor(options: OnnxEstimatorOptions<P> = {}) {
    this.options = options;
  }

  protected requireSession(what: string): Ort.InferenceSession {
    if (this.session === undefined) throw new WorkerSdkError('ESTIMATOR_FAILED', `OnnxEstimator.${what}: no model; call load(modelUrl) first`);
    return this.session;
  }

  /** Opens a session on `modelUrl` (an `.onnx` file, or a folder holding `model.onnx`), releasing the previous one. */
  async load(modelUrl: string): Promise<void> {
    const path = await onnxModelPath(modelUrl);
    const session = await createSession(path, this.options.sessionOptions);
    const previous = this.session;
    this.session = session;
    this.modelPath = path;
    await previous?.release();
  }

  /** Names of the model's inputs. */
  get inputNames(): readonly string[] {
    return this.requireSession('inputNames').inputNames;
  }

  /** Names of the model's outputs. */
  get outputNames(): readonly string[] {
    return this.requireSession('outputNames').outputNames;
  }

  /** Runs the model on one input (see `OnnxInput`), then `postprocess`. */
  async predict(input: OnnxInput): Promise<P> {
    const session = this.requireSession('predict');
    const { feeds, letterbox } = await this.feeds(session, input);
    let outputs: Record<string, Ort.Tensor>;
    try {
      outputs = (await session.run(feeds)) as Record<string, Ort.Tensor>;
    } catch (error) {
      throw new WorkerSdkError('INPUT_INVALID', `OnnxEstimator.predict on ${this.modelPath ?? 'model'}: ${(error as Error).message}`, { cause: error });
    }
    const prediction: OnnxPrediction = letterbox === undefined ? { outputs } : { outputs, letterbox };
    return this.options.postprocess !== undefined ? await this.options.postprocess(prediction) : (prediction as P);
  }

  protected async feeds(session: Ort.InferenceSession, input: OnnxInput): Promise<{ feeds: Record<string, Ort.Tensor>; letterbox?: Letterbox }> {
    const inputName = this.options.inputName ?? session.inputNames[0];
    if (inputName === undefined) throw new WorkerSdkError('MODEL_INVALID', `ONNX model ${this.modelPath ?? ''}: has no inputs`);
    if (typeof input === 'string' || input instanceof Uint8Array) {
      if (this.options.image === undefined) {
        throw new WorkerSdkError('CONFIG_INVALID', 'OnnxEstimator.predict: an image input needs options.image (width, height, layout, normalisation)');
      }
      const image = await preprocessImage(input, this.options.image);
      return { feeds: { [inputName]: new ort.Tensor('float32', image.data, image.dims) }, letterbox: image.letterbox };
    }
    if (isTensorLike(input)) return { feeds: { [inputName]: toOrtTensor(input, `OnnxEstimator.predict: input ${inputName}`) } };
    if (input !== null && typeof input === 'object') {
      const feeds: Record<string, Ort.Tensor> = {};
      for (const [name, value] of Object.entries(input)) {
        if (!session.inputNames.includes(name)) {
          throw new WorkerSdkError('INPUT_INVALID', `OnnxEstimator.predict: input ${JSON.stringify(name)} is not an input of the model (inputs: ${session.inputNames.join(', ')})`);
        }
        feeds[name] = toOrtTensor(value, `OnnxEstimator.predict: input ${name}`);
      }
      return { feeds };
    }
    throw new WorkerSdkError('INPUT_INVALID', `OnnxEstimator.predict: unsupported input of type ${typeof input}`);
  }

  /** Predicts every `data.x` with the model at `options.modelPath` (loaded unless current) and scores them with `metrics`. */
  async evaluate(data: DataSource, options: EstimatorOptions & { modelPath: string }): Promise<Metrics> {
    if (this.options.metrics === undefined) throw new WorkerSdkError('CONFIG_INVALID', 'OnnxEstimator.evaluate: needs options.metrics to score predictions');
    if (options.modelPath && (await onnxModelPath(options.modelPath)) !== this.modelPath) await this.load(options.modelPath);
    const predictions: P[] = [];
    for (const x of data.x) predictions.push(await this.predict(x as OnnxInput));
    return this.options.metrics({ predictions, data });
  }

  /** onnxruntime-node runs inference only. */
  train(): never {
    throw new WorkerSdkError('ESTIMATOR_FAILED', 'OnnxEstimator.train: onnxruntime-node cannot train; train with TfjsEstimator (@sedna-ts/worker-sdk/tfjs), whose save also writes model.onnx');
  }

  /** Copies the loaded `.onnx` file to `modelDir/model.onnx` (temp file + rename). */
  async save(modelDir: string): Promise<SavedModelFile[]> {
    this.requireSession('save');
    const target = join(resolve(modelDir), ONNX_MODEL_FILE);
    if (target !== this.modelPath) await writeFileAtomic(target, await readFile(this.modelPath as string));
    return [{ path: target, format: 'onnx' }];
  }

  /** Releases the session. */
  async dispose(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.release();
  }
}
