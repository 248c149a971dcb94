import type { LayersModel } from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { writeFileAtomic } from '../dataSource.js';
import { WorkerSdkError, type WorkerSdkErrorCode } from '../errors.js';

const { onnx } = onnxProto;

/** Options of `exportToOnnx`. */
export interface OnnxExportOptions {
  /**
   * Layout of the ONNX model's image inputs (rank 4). `NHWC` (default) takes exactly what the tfjs model
   * takes; `NCHW` saves a transpose when the preprocessing produces channels-first tensors.
   */
  inputLayout?: 'NHWC' | 'NCHW';
  /** Graph name written into the model (default: the tfjs model's name). */
  graphName?: string;
}

/** The ONNX operator set the exporter writes (Resize, Softmax and BatchNormalization as of opset 13). */
export const ONNX_OPSET = 13;

/** Layer classes `exportToOnnx` converts. */
export const ONNX_EXPORTABLE_LAYERS = [
  'InputLayer',
  'Conv2D',
  'DepthwiseConv2D',
  'BatchNormalization',
  'ReLU',
  'LeakyReLU',
  'Activation',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'Dense',
  'Concatenate',
  'Add',
  'UpSampling2D',
  'Reshape',
  'Flatten',
  'Dropout',
] as const;

/** Activation names (as tfjs serialises them) the exporter converts. */
export const ONNX_EXPORTABLE_ACTIVATIONS = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'softsign', 'hardSigmoid', 'swish'] as const;

// What the exporter reads from tfjs-layers objects; structural, so no internal tfjs types leak out.
interface LayerVariableLike {
  originalName: string;
  shape: number[];
  read(): { dataSync(): ArrayLike<number> };
}
interface SymbolicTensorLike {
  id: number;
  shape: Array<number | null>;
  sourceLayer: LayerLike;
  nodeIndex: number;
  tensorIndex: number;
}
interface LayerLike {
  name: string;
  getClassName(): string;
  getConfig(): Record<string, unknown>;
  weights: LayerVariableLike[];
  inboundNodes: Array<{ inputTensors: SymbolicTensorLike[]; outputTensors: SymbolicTensorLike[] }>;
}

type Layout = 'native' | 'NCHW';

/** An ONNX value standing for a tfjs tensor; rank-4 tensors are kept channels-first inside the graph. */
interface Value {
  name: string;
  layout: Layout;
  /** The tfjs (channels-last) shape, batch first, null where unknown. */
  shape: Array<number | null>;
}

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

class GraphBuilder {
  readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private readonly used = new Set<string>();
  private readonly converted = new Map<string, string>();

  unique(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./:-]/g, '_');
    let name = clean;
    for (let i = 1; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }

  reserve(name: string): void {
    this.used.add(name);
  }

  node(opType: string, inputs: string[], attributes: Attributes = {}, outputName?: string): string {
    const output = outputName ?? this.unique(`${opType.toLowerCase()}_out`);
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        name: this.unique(`${opType}_node`),
        input: inputs,
        output: [output],
        attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
      }),
    );
    return output;
  }

  floatTensor(base: string, dims: number[], values: ArrayLike<number>): string {
    const name = this.unique(base);
    const data = Float32Array.from(values);
    this.initializers.push(onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer) }));
    return name;
  }

  int64Tensor(base: string, values: number[]): string {
    const name = this.unique(base);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push(onnx.TensorProto.create({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(data.buffer) }));
    return name;
  }

  /** The value in the requested layout, transposing (once per value) when needed. */
  as(value: Value, layout: Layout): string {
    if (value.shape.length !== 4 || value.layout === layout) return value.name;
    const key = `${value.name}->${layout}`;
    let name = this.converted.get(key);
    if (name === undefined) {
      name = this.node('Transpose', [value.name], { perm: layout === 'NCHW' ? TO_NCHW : TO_NHWC });
      this.converted.set(key, name);
    }
    return name;
  }
}

