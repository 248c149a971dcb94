// Round overhead: what a round costs beyond its workers' own work. One IncrementalLearningJob on
// `sedna up` (a child process) with placeholder train and eval workers (bench/trigger-latency/workers:
// the worker SDK, no training) runs `--rounds` rounds one after the other. For each round: its wall time
// from (Train, Ready) to the job back at (Train, Waiting) for the next round, as a watch sees the status,
// minus its workers' run times (startedAt to finishedAt in their pods' containerStatuses, which include
// each worker's node start-up). Those timestamps have whole seconds, as Kubernetes writes them, so one
// round's figure is within about +-1 s; the mean over the rounds is the figure (goal: at most 1 s).
// Needs the packages built (npx nx run-many -t build -p @sedna-ts/cli @sedna-ts/up @sedna-ts/worker-sdk):
//   npx tsx bench/round-overhead/run.ts [--rounds 15]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { killNodeAgentProcesses, sednaOk, SednaUp } from '../../e2e/src/sedna.js';
import { figure, percentile } from '../lib/figures.mjs';
import { appendSamples, datasetsCounted, idleAt, jobObjects, JobWatch, trainReady } from '../lib/jobs.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '15' } } });
const ROUNDS = Number(values.rounds);
const NS = 'overhead';
const dir = mkdtempSync(join(os.tmpdir(), 'sedna-bench-overhead-'));
const dataDir = join(dir, 'sedna');
const root = join(dir, 'root');

/** Seconds a pod's single container ran (finishedAt - startedAt), or undefined when it has not ended. */
function runSeconds(pod: V1Pod): number | undefined {
  const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated;
  if (!terminated?.startedAt || !terminated.finishedAt) return undefined;
  return (new Date(terminated.finishedAt).getTime() - new Date(terminated.startedAt).getTime()) / 1000;
}

const up = await SednaUp.start(dataDir);
const rows: Array<{ round: number; wallS: number; workersS: number; overheadS: number }> = [];
try {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(join(dataDir, 'kubeconfig'));
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const file = join(dir, 'jobs.json');
  writeFileSync(file, jobObjects(NS, 1, root));
  await sednaOk(dataDir, ['apply', '-f', file]);
  const jobs = new JobWatch(kubeConfig, NS);
  await jobs.start();
  await jobs.until('j0', idleAt(0), '(Train, Waiting) of round 0', 120_000);
  await datasetsCounted(kubeConfig, NS, 1, 120_000);
  for (let round = 1; round <= ROUNDS; round++) {
    appendSamples(root, NS, 0);
    const ready = await jobs.until('j0', trainReady(round), `(Train, Ready) of round ${round}`, 120_000);
    const ended = await jobs.until('j0', idleAt(round), `(Train, Waiting) after round ${round}`, 300_000);
    // A worker's process may still be exiting after its report moved the round on: wait for both pods' ends.
    let pods: V1Pod[] = [];
    let runs: Array<number | undefined> = [];
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 200))) {
      pods = (await core.listNamespacedPod({ namespace: NS, labelSelector: `sedna.io/round=${round}` })).items;
      runs = pods.map(runSeconds);
      if (runs.length === 2 && runs.every((r) => r !== undefined)) break;
    }
    if (runs.length !== 2 || runs.some((r) => r === undefined)) throw new Error(`round ${round}: no train and eval pod that ended within 60 s; found ${pods.map((p) => `${p.metadata?.name} ${p.status?.phase}`).join(', ') || 'none'}`);
    const workersS = (runs as number[]).reduce((a, b) => a + b, 0);
    const wallS = (ended - ready) / 1000;
    rows.push({ round, wallS, workersS, overheadS: wallS - workersS });
    console.error(`round ${round}: ${wallS.toFixed(2)} s from (Train, Ready) to the next (Train, Waiting), workers ${workersS} s`);
  }
  jobs.stop();
} finally {
  const stopped = await up.stop();
  if (stopped.code !== 0) console.error(`sedna up exited with ${stopped.code ?? stopped.signal}:\n${up.output()}`);
  killNodeAgentProcesses(dataDir);
  rmSync(dir, { recursive: true, force: true });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const overheads = rows.map((r) => r.overheadS).sort((a, b) => a - b);
console.log(`round overhead: ${ROUNDS} rounds of one job on sedna up, placeholder workers (${os.availableParallelism()} cores)`);
console.log('round   wall s   workers s   overhead s');
for (const r of rows) console.log(`${String(r.round).padStart(5)} ${r.wallS.toFixed(2).padStart(8)} ${r.workersS.toFixed(0).padStart(11)} ${r.overheadS.toFixed(2).padStart(12)}`);
console.log(`mean: wall ${mean(rows.map((r) => r.wallS)).toFixed(2)} s, workers ${mean(rows.map((r) => r.workersS)).toFixed(2)} s, overhead ${mean(overheads).toFixed(2)} s (p90 ${percentile(overheads, 0.9).toFixed(2)} s); goal: at most 1 s`);
figure({
  id: 'round-overhead.mean',
  title: "a round's wall time beyond its workers' run times (mean)",
  value: mean(overheads),
  unit: 's',
  size: `${ROUNDS} rounds of one job, placeholder train and eval workers; worker times in whole seconds`,
  goal: { op: '<=', value: 1 },
  baseline: { label: 'the workers\' run times (mean)', value: mean(rows.map((r) => r.workersS)) },
  note: `wall ${mean(rows.map((r) => r.wallS)).toFixed(2)} s per round; overhead p90 ${percentile(overheads, 0.9).toFixed(2)} s`,
});
