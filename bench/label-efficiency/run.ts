// Label efficiency of hard-example mining: the same number of labels chosen by IBT (as the helmet
// example's inference worker picks them) versus chosen at random, each used to fine-tune the shipped
// base model, scored by mAP@0.5 on a fixed scenario-B test set. Prints the gain of each side by side.
//   npx nx run @sedna-ts/worker-sdk:build && npx tsx bench/label-efficiency/run.ts \
//     [--pool 800] [--labels 5,10,20,40] [--steps 150] [--learning-rate 5e-4] [--test 300] [--repeats 2]
//     [--threshold-img 0.9] [--threshold-box 0.9] [--box-threshold 0.3]
// Several fine-tuning runs of about a minute each: it never runs in the tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { IBTFilter } from '@sedna-ts/hard-example-mining';
import { TxtDataParse } from '@sedna-ts/worker-sdk';
import { initTfjs } from '@sedna-ts/worker-sdk/tfjs';
import { loadSamples, writeGeneratedDataset, type LoadedImages } from '../../examples/helmet-detection/src/dataset.js';
import { INPUT_HEIGHT, INPUT_WIDTH } from '../../examples/helmet-detection/src/detector.js';
import { samplesOf } from '../../examples/helmet-detection/src/indexFile.js';
import { detectionMetrics } from '../../examples/helmet-detection/src/metrics.js';
import { HelmetDetector } from '../../examples/helmet-detection/src/onnxDetector.js';
import { Random } from '../../examples/helmet-detection/src/random.js';
import { HelmetTrainer } from '../../examples/helmet-detection/src/trainer.js';
import { figure } from '../lib/figures.mjs';

const { values } = parseArgs({
  options: {
    pool: { type: 'string', default: '800' },
    labels: { type: 'string', default: '5,10,20,40' },
    steps: { type: 'string', default: '150' },
    test: { type: 'string', default: '300' },
    repeats: { type: 'string', default: '2' },
    'threshold-img': { type: 'string', default: '0.9' },
    'threshold-box': { type: 'string', default: '0.9' },
    'box-threshold': { type: 'string', default: '0.3' },
    'learning-rate': { type: 'string', default: '5e-4' },
  },
});
const POOL = Number(values.pool);
const LABELS = (values.labels as string).split(',').map(Number);
const STEPS = Number(values.steps);
const TEST = Number(values.test);
const REPEATS = Number(values.repeats);
const BOX_THRESHOLD = Number(values['box-threshold']);
const LEARNING_RATE = Number(values['learning-rate']);
const BASE = join(dirname(fileURLToPath(import.meta.url)), '../../examples/helmet-detection/models/base');

