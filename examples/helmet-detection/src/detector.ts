/**
 * The detector: a small one-stage, CenterNet-style network. Six 3x3 convolutions (BatchNorm, LeakyReLU)
 * bring a 128x96 image to a 16x12 grid (stride 8); a 1x1 head predicts per cell two class heatmaps
 * (helmet, head), the box centre's offset in the cell and the box's log width and height. Decoding
 * keeps the heatmap peaks (3x3 local maxima), then non-maximum suppression.
 *
 * Everything that touches tfjs takes the `tf` namespace `initTfjs()` returned, never an import of its own.
 */
import { HelmetError } from './errors.js';
import type { LayersModel, Tensor, Variable } from '@tensorflow/tfjs';
import type { Tf } from '@sedna-ts/worker-sdk/tfjs';
import { nms, type Detection, type NmsOptions } from './boxes.js';
import { type Box } from './scene.js';

/** Model input width (the 192x144 frames scaled by 2/3: a letterbox with no padding). */
export const INPUT_WIDTH = 128;
/** Model input height. */
export const INPUT_HEIGHT = 96;
/** Output stride: one grid cell per 8x8 input pixels. */
export const STRIDE = 8;
/** Output grid width (16). */
export const GRID_WIDTH = INPUT_WIDTH / STRIDE;
/** Output grid height (12). */
export const GRID_HEIGHT = INPUT_HEIGHT / STRIDE;
/** Classes: helmet (0), head (1). */
export const NUM_CLASSES = 2;
/** Output channels per cell: class logits, then offset x, y logits, then log(w / STRIDE), log(h / STRIDE). */
export const OUTPUT_CHANNELS = NUM_CLASSES + 4;
/** Target channels per cell: class heatmaps, offset x, y, log w, log h, positive mask. */
export const TARGET_CHANNELS = NUM_CLASSES + 5;

/** Filters and strides of the backbone. */
export const BACKBONE: ReadonlyArray<{ filters: number; strides: number }> = [
  { filters: 16, strides: 2 },
  { filters: 32, strides: 2 },
  { filters: 32, strides: 1 },
  { filters: 48, strides: 2 },
  { filters: 48, strides: 1 },
  { filters: 64, strides: 1 },
];

/**
 * Builds the untrained detector: input `[batch, 96, 128, 3]` (RGB scaled to 0-1), output
 * `[batch, 12, 16, 6]` raw (logits and log sizes; `decodeDetections` turns them into boxes).
 */
export function buildDetector(tf: Tf, seed = 1): LayersModel {
  const input = tf.input({ shape: [INPUT_HEIGHT, INPUT_WIDTH, 3], name: 'image' });
  let h = input;
  BACKBONE.forEach(({ filters, strides }, i) => {
    h = tf.layers
      .conv2d({ filters, kernelSize: 3, strides, padding: 'same', useBias: false, kernelInitializer: tf.initializers.heNormal({ seed: seed + i }), name: `conv${i + 1}` })
      .apply(h) as typeof input;
    h = tf.layers.batchNormalization({ name: `bn${i + 1}` }).apply(h) as typeof input;
    h = tf.layers.leakyReLU({ alpha: 0.1, name: `act${i + 1}` }).apply(h) as typeof input;
  });
  // Class logits start at -2.2 (sigmoid 0.1), as CenterNet does, so the first steps are not swamped by negatives.
  const bias = new Float32Array(OUTPUT_CHANNELS);
  for (let c = 0; c < NUM_CLASSES; c++) bias[c] = -2.2;
  const head = tf.layers.conv2d({
    filters: OUTPUT_CHANNELS,
    kernelSize: 1,
    name: 'head',
    kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.01, seed: seed + 100 }),
    biasInitializer: tf.initializers.constant({ value: 0 }),
  });
  const out = head.apply(h) as typeof input;
  const model = tf.model({ inputs: input, outputs: out, name: 'helmet_detector' });
  const [kernel] = head.getWeights();
  head.setWeights([kernel as Tensor, tf.tensor1d(bias)]);
  return model;
}

/** Number of parameters of a model (trainable and not). */
export function countParameters(model: LayersModel): number {
  return model.weights.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
}

// ------------------------------------------------------------------ targets

