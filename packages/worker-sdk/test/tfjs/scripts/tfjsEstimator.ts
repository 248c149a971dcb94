// Child script: a TfjsEstimator trained, saved, reloaded, evaluated and served through OnnxEstimator, as a
// worker script would use it. Prints what it observed as JSON.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import type { DataSource } from '../../../src/estimator.js';
import { stageAnnouncedModel } from '../../../src/hotUpdate.js';
import { OnnxEstimator } from '../../../src/onnx/onnxEstimator.js';
import { initTfjs } from '../../../src/tfjs/initTfjs.js';
import { TfjsEstimator } from '../../../src/tfjs/tfjsEstimator.js';
import { errorOf } from './errorOf.js';

const runtime = await initTfjs();
const { tf } = runtime;
const dir = await mkdtemp(join(tmpdir(), 'sedna-tfjs-estimator-'));
const tensorsAtStart = tf.memory().numTensors;

// 8x8 single-channel "images"; the label says whether the left half is brighter than the right.
function dataset(n: number, seed: number, dataType: DataSource['dataType']): DataSource<number[], number> {
  let s = seed;
  const random = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const left = random() < 0.5;
    x.push(Array.from({ length: 64 }, (_, p) => random() * 0.5 + ((p % 8 < 4) === left ? 0.5 : 0)));
    y.push(left ? 1 : 0);
  }
  return { dataType, x, y, numExamples: () => n };
}

let epochsRun = 0;
const options = {
  runtime,
  createModel: (t: typeof tf) =>
    t.sequential({
      layers: [
        // Seeded initialisers: an unlucky random start (dead ReLUs) left the model at chance now and then.
        t.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: t.initializers.glorotUniform({ seed: 7 }) }),
        t.layers.batchNormalization(),
        t.layers.flatten(),
        t.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: t.initializers.glorotUniform({ seed: 8 }) }),
      ],
    }),
  compile: (model: tfjs.LayersModel, t: typeof tf) => model.compile({ optimizer: t.train.adam(0.02), loss: 'binaryCrossentropy', metrics: ['accuracy'] }),
  toTensors: (data: DataSource, t: typeof tf) => ({ x: t.tensor4d((data.x as number[][]).flat(), [data.x.length, 8, 8, 1]), y: t.tensor2d(data.y as number[], [data.y.length, 1]) }),
  toInput: (input: number[], t: typeof tf) => t.tensor4d(input, [1, 8, 8, 1]),
  fromOutput: (output: tfjs.Tensor | tfjs.Tensor[]) => (output as tfjs.Tensor).dataSync()[0] as number,
  fit: { epochs: 1, batchSize: 16, callbacks: { onEpochEnd: async () => void epochsRun++ } },
};

try {
  const train = dataset(64, 1, 'train');
  const valid = dataset(32, 2, 'eval');
  const estimator = new TfjsEstimator<number[], number>(options);
  const metrics = await estimator.train(train, valid, { epochs: '6', batch_size: 8 });
  const files = await estimator.save(dir);
  const weightsFirst = (await readdir(dir)).filter((f) => f.startsWith('weights-'));

  const sample = valid.x[0] as number[];
  const prediction = await estimator.predict(sample);

  const reloaded = new TfjsEstimator<number[], number>(options);
  await reloaded.load(dir);
  const reloadedPrediction = await reloaded.predict(sample);
  const evaluated = await reloaded.evaluate(valid, { modelPath: dir });
  const scorer = new TfjsEstimator<number[], number>({
    ...options,
    metrics: ({ yTrue, yPred }) => {
      const t = (yTrue as tfjs.Tensor).dataSync();
      const p = (yPred as tfjs.Tensor).dataSync();
      let right = 0;
      for (let i = 0; i < t.length; i++) if ((p[i] as number) > 0.5 === ((t[i] as number) > 0.5)) right++;
      return { accuracy: right / t.length };
    },
  });
  const scored = await scorer.evaluate(valid, { modelPath: join(dir, 'model.json') });
  scorer.dispose();

  // Hot update of the tfjs format: model.json announced, staged with its weights, loaded from the copy.
  const announced = { version: '2', modelPath: join(dir, 'model.json'), resolvedPath: join(dir, 'model.json'), updateTime: 't', key: 'k' };
  const staged = await stageAnnouncedModel(announced);
  const hot = new TfjsEstimator<number[], number>(options);
  await hot.load(staged.path);
  const hotUpdatedPrediction = await hot.predict(sample);
  hot.dispose();
  await rm(staged.folder, { recursive: true, force: true });

  const copy = new TfjsEstimator<number[], number>(options);
  copy.model = await options.createModel(tf);
  await copy.setWeights(estimator.getWeights());
  const copiedPrediction = await copy.predict(sample);

  // Train on and save again into the same folder: one weights file, the new one.
  await estimator.train(train, undefined, { epochs: 1 });
  await estimator.save(dir);
  const weightsSecond = (await readdir(dir)).filter((f) => f.startsWith('weights-'));

  // The ONNX file save wrote, served by OnnxEstimator on a raw tensor.
  const onnx = new OnnxEstimator();
  await onnx.load(dir);
  const onnxOut = await onnx.predict({ data: Float32Array.from(sample), dims: [1, 8, 8, 1] });
  const onnxValue = (Object.values(onnxOut.outputs)[0]?.data as Float32Array)[0] as number;
  const tfjsValue = await estimator.predict(sample);
  await onnx.dispose();

  const zero = tf.zeros([1]);
  const errors = {
    trainWithoutModel: await errorOf(() => new TfjsEstimator({ toTensors: options.toTensors, runtime }).train(train)),
    badBatchSize: await errorOf(() => estimator.train(train, undefined, { batch_size: 'abc' })),
    loadOnnx: await errorOf(() => reloaded.load(join(dir, 'model.onnx'))),
    loadMissing: await errorOf(() => reloaded.load(join(dir, 'nowhere'))),
    predictNotTensor: await errorOf(() => {
      const bare = new TfjsEstimator({ toTensors: options.toTensors, runtime });
      bare.model = copy.model;
      return bare.predict([1, 2, 3] as unknown as tfjs.Tensor);
    }),
    predictWithoutModel: await errorOf(() => new TfjsEstimator({ toTensors: options.toTensors, runtime }).predict(zero)),
    saveUnsupported: await errorOf(async () => {
      const deconv = new TfjsEstimator({ toTensors: options.toTensors, runtime });
      deconv.model = tf.sequential({ layers: [tf.layers.conv2dTranspose({ inputShape: [4, 4, 1], filters: 1, kernelSize: 2, strides: 2, name: 'up' })] });
      try {
        await deconv.save(join(dir, 'deconv'));
      } finally {
        deconv.dispose();
      }
    }),
  };

  zero.dispose();
  estimator.dispose();
  reloaded.dispose();
  copy.dispose();
  console.log(
    JSON.stringify({
      backend: runtime.backend,
      metrics,
      epochsRun,
      files: files.map((f) => ({ name: basename(f.path), format: f.format, absolute: f.path.startsWith(dir) })),
      weightsFirst,
      weightsSecond,
      prediction,
      reloadedPrediction,
      copiedPrediction,
      hotUpdatedPrediction,
      evaluated,
      scored,
      onnxValue,
      tfjsValue,
      errors,
      tensorsLeft: tf.memory().numTensors - tensorsAtStart,
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
