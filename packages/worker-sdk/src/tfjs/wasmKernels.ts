import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { DataType, KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { WorkerSdkError } from '../errors.js';
import type { Tf } from './tfTypes.js';
import { WasmOps } from './wasmOps.js';

/*
 * Training kernels for the tfjs wasm backend.
 *
 * The wasm backend ships Conv2D and DepthwiseConv2dNative on XNNPACK but no Conv2DBackpropFilter and no
 * depthwise backprop kernels at all, and its Conv2DBackpropInput and Tile are plain loops. Every kernel
 * here rewrites a gradient as one forward convolution (or a matrix product) the backend runs fast:
 *
 * - Conv2DBackpropFilter: dW[a,b,ci,co] = sum over n,oh,ow of x[n, oh*s + a - pt, ow*s + b - pl, ci] *
 *   dy[n,oh,ow,co]. That is a convolution of x seen as [Ci, H, W, B] (batch Ci, channels B) with dy
 *   seen as the filter [Ho, Wo, B, Co], dilated by the original stride, padded by the original padding;
 *   its [Ci, kh, kw, Co] output is dW transposed. 1x1 stride-1 convolutions are x^T . dy instead.
 * - Conv2DBackpropInput: dy with (stride - 1) zeros inserted between its pixels, convolved with the
 *   filter flipped in space and with in/out channels swapped, padded so the output is the input's size.
 *   For equal strides s > 1 it skips the zeros: the s*s phases of the input (ih mod s, iw mod s) each
 *   see a fixed subset of the taps, so one stride-1 convolution of dy with all phases' taps side by side
 *   in its output channels, then a transpose that interleaves them, does about half the work.
 * - The depthwise pair: the same two rewrites on the depthwise convolution, with the batch folded into
 *   the channels for the filter gradient (x as [1, H, W, B*C], dy as the filter [Ho, Wo, B*C, m]).
 * - Tile: when it only broadcasts (every tiled dimension has size 1) it is x + zeros(outShape), which the
 *   backend's broadcasting Add does in one pass; anything else goes to the stock kernel.
 *
 * Kernels call the backend's own kernels through WasmOps and free every intermediate, reshapes
 * included, so the heap stays flat across training steps.
 */

type Pads4 = [number, number, number, number];
type Shape4 = [number, number, number, number];

/** Names of the kernels `registerWasmTrainingKernels` installs for the 'wasm' backend. */
export const WASM_TRAINING_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'Tile',
] as const;

/** One of the kernels we install. */
export type WasmTrainingKernel = (typeof WASM_TRAINING_KERNELS)[number];

interface KernelArgs {
  inputs: NamedTensorInfoMap;
  attrs: NamedAttrMap;
  backend: BackendWasm;
}

type OurKernel = (ops: WasmOps, args: KernelArgs, stock: KernelConfig | undefined) => TensorInfo;

const opsByBackend = new WeakMap<object, WasmOps>();

/**
 * Test hook: a kernel named here scales its output by (1 + factor) so tests can check the self-test
 * catches a wrong kernel. Not exported from the package.
 */
export const faultInjection: { kernel?: WasmTrainingKernel; factor: number } = { factor: 1e-3 };

interface Registration {
  stock: Map<string, KernelConfig>;
}

let registration: Registration | undefined;

/**
 * Installs our training kernels for the 'wasm' backend (replacing the stock Conv2DBackpropInput and
 * Tile, which stay reachable as fallbacks). Call after `await tf.setBackend('wasm')`. Idempotent.
 */
export function registerWasmTrainingKernels(tf: Tf): readonly WasmTrainingKernel[] {
  if (registration !== undefined) return WASM_TRAINING_KERNELS;
  const stock = new Map<string, KernelConfig>();
  const ours: Record<WasmTrainingKernel, OurKernel> = {
    Conv2DBackpropFilter: conv2dBackpropFilter,
    Conv2DBackpropInput: conv2dBackpropInput,
    DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
    DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
    Tile: tile,
  };
  for (const name of WASM_TRAINING_KERNELS) {
    const existing = tf.getKernel(name, 'wasm') as KernelConfig | undefined;
    if (existing !== undefined) {
      stock.set(name, existing);
      tf.unregisterKernel(name, 'wasm');
    }
    const impl = ours[name];
    const kernelFunc: KernelFunc = (params) => {
      const args = params as unknown as KernelArgs;
      let ops = opsByBackend.get(args.backend);
      if (ops === undefined) {
        ops = new WasmOps(tf, args.backend);
        opsByBackend.set(args.backend, ops);
      }
      const out = impl(ops, args, existing);
      if (faultInjection.kernel === name) corrupt(ops, out, faultInjection.factor);
      return out;
    };
    // The stock setupFunc stays: the fallback path needs its wasm bindings if the backend is re-created.
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc, setupFunc: existing?.setupFunc, disposeFunc: existing?.disposeFunc });
  }
  registration = { stock };
  return WASM_TRAINING_KERNELS;
}

