/**
 * The training side of the detector: a `TfjsEstimator` whose `train` runs its own loop (CenterNet loss,
 * Adam with a cosine decay, left-right flips) on images held as bytes, and whose `save` writes the tfjs
 * model and its ONNX export (the SDK's).
 */
import { HelmetError } from './errors.js';
import type { Tensor } from '@tensorflow/tfjs';
import { type DataSource, type EstimatorOptions, type Metrics } from '@sedna-ts/worker-sdk';
import { preprocessImage } from '@sedna-ts/worker-sdk/onnx';
import { TfjsEstimator, type TfjsRuntime } from '@sedna-ts/worker-sdk/tfjs';
import { type Detection } from './boxes.js';
import { IMAGE_OPTIONS, loadSamples, type LoadedImages } from './dataset.js';
import { samplesOf } from './indexFile.js';
import {
  buildDetector,
  decodeDetections,
  detectorLoss,
  encodeTargets,
  flipTargets,
  GRID_HEIGHT,
  GRID_WIDTH,
  INPUT_HEIGHT,
  INPUT_WIDTH,
  OUTPUT_CHANNELS,
  TARGET_CHANNELS,
  trainableVariables,
  type DecodeOptions,
} from './detector.js';
import { detectionMetrics } from './metrics.js';
import { Random } from './random.js';

/** Training settings; every one can also come from the train options (`il.train(data, {...})`). */
export interface TrainSettings {
  /** Optimizer steps (batches). Default: `epochs` passes over the data, else 200. */
  steps?: number;
  /** Passes over the data, when `steps` is not given. */
  epochs?: number;
  batchSize?: number;
  /** Peak learning rate of Adam (default 2e-3); decays to 5% by a cosine over the run. */
  learningRate?: number;
  /** Steps of linear warm-up (default 0). */
  warmupSteps?: number;
  /** Flip half the images left to right (default true). */
  flip?: boolean;
  /** Seed of the batch order (default `helmet`). */
  seed?: string;
  /** Stop early once this many seconds have passed (default none). */
  maxSeconds?: number;
  /** Extra labelled images mixed into every batch (e.g. a replay of the base data), with their share of each batch. */
  replay?: LoadedImages;
  replayShare?: number;
}

/** Options of `HelmetTrainer`. */
export interface HelmetTrainerOptions extends TrainSettings {
  runtime?: TfjsRuntime;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Log every this many steps (default 50). */
  logEvery?: number;
}

const IMAGE_SIZE = INPUT_HEIGHT * INPUT_WIDTH * 3;
const TARGET_SIZE = GRID_HEIGHT * GRID_WIDTH * TARGET_CHANNELS;

function numberSetting(options: EstimatorOptions, keys: string[], fallback: number | undefined): number | undefined {
  for (const key of keys) {
    const value = options[key];
    if (value === undefined || value === null || value === '') continue;
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isFinite(n) || n < 0) throw new HelmetError('INVALID_ARGUMENT', `HelmetTrainer.train: options.${key}: ${JSON.stringify(value)} is not a non-negative number`);
    return n;
  }
  return fallback;
}

/**
 * The detector as a Sedna estimator for train workers. `load` a base model (or let `train` build a new
 * one), `train` on a `TxtDataParse` source, `save` under MODEL_URL (tfjs + ONNX).
 *
 * @example
 * const trainer = new HelmetTrainer({ runtime: await initTfjs(), steps: 300 });
 * await trainer.load('models/base');
 * await new IncrementalLearning(trainer).train(trainData);
 */
export class HelmetTrainer extends TfjsEstimator<string | Uint8Array, Detection[]> {
  private readonly settings: HelmetTrainerOptions;
  /** Loss of each logged step of the last `train`. */
  readonly losses: Array<{ step: number; loss: number }> = [];

  constructor(options: HelmetTrainerOptions = {}) {
    super({
      ...(options.runtime ? { runtime: options.runtime } : {}),
      createModel: (tf) => buildDetector(tf),
      toTensors: () => {
        throw new HelmetError('INVALID_ARGUMENT', 'HelmetTrainer feeds its own batches');
      },
    });
    this.settings = options;
  }