function attribute(name: string, value: number | number[] | string) {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(value) });
  if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: T.INTS, ints: value });
  if (Number.isInteger(value) && !FLOAT_ATTRIBUTES.has(name)) return onnx.AttributeProto.create({ name, type: T.INT, i: value });
  return onnx.AttributeProto.create({ name, type: T.FLOAT, f: value });
}

const FLOAT_ATTRIBUTES = new Set(['alpha', 'beta', 'gamma', 'epsilon', 'min', 'max']);

/** Throws for `layer`: `EXPORT_UNSUPPORTED` (a layer or setting the export does not cover) unless told otherwise. */
function fail(layer: LayerLike, what: string, code: WorkerSdkErrorCode = 'EXPORT_UNSUPPORTED'): never {
  throw new WorkerSdkError(code, `exportToOnnx: layer "${layer.name}" (${layer.getClassName()}): ${what}`);
}

function weightsOf(layer: LayerLike): Map<string, { shape: number[]; values: ArrayLike<number> }> {
  const out = new Map<string, { shape: number[]; values: ArrayLike<number> }>();
  for (const w of layer.weights) {
    const key = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
    out.set(key, { shape: w.shape, values: w.read().dataSync() });
  }
  return out;
}

function requireWeight(layer: LayerLike, weights: ReturnType<typeof weightsOf>, key: string) {
  const w = weights.get(key);
  if (w === undefined) fail(layer, `has no weight "${key}" (weights: ${[...weights.keys()].join(', ')})`, 'MODEL_INVALID');
  return w;
}

function pair(value: unknown, fallback: number): [number, number] {
  if (value === undefined || value === null) return [fallback, fallback];
  if (typeof value === 'number') return [value, value];
  const [a, b] = value as number[];
  return [a ?? fallback, b ?? a ?? fallback];
}

/** Explicit `[top, left, bottom, right]` pads of TensorFlow's SAME, or undefined when a size is unknown. */
function samePads(inShape: Array<number | null>, kernel: [number, number], strides: [number, number], dilations: [number, number]): number[] | undefined {
  const pads: number[] = [0, 0, 0, 0];
  for (let axis = 0; axis < 2; axis++) {
    const size = inShape[axis + 1];
    if (size === null || size === undefined) return undefined;
    const s = strides[axis] as number;
    const effective = ((kernel[axis] as number) - 1) * (dilations[axis] as number) + 1;
    const out = Math.ceil(size / s);
    const total = Math.max((out - 1) * s + effective - size, 0);
    pads[axis] = Math.floor(total / 2);
    pads[axis + 2] = total - Math.floor(total / 2);
  }
  return pads;
}

type Attributes = Record<string, number | number[] | string>;

function paddingAttributes(layer: LayerLike, padding: unknown, inShape: Array<number | null>, kernel: [number, number], strides: [number, number], dilations: [number, number]): Attributes {
  if (padding === 'valid') return { pads: [0, 0, 0, 0] };
  if (padding !== 'same') fail(layer, `padding ${JSON.stringify(padding)} is not supported (same, valid)`);
  const pads = samePads(inShape, kernel, strides, dilations);
  return pads === undefined ? { auto_pad: 'SAME_UPPER' } : { pads };
}

function checkChannelsLast(layer: LayerLike, config: Record<string, unknown>): void {
  const format = config.dataFormat;
  if (format !== undefined && format !== 'channelsLast') fail(layer, `dataFormat ${JSON.stringify(format)} is not supported (channelsLast)`);
}