/** Removes our kernels and puts the stock ones back (used when the self-test fails). */
export function unregisterWasmTrainingKernels(tf: Tf): void {
  if (registration === undefined) return;
  for (const name of WASM_TRAINING_KERNELS) {
    if (tf.getKernel(name, 'wasm') !== undefined) tf.unregisterKernel(name, 'wasm');
    const stock = registration.stock.get(name);
    if (stock !== undefined) tf.registerKernel(stock);
  }
  registration = undefined;
}

function corrupt(ops: WasmOps, out: TensorInfo, factor: number): void {
  const view = ops.backend.typedArrayFromHeap(out);
  for (let i = 0; i < view.length; i++) view[i] = (view[i] as number) * (1 + factor);
}

function convInfo(ops: WasmOps, xShape: number[], filterShape: number[], attrs: NamedAttrMap, depthwise: boolean) {
  const dilations = (attrs.dilations ?? 1) as number | [number, number];
  const dilationsAreOne = typeof dilations === 'number' ? dilations === 1 : dilations.every((d) => d === 1);
  if (!dilationsAreOne) throw new WorkerSdkError('CONFIG_INVALID', `wasm training kernels: gradients of dilated convolutions are not supported (dilations ${String(dilations)})`);
  return ops.tfBackendUtil.computeConv2DInfo(
    xShape as Shape4,
    filterShape as Shape4,
    attrs.strides as number | [number, number],
    1,
    attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    depthwise,
    'channelsLast',
  );
}

function isChannelsLast(attrs: NamedAttrMap): boolean {
  return attrs.dataFormat === undefined || attrs.dataFormat === 'NHWC' || attrs.dataFormat === 'channelsLast';
}

/**
 * A convolution whose padding may be negative on any side: it runs with the negative sides at zero and
 * crops the window of `rows` x `cols` the requested padding describes.
 */
function convCropped(
  ops: WasmOps,
  kind: 'conv' | 'depthwise',
  x: TensorInfo,
  filter: TensorInfo,
  dilations: [number, number],
  [top, bottom, left, right]: Pads4,
  rows: number,
  cols: number,
): TensorInfo {
  const pads: Pads4 = [Math.max(top, 0), Math.max(bottom, 0), Math.max(left, 0), Math.max(right, 0)];
  const full = ops.conv(kind === 'conv' ? 'Conv2D' : 'DepthwiseConv2dNative', x, filter, [1, 1], dilations, pads);
  const out = ops.crop(full, Math.max(-top, 0), Math.max(-left, 0), rows, cols);
  ops.free(full);
  return out;
}

type ConvInfo = ReturnType<typeof convInfo>;

/**
 * Padding of the convolution over zero-inserted dy (height Ho*sh) with the flipped filter whose output
 * is the input gradient: P = k - 1 - pad before, input size - Ho*s + pad after (negative: cropped).
 */
function inputGradPads(info: ConvInfo): Pads4 {
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  return [
    filterHeight - 1 - padInfo.top,
    inHeight - outHeight * strideHeight + padInfo.top,
    filterWidth - 1 - padInfo.left,
    inWidth - outWidth * strideWidth + padInfo.left,
  ];
}

/** Padding of the convolution of x with dy dilated by the stride whose output is the filter gradient (k x k). */
function filterGradPads(info: ConvInfo): Pads4 {
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  return [
    padInfo.top,
    filterHeight + (outHeight - 1) * strideHeight - inHeight - padInfo.top,
    padInfo.left,
    filterWidth + (outWidth - 1) * strideWidth - inWidth - padInfo.left,
  ];
}

/**
 * dy [B, Ho, Wo, C] with (stride - 1) zeros after every row and column: [B, Ho*sh, Wo*sw, C]. Two pads
 * of low rank rather than one of rank 6, each of which the backend does natively.
 */
function zeroInsert(ops: WasmOps, dy: TensorInfo, sh: number, sw: number): TensorInfo {
  const [b, ho, wo, c] = dy.shape as Shape4;
  if (sh === 1 && sw === 1) return ops.reshape(dy, dy.shape);
  const cols = ops.reshape(dy, [b * ho, wo, 1, c]);
  const colsPadded = ops.pad(cols, [[0, 0], [0, 0], [0, sw - 1], [0, 0]]);
  const rowsView = ops.reshape(colsPadded, [b * ho, 1, wo * sw * c]);
  const rowsPadded = ops.pad(rowsView, [[0, 0], [0, sh - 1], [0, 0]]);
  const out = ops.reshape(rowsPadded, [b, ho * sh, wo * sw, c]);
  ops.free(cols, colsPadded, rowsView, rowsPadded);
  return out;
}