  /** Trains on `trainData` (paths + label tokens from TxtDataParse); returns `{loss, steps, images, seconds}`. */
  override async train(trainData: DataSource, _validData?: DataSource, options: EstimatorOptions = {}): Promise<Metrics> {
    const images = await loadSamples(samplesOf(trainData));
    return this.fit(images, options);
  }

  /** Trains on images already loaded (the bench reuses them across runs). */
  async fit(images: LoadedImages, options: EstimatorOptions = {}): Promise<Metrics> {
    const tf = await this.tf();
    this.model ??= buildDetector(tf);
    const model = this.model;
    const s = this.settings;
    const batchSize = Math.max(1, Math.round(numberSetting(options, ['batch_size', 'batchSize'], s.batchSize ?? 16) as number));
    const epochs = numberSetting(options, ['epochs'], s.epochs);
    const explicitSteps = numberSetting(options, ['steps'], s.steps);
    const steps = Math.max(1, Math.round(explicitSteps ?? (epochs !== undefined ? Math.ceil((epochs * images.count) / batchSize) : 200)));
    const peak = numberSetting(options, ['learning_rate', 'learningRate'], s.learningRate ?? 2e-3) as number;
    const warmup = numberSetting(options, ['warmup_steps', 'warmupSteps'], s.warmupSteps ?? 0) as number;
    const maxSeconds = numberSetting(options, ['max_seconds', 'maxSeconds'], s.maxSeconds);
    const flip = s.flip ?? true;
    const replay = s.replay;
    const replayShare = replay && replay.count > 0 ? Math.min(0.9, Math.max(0, s.replayShare ?? 0.5)) : 0;
    if (images.count === 0 && replayShare === 0) throw new HelmetError('NO_TRAINING_DATA', 'HelmetTrainer.train: no training images');
    const rng = new Random(`helmet-train:${s.seed ?? 'helmet'}`);

    const targets = images.boxes.map((b) => encodeTargets(b));
    const replayTargets = replay ? replay.boxes.map((b) => encodeTargets(b)) : [];
    const optimizer = tf.train.adam(peak);
    const variables = trainableVariables(model);
    const xBuffer = new Float32Array(batchSize * IMAGE_SIZE);
    const yBuffer = new Float32Array(batchSize * TARGET_SIZE);
    const flipped = new Float32Array(TARGET_SIZE);
    // Each epoch visits every image once, in a fresh order.
    let order: number[] = [];
    const nextIndex = (): number => {
      if (order.length === 0) order = rng.shuffle(Array.from({ length: images.count }, (_, i) => i));
      return order.pop() as number;
    };

    const started = performance.now();
    this.losses.length = 0;
    let lastLoss = Number.NaN;
    let done = 0;
    for (let step = 0; step < steps; step++) {
      if (maxSeconds !== undefined && (performance.now() - started) / 1000 > maxSeconds) break;
      const progress = step / steps;
      const lr = step < warmup ? (peak * (step + 1)) / warmup : peak * (0.05 + 0.95 * 0.5 * (1 + Math.cos(Math.PI * progress)));
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      for (let b = 0; b < batchSize; b++) {
        const fromReplay = replay !== undefined && (images.count === 0 || rng.next() < replayShare);
        const source = fromReplay ? replay : images;
        const index = fromReplay ? Math.floor(rng.next() * replay.count) : nextIndex();
        const target = (fromReplay ? replayTargets : targets)[index] as Float32Array;
        const mirror = flip && rng.next() < 0.5;
        fillImage(source.pixels, index, xBuffer, b, mirror);
        yBuffer.set(mirror ? flipTargets(target, flipped) : target, b * TARGET_SIZE);
      }
      const x = tf.tensor4d(xBuffer, [batchSize, INPUT_HEIGHT, INPUT_WIDTH, 3]);
      const y = tf.tensor4d(yBuffer, [batchSize, GRID_HEIGHT, GRID_WIDTH, TARGET_CHANNELS]);
      const cost = optimizer.minimize(() => detectorLoss(tf, y, model.apply(x, { training: true }) as Tensor) as never, true, variables);
      const logEvery = s.logEvery ?? 50;
      if (cost && (step % logEvery === 0 || step === steps - 1)) {
        lastLoss = (await cost.data())[0] as number;
        this.losses.push({ step, loss: lastLoss });
        s.log?.(`step ${step + 1}/${steps} loss ${lastLoss.toFixed(4)} lr ${lr.toExponential(2)} ${((performance.now() - started) / 1000).toFixed(1)}s`);
      }
      tf.dispose([x, y, cost as Tensor]);
      done++;
    }
    optimizer.dispose();
    const seconds = (performance.now() - started) / 1000;
    return { loss: lastLoss, steps: done, images: done * batchSize, seconds: Math.round(seconds * 10) / 10 };
  }

