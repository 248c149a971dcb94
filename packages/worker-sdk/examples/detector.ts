// The user's model code, shared by train.ts, eval.ts and inference.ts the way a project shares its model
// module: a tiny single-class detector. It predicts an 8x8 heatmap over a 32x32 RGB image (one cell per
// 4x4 pixels); a cell is an object centre when its score is a local maximum above a threshold, and the
// box around it has the object's usual size. The dataset is the original's txt index
// (`images/0001.png x1,y1,x2,y2,cls`). Written against the published packages only.
import type { DataSource, Metrics } from '@sedna-ts/worker-sdk';
import type { OnnxPrediction } from '@sedna-ts/worker-sdk/onnx';
import type { Tf, TfjsEstimatorOptions, TfjsRuntime } from '@sedna-ts/worker-sdk/tfjs';
import type { LayersModel, SymbolicTensor, Tensor } from '@tensorflow/tfjs';
import sharp from 'sharp';

export const SIZE = 32;
export const GRID = 8;
const CELL = SIZE / GRID;
/** Side of the box drawn around a detected centre (the objects are 8 to 12 pixels). */
const BOX = 10;

/** One detection or label, as the hard-example filters take them: `[x1, y1, x2, y2, score, label]`. */
export type Box = [number, number, number, number, number, number];

/** Decodes an image file into RGB floats in [0, 1], height x width x channel. */
export async function loadImage(path: string): Promise<Float32Array> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== SIZE || info.height !== SIZE || info.channels !== 3) throw new Error(`${path}: ${info.width}x${info.height}x${info.channels}, expected ${SIZE}x${SIZE}x3`);
  return Float32Array.from(data, (v) => v / 255);
}

/** The label tokens of an index line (`x1,y1,x2,y2,cls` each) as boxes with score 1. */
export function parseLabels(tokens: readonly string[]): Box[] {
  return tokens.map((token) => {
    const [x1, y1, x2, y2, cls] = token.split(',').map(Number) as [number, number, number, number, number];
    return [x1, y1, x2, y2, 1, cls];
  });
}

/** Training target: 1 at the cell holding each box centre, 0 elsewhere. */
function heatmapOf(boxes: readonly Box[]): Float32Array {
  const target = new Float32Array(GRID * GRID);
  for (const [x1, y1, x2, y2] of boxes) {
    const cx = Math.min(GRID - 1, Math.floor((x1 + x2) / 2 / CELL));
    const cy = Math.min(GRID - 1, Math.floor((y1 + y2) / 2 / CELL));
    target[cy * GRID + cx] = 1;
  }
  return target;
}

/** Turns a heatmap (GRID x GRID scores) into boxes: every local maximum at or above `threshold`. */
export function decodeHeatmap(heatmap: ArrayLike<number>, threshold = 0.2): Box[] {
  const boxes: Box[] = [];
  for (let cy = 0; cy < GRID; cy++) {
    for (let cx = 0; cx < GRID; cx++) {
      const score = heatmap[cy * GRID + cx] as number;
      if (score < threshold) continue;
      let peak = true;
      for (let dy = -1; dy <= 1 && peak; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const y = cy + dy;
          const x = cx + dx;
          if ((dx !== 0 || dy !== 0) && x >= 0 && y >= 0 && x < GRID && y < GRID && (heatmap[y * GRID + x] as number) > score) peak = false;
        }
      }
      if (!peak) continue;
      const x = (cx + 0.5) * CELL;
      const y = (cy + 0.5) * CELL;
      boxes.push([x - BOX / 2, y - BOX / 2, x + BOX / 2, y + BOX / 2, score, 0]);
    }
  }
  return boxes;
}

/** The boxes of an `OnnxEstimator` prediction (the model's only output). */
export function boxesOf(prediction: OnnxPrediction, threshold?: number): Box[] {
  const output = Object.values(prediction.outputs)[0];
  if (output === undefined) throw new Error('the model has no output');
  return decodeHeatmap(output.data as Float32Array, threshold);
}

/**
 * Precision and recall (per class, as lists, as the original's eval workers report them): a detection
 * is correct when its centre lies in a labelled box not matched yet.
 */
export function precisionRecall(predicted: readonly Box[][], truth: readonly Box[][]): Metrics {
  let correct = 0;
  let detections = 0;
  let objects = 0;
  predicted.forEach((boxes, i) => {
    const labels = [...(truth[i] ?? [])];
    objects += labels.length;
    detections += boxes.length;
    for (const [x1, y1, x2, y2] of boxes) {
      const cx = (x1 + x2) / 2;
      const cy = (y1 + y2) / 2;
      const hit = labels.findIndex(([a1, b1, a2, b2]) => cx >= a1 && cx <= a2 && cy >= b1 && cy <= b2);
      if (hit >= 0) {
        correct++;
        labels.splice(hit, 1);
      }
    }
  });
  return { precision: [detections === 0 ? 0 : correct / detections], recall: [objects === 0 ? 0 : correct / objects] };
}

/** A fresh, seeded detector: three convolutions down to the 8x8 grid, then a sigmoid 1x1 head. */
function createDetector(tf: Tf): LayersModel {
  const seeded = (seed: number) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed }) });
  const input = tf.input({ shape: [SIZE, SIZE, 3], name: 'image' });
  let h = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', ...seeded(1) }).apply(input) as SymbolicTensor;
  h = tf.layers.batchNormalization().apply(h) as SymbolicTensor;
  h = tf.layers.leakyReLU({ alpha: 0.1 }).apply(h) as SymbolicTensor;
  h = tf.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', ...seeded(2) }).apply(h) as SymbolicTensor;
  h = tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', ...seeded(3) }).apply(h) as SymbolicTensor;
  const heatmap = tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid', name: 'heatmap', ...seeded(4) }).apply(h) as SymbolicTensor;
  return tf.model({ inputs: input, outputs: heatmap });
}

/** How `TfjsEstimator` builds, feeds and scores the detector (train and eval workers). */
export function detectorOptions(runtime: TfjsRuntime): TfjsEstimatorOptions<Float32Array, Box[]> {
  return {
    runtime,
    createModel: createDetector,
    compile: (model, tf) => model.compile({ optimizer: tf.train.adam(0.01), loss: 'binaryCrossentropy' }),
    toTensors: async (data: DataSource, tf: Tf) => {
      const images = await Promise.all((data.x as string[]).map(loadImage));
      const targets = (data.y as string[][]).map((tokens) => heatmapOf(parseLabels(tokens)));
      const n = images.length;
      const x = tf.tensor4d(concat(images), [n, SIZE, SIZE, 3]);
      const y = tf.tensor4d(concat(targets), [n, GRID, GRID, 1]);
      return { x, y };
    },
    toInput: (image, tf) => tf.tensor4d(image, [1, SIZE, SIZE, 3]),
    fromOutput: (output) => decodeHeatmap((output as Tensor).dataSync()),
    // Deterministic for the test: seeded initialisers, no shuffling.
    fit: { epochs: 1, batchSize: 16, shuffle: false },
  };
}

function concat(arrays: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}
