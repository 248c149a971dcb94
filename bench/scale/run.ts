// Scale of the control plane: 10, 100 and 1,000 IncrementalLearningJobs (each with its own Dataset, the
// placeholder train and eval workers of bench/trigger-latency that report at once, no inference worker)
// on the four parts as separate processes (API server, GM, LC, node agent: e2e/src/faults/parts.ts), so
// each one's memory is its own; `--up` runs the same on `sedna up` (one process) instead. Jobs are created
// 20 at a time, each batch at (Train, Waiting) before the next; at each size, `--sample` of the jobs
// (spread over them) run one round each, 20 at a time. Per size, with the load average:
// - resident memory of the GM, the API server and the LC (or of `sedna up`);
// - p99 time from a change to the job's status written, as a watch sees both: a pod seen Running to the
//   stage's Running condition, a worker about to report (the time it writes into BENCH_MARKS) to the
//   stage's Completed condition;
// - the API server's list of every job and of every pod (ms and bytes) and a new watch's initial events.
// Goals at 1,000 jobs: GM at most 300 MiB, p99 at most 100 ms, growth no worse than linear.
// Needs the packages built (npx nx run-many -t build):
//   npx tsx bench/scale/run.ts [--sizes 10,100,1000] [--sample 100] [--up]
// BENCH_PROFILE=DIR writes CPU profiles of the GM, the LC, the API server and the node agent into DIR/<part>.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, CustomObjectsApi, KubeConfig, Watch, type V1Pod } from '@kubernetes/client-node';
import type { IncrementalLearningJob } from '@sedna-ts/api-types';
import { FourParts } from '../../e2e/src/faults/parts.js';
import { killNodeAgentProcesses, sednaOk, SednaUp } from '../../e2e/src/sedna.js';
import { figure, percentile, rssMiB } from '../lib/figures.mjs';
import { appendSamples, datasetsCounted, idleAt, jobObjects, JobWatch } from '../lib/jobs.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,100,1000' },
    sample: { type: 'string', default: '100' },
    up: { type: 'boolean', default: false },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const SAMPLE = Number(values.sample);
const BATCH = 20;
const NS = 'scale';
const GOAL = { gmMiB: 300, p99Ms: 100 };
const dir = mkdtempSync(join(os.tmpdir(), 'sedna-bench-scale-'));
const dataDir = join(dir, 'sedna');
const root = join(dir, 'root');
const marks = join(dir, 'marks');
mkdirSync(marks, { recursive: true });
const epoch = () => performance.timeOrigin + performance.now();
const began = performance.now();
const progress = (what: string) => console.error(`${((performance.now() - began) / 1000).toFixed(1).padStart(7)} s  ${what}`);
const resourceKind = 'incrementallearningjob';

interface Row {
  size: number;
  load: number;
  rss: Record<string, number>;
  podP99: number;
  reportP99: number;
  samples: number;
  listJobsMs: number;
  listJobsKiB: number;
  listPodsMs: number;
  listPodsKiB: number;
  watchInitialMs: number;
}

/** When (epoch ms) the job watch first saw condition stage/type/round on `job`. */
function conditionSeen(history: JobWatch['history'], job: string, stage: string, type: string, round: number): number | undefined {
  for (const { at, job: j } of history) {
    if (j.metadata?.name !== job) continue;
    if ((j.status?.conditions ?? []).some((c) => c.stage === stage && c.type === type && c.round === round)) return performance.timeOrigin + at;
  }
  return undefined;
}

