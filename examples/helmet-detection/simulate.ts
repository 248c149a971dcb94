// The demo's rounds in one process, without sedna: the same frames, model code, filter, labeller rule,
// train/eval split, training settings and deploy gate as the job in jobs/, with what the LC and the GM
// automate (pools, trigger, gate, hot swap) done inline. It shows what `npm run demo` will print, in a
// few minutes, and is how the job's settings were tuned.
//   npx tsx simulate.ts [--rounds 3] [--frames 120] [--labels 50] [--steps 150] [--learning-rate 5e-4]
//     [--rehearse true] [--threshold-img 0.9] [--threshold-box 0.9] [--obj-threshold 0.5]
//     [--gate-metric precision|recall|map50] [--gate-threshold=0] [--test 300] [--selection ibt|random]
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
    'learning-rate': { type: 'string', default: '5e-4' },
    'threshold-img': { type: 'string', default: '0.9' },
    'threshold-box': { type: 'string', default: '0.9' },
    'obj-threshold': { type: 'string', default: '0.5' },
    'gate-metric': { type: 'string', default: 'precision' },
    'gate-threshold': { type: 'string', default: '0' },
    test: { type: 'string', default: '300' },
    'train-prob': { type: 'string', default: '0.8' },
    selection: { type: 'string', default: 'ibt' },
    rehearse: { type: 'string', default: 'true' },
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
const LEARNING_RATE = positive('learning-rate');
const OBJ_THRESHOLD = positive('obj-threshold');
const GATE_METRIC = values['gate-metric'] as 'precision' | 'recall' | 'map50';
if (!['precision', 'recall', 'map50'].includes(GATE_METRIC)) throw new HelmetError('INVALID_ARGUMENT', `simulate: --gate-metric: ${JSON.stringify(GATE_METRIC)} is not precision, recall or map50`);
const GATE_THRESHOLD = Number(values['gate-threshold']);
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
  const ibt = new IBTFilter({ threshold_img: positive('threshold-img'), threshold_box: positive('threshold-box') });
  const rng = new Random('simulate');

  // The deployed model, in both formats: ONNX serves, tfjs is what the next round fine-tunes.
  let deployedDir = values.base as string;
  const trainPool: Sample[] = [];
  // Rehearsal (train.ts): a model carries the samples it was trained on, and the next round trains on them too.
  let deployedHistory: Sample[] = [];
  let pending: Sample[] = [];
  const evalVersions: Sample[][] = [];
  const mapOf = async (dir: string) => {
    const t = new HelmetTrainer({ runtime });
    await t.load(dir);
    const m = detectionMetrics(await t.detect(test), test.boxes).map50;
    t.dispose();
    return m;
  };
  // What the eval worker reports on the eval pool; the gate compares a metric of the two models (lists by their mean).
  const evalOn = async (dir: string, samples: Sample[]) => {
    const d = new HelmetDetector();
    await d.load(join(dir, 'model.onnx'));
    const detections = [];
    for (const s of samples) detections.push(await d.predict(s.path));
    await d.dispose();
    const m = detectionMetrics(
      detections,
      samples.map((s) => s.boxes),
      { scoreThreshold: OBJ_THRESHOLD },
    );
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    return { precision: mean(m.precision), recall: mean(m.recall), map50: m.map50 };
  };
  const startMap = await mapOf(deployedDir);
  console.log(`base model: mAP@0.5 on scenario B ${startMap.toFixed(3)}`);
  console.log(`round | frames | hard | labels | train/eval | mAP deployed | mAP new model | ${`${GATE_METRIC}_delta`.padStart(15)} | gate   | mAP after | seconds | on the eval pool`);
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
    // Labeller: the oldest hard examples first, those left from earlier rounds included (or, for
    // comparison, random frames of the round).
    const queue = [...pending, ...hard];
    const chosen = values.selection === 'ibt' ? queue.slice(0, LABELS) : rng.shuffle(frames).slice(0, LABELS);
    pending = values.selection === 'ibt' ? queue.slice(LABELS) : [];
    // LC: the first floor(trainProb * n) of the appended batch to train, the rest to eval (last 5 versions).
    const nTrain = Math.floor(TRAIN_PROB * chosen.length);
    trainPool.push(...chosen.slice(0, nTrain));
    evalVersions.push(chosen.slice(nTrain));
    if (evalVersions.length > 5) evalVersions.shift();
    const evalPool = evalVersions.flat();
    // Train worker: fine-tune the deployed model on the pool, save tfjs + ONNX.
    const trainer = new HelmetTrainer({ runtime, steps: STEPS, batchSize: 16, learningRate: LEARNING_RATE, warmupSteps: 20 });
    await trainer.load(deployedDir);
    const history = values.rehearse === 'true' ? [...deployedHistory, ...trainPool] : [...trainPool];
    const images: LoadedImages = await loadSamples(history);
    await trainer.fit(images);
    const outDir = join(work, 'output', 'train', String(round));
    await trainer.save(outDir);
    trainer.dispose();
    const trained = history.length;
    trainPool.length = 0;
    // Eval worker + deploy gate: mean precision over the classes, new minus deployed, on the eval pool.
    const newEval = await evalOn(outDir, evalPool);
    const oldEval = await evalOn(deployedDir, evalPool);
    const delta = newEval[GATE_METRIC] - oldEval[GATE_METRIC];
    const deploy = delta > GATE_THRESHOLD;
    const deltas = (['precision', 'recall', 'map50'] as const).map((k) => `${k}_delta ${(newEval[k] - oldEval[k]).toFixed(3)}`).join(', ');
    const candidate = await mapOf(outDir);
    if (deploy) {
      deployedDir = outDir;
      deployedHistory = history;
    }
    const after = deploy ? candidate : before;
    console.log(
      `${String(round).padStart(5)} | ${String(frames.length).padStart(6)} | ${String(hard.length).padStart(4)} | ${String(chosen.length).padStart(6)} | ${`${trained}/${evalPool.length}`.padStart(10)} | ${before.toFixed(3).padStart(12)} | ${candidate.toFixed(3).padStart(13)} | ${delta.toFixed(3).padStart(15)} | ${(deploy ? 'Deploy' : 'Keep').padEnd(6)} | ${after.toFixed(3).padStart(9)} | ${((performance.now() - started) / 1000).toFixed(0).padStart(7)} | ${deltas}`,
    );
    before = after;
  }
  console.log(`mAP@0.5 on scenario B: ${startMap.toFixed(3)} -> ${before.toFixed(3)} (${before - startMap >= 0 ? '+' : ''}${(before - startMap).toFixed(3)})`);
} finally {
  await rm(work, { recursive: true, force: true });
}
