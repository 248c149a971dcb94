// Child script: exports tfjs models to ONNX and compares tfjs predict with onnxruntime on random inputs.
// Prints {layers, missingLayers, runs: [{model, output, dims, tfjsShape, error}], errors: {...}}.
import type * as tfjs from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { initTfjs } from '../../../src/tfjs/initTfjs.js';
import { exportToOnnx, ONNX_EXPORTABLE_ACTIVATIONS, ONNX_EXPORTABLE_LAYERS } from '../../../src/tfjs/onnxExport.js';

const { tf } = await initTfjs();
const L = tf.layers;
const apply = (layer: tfjs.layers.Layer, x: tfjs.SymbolicTensor | tfjs.SymbolicTensor[]) => layer.apply(x) as tfjs.SymbolicTensor;

/** A detector-like functional model that uses every layer and activation the exporter supports. */
function everyLayerModel(): tfjs.LayersModel {
  const image = tf.input({ shape: [13, 11, 3], name: 'image' });
  let a = apply(L.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }), image);
  a = apply(L.batchNormalization(), a);
  a = apply(L.leakyReLU({ alpha: 0.1 }), a);
  let b = apply(L.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false }), a);
  b = apply(L.reLU({ maxValue: 1.5 }), b);
  const valid = apply(L.conv2d({ filters: 4, kernelSize: 5, strides: 2, padding: 'valid', dilationRate: 1 }), a);
  let c = apply(L.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' }), a);
  c = apply(L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }), c);
  c = apply(L.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }), c);
  c = apply(L.reLU(), c);
  const merged = apply(L.concatenate(), [apply(L.conv2d({ filters: 16, kernelSize: 1 }), b), c]);
  const pooled = apply(L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid' }), merged);
  const up = apply(L.upSampling2d({ size: [2, 2] }), merged);
  const upBilinear = apply(L.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }), merged);
  const sum = apply(L.add(), [up, upBilinear]);
  const heads = apply(L.conv2d({ filters: 6, kernelSize: 1, activation: 'sigmoid' }), sum);
  const boxes = apply(L.reshape({ targetShape: [-1, 6] }), heads);
  const classes = apply(L.dense({ units: 4, activation: 'softmax' }), boxes);
  let vector = apply(L.flatten(), valid);
  vector = apply(L.dropout({ rate: 0.5 }), vector);
  vector = apply(L.dense({ units: 10 }), vector);
  vector = apply(L.batchNormalization(), vector);
  const activations = apply(
    L.concatenate(),
    ONNX_EXPORTABLE_ACTIVATIONS.map((name) => apply(L.activation({ activation: name as 'relu' }), vector)),
  );
  const global = apply(L.globalAveragePooling2d({}), pooled);
  return tf.model({ inputs: image, outputs: [classes, activations, global, heads] });
}

/** Spatial size unknown at export: 'same' padding becomes ONNX auto_pad SAME_UPPER. */
function anySizeModel(): tfjs.LayersModel {
  const image = tf.input({ shape: [null, null, 3] as unknown as number[] });
  let h = apply(L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), image);
  h = apply(L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), h);
  h = apply(L.globalAveragePooling2d({}), h);
  return tf.model({ inputs: image, outputs: apply(L.dense({ units: 3 }), h) });
}

/** Random weights everywhere and non-trivial BatchNormalization statistics. */
function randomise(model: tfjs.LayersModel): void {
  let seed = 1;
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    layer.setWeights(
      weights.map((w, i) => {
        const isVariance = layer.getClassName() === 'BatchNormalization' && i === 3;
        return isVariance ? tf.randomUniform(w.shape, 0.5, 2, 'float32', seed++) : tf.randomNormal(w.shape, 0, 0.5, 'float32', seed++);
      }),
    );
  }
}