const parts = values.up ? undefined : await FourParts.start({
      dataDir,
      dir: join(dir, 'parts'),
      node: 'edge-node',
      lcEnv: { SEDNA_LC_DATA_ROOTS: root },
      // BENCH_PROFILE=DIR: CPU profiles of the GM, the LC, the API server and the node agent, written into DIR when they stop.
      nodeArgs: process.env.BENCH_PROFILE ? Object.fromEntries(['gm', 'lc', 'apiserver', 'agent'].map((p) => [p, ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}/${p}`]])) : undefined,
    });
const up = values.up ? await SednaUp.start(dataDir) : undefined;
const rows: Row[] = [];
try {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(join(dataDir, 'kubeconfig'));
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const jobs = new JobWatch(kubeConfig, NS, true);
  // Pods seen Running, by name, when (epoch ms).
  const podRunning = new Map<string, { at: number; pod: V1Pod }>();
  let podWatch: { abort(): void } | undefined;
  const rounds = new Map<number, number>();
  let total = 0;
  let watchesStarted = false;

  for (const size of SIZES) {
    // Jobs, 20 at a time.
    while (total < size) {
      const n = Math.min(BATCH, size - total);
      const file = join(dir, `jobs-${total}.json`);
      writeFileSync(file, jobObjects(NS, n, root, { first: total, env: { BENCH_MARKS: marks } }));
      await sednaOk(dataDir, ['apply', '-f', file]);
      if (!watchesStarted) {
        await jobs.start();
        podWatch = await new Watch(kubeConfig).watch(
          `/api/v1/namespaces/${NS}/pods`,
          {},
          (_type, pod: V1Pod) => {
            const name = pod.metadata?.name as string;
            if (pod.status?.phase === 'Running' && !podRunning.has(name)) podRunning.set(name, { at: epoch(), pod });
          },
          () => undefined,
        );
        watchesStarted = true;
      }
      const first = total;
      await Promise.all(Array.from({ length: n }, (_, k) => jobs.until(`j${first + k}`, idleAt(0), '(Train, Waiting) of round 0', 300_000)));
      total += n;
      if (total % 100 === 0 || total === size) progress(`${total} jobs at (Train, Waiting)`);
    }
    await datasetsCounted(kubeConfig, NS, total, 300_000);
    progress(`${total} datasets counted`);

    // One round for each sampled job, 20 at a time.
    const count = Math.min(SAMPLE, size);
    const sampled = Array.from({ length: count }, (_, k) => Math.floor((k * size) / count));
    const historyFrom = jobs.history.length;
    const loads: number[] = [];
    const runs: Array<{ job: string; round: number }> = [];
    for (let b = 0; b < sampled.length; b += BATCH) {
      const batch = sampled.slice(b, b + BATCH);
      for (const i of batch) appendSamples(root, NS, i);
      await Promise.all(
        batch.map(async (i) => {
          const round = (rounds.get(i) ?? 0) + 1;
          await jobs.until(`j${i}`, idleAt(round), `(Train, Waiting) after round ${round}`, 300_000);
          rounds.set(i, round);
          runs.push({ job: `j${i}`, round });
        }),
      );
      loads.push(os.loadavg()[0] as number);
    }
    progress(`${size} jobs: ${count} rounds done`);

    // Latencies of the sampled rounds.
    const history = jobs.history.slice(historyFrom);
    const podLatencies: number[] = [];
    const reportLatencies: number[] = [];
    const sampledRuns = new Set(runs.map((r) => `${r.job}/${r.round}`));
    for (const { at, pod } of podRunning.values()) {
      const labels = pod.metadata?.labels ?? {};
      const job = labels[`${resourceKind}.sedna.io/name`] as string;
      const round = Number(labels['sedna.io/round']);
      if (!sampledRuns.has(`${job}/${round}`)) continue;
      const stage = labels[`${resourceKind}.sedna.io/worker-type`] === 'eval' ? 'Eval' : 'Train';
      const running = conditionSeen(history, job, stage, 'Running', round);
      if (running !== undefined) podLatencies.push(Math.max(0, running - at));
      let mark: number | undefined;
      try {
        mark = Number(readFileSync(join(marks, pod.metadata?.name as string), 'utf8'));
      } catch {
        mark = undefined;
      }
      const completed = conditionSeen(history, job, stage, 'Completed', round);
      if (mark !== undefined && Number.isFinite(mark) && completed !== undefined) reportLatencies.push(Math.max(0, completed - mark));
    }
    podLatencies.sort((a, b) => a - b);
    reportLatencies.sort((a, b) => a - b);

    // Memory, once the rounds are over.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const rss: Record<string, number> = {};
    if (parts) {
      for (const name of ['gm', 'apiserver', 'lc'] as const) rss[name] = rssMiB(parts.parts[name].pid as number) ?? NaN;
    } else if (up) {
      rss.up = rssMiB(up.pid) ?? NaN;
    }

    // The API server's lists (as client-node sees them: request, transfer, parsing) and a new watch's initial events.
    const timedList = async (list: () => Promise<unknown>) => {
      const t0 = performance.now();
      const result = await list();
      return { ms: performance.now() - t0, kib: JSON.stringify(result).length / 1024 };
    };
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const listJobs = await timedList(() => custom.listNamespacedCustomObject({ group: 'sedna.io', version: 'v1alpha1', namespace: NS, plural: 'incrementallearningjobs' }));
    const listPods = await timedList(() => core.listNamespacedPod({ namespace: NS }));
    const t0 = performance.now();
    let added = 0;
    await new Promise<void>((resolve, reject) => {
      let request: { abort(): void } | undefined;
      const timer = setTimeout(() => reject(new Error(`a new watch of ${NS}'s jobs: ${added} of ${total} initial events within 60 s`)), 60_000);
      void new Watch(kubeConfig)
        .watch(
          `/apis/sedna.io/v1alpha1/namespaces/${NS}/incrementallearningjobs`,
          { resourceVersion: '0' },
          (type: string, _job: IncrementalLearningJob) => {
            if (type === 'ADDED' && ++added === total) {
              clearTimeout(timer);
              request?.abort();
              resolve();
            }
          },
          () => undefined,
        )
        .then((r) => (request = r), reject);
    });
    const watchInitialMs = performance.now() - t0;

    const row: Row = {
      size,
      load: loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length),
      rss,
      podP99: percentile(podLatencies, 0.99),
      reportP99: percentile(reportLatencies, 0.99),
      samples: podLatencies.length + reportLatencies.length,
      listJobsMs: listJobs.ms,
      listJobsKiB: listJobs.kib,
      listPodsMs: listPods.ms,
      listPodsKiB: listPods.kib,
      watchInitialMs,
    };
    rows.push(row);
    progress(`${size} jobs: ${JSON.stringify(row)}`);
  }
  jobs.stop();
  podWatch?.abort();
} finally {
  await parts?.stop();
  if (up) {
    await up.stop();
    killNodeAgentProcesses(dataDir);
  }
  rmSync(dir, { recursive: true, force: true });
}

