// Hot swap under load: one inference worker process making 100 IncrementalLearning.inference() calls a
// second on the helmet detector while the LC's publishModel (what the LC runs once the deploy gate has
// decided) publishes a new model into its hot-update folder, several times. Figures: failed calls
// (goal 0) and the time from the gate's decision (the moment publishModel is called) to the first
// result of the new model (goal at most 1 s), with the call latency while swapping beside the steady
// one. Needs the packages built (npx nx run-many -t build -p @sedna-ts/worker-sdk @sedna-ts/local-controller):
//   node bench/hot-swap/run.mjs [--swaps 5] [--rate 100]
import { fork } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { publishModel } from '@sedna-ts/local-controller';
import { figure, percentile } from '../lib/figures.mjs';

const { values } = parseArgs({ options: { swaps: { type: 'string', default: '5' }, rate: { type: 'string', default: '100' } } });
const SWAPS = Number(values.swaps);
const RATE = Number(values.rate);
const here = dirname(fileURLToPath(import.meta.url));
const MODEL = join(here, '..', '..', 'examples', 'helmet-detection', 'models', 'base', 'model.onnx');
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const dir = await mkdtemp(join(os.tmpdir(), 'sedna-bench-hot-swap-'));
let worker;
try {
  const initial = join(dir, 'initial', 'model.onnx');
  await mkdir(dirname(initial), { recursive: true });
  await copyFile(MODEL, initial);
  const trained = join(dir, 'trained', 'model.onnx');
  await mkdir(dirname(trained), { recursive: true });
  await copyFile(MODEL, trained);
  const hotDir = join(dir, 'hot');
  await mkdir(hotDir);

  const messages = [];
  const waiters = new Set();
  worker = fork(join(here, 'worker.mjs'), [], {
    env: {
      ...process.env,
      MODEL_URL: initial,
      MODEL_HOT_UPDATE: 'true',
      MODEL_HOT_UPDATE_CONFIG: join(hotDir, 'model_config.json'),
      MODEL_POLL_PERIOD_SECONDS: '60',
      JOB_NAME: 'bench',
      WORKER_NAME: 'bench-hot-swap',
      SEDNA_REPORT_SPOOL_DIR: join(dir, 'spool'),
      LOG_LEVEL: 'ERROR', // no LC here: the deploy reports are spooled, and the SDK would warn of each
      BENCH_RATE: String(RATE),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  worker.on('message', (m) => {
    messages.push(m);
    for (const wake of [...waiters]) wake();
  });
  const exited = new Promise((resolve) => worker.once('exit', (code, signal) => resolve(code ?? signal)));
  /** The first message matching `predicate`, or an error naming what was awaited after `ms`. */
  const message = (what, predicate, ms) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const m = messages.find(predicate);
        if (m) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(m);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`hot-swap bench: no ${what} from the worker within ${ms / 1000} s`));
      }, ms);
      waiters.add(check);
      exited.then((code) => {
        waiters.delete(check);
        clearTimeout(timer);
        reject(new Error(`hot-swap bench: the worker exited (${code}) while waiting for ${what}`));
      });
      check();
    });

  await message('ready', (m) => m.type === 'ready', 60_000);
  await sleep(2000); // steady calls before the first swap
  const swaps = [];
  for (let round = 1; round <= SWAPS; round++) {
    const decided = now();
    await publishModel(hotDir, trained, round);
    const published = now();
    const first = await message(`a result of model ${round}`, (m) => m.type === 'first' && m.version === String(round), 30_000);
    swaps.push({ round, publishMs: published - decided, toFirstResultMs: first.at - decided });
    console.error(`swap ${round}: published in ${(published - decided).toFixed(0)} ms, first result of the new model ${(first.at - decided).toFixed(0)} ms after the decision`);
    await sleep(1500);
  }
  worker.send({ type: 'stop' });
  const done = await message('its final counts', (m) => m.type === 'done', 60_000);
  await exited;

  const sorted = [...done.latencies].sort((a, b) => a - b);
  const toFirst = swaps.map((s) => s.toFirstResultMs).sort((a, b) => a - b);
  console.log(`hot swap under load: ${done.calls.started} inference() calls at ${done.rate.toFixed(0)}/s (asked ${RATE}/s) on the helmet detector, ${SWAPS} models published meanwhile (${os.availableParallelism()} cores)`);
  console.log(`  failed calls: ${done.calls.failed}${done.calls.errors.length > 0 ? ` (${done.calls.errors.join('; ')})` : ''}`);
  console.log(`  call latency p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`);
  console.log(`  decision -> first result of the new model: ${swaps.map((s) => `${s.toFirstResultMs.toFixed(0)} ms`).join(', ')} (publish alone: ${swaps.map((s) => s.publishMs.toFixed(0)).join(', ')} ms)`);
  console.log('goal: 0 failed calls; decision -> first result at most 1000 ms');
  const size = `${done.calls.started} calls at ${done.rate.toFixed(0)}/s, ${SWAPS} swaps, helmet detector`;
  figure({ id: 'hot-swap.failed', title: 'failed inference() calls during hot swaps', value: done.calls.failed, unit: 'calls', size, goal: { op: '<=', value: 0 } });
  figure({ id: 'hot-swap.decision-to-result', title: "gate's decision to the new model's first result (max over swaps)", value: toFirst[toFirst.length - 1], unit: 'ms', size, goal: { op: '<=', value: 1000 }, note: `median ${percentile(toFirst, 0.5).toFixed(0)} ms; publish alone ${percentile(swaps.map((s) => s.publishMs).sort((a, b) => a - b), 0.5).toFixed(0)} ms` });
  figure({ id: 'hot-swap.call-p99', title: 'inference() call latency p99 across the swaps', value: percentile(sorted, 0.99), unit: 'ms', size, baseline: { label: 'p50', value: percentile(sorted, 0.5) } });
  if (done.calls.failed > 0) process.exitCode = 1;
} finally {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
}