const work = await mkdtemp(join(tmpdir(), 'label-efficiency-'));
try {
  const runtime = await initTfjs();
  runtime.tf.enableProdMode();
  console.log(`tfjs on ${runtime.backend}; base model ${BASE}`);

  // The camera's stream (scenario B, as the demo's) and a fixed test set of scenario B.
  const t0 = performance.now();
  await writeGeneratedDataset({ scenario: 'B', seed: 100, count: POOL, dir: join(work, 'pool'), format: 'png' });
  await writeGeneratedDataset({ scenario: 'B', seed: 2, count: TEST, dir: join(work, 'test') });
  const load = async (index: string) => {
    const data = new TxtDataParse('train');
    await data.parse(index);
    return { samples: samplesOf(data), images: await loadSamples(samplesOf(data)) };
  };
  const pool = await load(join(work, 'pool', 'index.txt'));
  const test = await load(join(work, 'test', 'index.txt'));
  console.log(`rendered and loaded ${POOL} stream frames and ${TEST} test frames in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

  // What the inference worker does: the deployed (base) model on onnxruntime, IBT on its detections.
  const ibt = new IBTFilter({ threshold_img: values['threshold-img'] as string, threshold_box: values['threshold-box'] as string });
  const detector = new HelmetDetector({ decode: { scoreThreshold: BOX_THRESHOLD } });
  await detector.load(join(BASE, 'model.onnx'));
  const hard: number[] = [];
  for (let i = 0; i < pool.samples.length; i++) if (ibt.filter(await detector.predict(pool.samples[i]!.path))) hard.push(i);
  await detector.dispose();
  console.log(`IBT (threshold_img ${values['threshold-img']}, threshold_box ${values['threshold-box']}, boxes from score ${BOX_THRESHOLD}): ${hard.length} of ${POOL} frames are hard (${((100 * hard.length) / POOL).toFixed(0)}%)`);

  const subset = (images: LoadedImages, indices: number[]): LoadedImages => {
    const size = INPUT_HEIGHT * INPUT_WIDTH * 3;
    const pixels = new Uint8Array(indices.length * size);
    indices.forEach((i, k) => pixels.set(images.pixels.subarray(i * size, (i + 1) * size), k * size));
    return { pixels, boxes: indices.map((i) => images.boxes[i]!), count: indices.length };
  };
  const mapOf = async (trainer: HelmetTrainer) => detectionMetrics(await trainer.detect(test.images), test.images.boxes).map50;

  const baseTrainer = new HelmetTrainer({ runtime });
  await baseTrainer.load(BASE);
  const baseMap = await mapOf(baseTrainer);
  baseTrainer.dispose();
  console.log(`base model mAP@0.5 on scenario B: ${baseMap.toFixed(3)}\n`);

  const finetune = async (indices: number[], seed: string): Promise<number> => {
    const trainer = new HelmetTrainer({ runtime, steps: STEPS, batchSize: 16, learningRate: LEARNING_RATE, warmupSteps: 20, seed });
    await trainer.load(BASE);
    await trainer.fit(subset(pool.images, indices));
    const m = await mapOf(trainer);
    trainer.dispose();
    return m - baseMap;
  };

  const headsPer = (indices: number[]) => indices.reduce((n, i) => n + pool.images.boxes[i]!.length, 0) / Math.max(1, indices.length);
  const rows: Array<{ labels: number; ibt: number; random: number }> = [];
  for (const n of LABELS) {
    let ibtGain = 0;
    let randomGain = 0;
    let ibtHeads = 0;
    let randomHeads = 0;
    for (let r = 0; r < REPEATS; r++) {
      // Each repeat watches its own stretch of the stream. IBT: the first n hard frames of it (the
      // labeller takes the oldest first). Random: any n frames of it.
      const from = Math.floor((r * POOL) / REPEATS);
      const to = Math.floor(((r + 1) * POOL) / REPEATS);
      const ibtChoice = hard.filter((i) => i >= from && i < to).slice(0, n);
      const randomChoice = new Random(`label-efficiency:${n}:${r}`).shuffle(Array.from({ length: to - from }, (_, i) => from + i)).slice(0, n);
      if (ibtChoice.length < n) throw new Error(`${n} labels: IBT found only ${ibtChoice.length} hard frames in frames ${from}-${to - 1}; raise --pool`);
      ibtGain += await finetune(ibtChoice, `ibt-${r}`);
      randomGain += await finetune(randomChoice, `random-${r}`);
      ibtHeads += headsPer(ibtChoice);
      randomHeads += headsPer(randomChoice);
    }
    const row = { labels: n, ibt: ibtGain / REPEATS, random: randomGain / REPEATS };
    rows.push(row);
    console.log(
      `${String(n).padStart(6)} labels: mAP gain IBT ${row.ibt >= 0 ? '+' : ''}${row.ibt.toFixed(3)}, random ${row.random >= 0 ? '+' : ''}${row.random.toFixed(3)}, ratio ${(row.ibt / row.random).toFixed(2)}; heads per labelled frame IBT ${(ibtHeads / REPEATS).toFixed(2)}, random ${(randomHeads / REPEATS).toFixed(2)}`,
    );
  }

  // Labels random selection needs for the gain IBT reaches with n labels (linear interpolation between measured points).
  console.log('\nlabels | IBT gain | random gain | labels random needs for the IBT gain');
  for (const row of rows) {
    let needed = 'more than measured';
    for (let i = 0; i < rows.length; i++) {
      const cur = rows[i]!;
      const prev = rows[i - 1];
      if (cur.random >= row.ibt) {
        if (prev === undefined || prev.random >= row.ibt) needed = `<= ${cur.labels}`;
        else needed = `~${Math.round(prev.labels + ((row.ibt - prev.random) / (cur.random - prev.random)) * (cur.labels - prev.labels))}`;
        break;
      }
    }
    figure({ id: `label-efficiency.gain-${row.labels}`, title: `mAP@0.5 gain from ${row.labels} labels chosen by IBT`, value: row.ibt, unit: 'mAP', size: `${REPEATS} repeats`, baseline: { label: 'the same number chosen at random', value: row.random }, note: `labels random needs for the same gain: ${needed}` });
    console.log(`${String(row.labels).padStart(6)} | ${row.ibt.toFixed(3).padStart(8)} | ${row.random.toFixed(3).padStart(11)} | ${needed}`);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