// The table, and the figures at the largest size with their growth from the size before it.
const fmt = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const memKeys = Object.keys(rows[0]?.rss ?? {});
console.log(`control plane at scale on ${values.up ? 'sedna up (one process)' : 'four processes (API server, GM, LC, node agent)'}: ${SIZES.join(', ')} jobs, ${SAMPLE} sampled rounds per size, 20 at a time (${os.availableParallelism()} cores)`);
console.log(`${'jobs'.padStart(6)}${'load'.padStart(7)}${memKeys.map((k) => `${k} MiB`.padStart(15)).join('')}${'pod p99 ms'.padStart(12)}${'report p99 ms'.padStart(15)}${'list jobs ms/KiB'.padStart(18)}${'list pods ms/KiB'.padStart(18)}${'watch init ms'.padStart(15)}`);
for (const r of rows) {
  console.log(
    `${String(r.size).padStart(6)}${fmt(r.load, 2).padStart(7)}${memKeys.map((k) => fmt(r.rss[k] as number).padStart(15)).join('')}${fmt(r.podP99).padStart(12)}${fmt(r.reportP99).padStart(15)}${`${fmt(r.listJobsMs)}/${fmt(r.listJobsKiB)}`.padStart(18)}${`${fmt(r.listPodsMs)}/${fmt(r.listPodsKiB)}`.padStart(18)}${fmt(r.watchInitialMs).padStart(15)}`,
  );
}
console.log(`goals at 1,000 jobs: GM at most ${GOAL.gmMiB} MiB, p99 at most ${GOAL.p99Ms} ms, growth no worse than linear`);
const last = rows[rows.length - 1];
const before = rows[rows.length - 2];
if (last) {
  const size = `${last.size} jobs${values.up ? ' on sedna up' : ''}, ${Math.min(SAMPLE, last.size)} sampled rounds 20 at a time, placeholder workers; load average ${last.load.toFixed(2)}`;
  const base = values.up ? 'up' : 'gm';
  const memory = last.rss[base] as number;
  figure({
    id: `scale.${base}-rss`,
    title: `${values.up ? 'sedna up' : 'GM'} resident memory at ${last.size} jobs`,
    value: memory,
    unit: 'MiB',
    size,
    goal: values.up ? undefined : { op: '<=', value: GOAL.gmMiB },
    baseline: before ? { label: `at ${before.size} jobs`, value: before.rss[base] as number } : undefined,
  });
  if (!values.up) {
    figure({ id: 'scale.apiserver-rss', title: `API server resident memory at ${last.size} jobs`, value: last.rss.apiserver as number, unit: 'MiB', size, baseline: before ? { label: `at ${before.size} jobs`, value: before.rss.apiserver as number } : undefined });
    figure({ id: 'scale.lc-rss', title: `LC resident memory at ${last.size} jobs`, value: last.rss.lc as number, unit: 'MiB', size, baseline: before ? { label: `at ${before.size} jobs`, value: before.rss.lc as number } : undefined });
  }
  const worst = Math.max(last.podP99, last.reportP99);
  figure({ id: `scale.p99${values.up ? '-up' : ''}`, title: `p99 from a pod or report change to the status written, at ${last.size} jobs`, value: worst, unit: 'ms', size, goal: { op: '<=', value: GOAL.p99Ms }, baseline: before ? { label: `at ${before.size} jobs`, value: Math.max(before.podP99, before.reportP99) } : undefined, note: `pod change p99 ${fmt(last.podP99)} ms, report p99 ${fmt(last.reportP99)} ms over ${last.samples} changes` });
  figure({ id: `scale.list-jobs${values.up ? '-up' : ''}`, title: `list of all ${last.size} jobs through client-node`, value: last.listJobsMs, unit: 'ms', size: `${fmt(last.listJobsKiB)} KiB`, baseline: before ? { label: `${before.size} jobs`, value: before.listJobsMs } : undefined });
  figure({ id: `scale.watch-initial${values.up ? '-up' : ''}`, title: `a new watch's ${last.size} initial events`, value: last.watchInitialMs, unit: 'ms', size, baseline: before ? { label: `${before.size} jobs`, value: before.watchInitialMs } : undefined });
  if (before) {
    // Growth exponent from the size before: 1 is linear. Memory grows from a fixed start, so the
    // exponent is of what the jobs added above the first size.
    const first = rows[0] as Row;
    const grown = (a: number, b: number) => Math.log(a / b) / Math.log(last.size / before.size);
    const memoryAbove = (r: Row) => (r.rss[base] as number) - (first.rss[base] as number);
    if (before !== first && memoryAbove(before) > 0) figure({ id: `scale.${base}-rss-growth`, title: `growth of ${values.up ? 'sedna up' : 'the GM'}'s memory from ${before.size} to ${last.size} jobs (exponent; 1 is linear)`, value: grown(memoryAbove(last), memoryAbove(before)), unit: 'exponent', size: `memory above its figure at ${first.size} jobs`, goal: { op: '<=', value: 1 } });
    figure({ id: `scale.list-growth${values.up ? '-up' : ''}`, title: `growth of the list of jobs from ${before.size} to ${last.size} jobs (exponent; 1 is linear)`, value: grown(last.listJobsMs, before.listJobsMs), unit: 'exponent', size, goal: { op: '<=', value: 1 } });
  }
}
