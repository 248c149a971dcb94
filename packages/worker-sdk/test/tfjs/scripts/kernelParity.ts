// Child script: gradient parity of every wasm training kernel we register against the cpu backend.
// Prints {cases: [{name, kernel, error}], kernels: [...]} where error = max |wasm - cpu| / max(1, max |cpu|).
import type * as tfjs from '@tensorflow/tfjs';
import { initTfjs } from '../../../src/tfjs/initTfjs.js';
import { WASM_TRAINING_KERNELS } from '../../../src/tfjs/wasmKernels.js';

const { tf, backend } = await initTfjs({ backend: 'wasm' });
if (backend !== 'wasm') throw new Error(`expected the wasm backend, got ${backend}`);

interface Case {
  name: string;
  kernel: string;
  error: number;
}
const cases: Case[] = [];

let seed = 12345;
function random(): number {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 4294967296;
}
function values(shape: number[], dtype: 'float32' | 'int32' = 'float32'): Float32Array | Int32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (dtype === 'int32') return Int32Array.from({ length: n }, () => Math.floor(random() * 200) - 100);
  return Float32Array.from({ length: n }, () => random() * 2 - 1);
}

/** Runs `f` on the cpu and the wasm backend and returns the worst relative difference of its outputs. */
async function parity(f: () => tfjs.Tensor[]): Promise<number> {
  const results: Array<Array<ArrayLike<number>>> = [];
  for (const name of ['cpu', 'wasm']) {
    await tf.setBackend(name);
    const outs = tf.tidy(f);
    results.push(outs.map((t) => t.dataSync() as ArrayLike<number>));
    tf.dispose(outs);
  }
  const [cpu, wasm] = results as [Array<ArrayLike<number>>, Array<ArrayLike<number>>];
  let error = cpu.length === wasm.length ? 0 : Infinity;
  cpu.forEach((ref, i) => {
    const got = wasm[i] as ArrayLike<number>;
    if (got.length !== ref.length) error = Infinity;
    let scale = 1;
    for (let j = 0; j < ref.length; j++) scale = Math.max(scale, Math.abs(ref[j] as number));
    for (let j = 0; j < ref.length; j++) {
      const d = Math.abs((got[j] as number) - (ref[j] as number)) / scale;
      error = Number.isNaN(d) ? Infinity : Math.max(error, d);
    }
  });
  return error;
}

const H = 11;
const W = 9;
const C = 3;
for (const depthwise of [false, true]) {
  for (const multiplier of depthwise ? [1, 2] : [4]) {
    for (const stride of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) {
        for (const k of [1, 3, 5]) {
          for (const batch of [1, 8]) {
            const xShape: [number, number, number, number] = [batch, H, W, C];
            const wShape: [number, number, number, number] = [k, k, C, multiplier];
            const info = tf.backend_util.computeConv2DInfo(xShape, wShape, stride, 1, pad, undefined, depthwise);
            const xv = values(xShape) as Float32Array;
            const wv = values(wShape) as Float32Array;
            const dyv = values(info.outShape) as Float32Array;
            const prefix = depthwise ? 'DepthwiseConv2dNative' : 'Conv2D';
            const label = `${depthwise ? `depthwise x${multiplier}` : 'conv'} ${k}x${k} stride ${stride} ${pad} batch ${batch} input ${H}x${W}`;
            const attrs = { strides: stride, pad, dilations: 1, dataFormat: 'NHWC' };

            // The kernels themselves, on the same inputs.
            cases.push({
              kernel: `${prefix}BackpropFilter`,
              name: `${prefix}BackpropFilter ${label}`,
              error: await parity(() => [
                tf.engine().runKernel(`${prefix}BackpropFilter`, { x: tf.tensor4d(xv, xShape), dy: tf.tensor4d(dyv, info.outShape) }, { ...attrs, filterShape: wShape }) as tfjs.Tensor,
              ]),
            });
            cases.push({
              kernel: `${prefix}BackpropInput`,
              name: `${prefix}BackpropInput ${label}`,
              error: await parity(() => [
                tf.engine().runKernel(`${prefix}BackpropInput`, { dy: tf.tensor4d(dyv, info.outShape), filter: tf.tensor4d(wv, wShape) }, { ...attrs, inputShape: xShape }) as tfjs.Tensor,
              ]),
            });
            // And the gradients tfjs computes with them, end to end.
            cases.push({
              kernel: `${prefix} gradient`,
              name: `tf.grads ${label}`,
              error: await parity(() => {
                const x = tf.tensor4d(xv, xShape);
                const w = tf.tensor4d(wv, wShape);
                const r = tf.tensor4d(dyv, info.outShape);
                const loss = (a: tfjs.Tensor, b: tfjs.Tensor) =>
                  (depthwise ? tf.depthwiseConv2d(a as tfjs.Tensor4D, b as tfjs.Tensor4D, stride, pad) : tf.conv2d(a as tfjs.Tensor4D, b as tfjs.Tensor4D, stride, pad)).mul(r).sum();
                return tf.grads(loss)([x, w]);
              }),
            });
          }
        }
      }
    }
  }
}

