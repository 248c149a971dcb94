import type { Tensor } from '@tensorflow/tfjs';
import type { Tf } from './tfTypes.js';
import { seededRandom } from '@sedna-ts/internal';

/** One comparison the self-test made: a kernel on one shape against a plain JavaScript reference. */
export interface TfjsSelfTestCheck {
  /** Kernel name and case, e.g. `Conv2DBackpropFilter 3x3 stride 2 same`. */
  name: string;
  /** Largest absolute difference, relative to max(1, largest reference magnitude). */
  error: number;
  passed: boolean;
}

/** What the start-up self-test found. `skipped` when the backend needs none (tensorflow) or it was turned off. */
export interface TfjsSelfTest {
  passed: boolean;
  skipped: boolean;
  /** Wall time of the self-test in milliseconds. */
  ms: number;
  /** The worst relative error over all checks. */
  maxError: number;
  /** The error a check may reach and still pass. */
  tolerance: number;
  checks: TfjsSelfTestCheck[];
  /** Why it failed: the failing checks, or the error a kernel threw. */
  error?: string;
}

/** Largest relative error a kernel may show against the reference. */
export const SELF_TEST_TOLERANCE = 1e-5;

type Shape4 = [number, number, number, number];

interface ConvCase {
  name: string;
  x: Shape4;
  filter: Shape4;
  strides: number;
  pad: 'same' | 'valid';
  depthwise: boolean;
}

