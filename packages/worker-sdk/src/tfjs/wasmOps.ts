import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { DataType, KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { WorkerSdkError } from '../errors.js';
import type { Tf } from './tfTypes.js';

/** `[[before, after], ...]` per dimension, as PadV2 and explicit conv padding take them. */
export type Paddings = Array<[number, number]>;

/**
 * Calls the wasm backend's own kernels directly on TensorInfos, without going through the engine, so
 * a kernel of ours can compose them without creating Tensors, tape entries or tidy scopes. Every
 * TensorInfo returned here owns wasm heap memory (a reshape holds a reference too): the caller frees it
 * with `free` as soon as it is no longer needed.
 */
export class WasmOps {
  private readonly kernels = new Map<string, KernelConfig['kernelFunc']>();

  /** tfjs-core's backend_util (convolution geometry). */
  readonly tfBackendUtil: Tf['backend_util'];

  constructor(
    private readonly tf: Tf,
    readonly backend: BackendWasm,
  ) {
    this.tfBackendUtil = tf.backend_util;
  }

  private run(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap): TensorInfo {
    let fn = this.kernels.get(kernelName);
    if (fn === undefined) {
      const config = this.tf.getKernel(kernelName, 'wasm') as KernelConfig | undefined;
      if (config === undefined) throw new WorkerSdkError('INTERNAL', `wasm kernel ${kernelName} is not registered`);
      fn = config.kernelFunc;
      this.kernels.set(kernelName, fn);
    }
    const out = fn({ inputs, attrs, backend: this.backend });
    if (Array.isArray(out)) throw new WorkerSdkError('INTERNAL', `wasm kernel ${kernelName} returned ${out.length} outputs, expected one`);
    return out;
  }

  /** Frees intermediates (decrements the reference of reshapes, releases the memory of the rest). */
  free(...infos: Array<TensorInfo | undefined>): void {
    for (const info of infos) if (info !== undefined) this.backend.disposeData(info.dataId);
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  reverse(x: TensorInfo, dims: number[]): TensorInfo {
    return this.run('Reverse', { x }, { dims });
  }

  pad(x: TensorInfo, paddings: Paddings, constantValue = 0): TensorInfo {
    return this.run('PadV2', { x }, { paddings, constantValue });
  }

  sum(x: TensorInfo, axis: number[]): TensorInfo {
    return this.run('Sum', { x }, { axis, keepDims: false });
  }

  add(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run('Add', { a, b }, {});
  }

  fill(shape: number[], value: number, dtype: DataType): TensorInfo {
    return this.run('Fill', {}, { shape, value, dtype });
  }

  batchMatMul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
    return this.run('BatchMatMul', { a, b }, { transposeA, transposeB });
  }

  /** NHWC convolution (`Conv2D`) or depthwise convolution (`DepthwiseConv2dNative`); `pad` is explicit `[top, bottom, left, right]`. */
  conv(
    kernel: 'Conv2D' | 'DepthwiseConv2dNative',
    x: TensorInfo,
    filter: TensorInfo,
    strides: [number, number],
    dilations: [number, number],
    [top, bottom, left, right]: [number, number, number, number],
  ): TensorInfo {
    const pad = [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ];
    return this.run(kernel, { x, filter }, { strides, dilations, pad, dataFormat: 'NHWC' });
  }

  /**
   * Rows `[top, top + rows)` and columns `[left, left + cols)` of dimensions 1 and 2 of a 4-D tensor.
   * Copies straight between heap views: the stock Slice kernel first reads the whole input out of the heap.
   */
  crop(x: TensorInfo, top: number, left: number, rows: number, cols: number): TensorInfo {
    const [d0, d1, d2, d3] = x.shape as [number, number, number, number];
    if (top === 0 && left === 0 && rows === d1 && cols === d2) return this.reshape(x, x.shape);
    const out = this.backend.makeOutput([d0, rows, cols, d3], x.dtype);
    // Views are taken after makeOutput, which may grow (and so replace) the heap.
    const src = this.backend.typedArrayFromHeap(x);
    const dst = this.backend.typedArrayFromHeap(out);
    const rowLen = cols * d3;
    let o = 0;
    for (let a = 0; a < d0; a++) {
      for (let r = top; r < top + rows; r++) {
        const start = ((a * d1 + r) * d2 + left) * d3;
        dst.set(src.subarray(start, start + rowLen), o);
        o += rowLen;
      }
    }
    return out;
  }
}