function conv2dBackpropFilter(ops: WasmOps, { inputs, attrs }: KernelArgs): TensorInfo {
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  if (!isChannelsLast(attrs)) throw new WorkerSdkError('CONFIG_INVALID', `wasm training kernels: Conv2DBackpropFilter supports dataFormat NHWC only, got ${String(attrs.dataFormat)}`);
  const info = convInfo(ops, x.shape, attrs.filterShape as number[], attrs, false);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;

  if (filterHeight === 1 && filterWidth === 1 && strideHeight === 1 && strideWidth === 1 && top === 0 && left === 0 && outHeight === inHeight && outWidth === inWidth) {
    // 1x1: dW = x^T . dy over all pixels of the batch.
    const n = batchSize * inHeight * inWidth;
    const x2 = ops.reshape(x, [1, n, inChannels]);
    const dy2 = ops.reshape(dy, [1, n, outChannels]);
    const product = ops.batchMatMul(x2, dy2, true, false);
    const out = ops.reshape(product, [1, 1, inChannels, outChannels]);
    ops.free(x2, dy2, product);
    return out;
  }

  const xT = ops.transpose(x, [3, 1, 2, 0]); // [Ci, H, W, B]
  const dyT = ops.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, B, Co]
  const grad = convCropped(ops, 'conv', xT, dyT, [strideHeight, strideWidth], filterGradPads(info), filterHeight, filterWidth);
  const out = ops.transpose(grad, [1, 2, 0, 3]); // [kh, kw, Ci, Co]
  ops.free(xT, dyT, grad);
  return out;
}

function conv2dBackpropInput(ops: WasmOps, args: KernelArgs, stock: KernelConfig | undefined): TensorInfo {
  const { inputs, attrs } = args;
  const dy = inputs.dy as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  if (!isChannelsLast(attrs)) {
    if (stock === undefined) throw new WorkerSdkError('CONFIG_INVALID', `wasm training kernels: Conv2DBackpropInput supports dataFormat NHWC only, got ${String(attrs.dataFormat)}`);
    return stock.kernelFunc(args as never) as TensorInfo;
  }
  const info = convInfo(ops, attrs.inputShape as number[], filter.shape, attrs, false);
  if (info.strideHeight === info.strideWidth && info.strideHeight > 1) return stridedBackpropInput(ops, dy, filter, info);
  const flipped = ops.reverse(filter, [0, 1]);
  const swapped = ops.transpose(flipped, [0, 1, 3, 2]); // [kh, kw, Co, Ci]
  const z = zeroInsert(ops, dy, info.strideHeight, info.strideWidth);
  const out = convCropped(ops, 'conv', z, swapped, [1, 1], inputGradPads(info), info.inHeight, info.inWidth);
  ops.free(flipped, swapped, z);
  return out;
}

/**
 * Conv2DBackpropInput for stride s > 1 (equal on both axes) without the s*s zeros: the input pixels of
 * each phase (ih mod s, iw mod s) see a fixed subset of the filter taps, so one stride-1 convolution of
 * dy with a filter holding every phase's taps side by side in its output channels ([T, T, Co, s*s*Ci])
 * gives all phases at once, and DepthToSpace interleaves them. For phase r and window tap t the filter
 * row is a = r + pad - s*(t - P), zero where that falls outside the filter.
 */
function stridedBackpropInput(ops: WasmOps, dy: TensorInfo, filter: TensorInfo, info: ConvInfo): TensorInfo {
  const { inHeight, inWidth, inChannels, outChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight: s, padInfo } = info;
  // Window start P (taps before the output position) and length T per axis, covering every phase.
  const before = (k: number, pad: number) => Math.floor((k - 1 - pad) / s);
  const taps = (k: number, pad: number) => Math.floor((s - 1 + pad) / s) + before(k, pad) + 1;
  const [ph, pw] = [before(filterHeight, padInfo.top), before(filterWidth, padInfo.left)];
  const [th, tw] = [taps(filterHeight, padInfo.top), taps(filterWidth, padInfo.left)];
  const phases = s * s * inChannels;

  const combined = ops.backend.makeOutput([th, tw, outChannels, phases], 'float32');
  const w = ops.backend.typedArrayFromHeap(filter);
  const f = ops.backend.typedArrayFromHeap(combined);
  f.fill(0);
  for (let t = 0; t < th; t++)
    for (let u = 0; u < tw; u++)
      for (let rh = 0; rh < s; rh++) {
        const a = rh + padInfo.top - s * (t - ph);
        if (a < 0 || a >= filterHeight) continue;
        for (let rw = 0; rw < s; rw++) {
          const b = rw + padInfo.left - s * (u - pw);
          if (b < 0 || b >= filterWidth) continue;
          for (let ci = 0; ci < inChannels; ci++) {
            const src = ((a * filterWidth + b) * inChannels + ci) * outChannels;
            const dst = (t * tw + u) * outChannels * phases + (rh * s + rw) * inChannels + ci;
            for (let co = 0; co < outChannels; co++) f[dst + co * phases] = w[src + co] as number;
          }
        }
      }

  const [qh, qw] = [Math.ceil(inHeight / s), Math.ceil(inWidth / s)];
  const pads: Pads4 = [ph, qh - outHeight - ph + th - 1, pw, qw - outWidth - pw + tw - 1];
  const perPhase = convCropped(ops, 'conv', dy, combined, [1, 1], pads, qh, qw); // [B, qh, qw, s*s*Ci]
  // Interleave the phases (what DepthToSpace does, but the backend's DepthToSpace is a slow loop and its
  // Transpose is not): [B*qh, qw, s, s*Ci] -> [B*qh, s, qw, s*Ci] is [B, qh*s, qw*s, Ci].
  const batch = dy.shape[0] as number;
  const split = ops.reshape(perPhase, [batch * qh, qw, s, s * inChannels]);
  const moved = ops.transpose(split, [0, 2, 1, 3]);
  const interleaved = ops.reshape(moved, [batch, qh * s, qw * s, inChannels]);
  const out = ops.crop(interleaved, 0, 0, inHeight, inWidth);
  ops.free(combined, perPhase, split, moved, interleaved);
  return out;
}

