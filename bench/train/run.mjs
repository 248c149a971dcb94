// Training throughput of a small conv detector on tfjs: the wasm backend with our training kernels
// (what @sedna-ts/worker-sdk/tfjs's initTfjs() sets up when tfjs-node is absent) against the pure-JS cpu
// backend, same net, same batch, in one run. Needs the package built:
//   npx nx run @sedna-ts/worker-sdk:build && node bench/train/run.mjs [--steps 10] [--cpu-steps 1] [--batch 16]
// wasm is timed before and after the cpu part, to show how steady the (shared) machine was meanwhile.
// The net: six 3x3 convs (16-32-32-64-64-64, strides 2-2-1-2-1-1), each with BatchNormalization and
// LeakyReLU, then a 1x1 sigmoid head (5 channels on a 16x16 grid), on 128x128 RGB, Adam, MSE.
// The cpu backend takes about three minutes per batch of 16 here: keep --cpu-steps small.
import { parseArgs } from 'node:util';
import { initTfjs } from '@sedna-ts/worker-sdk/tfjs';
import { figure } from '../lib/figures.mjs';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '10' },
    'cpu-steps': { type: 'string', default: '1' },
    batch: { type: 'string', default: '16' },
  },
});
const STEPS = Number(values.steps);
const CPU_STEPS = Number(values['cpu-steps']);
const BATCH = Number(values.batch);
const SIZE = 128;

const runtime = await initTfjs();
const { tf } = runtime;
if (runtime.backend !== 'wasm') {
  console.error(`initTfjs picked ${runtime.backend}, not wasm (${runtime.fallbackReason ?? 'tfjs-node installed?'}); set SEDNA_TFJS_BACKEND=wasm`);
  process.exit(1);
}
// Production mode only silences tfjs's console notices (the cpu backend's "install tfjs-node" banner).
tf.enableProdMode();

function detector() {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  let h = input;
  const filters = [16, 32, 32, 64, 64, 64];
  const strides = [2, 2, 1, 2, 1, 1];
  filters.forEach((f, i) => {
    h = tf.layers.conv2d({ filters: f, kernelSize: 3, strides: strides[i], padding: 'same', useBias: false }).apply(h);
    h = tf.layers.batchNormalization().apply(h);
    h = tf.layers.leakyReLU({ alpha: 0.1 }).apply(h);
  });
  const out = tf.layers.conv2d({ filters: 5, kernelSize: 1, activation: 'sigmoid' }).apply(h);
  const model = tf.model({ inputs: input, outputs: out });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
  return model;
}

/** A model and a batch on the current backend; `step()` trains one batch and returns its wall time. */
function trainer() {
  const model = detector();
  const x = tf.randomUniform([BATCH, SIZE, SIZE, 3], 0, 1, 'float32', 1);
  const y = tf.randomUniform([BATCH, SIZE / 8, SIZE / 8, 5], 0, 1, 'float32', 2);
  return {
    async step() {
      const t0 = performance.now();
      await model.trainOnBatch(x, y);
      return performance.now() - t0;
    },
  };
}

console.log(`tfjs ${tf.version.tfjs}; self-test ${runtime.selfTest.passed ? 'passed' : 'failed'} in ${runtime.selfTest.ms.toFixed(0)} ms (max error ${runtime.selfTest.maxError.toExponential(1)})`);
console.log(`batch ${BATCH} of ${SIZE}x${SIZE}x3; wasm: 2 warm-up steps, then ${STEPS} steps, half before and half after the cpu part; cpu: ${CPU_STEPS} step(s), no warm-up\n`);

// The machine is shared: wasm is timed on both sides of the long cpu part, so a change of load during
// the run shows as a spread between the two halves instead of skewing the ratio unnoticed.
await tf.setBackend('wasm');
const wasmTrainer = trainer();
const warmup = [await wasmTrainer.step(), await wasmTrainer.step()];
const before = [];
for (let i = 0; i < Math.ceil(STEPS / 2); i++) before.push(await wasmTrainer.step());
await tf.setBackend('cpu');
const cpuTrainer = trainer();
const cpuTimes = [];
for (let i = 0; i < CPU_STEPS; i++) cpuTimes.push(await cpuTrainer.step());
await tf.setBackend('wasm');
const after = [];
for (let i = 0; i < Math.floor(STEPS / 2); i++) after.push(await wasmTrainer.step());

const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
const wasm = { msPerStep: mean([...before, ...after]), firstStepsMs: mean(warmup) };
const cpu = { msPerStep: mean(cpuTimes) };

const rows = [
  ['wasm + our kernels', wasm.msPerStep],
  ['cpu (pure JS)', cpu.msPerStep],
];
console.log('backend              ms/step    ms/image   images/s');
for (const [name, ms] of rows) {
  console.log(`${name.padEnd(20)} ${ms.toFixed(0).padStart(8)} ${(ms / BATCH).toFixed(1).padStart(10)} ${((BATCH * 1000) / ms).toFixed(2).padStart(10)}`);
}
console.log(`\nwasm ms/step before the cpu part ${mean(before).toFixed(0)}, after ${after.length > 0 ? mean(after).toFixed(0) : '-'}; first two steps (graph set-up included) ${wasm.firstStepsMs.toFixed(0)}, as the cpu step includes it`);
console.log(`speed-up wasm + our kernels / cpu: ${(cpu.msPerStep / wasm.msPerStep).toFixed(0)}x (goal: at least 200x)`);
figure({ id: 'train.wasm-over-cpu', title: 'training speed-up, wasm with our kernels over the cpu backend', value: cpu.msPerStep / wasm.msPerStep, unit: 'x', size: `batch ${BATCH} of 128x128, ${STEPS} wasm steps, ${CPU_STEPS} cpu steps`, goal: { op: '>=', value: 200 }, note: `wasm ${((BATCH * 1000) / wasm.msPerStep).toFixed(1)} images/s` });
