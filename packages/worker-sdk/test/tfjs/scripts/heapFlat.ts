// Child script: trains a small conv net for 100 steps on wasm with our kernels and samples memory.
// Prints {samples: [{step, numTensors, numBytes, dataIds, heapBytes}], losses: [first, last], backend}.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type * as tfjs from '@tensorflow/tfjs';
import { initTfjs } from '../../../src/tfjs/initTfjs.js';

const { tf, backend } = await initTfjs({ backend: 'wasm' });

// Negative control (argument `leak`): wrap our Conv2DBackpropFilter so it keeps one reshape per call,
// the kind of slip the measurement must catch.
if (process.argv[2] === 'leak') {
  const ours = tf.getKernel('Conv2DBackpropFilter', 'wasm');
  tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
  tf.registerKernel({
    ...ours,
    kernelFunc: (args) => {
      const result = ours.kernelFunc(args) as tfjs.TensorInfo;
      const reshape = tf.getKernel('Reshape', 'wasm');
      reshape.kernelFunc({ inputs: { x: args.inputs.x }, attrs: { shape: (args.inputs.x as tfjs.TensorInfo).shape }, backend: args.backend });
      return result;
    },
  });
}
const L = tf.layers;
const apply = (layer: tfjs.layers.Layer, x: tfjs.SymbolicTensor | tfjs.SymbolicTensor[]) => layer.apply(x) as tfjs.SymbolicTensor;

// Every training path our kernels serve: strided and 1x1 convolutions, depthwise, BatchNormalization
// (Tile), pooling, upsampling and concatenation.
const input = tf.input({ shape: [24, 24, 3] });
let a = apply(L.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false }), input);
a = apply(L.batchNormalization(), a);
a = apply(L.leakyReLU({ alpha: 0.1 }), a);
let b = apply(L.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2 }), a);
b = apply(L.conv2d({ filters: 8, kernelSize: 1, activation: 'relu' }), b);
const c = apply(L.maxPooling2d({ poolSize: 2 }), b);
const up = apply(L.upSampling2d({ size: [2, 2] }), apply(L.conv2d({ filters: 8, kernelSize: 5, padding: 'same' }), c));
const out = apply(L.conv2d({ filters: 2, kernelSize: 1, activation: 'sigmoid' }), apply(L.concatenate(), [a, up]));
const model = tf.model({ inputs: input, outputs: out });
model.compile({ optimizer: tf.train.adam(1e-2), loss: 'binaryCrossentropy' });

const x = tf.randomUniform([8, 24, 24, 3], 0, 1, 'float32', 1);
const y = tf.randomUniform([8, 12, 12, 2], 0, 1, 'float32', 2).round();
const wasm = tf.backend() as BackendWasm;
const samples: Array<{ step: number; numTensors: number; numBytes: number; dataIds: number; heapBytes: number }> = [];
const losses: number[] = [];
for (let step = 1; step <= 100; step++) {
  const loss = (await model.trainOnBatch(x, y)) as number;
  if (step === 1 || step === 100) losses.push(loss);
  if (step % 10 === 0) {
    const memory = tf.memory();
    samples.push({ step, numTensors: memory.numTensors, numBytes: memory.numBytes, dataIds: wasm.numDataIds(), heapBytes: (wasm.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.length });
  }
}
console.log(JSON.stringify({ backend, samples, losses }));
