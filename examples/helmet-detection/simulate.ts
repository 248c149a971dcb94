// The demo's rounds in one process, without sedna: the same frames, model code, filter, labeller rule,
// train/eval split, training settings and deploy gate as the job in jobs/, with what the LC and the GM
// automate (pools, trigger, gate, hot swap) done inline. It shows what `npm run demo` will print, in a
// few minutes, and is how the job's settings were tuned.
//   npx tsx simulate.ts [--rounds 3] [--frames 120] [--labels 50] [--steps 150] [--test 300] [--selection ibt|random]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { IBTFilter } from '@sedna-ts/hard-example-mining';
import { TxtDataParse } from '@sedna-ts/worker-sdk';
import { initTfjs } from '@sedna-ts/worker-sdk/tfjs';
import { loadSamples, writeGeneratedDataset, type LoadedImages } from './src/dataset.js';
import { HelmetError } from './src/errors.js';
import { samplesOf, type Sample } from './src/indexFile.js';
import { detectionMetrics } from './src/metrics.js';
import { HelmetDetector } from './src/onnxDetector.js';
import { Random } from './src/random.js';
import { HelmetTrainer } from './src/trainer.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    frames: { type: 'string', default: '120' },
    labels: { type: 'string', default: '50' },
    steps: { type: 'string', default: '150' },
    test: { type: 'string', default: '300' },
    'train-prob': { type: 'string', default: '0.8' },
    selection: { type: 'string', default: 'ibt' },
    base: { type: 'string', default: 'models/base' },
  },
});
const positive = (name: string): number => {
  const n = Number(values[name as keyof typeof values]);
  if (!Number.isFinite(n) || n <= 0) throw new HelmetError('INVALID_ARGUMENT', `simulate: --${name}: ${JSON.stringify(values[name as keyof typeof values])} is not a positive number`);
  return n;
};
const ROUNDS = positive('rounds');
const FRAMES = positive('frames');
const LABELS = positive('labels');
const STEPS = positive('steps');
const TRAIN_PROB = positive('train-prob');
if (values.selection !== 'ibt' && values.selection !== 'random') throw new HelmetError('INVALID_ARGUMENT', `simulate: --selection: ${JSON.stringify(values.selection)} is not ibt or random`);

const work = await mkdtemp(join(tmpdir(), 'helmet-simulate-'));
try {
  const runtime = await initTfjs();
  runtime.tf.enableProdMode();
  await writeGeneratedDataset({ scenario: 'B', seed: 2, count: positive('test'), dir: join(work, 'test') });
  await writeGeneratedDataset({ scenario: 'B', seed: 100, count: ROUNDS * FRAMES, dir: join(work, 'stream'), format: 'png' });
  const load = async (dir: string): Promise<Sample[]> => {
    const data = new TxtDataParse('train');
    await data.parse(join(dir, 'index.txt'));
    return samplesOf(data);
  };
  const test = await loadSamples(await load(join(work, 'test')));
  const stream = await load(join(work, 'stream'));
  const ibt = new IBTFilter({ threshold_img: 0.9, threshold_box: 0.9 });
  const rng = new Random('simulate');

  // The deployed model, in both formats: ONNX serves, tfjs is what the next round fine-tunes.
  let deployedDir = values.base as string;
  const trainPool: Sample[] = [];
  const evalVersions: Sample[][] = [];
  const mapOf = async (dir: string) => {
    const t = new HelmetTrainer({ runtime });
    await t.load(dir);
    const m = detectionMetrics(await t.detect(test), test.boxes).map50;
    t.dispose();
    return m;
  };
  const precisionOn = async (dir: string, samples: Sample[]) => {
    const d = new HelmetDetector();
    await d.load(join(dir, 'model.onnx'));
    const detections = [];
    for (const s of samples) detections.push(await d.predict(s.path));
    await d.dispose();
    const p = detectionMetrics(
      detections,
      samples.map((s) => s.boxes),
    ).precision;
    return p.reduce((a, b) => a + b, 0) / p.length;
  };
  const startMap = await mapOf(deployedDir);
  console.log(`base model: mAP@0.5 on scenario B ${startMap.toFixed(3)}`);
  console.log('round | frames | hard | labels | train/eval | mAP before | mAP after | precision delta | gate   | seconds');
  let before = startMap;
  for (let round = 1; round <= ROUNDS; round++) {
    const started = performance.now();
    // Inference worker: the round's frames through the deployed model and IBT.
    const frames = stream.slice((round - 1) * FRAMES, round * FRAMES);
    const detector = new HelmetDetector({ decode: { scoreThreshold: 0.3 } });
    await detector.load(join(deployedDir, 'model.onnx'));
    const hard: Sample[] = [];
    for (const f of frames) if (ibt.filter(await detector.predict(f.path))) hard.push(f);
    await detector.dispose();
    // Labeller: the oldest hard examples first (or, for comparison, random frames of the round).
    const chosen = values.selection === 'ibt' ? hard.slice(0, LABELS) : rng.shuffle(frames).slice(0, LABELS);
    // LC: the first floor(trainProb * n) of the appended batch to train, the rest to eval (last 5 versions).
    const nTrain = Math.floor(TRAIN_PROB * chosen.length);
    trainPool.push(...chosen.slice(0, nTrain));
    evalVersions.push(chosen.slice(nTrain));
    if (evalVersions.length > 5) evalVersions.shift();
    const evalPool = evalVersions.flat();
    // Train worker: fine-tune the deployed model on the pool, save tfjs + ONNX.
    const trainer = new HelmetTrainer({ runtime, steps: STEPS, batchSize: 16, learningRate: 1e-3, warmupSteps: 20, seed: `round-${round}` });
    await trainer.load(deployedDir);
    const images: LoadedImages = await loadSamples(trainPool);
    await trainer.fit(images);
    const outDir = join(work, 'output', 'train', String(round));
    await trainer.save(outDir);
    trainer.dispose();
    const trained = trainPool.length;
    trainPool.length = 0;
    // Eval worker + deploy gate: mean precision over the classes, new minus deployed, on the eval pool.
    const delta = (await precisionOn(outDir, evalPool)) - (await precisionOn(deployedDir, evalPool));
    const deploy = delta > 0;
    if (deploy) deployedDir = outDir;
    const after = await mapOf(deployedDir);
    console.log(
      `${String(round).padStart(5)} | ${String(frames.length).padStart(6)} | ${String(hard.length).padStart(4)} | ${String(chosen.length).padStart(6)} | ${`${trained}/${evalPool.length}`.padStart(10)} | ${before.toFixed(3).padStart(10)} | ${after.toFixed(3).padStart(9)} | ${delta.toFixed(3).padStart(15)} | ${(deploy ? 'Deploy' : 'Keep').padEnd(6)} | ${((performance.now() - started) / 1000).toFixed(0)}`,
    );
    before = after;
  }
  console.log(`mAP@0.5 on scenario B: ${startMap.toFixed(3)} -> ${before.toFixed(3)} (${before - startMap >= 0 ? '+' : ''}${(before - startMap).toFixed(3)})`);
} finally {
  await rm(work, { recursive: true, force: true });
}