/** Appends the activation named `name` (tfjs serialisation) to `input`, in the given layout. */
function activation(g: GraphBuilder, layer: LayerLike, name: unknown, input: string, layout: Layout, rank: number): string {
  switch (name) {
    case undefined:
    case null:
    case 'linear':
      return input;
    case 'relu':
      return g.node('Relu', [input]);
    case 'relu6':
      return g.node('Clip', [input, g.floatTensor('relu6_min', [], [0]), g.floatTensor('relu6_max', [], [6])]);
    case 'sigmoid':
      return g.node('Sigmoid', [input]);
    case 'tanh':
      return g.node('Tanh', [input]);
    case 'softmax':
      return g.node('Softmax', [input], { axis: layout === 'NCHW' && rank === 4 ? 1 : -1 });
    case 'elu':
      return g.node('Elu', [input], { alpha: 1 });
    case 'selu':
      return g.node('Selu', [input]);
    case 'softplus':
      return g.node('Softplus', [input]);
    case 'softsign':
      return g.node('Softsign', [input]);
    case 'hardSigmoid':
      return g.node('HardSigmoid', [input], { alpha: 0.2, beta: 0.5 });
    case 'swish':
      return g.node('Mul', [input, g.node('Sigmoid', [input])]);
    default:
      fail(layer, `activation ${JSON.stringify(name)} is not supported (${ONNX_EXPORTABLE_ACTIVATIONS.join(', ')})`);
  }
}

/** Layers in an order where every layer call comes after the calls producing its inputs. */
function topologicalCalls(model: LayersModel): Array<{ layer: LayerLike; nodeIndex: number }> {
  const order: Array<{ layer: LayerLike; nodeIndex: number }> = [];
  const seen = new Set<string>();
  const keyOf = (layer: LayerLike, nodeIndex: number) => `${layer.name}#${nodeIndex}`;
  const visit = (t: SymbolicTensorLike, depth: number) => {
    const key = keyOf(t.sourceLayer, t.nodeIndex);
    if (seen.has(key)) return;
    if (depth > 10000) throw new WorkerSdkError('MODEL_INVALID', 'exportToOnnx: the model graph is too deep or cyclic');
    seen.add(key);
    const node = t.sourceLayer.inboundNodes[t.nodeIndex];
    if (node === undefined) fail(t.sourceLayer, `has no call #${t.nodeIndex}`, 'MODEL_INVALID');
    for (const input of node.inputTensors) if (input.sourceLayer !== t.sourceLayer) visit(input, depth + 1);
    order.push({ layer: t.sourceLayer, nodeIndex: t.nodeIndex });
  };
  for (const t of model.outputs as unknown as SymbolicTensorLike[]) visit(t, 0);
  return order;
}

function graphValueInfo(name: string, shape: Array<number | null>, layout: Layout) {
  const ordered = shape.length === 4 && layout === 'NCHW' ? TO_NCHW.map((i) => shape[i] ?? null) : shape;
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: ordered.map((d, i) => (d === null || d === undefined ? { dimParam: i === 0 ? 'batch' : `${name}_d${i}` } : { dimValue: d })) },
      },
    },
  });
}

/**
 * Converts a trained tfjs LayersModel (Sequential or functional) into an ONNX model (opset 13), weights
 * included. Inputs and outputs keep the tfjs names, shapes and (by default) the channels-last layout,
 * so the same preprocessing feeds both. Supported layers: `ONNX_EXPORTABLE_LAYERS`; anything else (a
 * layer, activation, padding, data format or dtype the export does not cover) is a `WorkerSdkError` with
 * code `EXPORT_UNSUPPORTED` naming the layer; a malformed graph is `MODEL_INVALID`.
 *
 * @example
 * ```ts
 * const bytes = exportToOnnx(model);
 * const session = await ort.InferenceSession.create(bytes);
 * ```
 */
