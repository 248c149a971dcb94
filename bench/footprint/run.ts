// Edge footprint: resident memory of a Local Controller as on a cluster node (its own process, `sedna-lc`,
// beside the API server, the GM and the node agent as separate processes: e2e/src/faults/parts.ts), idle
// and holding `--jobs` IncrementalLearningJobs with their Datasets (goal: at most 80 MiB idle); of an
// idle inference worker (the helmet detector loaded through the worker SDK); and the time `sedna up`
// takes to be ready, on a new data folder and on one it used before, with its memory once up.
// Needs the packages built (npx nx run-many -t build):
//   npx tsx bench/footprint/run.ts [--jobs 10] [--starts 3]
import { fork } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { FourParts } from '../../e2e/src/faults/parts.js';
import { killNodeAgentProcesses, sednaOk, SednaUp } from '../../e2e/src/sedna.js';
import { figure, percentile, rssMiB } from '../lib/figures.mjs';
import { datasetsCounted, idleAt, jobObjects, JobWatch } from '../lib/jobs.js';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '10' }, starts: { type: 'string', default: '3' } } });
const JOBS = Number(values.jobs);
const STARTS = Number(values.starts);
const here = dirname(fileURLToPath(import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const dir = mkdtempSync(join(os.tmpdir(), 'sedna-bench-footprint-'));
/** RSS of `pid` after `settleMs`, the median of 5 readings 200 ms apart. */
async function settledRss(pid: number, settleMs = 3000): Promise<number> {
  await sleep(settleMs);
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    const rss = rssMiB(pid);
    if (rss === undefined) throw new Error(`process ${pid} is gone`);
    readings.push(rss);
    await sleep(200);
  }
  return percentile(readings.sort((a, b) => a - b), 0.5);
}

try {
  // 1. The LC alone, as on a cluster node.
  const parts = await FourParts.start({ dataDir: join(dir, 'cluster'), dir: join(dir, 'parts'), node: 'edge-node', lcEnv: { SEDNA_LC_DATA_ROOTS: join(dir, 'root') } });
  let lcIdle: number;
  let lcJobs: number;
  try {
    lcIdle = await settledRss(parts.parts.lc.pid as number, 5000);
    console.error(`LC idle: ${lcIdle.toFixed(1)} MiB`);
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(parts.kubeconfig);
    const file = join(dir, 'jobs.json');
    writeFileSync(file, jobObjects('footprint', JOBS, join(dir, 'root')));
    await sednaOk(join(dir, 'cluster'), ['apply', '-f', file]);
    const jobs = new JobWatch(kubeConfig, 'footprint');
    await jobs.start();
    await Promise.all(Array.from({ length: JOBS }, (_, i) => jobs.until(`j${i}`, idleAt(0), '(Train, Waiting)', 180_000)));
    await datasetsCounted(kubeConfig, 'footprint', JOBS, 180_000);
    jobs.stop();
    lcJobs = await settledRss(parts.parts.lc.pid as number, 5000);
    console.error(`LC with ${JOBS} jobs: ${lcJobs.toFixed(1)} MiB`);
  } finally {
    await parts.stop();
  }

  // 2. An idle inference worker with the helmet detector loaded.
  const model = join(dir, 'model', 'model.onnx');
  mkdirSync(dirname(model), { recursive: true });
  copyFileSync(join(here, '..', '..', 'examples', 'helmet-detection', 'models', 'base', 'model.onnx'), model);
  const worker = fork(join(here, 'idle-inference.mjs'), [], {
    env: { ...process.env, MODEL_URL: model, MODEL_HOT_UPDATE: 'true', MODEL_HOT_UPDATE_CONFIG: join(dir, 'hot', 'model_config.json'), JOB_NAME: 'bench', WORKER_NAME: 'bench-idle', SEDNA_REPORT_SPOOL_DIR: join(dir, 'spool'), LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let workerIdle: number;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('idle inference worker: not ready within 60 s')), 60_000);
      worker.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.once('exit', (code) => reject(new Error(`idle inference worker exited (${code}) before it was ready`)));
    });
    workerIdle = await settledRss(worker.pid as number);
    console.error(`idle inference worker: ${workerIdle.toFixed(1)} MiB`);
  } finally {
    worker.kill('SIGKILL');
  }

  // 3. `sedna up` to ready: new data folders, then one used before.
  const fresh: number[] = [];
  let upRss = 0;
  for (let i = 0; i < STARTS; i++) {
    const dataDir = join(dir, `up-${i}`);
    const t0 = performance.now();
    const up = await SednaUp.start(dataDir);
    fresh.push(performance.now() - t0);
    if (i === 0) upRss = await settledRss(up.pid, 5000);
    await up.stop();
    killNodeAgentProcesses(dataDir);
  }
  const again: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const dataDir = join(dir, 'up-0');
    const t0 = performance.now();
    const up = await SednaUp.start(dataDir);
    again.push(performance.now() - t0);
    await up.stop();
    killNodeAgentProcesses(dataDir);
  }
  const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 0.5);

  console.log(`edge footprint (${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB)`);
  console.log(`  LC alone (sedna-lc, its own process): ${lcIdle.toFixed(1)} MiB idle, ${lcJobs.toFixed(1)} MiB with ${JOBS} jobs and their Datasets; goal: at most 80 MiB idle`);
  console.log(`  idle inference worker (helmet detector loaded, onnxruntime on one thread): ${workerIdle.toFixed(1)} MiB`);
  console.log(`  sedna up to ready: ${fresh.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s on new data folders, ${again.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s on one used before; ${upRss.toFixed(0)} MiB once up (API server, GM, LC, node agent and KB in one process)`);
  figure({ id: 'footprint.lc-idle', title: 'LC resident memory, idle (its own process)', value: lcIdle, unit: 'MiB', size: 'sedna-lc connected to its GM, no job', goal: { op: '<=', value: 80 } });
  figure({ id: 'footprint.lc-jobs', title: `LC resident memory with ${JOBS} jobs`, value: lcJobs, unit: 'MiB', size: `${JOBS} IncrementalLearningJobs, each with its Dataset, at (Train, Waiting)`, baseline: { label: 'idle', value: lcIdle } });
  figure({ id: 'footprint.inference-idle', title: 'idle inference worker resident memory', value: workerIdle, unit: 'MiB', size: 'helmet detector loaded through the worker SDK, onnxruntime on one thread' });
  figure({ id: 'footprint.up-start', title: 'sedna up to ready, new data folder (median)', value: median(fresh) / 1000, unit: 's', size: `${STARTS} starts`, baseline: { label: 'on a data folder used before', value: median(again) / 1000 } });
  figure({ id: 'footprint.up-rss', title: 'sedna up resident memory once up', value: upRss, unit: 'MiB', size: 'no job; API server, GM, LC, node agent and KB in one process' });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