const CASES: ConvCase[] = [
  { name: '3x3 stride 2 same', x: [2, 7, 6, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same', depthwise: false },
  { name: '3x3 stride 1 valid', x: [2, 7, 6, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid', depthwise: false },
  { name: '5x5 stride 2 valid', x: [1, 9, 8, 2], filter: [5, 5, 2, 3], strides: 2, pad: 'valid', depthwise: false },
  { name: '1x1 stride 1 same', x: [2, 5, 5, 3], filter: [1, 1, 3, 4], strides: 1, pad: 'same', depthwise: false },
  { name: 'depthwise 3x3 stride 2 same', x: [2, 7, 6, 3], filter: [3, 3, 3, 2], strides: 2, pad: 'same', depthwise: true },
  { name: 'depthwise 3x3 stride 1 valid', x: [2, 7, 6, 3], filter: [3, 3, 3, 1], strides: 1, pad: 'valid', depthwise: true },
];

/**
 * Checks the kernels the wasm backend trains with against a direct float64 JavaScript implementation of
 * the gradient formulas, on small shapes (a few milliseconds). Runs on the current backend.
 */
export function runSelfTest(tf: Tf): TfjsSelfTest {
  const started = performance.now();
  const checks: TfjsSelfTestCheck[] = [];
  try {
    const random = seededRandom(0x5ed4a); // seeded: a failing self-test is reproducible
    for (const c of CASES) {
      const xv = randomValues(random, c.x);
      const wv = randomValues(random, c.filter);
      const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad, undefined, c.depthwise);
      const dyShape = info.outShape;
      const dyv = randomValues(random, dyShape);
      const ref = referenceConvGrads(xv, wv, dyv, c.x, c.filter, dyShape, c.strides, info.padInfo.top, info.padInfo.left, c.depthwise);
      const prefix = c.depthwise ? 'DepthwiseConv2dNative' : 'Conv2D';
      const [dFilter, dInput] = tf.tidy(() => {
        const x = tf.tensor4d(xv, c.x);
        const w = tf.tensor4d(wv, c.filter);
        const dy = tf.tensor4d(dyv, dyShape);
        const engine = tf.engine();
        const common = { strides: c.strides, pad: c.pad, dilations: 1, dataFormat: 'NHWC' };
        return [
          engine.runKernel(`${prefix}BackpropFilter`, { x, dy }, { ...common, filterShape: c.filter }) as Tensor,
          engine.runKernel(`${prefix}BackpropInput`, { dy, filter: w }, { ...common, inputShape: c.x }) as Tensor,
        ];
      });
      checks.push(compare(`${prefix}BackpropFilter ${c.name}`, dFilter, ref.dFilter));
      checks.push(compare(`${prefix}BackpropInput ${c.name}`, dInput, ref.dInput));
    }
    // Broadcast-only Tile, as the BatchNormalization gradient uses it.
    const tiled = tf.tidy(() => tf.tile(tf.tensor4d([1, -2, 3, -4], [1, 1, 1, 4]), [2, 3, 2, 1]));
    const expected = new Float64Array(2 * 3 * 2 * 4).map((_, i) => [1, -2, 3, -4][i % 4] as number);
    checks.push(compare('Tile broadcast [1,1,1,4] by [2,3,2,1]', tiled, expected));
  } catch (err) {
    return finish(started, checks, `a kernel threw: ${err instanceof Error ? err.message : String(err)}`);
  }
  const failed = checks.filter((c) => !c.passed);
  return finish(started, checks, failed.length === 0 ? undefined : `gradient parity failed: ${failed.map((c) => `${c.name} (error ${c.error.toExponential(2)})`).join('; ')}`);
}

function finish(started: number, checks: TfjsSelfTestCheck[], error: string | undefined): TfjsSelfTest {
  const result: TfjsSelfTest = {
    passed: error === undefined,
    skipped: false,
    ms: performance.now() - started,
    maxError: checks.reduce((m, c) => Math.max(m, c.error), 0),
    tolerance: SELF_TEST_TOLERANCE,
    checks,
  };
  if (error !== undefined) result.error = error;
  return result;
}

function compare(name: string, actual: Tensor, expected: Float64Array): TfjsSelfTestCheck {
  const values = actual.dataSync();
  actual.dispose();
  let scale = 1;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let error = values.length === expected.length ? 0 : Number.POSITIVE_INFINITY;
  for (let i = 0; i < expected.length && Number.isFinite(error); i++) {
    const d = Math.abs((values[i] as number) - (expected[i] as number)) / scale;
    error = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(error, d);
  }
  return { name, error, passed: error <= SELF_TEST_TOLERANCE };
}

/**
 * The two gradients of an NHWC convolution (or depthwise convolution, filter [kh, kw, C, m]) straight
 * from their definitions: y[n,oh,ow,o] = sum x[n, oh*s + a - pt, ow*s + b - pl, i] * w[a,b,i,o].
 */
function referenceConvGrads(
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
  [batch, height, width, channels]: Shape4,
  [kh, kw, fIn, fOut]: Shape4,
  [, outH, outW, outC]: Shape4,
  stride: number,
  padTop: number,
  padLeft: number,
  depthwise: boolean,
): { dFilter: Float64Array; dInput: Float64Array } {
  const dFilter = new Float64Array(w.length);
  const dInput = new Float64Array(x.length);
  const xAt = (n: number, h: number, ww: number, c: number) => ((n * height + h) * width + ww) * channels + c;
  const wAt = (a: number, b: number, i: number, o: number) => ((a * kw + b) * fIn + i) * fOut + o;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        for (let oc = 0; oc < outC; oc++) {
          const g = dy[((n * outH + oh) * outW + ow) * outC + oc] as number;
          for (let a = 0; a < kh; a++) {
            const ih = oh * stride + a - padTop;
            if (ih < 0 || ih >= height) continue;
            for (let b = 0; b < kw; b++) {
              const iw = ow * stride + b - padLeft;
              if (iw < 0 || iw >= width) continue;
              if (depthwise) {
                const c = Math.floor(oc / fOut);
                const q = oc % fOut;
                const xi = xAt(n, ih, iw, c);
                const wi = wAt(a, b, c, q);
                dFilter[wi] = (dFilter[wi] as number) + (x[xi] as number) * g;
                dInput[xi] = (dInput[xi] as number) + (w[wi] as number) * g;
              } else {
                for (let ic = 0; ic < channels; ic++) {
                  const xi = xAt(n, ih, iw, ic);
                  const wi = wAt(a, b, ic, oc);
                  dFilter[wi] = (dFilter[wi] as number) + (x[xi] as number) * g;
                  dInput[xi] = (dInput[xi] as number) + (w[wi] as number) * g;
                }
              }
            }
          }
        }
      }
    }
  }
  return { dFilter, dInput };
}

function randomValues(random: () => number, shape: number[]): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = random() * 2 - 1;
  return out;
}