async function compare(name: string, model: tfjs.LayersModel, batch: number, inputLayout: 'NHWC' | 'NCHW' = 'NHWC', shape?: number[]) {
  const session = await ort.InferenceSession.create(exportToOnnx(model, { inputLayout }));
  const inputShape = shape ?? (model.inputs[0]?.shape.slice(1) as number[]);
  const x = tf.randomNormal([batch, ...inputShape], 0, 1, 'float32', 7);
  const expected = model.predict(x) as tfjs.Tensor | tfjs.Tensor[];
  const expectedList = Array.isArray(expected) ? expected : [expected];
  const feedTensor = inputLayout === 'NCHW' && inputShape.length === 3 ? tf.transpose(x, [0, 3, 1, 2]) : x;
  const feeds = { [session.inputNames[0] as string]: new ort.Tensor('float32', feedTensor.dataSync() as Float32Array, feedTensor.shape) };
  const outputs = await session.run(feeds);
  const runs = session.outputNames.map((output, i) => {
    const want = expectedList[i] as tfjs.Tensor;
    const got = outputs[output] as ort.Tensor;
    const a = want.dataSync();
    const b = got.data as Float32Array;
    let error = a.length === b.length ? 0 : Infinity;
    for (let j = 0; j < a.length; j++) error = Math.max(error, Math.abs((a[j] as number) - (b[j] as number)));
    return { model: name, output, dims: got.dims, tfjsShape: want.shape, error };
  });
  tf.dispose([x, feedTensor, ...expectedList]);
  await session.release();
  return runs;
}

function exportError(build: () => tfjs.LayersModel): { code?: string; message: string } | undefined {
  try {
    exportToOnnx(build());
    return undefined;
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  }
}

const model = everyLayerModel();
randomise(model);
// A few training steps on the backend initTfjs picked, so the export is of a trained model.
const trainX = tf.randomNormal([4, 13, 11, 3], 0, 1, 'float32', 3);
const targets = (model.predict(trainX) as tfjs.Tensor[]).map((o, i) => tf.randomUniform(o.shape, 0, 1, 'float32', 10 + i));
const optimizer = tf.train.adam(1e-2);
for (let i = 0; i < 3; i++) {
  optimizer.minimize(() => {
    const outputs = model.apply(trainX, { training: true }) as tfjs.Tensor[];
    return tf.addN(outputs.map((o, j) => tf.losses.meanSquaredError(targets[j] as tfjs.Tensor, o))) as tfjs.Scalar;
  });
}

const used = new Set(model.layers.map((l) => l.getClassName()));
const runs = [
  ...(await compare('every layer, NHWC input', model, 3)),
  ...(await compare('every layer, NCHW input', model, 2, 'NCHW')),
  ...(await compare('any image size (SAME_UPPER padding)', anySizeModel(), 2, 'NHWC', [13, 11, 3])),
  ...(await compare('sequential dense', tf.sequential({ layers: [L.dense({ units: 5, inputShape: [7], activation: 'relu' }), L.batchNormalization(), L.dense({ units: 2, activation: 'sigmoid' })] }), 4)),
];

const errors = {
  conv2dTranspose: exportError(() => {
    const input = tf.input({ shape: [8, 8, 3] });
    return tf.model({ inputs: input, outputs: apply(L.conv2dTranspose({ filters: 2, kernelSize: 3, name: 'deconv_head' }), apply(L.conv2d({ filters: 2, kernelSize: 1 }), input)) });
  }),
  mish: exportError(() => tf.sequential({ layers: [L.dense({ units: 2, inputShape: [3], activation: 'mish', name: 'mish_dense' })] })),
  int32Input: exportError(() => {
    const ids = tf.input({ shape: [3], dtype: 'int32', name: 'ids' });
    return tf.model({ inputs: ids, outputs: apply(L.dense({ units: 2 }), ids) });
  }),
  channelsFirst: exportError(() => tf.sequential({ layers: [L.upSampling2d({ size: [2, 2], dataFormat: 'channelsFirst', inputShape: [3, 4, 4], name: 'up_cf' })] })),
};

console.log(
  JSON.stringify({
    layers: [...used].sort(),
    missingLayers: ONNX_EXPORTABLE_LAYERS.filter((l) => !used.has(l)),
    runs,
    errors,
  }),
);