// Explicit and numeric paddings, including padding wider than the filter (the crop paths).
type Pad = number | [[number, number], [number, number], [number, number], [number, number]];
// Unequal strides take the zero-insertion path of Conv2DBackpropInput rather than the phase split.
const paddings: Array<{ pad: Pad | 'same' | 'valid'; k: number; stride: number | [number, number]; rounding?: 'floor' | 'ceil' }> = [
  { pad: [[0, 0], [2, 1], [0, 3], [0, 0]], k: 3, stride: 2 },
  { pad: [[0, 0], [4, 0], [1, 1], [0, 0]], k: 3, stride: 1 },
  { pad: 1, k: 3, stride: 2, rounding: 'floor' },
  { pad: 2, k: 5, stride: 2, rounding: 'ceil' },
  { pad: 'same', k: 3, stride: [2, 1] },
  { pad: 'valid', k: 5, stride: [1, 2] },
];
for (const depthwise of [false, true]) {
  for (const { pad, k, stride, rounding } of paddings) {
    const xShape: [number, number, number, number] = [2, H, W, C];
    const wShape: [number, number, number, number] = [k, k, C, depthwise ? 2 : 4];
    const info = tf.backend_util.computeConv2DInfo(xShape, wShape, stride, 1, pad, rounding, depthwise);
    const [xv, wv, dyv] = [values(xShape), values(wShape), values(info.outShape)] as Float32Array[];
    const prefix = depthwise ? 'DepthwiseConv2dNative' : 'Conv2D';
    const label = `${depthwise ? 'depthwise x2' : 'conv'} ${k}x${k} stride ${JSON.stringify(stride)} pad ${JSON.stringify(pad)}${rounding ? ` ${rounding}` : ''} batch 2`;
    const attrs = { strides: stride, pad, dilations: 1, dataFormat: 'NHWC', ...(rounding ? { dimRoundingMode: rounding } : {}) };
    for (const which of ['Filter', 'Input'] as const) {
      cases.push({
        kernel: `${prefix}Backprop${which}`,
        name: `${prefix}Backprop${which} ${label}`,
        error: await parity(() => [
          which === 'Filter'
            ? (tf.engine().runKernel(`${prefix}BackpropFilter`, { x: tf.tensor4d(xv as Float32Array, xShape), dy: tf.tensor4d(dyv as Float32Array, info.outShape) }, { ...attrs, filterShape: wShape }) as tfjs.Tensor)
            : (tf.engine().runKernel(`${prefix}BackpropInput`, { dy: tf.tensor4d(dyv as Float32Array, info.outShape), filter: tf.tensor4d(wv as Float32Array, wShape) }, { ...attrs, inputShape: xShape }) as tfjs.Tensor),
        ]),
      });
    }
  }
}

// Tile: broadcast-only cases (our Add-with-zeros path) and the rest (stock kernel fallback).
const tiles: Array<{ shape: number[]; reps: number[]; dtype: 'float32' | 'int32' | 'bool' }> = [
  { shape: [1, 1, 1, 5], reps: [8, 11, 9, 1], dtype: 'float32' },
  { shape: [1, 1, 1, 5], reps: [1, 3, 3, 1], dtype: 'float32' },
  { shape: [3, 1], reps: [1, 7], dtype: 'float32' },
  { shape: [1], reps: [13], dtype: 'float32' },
  { shape: [2, 1, 3], reps: [1, 5, 1], dtype: 'int32' },
  { shape: [2, 3], reps: [2, 2], dtype: 'float32' },
  { shape: [2, 1, 3], reps: [3, 2, 2], dtype: 'int32' },
  { shape: [1, 2], reps: [3, 1], dtype: 'bool' },
];
for (const t of tiles) {
  const data = t.dtype === 'bool' ? Int32Array.from({ length: t.shape.reduce((a, b) => a * b, 1) }, () => (random() < 0.5 ? 1 : 0)) : values(t.shape, t.dtype);
  cases.push({
    kernel: 'Tile',
    name: `Tile ${t.dtype} [${t.shape.join(',')}] by [${t.reps.join(',')}]`,
    error: await parity(() => [tf.tile(tf.tensor(data, t.shape, t.dtype), t.reps).cast('float32')]),
  });
}

// The gradient that uses Tile in training: BatchNormalization's.
{
  const shape: [number, number, number, number] = [8, 11, 9, 5];
  const [xv, mv, vv, sv, ov] = [values(shape), values([5]), values([5]).map((v) => v + 1.5), values([5]), values([5])] as Float32Array[];
  cases.push({
    kernel: 'Tile',
    name: 'tf.grads of batchNorm [8,11,9,5]',
    error: await parity(() => {
      const [mean, variance, offset] = [mv, vv, ov].map((v) => tf.tensor1d(v as Float32Array));
      const loss = (a: tfjs.Tensor, s: tfjs.Tensor) => tf.batchNorm(a, mean as tfjs.Tensor1D, variance as tfjs.Tensor1D, offset as tfjs.Tensor1D, s as tfjs.Tensor1D, 1e-3).square().sum();
      return tf.grads(loss)([tf.tensor4d(xv as Float32Array, shape), tf.tensor1d(sv as Float32Array)]);
    }),
  });
}

await tf.setBackend('wasm');
console.log(JSON.stringify({ cases, kernels: WASM_TRAINING_KERNELS }));