  /** Detections for loaded images (model input pixels), in batches. */
  async detect(images: LoadedImages, options: DecodeOptions = {}, batchSize = 32): Promise<Detection[][]> {
    const tf = await this.tf();
    const model = this.requireModel('detect');
    const out: Detection[][] = [];
    const cell = GRID_HEIGHT * GRID_WIDTH * OUTPUT_CHANNELS;
    for (let start = 0; start < images.count; start += batchSize) {
      const n = Math.min(batchSize, images.count - start);
      const xb = new Float32Array(n * IMAGE_SIZE);
      for (let b = 0; b < n; b++) fillImage(images.pixels, start + b, xb, b, false);
      const x = tf.tensor4d(xb, [n, INPUT_HEIGHT, INPUT_WIDTH, 3]);
      const y = model.predict(x) as Tensor;
      const data = await y.data();
      tf.dispose([x, y]);
      for (let b = 0; b < n; b++) out.push(decodeDetections(data.subarray(b * cell, (b + 1) * cell), options));
    }
    return out;
  }

  /** Scores the model at `modelPath` (tfjs) on labelled data: precision, recall, AP per class, mAP@0.5. */
  override async evaluate(data: DataSource, options: EstimatorOptions & { modelPath: string }): Promise<Metrics> {
    if (options.modelPath) await this.load(options.modelPath);
    const images = await loadSamples(samplesOf(data));
    const detections = await this.detect(images);
    const m = detectionMetrics(detections, images.boxes, { scoreThreshold: numberSetting(options, ['obj_threshold'], 0.5) as number });
    return { precision: m.precision, recall: m.recall, ap: m.ap, map50: m.map50 };
  }

  /** Detections for one image (path or encoded bytes), in the image's own pixels. */
  override async predict(input: string | Uint8Array): Promise<Detection[]> {
    const image = await preprocessImage(input, IMAGE_OPTIONS);
    const pixels = new Uint8Array(IMAGE_SIZE);
    for (let j = 0; j < IMAGE_SIZE; j++) pixels[j] = Math.round((image.data[j] as number) * 255);
    const [detections = []] = await this.detect({ pixels, boxes: [[]], count: 1 });
    const { scaleX, scaleY, padLeft, padTop } = image.letterbox;
    return detections.map((d) => [(d[0] - padLeft) / scaleX, (d[1] - padTop) / scaleY, (d[2] - padLeft) / scaleX, (d[3] - padTop) / scaleY, d[4], d[5]]);
  }
}

/** Copies image `index` of `pixels` into slot `slot` of a float batch (0-1), mirrored if asked. */
function fillImage(pixels: Uint8Array, index: number, batch: Float32Array, slot: number, mirror: boolean): void {
  const from = index * IMAGE_SIZE;
  const to = slot * IMAGE_SIZE;
  const inv = 1 / 255;
  if (!mirror) {
    for (let j = 0; j < IMAGE_SIZE; j++) batch[to + j] = (pixels[from + j] as number) * inv;
    return;
  }
  const row = INPUT_WIDTH * 3;
  for (let y = 0; y < INPUT_HEIGHT; y++) {
    for (let x = 0; x < INPUT_WIDTH; x++) {
      const src = from + y * row + x * 3;
      const dst = to + y * row + (INPUT_WIDTH - 1 - x) * 3;
      batch[dst] = (pixels[src] as number) * inv;
      batch[dst + 1] = (pixels[src + 1] as number) * inv;
      batch[dst + 2] = (pixels[src + 2] as number) * inv;
    }
  }
}
