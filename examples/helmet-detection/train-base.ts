// Trains the base model shipped in models/base: the detector from scratch on scenario A.
//   npx tsx train-base.ts [--count 2000] [--steps 1500] [--out models/base] [--data work/base-data]
// 1. renders `count` scenario-A frames (seed 1) into the data folder (kept: a second run reuses them);
// 2. trains from scratch: batch 16, Adam with a 2e-3 peak and a cosine decay, left-right flips, batch
//    order seeded, weights initialised from fixed seeds (8 to 16 minutes here; the same weights, bit for
//    bit, on every run on this machine);
// 3. saves the tfjs model and its ONNX export into `out`, then scores the ONNX model on 300 frames of
//    scenario A (seed 2) and 300 of scenario B (seed 2) and writes them to `out/metrics.json`.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TxtDataParse, writeFileAtomic } from '@sedna-ts/worker-sdk';
import { initTfjs } from '@sedna-ts/worker-sdk/tfjs';
import { loadSamples, writeGeneratedDataset } from './src/dataset.js';
import { buildDetector, countParameters } from './src/detector.js';
import { HelmetError } from './src/errors.js';
import { samplesOf } from './src/indexFile.js';
import { HelmetDetector } from './src/onnxDetector.js';
import { HelmetTrainer } from './src/trainer.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '2000' },
    steps: { type: 'string', default: '1500' },
    out: { type: 'string', default: 'models/base' },
    data: { type: 'string', default: 'work/base-data' },
  },
});
const count = Number(values.count);
const steps = Number(values.steps);
if (!Number.isInteger(count) || count < 1) throw new HelmetError('INVALID_ARGUMENT', `train-base: --count: ${JSON.stringify(values.count)} is not a positive integer`);
if (!Number.isInteger(steps) || steps < 1) throw new HelmetError('INVALID_ARGUMENT', `train-base: --steps: ${JSON.stringify(values.steps)} is not a positive integer`);
const dataDir = values.data as string;
const out = values.out as string;
const index = join(dataDir, 'index.txt');

const lines = await readFile(index, 'utf8').then(
  (t) => t.split('\n').filter(Boolean).length,
  () => 0,
);
if (lines !== count) {
  console.log(`train-base: rendering ${count} scenario-A frames (seed 1) into ${dataDir}`);
  await writeGeneratedDataset({ scenario: 'A', seed: 1, count, dir: dataDir });
}

const runtime = await initTfjs();
runtime.tf.enableProdMode();
const data = new TxtDataParse('train');
await data.parse(index);
const images = await loadSamples(samplesOf(data));
const trainer = new HelmetTrainer({ runtime, steps, batchSize: 16, learningRate: 2e-3, seed: 'helmet', logEvery: 100, log: (line) => console.log(`train-base: ${line}`) });
trainer.model = buildDetector(runtime.tf, 1);
console.log(`train-base: ${countParameters(trainer.model)} parameters, ${images.count} images, ${steps} steps of 16 on tfjs ${runtime.backend}`);
const result = await trainer.fit(images);
await trainer.save(out);

// Score the exported ONNX model, as the eval worker would.
const scratch = await mkdtemp(join(tmpdir(), 'helmet-base-'));
try {
  const metrics: Record<string, unknown> = { trainedOn: { scenario: 'A', seed: 1, frames: count, steps, batchSize: 16, seconds: result.seconds, loss: result.loss } };
  for (const scenario of ['A', 'B'] as const) {
    await writeGeneratedDataset({ scenario, seed: 2, count: 300, dir: join(scratch, scenario) });
    const test = new TxtDataParse('test');
    await test.parse(join(scratch, scenario, 'index.txt'), { useRaw: true });
    const detector = new HelmetDetector();
    metrics[`scenario${scenario}`] = await detector.evaluate(test, { modelPath: join(out, 'model.onnx') });
    await detector.dispose();
  }
  metrics.onnxBytes = (await stat(join(out, 'model.onnx'))).size;
  await writeFileAtomic(join(out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  console.log(`train-base: saved to ${out}; ${JSON.stringify(metrics)}`);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