/**
 * Encodes ground-truth boxes (in model input pixels) into the target grid `[GRID_HEIGHT, GRID_WIDTH,
 * TARGET_CHANNELS]`: a Gaussian per box on its class heatmap (peak 1 at the centre cell), and at the
 * centre cell the offset, log size and a mask of 1. Two boxes in one cell: the larger one's size wins.
 */
export function encodeTargets(boxes: readonly Box[], out = new Float32Array(GRID_HEIGHT * GRID_WIDTH * TARGET_CHANNELS)): Float32Array {
  out.fill(0);
  const C = TARGET_CHANNELS;
  const area = new Float32Array(GRID_HEIGHT * GRID_WIDTH);
  for (const b of boxes) {
    const w = b.x2 - b.x1;
    const h = b.y2 - b.y1;
    if (w <= 0 || h <= 0 || b.cls < 0 || b.cls >= NUM_CLASSES) continue;
    const cx = (b.x1 + b.x2) / 2 / STRIDE;
    const cy = (b.y1 + b.y2) / 2 / STRIDE;
    const gx = Math.min(GRID_WIDTH - 1, Math.max(0, Math.floor(cx)));
    const gy = Math.min(GRID_HEIGHT - 1, Math.max(0, Math.floor(cy)));
    const sigma = Math.max(0.5, (0.25 * Math.max(w, h)) / STRIDE);
    const reach = Math.ceil(3 * sigma);
    for (let y = Math.max(0, gy - reach); y <= Math.min(GRID_HEIGHT - 1, gy + reach); y++) {
      for (let x = Math.max(0, gx - reach); x <= Math.min(GRID_WIDTH - 1, gx + reach); x++) {
        const v = Math.exp(-((x - gx) ** 2 + (y - gy) ** 2) / (2 * sigma * sigma));
        const i = (y * GRID_WIDTH + x) * C + b.cls;
        if (v > (out[i] as number)) out[i] = v;
      }
    }
    const cell = gy * GRID_WIDTH + gx;
    if (w * h < (area[cell] as number)) continue;
    area[cell] = w * h;
    const base = cell * C + NUM_CLASSES;
    out[base] = cx - gx;
    out[base + 1] = cy - gy;
    out[base + 2] = Math.log(w / STRIDE);
    out[base + 3] = Math.log(h / STRIDE);
    out[base + 4] = 1;
  }
  return out;
}

/** Mirrors a target grid left to right (for flipped training images). */
export function flipTargets(target: Float32Array, out = new Float32Array(target.length)): Float32Array {
  const C = TARGET_CHANNELS;
  for (let y = 0; y < GRID_HEIGHT; y++) {
    for (let x = 0; x < GRID_WIDTH; x++) {
      const from = (y * GRID_WIDTH + x) * C;
      const to = (y * GRID_WIDTH + (GRID_WIDTH - 1 - x)) * C;
      for (let c = 0; c < C; c++) out[to + c] = target[from + c] as number;
      // The centre moves from x + ox to GRID_WIDTH - x - ox, i.e. offset 1 - ox in the mirrored cell.
      if ((target[from + NUM_CLASSES + 4] as number) > 0) out[to + NUM_CLASSES] = 1 - (target[from + NUM_CLASSES] as number);
    }
  }
  return out;
}

// ------------------------------------------------------------------ loss

/** Loss weights. */
export interface LossWeights {
  offset: number;
  size: number;
}

/**
 * CenterNet's loss: penalty-reduced focal loss on the class heatmaps (alpha 2, beta 4), L1 on offsets
 * and log sizes at the centre cells, each normalised by the number of boxes.
 */