function depthwiseBackpropInput(ops: WasmOps, { inputs, attrs }: KernelArgs): TensorInfo {
  const dy = inputs.dy as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const info = convInfo(ops, attrs.inputShape as number[], filter.shape, attrs, true);
  const { batchSize, inHeight, inWidth, inChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const multiplier = filter.shape[3] as number;

  const flipped = ops.reverse(filter, [0, 1]);
  const perChannel = ops.reshape(flipped, [filterHeight, filterWidth, inChannels * multiplier, 1]);
  const z = zeroInsert(ops, dy, strideHeight, strideWidth);
  const conv = convCropped(ops, 'depthwise', z, perChannel, [1, 1], inputGradPads(info), inHeight, inWidth);
  ops.free(flipped, perChannel, z);
  if (multiplier === 1) return conv;
  // Each input channel feeds `multiplier` output channels: sum their contributions.
  const split = ops.reshape(conv, [batchSize, inHeight, inWidth, inChannels, multiplier]);
  const out = ops.sum(split, [4]);
  ops.free(conv, split);
  return out;
}

function depthwiseBackpropFilter(ops: WasmOps, { inputs, attrs }: KernelArgs): TensorInfo {
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const filterShape = attrs.filterShape as Shape4;
  const info = convInfo(ops, x.shape, filterShape, attrs, true);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const multiplier = filterShape[3];

  const xT = ops.transpose(x, [1, 2, 0, 3]); // [H, W, B, C]
  const xFolded = ops.reshape(xT, [1, inHeight, inWidth, batchSize * inChannels]);
  const dyT = ops.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, B, C*m]
  const dyFolded = ops.reshape(dyT, [outHeight, outWidth, batchSize * inChannels, multiplier]);
  const grad = convCropped(ops, 'depthwise', xFolded, dyFolded, [strideHeight, strideWidth], filterGradPads(info), filterHeight, filterWidth);
  ops.free(xT, xFolded, dyT, dyFolded);
  // grad is [1, kh, kw, B*C*m]; the batch contributions are summed out.
  const perBatch = ops.reshape(grad, [filterHeight, filterWidth, batchSize, inChannels * multiplier]);
  const summed = batchSize === 1 ? ops.reshape(perBatch, [filterHeight, filterWidth, inChannels * multiplier]) : ops.sum(perBatch, [2]);
  const out = ops.reshape(summed, filterShape);
  ops.free(grad, perBatch, summed);
  return out;
}

const ADDABLE: ReadonlySet<DataType> = new Set<DataType>(['float32', 'int32']);

function tile(ops: WasmOps, args: KernelArgs, stock: KernelConfig | undefined): TensorInfo {
  const x = args.inputs.x as TensorInfo;
  const reps = args.attrs.reps as number[];
  const broadcastOnly = x.shape.length === reps.length && x.shape.every((d, i) => d === 1 || reps[i] === 1);
  if (!broadcastOnly || !ADDABLE.has(x.dtype)) {
    if (stock === undefined) throw new WorkerSdkError('INTERNAL', `wasm training kernels: Tile of shape [${x.shape.join(', ')}] by [${reps.join(', ')}] needs the stock kernel, which is not registered`);
    return stock.kernelFunc(args as never) as TensorInfo;
  }
  const outShape = x.shape.map((d, i) => d * (reps[i] as number));
  const zeros = ops.fill(outShape, 0, x.dtype);
  const out = ops.add(x, zeros);
  ops.free(zeros);
  return out;
}