export function exportToOnnx(model: LayersModel, options: OnnxExportOptions = {}): Uint8Array {
  const g = new GraphBuilder();
  const values = new Map<number, Value>();
  const graphInputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  const inputLayout: Layout = options.inputLayout === 'NCHW' ? 'NCHW' : 'native';
  const outputs = model.outputs as unknown as SymbolicTensorLike[];
  // A Sequential model has no output names until it is built; its output layers' names are the same.
  const outputNames = outputs.map((t, i) => model.outputNames[i] || t.sourceLayer.name);
  const inputs = model.inputs as unknown as SymbolicTensorLike[];
  for (const name of [...inputs.map((t) => t.sourceLayer.name), ...outputNames]) g.reserve(name);

  for (const { layer, nodeIndex } of topologicalCalls(model)) {
    const node = layer.inboundNodes[nodeIndex] as LayerLike['inboundNodes'][number];
    const className = layer.getClassName();
    const config = layer.getConfig();
    const out = node.outputTensors[0] as SymbolicTensorLike;
    if (node.outputTensors.length !== 1) fail(layer, `has ${node.outputTensors.length} outputs; only single-output layers are supported`);
    if (className === 'InputLayer') {
      const dtype = (config.dtype as string | undefined) ?? 'float32';
      if (dtype !== 'float32') fail(layer, `input dtype ${JSON.stringify(dtype)} is not supported (float32)`);
      const name = layer.name;
      const layout = out.shape.length === 4 ? inputLayout : 'native';
      graphInputs.push(graphValueInfo(name, out.shape, layout));
      values.set(out.id, { name, layout, shape: out.shape });
      continue;
    }
    const ins = node.inputTensors.map((t) => {
      const v = values.get(t.id);
      if (v === undefined) fail(layer, `input ${t.sourceLayer.name} was not converted`, 'INTERNAL');
      return v;
    });
    const x = ins[0] as Value;
    const set = (name: string, layout: Layout) => values.set(out.id, { name, layout, shape: out.shape });
    const rank = out.shape.length;

    switch (className) {
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        checkChannelsLast(layer, config);
        if (x.shape.length !== 4) fail(layer, `input rank ${x.shape.length} is not 4`);
        const weights = weightsOf(layer);
        const depthwise = className === 'DepthwiseConv2D';
        const kernel = requireWeight(layer, weights, depthwise ? 'depthwise_kernel' : 'kernel');
        const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
        // tfjs [kh, kw, in, out] (depthwise: [kh, kw, C, m]) -> ONNX [out, in/group, kh, kw].
        const onnxOut = depthwise ? cin * cout : cout;
        const w = new Float32Array(kernel.values.length);
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++)
            for (let i = 0; i < cin; i++)
              for (let o = 0; o < cout; o++) {
                const src = ((a * kw + b) * cin + i) * cout + o;
                const dst = depthwise ? ((i * cout + o) * kh + a) * kw + b : ((o * cin + i) * kh + a) * kw + b;
                w[dst] = kernel.values[src] as number;
              }
        const inputs = [g.as(x, 'NCHW'), g.floatTensor(`${layer.name}/kernel`, depthwise ? [onnxOut, 1, kh, kw] : [cout, cin, kh, kw], w)];
        const bias = weights.get('bias');
        if (bias !== undefined) inputs.push(g.floatTensor(`${layer.name}/bias`, [onnxOut], bias.values));
        const strides = pair(config.strides, 1);
        const dilations = pair(config.dilationRate, 1);
        const conv = g.node('Conv', inputs, {
          kernel_shape: [kh, kw],
          strides,
          dilations,
          group: depthwise ? cin : 1,
          ...paddingAttributes(layer, config.padding, x.shape, [kh, kw], strides, dilations),
        });
        set(activation(g, layer, config.activation, conv, 'NCHW', 4), 'NCHW');
        break;
      }
      case 'BatchNormalization': {
        const weights = weightsOf(layer);
        const mean = requireWeight(layer, weights, 'moving_mean');
        const variance = requireWeight(layer, weights, 'moving_variance');
        const channels = mean.values.length;
        const gamma = weights.get('gamma')?.values ?? new Float32Array(channels).fill(1);
        const beta = weights.get('beta')?.values ?? new Float32Array(channels);
        const epsilon = (config.epsilon as number | undefined) ?? 1e-3;
        const axis = config.axis as number | number[] | undefined;
        const lastAxis = axis === undefined || axis === -1 || axis === rank - 1 || (Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === rank - 1));
        if (!lastAxis) fail(layer, `axis ${JSON.stringify(axis)} is not supported (the last axis)`);
        if (rank === 4) {
          const bn = g.node(
            'BatchNormalization',
            [
              g.as(x, 'NCHW'),
              g.floatTensor(`${layer.name}/gamma`, [channels], gamma),
              g.floatTensor(`${layer.name}/beta`, [channels], beta),
              g.floatTensor(`${layer.name}/moving_mean`, [channels], mean.values),
              g.floatTensor(`${layer.name}/moving_variance`, [channels], variance.values),
            ],
            { epsilon },
          );
          set(bn, 'NCHW');
        } else {
          // Inference-time BN on the last axis of any rank: x * a + b, with a and b folded from the stats.
          const a = new Float32Array(channels);
          const b = new Float32Array(channels);
          for (let c = 0; c < channels; c++) {
            a[c] = (gamma[c] as number) / Math.sqrt((variance.values[c] as number) + epsilon);
            b[c] = (beta[c] as number) - (mean.values[c] as number) * (a[c] as number);
          }
          const scaled = g.node('Mul', [g.as(x, 'native'), g.floatTensor(`${layer.name}/scale`, [channels], a)]);
          set(g.node('Add', [scaled, g.floatTensor(`${layer.name}/offset`, [channels], b)]), 'native');
        }
        break;
      }
      case 'ReLU': {
        const max = config.maxValue as number | null | undefined;
        if (max === null || max === undefined) set(g.node('Relu', [x.name]), x.layout);
        else set(g.node('Clip', [x.name, g.floatTensor(`${layer.name}/min`, [], [0]), g.floatTensor(`${layer.name}/max`, [], [max])]), x.layout);
        break;
      }
      case 'LeakyReLU':
        set(g.node('LeakyRelu', [x.name], { alpha: (config.alpha as number | undefined) ?? 0.3 }), x.layout);
        break;
      case 'Activation':
        set(activation(g, layer, config.activation, x.name, x.layout, rank), x.layout);
        break;
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        checkChannelsLast(layer, config);
        const kernel = pair(config.poolSize, 2);
        const strides = pair(config.strides ?? config.poolSize, 2);
        const attrs = { kernel_shape: kernel, strides, ...paddingAttributes(layer, config.padding, x.shape, kernel, strides, [1, 1]) };
        // AveragePool's count_include_pad defaults to 0: padded cells are left out of the mean, as in tfjs.
        set(g.node(className === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [g.as(x, 'NCHW')], attrs), 'NCHW');
        break;
      }
      case 'GlobalAveragePooling2D': {
        checkChannelsLast(layer, config);
        const pooled = g.node('GlobalAveragePool', [g.as(x, 'NCHW')]);
        if (rank === 4) set(pooled, 'NCHW');
        else set(g.node('Flatten', [pooled], { axis: 1 }), 'native');
        break;
      }
      case 'Dense': {
        const weights = weightsOf(layer);
        const kernel = requireWeight(layer, weights, 'kernel');
        const [inputDim, units] = kernel.shape as [number, number];
        const bias = weights.get('bias');
        const input = g.as(x, 'native');
        const w = g.floatTensor(`${layer.name}/kernel`, [inputDim, units], kernel.values);
        let y: string;
        if (x.shape.length === 2) {
          y = g.node('Gemm', bias === undefined ? [input, w] : [input, w, g.floatTensor(`${layer.name}/bias`, [units], bias.values)]);
        } else {
          y = g.node('MatMul', [input, w]);
          if (bias !== undefined) y = g.node('Add', [y, g.floatTensor(`${layer.name}/bias`, [units], bias.values)]);
        }
        set(activation(g, layer, config.activation, y, 'native', rank), 'native');
        break;
      }
      case 'Concatenate': {
        let axis = (config.axis as number | undefined) ?? -1;
        if (axis < 0) axis += rank;
        const layout: Layout = ins.every((v) => v.shape.length === 4) ? 'NCHW' : 'native';
        const onnxAxis = layout === 'NCHW' ? (TO_NCHW.indexOf(axis) as number) : axis;
        set(g.node('Concat', ins.map((v) => g.as(v, layout)), { axis: onnxAxis }), layout);
        break;
      }
      case 'Add': {
        const layout: Layout = ins.every((v) => v.shape.length === 4) ? 'NCHW' : 'native';
        let sum = g.as(ins[0] as Value, layout);
        for (const v of ins.slice(1)) sum = g.node('Add', [sum, g.as(v, layout)]);
        set(sum, layout);
        break;
      }
      case 'UpSampling2D': {
        checkChannelsLast(layer, config);
        const [sh, sw] = pair(config.size, 2);
        const interpolation = (config.interpolation as string | undefined) ?? 'nearest';
        if (interpolation !== 'nearest' && interpolation !== 'bilinear') fail(layer, `interpolation ${JSON.stringify(interpolation)} is not supported (nearest, bilinear)`);
        // tfjs resizes with alignCorners = halfPixelCenters = false: ONNX's "asymmetric" coordinates.
        const attrs: Record<string, string> =
          interpolation === 'nearest'
            ? { mode: 'nearest', nearest_mode: 'floor', coordinate_transformation_mode: 'asymmetric' }
            : { mode: 'linear', coordinate_transformation_mode: 'asymmetric' };
        set(g.node('Resize', [g.as(x, 'NCHW'), '', g.floatTensor(`${layer.name}/scales`, [4], [1, 1, sh, sw])], attrs), 'NCHW');
        break;
      }
      case 'Reshape': {
        // tfjs writes the inferred dimension (-1) as null in the layer config.
        const target = (config.targetShape as Array<number | null>).map((d) => (d === null || d < 0 ? -1 : d));
        set(g.node('Reshape', [g.as(x, 'native'), g.int64Tensor(`${layer.name}/shape`, [0, ...target])]), 'native');
        break;
      }
      case 'Flatten':
        set(g.node('Flatten', [g.as(x, 'native')], { axis: 1 }), 'native');
        break;
      case 'Dropout':
        // Inference: dropout is the identity.
        values.set(out.id, { ...x, shape: out.shape });
        break;
      default:
        fail(layer, `layer type not supported by the ONNX export (supported: ${ONNX_EXPORTABLE_LAYERS.join(', ')})`);
    }
  }

  const graphOutputs = outputs.map((t, i) => {
    const v = values.get(t.id);
    const name = outputNames[i] as string;
    if (v === undefined) throw new WorkerSdkError('INTERNAL', `exportToOnnx: output ${name} was not converted`);
    g.node(v.shape.length === 4 && v.layout === 'NCHW' ? 'Transpose' : 'Identity', [v.name], v.shape.length === 4 && v.layout === 'NCHW' ? { perm: TO_NHWC } : {}, name);
    return graphValueInfo(name, t.shape, 'native');
  });

  const proto = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: '@sedna-ts/worker-sdk',
    producerVersion: '0.1.0',
    graph: onnx.GraphProto.create({
      name: options.graphName ?? model.name,
      node: g.nodes,
      initializer: g.initializers,
      input: graphInputs,
      output: graphOutputs,
    }),
  });
  return onnx.ModelProto.encode(proto).finish();
}

/**
 * Writes `exportToOnnx(model)` to `path` (temp file, fsync, rename: a crash leaves the old file or the
 * new one, never half of one).
 */
export async function saveOnnx(model: LayersModel, path: string, options: OnnxExportOptions = {}): Promise<void> {
  const bytes = exportToOnnx(model, options);
  await writeFileAtomic(path, bytes);
}