export function detectorLoss(tf: Tf, yTrue: Tensor, yPred: Tensor, weights: LossWeights = { offset: 1, size: 1 }): Tensor {
  return tf.tidy(() => {
    const K = NUM_CLASSES;
    const heatTrue = yTrue.slice([0, 0, 0, 0], [-1, -1, -1, K]);
    const regTrue = yTrue.slice([0, 0, 0, K], [-1, -1, -1, 4]);
    const mask = yTrue.slice([0, 0, 0, K + 4], [-1, -1, -1, 1]);
    const logits = yPred.slice([0, 0, 0, 0], [-1, -1, -1, K]);
    const regPred = yPred.slice([0, 0, 0, K], [-1, -1, -1, 4]);

    const p = tf.sigmoid(logits);
    const logP = tf.neg(tf.softplus(tf.neg(logits)));
    const log1mP = tf.neg(tf.softplus(logits));
    const isPeak = tf.cast(tf.greaterEqual(heatTrue, 0.999), 'float32');
    const posLoss = tf.mul(tf.mul(tf.square(tf.sub(1, p)), logP), isPeak);
    const negWeight = tf.pow(tf.sub(1, heatTrue), 4);
    const negLoss = tf.mul(tf.mul(tf.mul(tf.square(p), log1mP), negWeight), tf.sub(1, isPeak));
    const numPos = tf.maximum(tf.sum(mask), 1);
    const focal = tf.div(tf.neg(tf.add(tf.sum(posLoss), tf.sum(negLoss))), numPos);

    const offsetPred = tf.sigmoid(regPred.slice([0, 0, 0, 0], [-1, -1, -1, 2]));
    const sizePred = regPred.slice([0, 0, 0, 2], [-1, -1, -1, 2]);
    const offsetLoss = tf.div(tf.sum(tf.mul(tf.abs(tf.sub(offsetPred, regTrue.slice([0, 0, 0, 0], [-1, -1, -1, 2]))), mask)), numPos);
    const sizeLoss = tf.div(tf.sum(tf.mul(tf.abs(tf.sub(sizePred, regTrue.slice([0, 0, 0, 2], [-1, -1, -1, 2]))), mask)), numPos);
    return tf.addN([focal, tf.mul(offsetLoss, weights.offset), tf.mul(sizeLoss, weights.size)]);
  });
}

/** The trainable variables of a model (what the optimizer updates). */
export function trainableVariables(model: LayersModel): Variable[] {
  return model.trainableWeights.map((w) => w.read() as Variable);
}

// ------------------------------------------------------------------ decoding

/** Options of `decodeDetections`. */
export interface DecodeOptions extends NmsOptions {
  /** Peaks scoring below this are dropped (default 0.05). */
  scoreThreshold?: number;
  /** Peaks kept before NMS (default 50). */
  topK?: number;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/**
 * Turns one image's raw output (`[GRID_HEIGHT, GRID_WIDTH, OUTPUT_CHANNELS]`, channels last, as a flat
 * array) into detections in model input pixels, after NMS.
 */
export function decodeDetections(output: ArrayLike<number>, options: DecodeOptions = {}): Detection[] {
  const C = OUTPUT_CHANNELS;
  if (output.length !== GRID_HEIGHT * GRID_WIDTH * C) {
    throw new HelmetError('MODEL_OUTPUT_INVALID', `decodeDetections: output has ${output.length} values, expected ${GRID_HEIGHT}x${GRID_WIDTH}x${C}`);
  }
  const threshold = options.scoreThreshold ?? 0.05;
  const topK = options.topK ?? 50;
  const peaks: Detection[] = [];
  for (let y = 0; y < GRID_HEIGHT; y++) {
    for (let x = 0; x < GRID_WIDTH; x++) {
      const base = (y * GRID_WIDTH + x) * C;
      for (let k = 0; k < NUM_CLASSES; k++) {
        const logit = output[base + k] as number;
        const score = sigmoid(logit);
        if (score < threshold) continue;
        // A peak is the maximum of its 3x3 neighbourhood on its class map (CenterNet's max-pool NMS).
        let isPeak = true;
        for (let dy = -1; dy <= 1 && isPeak; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if ((dx === 0 && dy === 0) || yy < 0 || xx < 0 || yy >= GRID_HEIGHT || xx >= GRID_WIDTH) continue;
            if ((output[(yy * GRID_WIDTH + xx) * C + k] as number) > logit) {
              isPeak = false;
              break;
            }
          }
        }
        if (!isPeak) continue;
        const cx = (x + sigmoid(output[base + NUM_CLASSES] as number)) * STRIDE;
        const cy = (y + sigmoid(output[base + NUM_CLASSES + 1] as number)) * STRIDE;
        const w = Math.exp(output[base + NUM_CLASSES + 2] as number) * STRIDE;
        const h = Math.exp(output[base + NUM_CLASSES + 3] as number) * STRIDE;
        peaks.push([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, score, k]);
      }
    }
  }
  peaks.sort((a, b) => b[4] - a[4]);
  return nms(peaks.slice(0, topK), options);
}
