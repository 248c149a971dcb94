// The lifelong-learning demo (`npm run demo:lifelong` at the repository root): on `sedna up`, the
// LifelongLearningJob of jobs/embedded/helmet-lifelong.yaml (each camera site a task) and, beside it,
// the example's IncrementalLearningJob, both fed the same labelled frames in the same order from the
// same base detector. Round 1: labelled frames of sites A and B. Then the cameras of A, B and a new
// site C send frames to the lifelong inference worker: C's are unseen (no task has its site), served
// by the fallback and saved; the labeller labels them; round 2 learns C. One line per round: tasks in
// the KB, unseen frames per site, mAP@0.5 on A, B and C of what serves each site, for both jobs.
//   npx tsx demo-lifelong.ts [--root <folder>] [--labels 40] [--frames 60] [--c-labels 50] [--fast] [--json]
// --labels: round-1 labelled frames per site; --frames: site-C camera frames each round (A and B send
// a sixth as many each); --c-labels: C frames labelled for round 2. --fast: small (10, 10, 8 and 5
// training steps), for the tests.
import { copyFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { jobFolder, type KbIndex } from '@sedna-ts/api-types/contract';
import { writeCameraFrames } from './src/camera.js';
import { dashboardOf, keepAtEnd, mapOf, runCli, sednaBin, startSednaUp, waitFor, type Condition } from './src/demoSupport.js';
import { HelmetError } from './src/errors.js';
import { appendLines, formatIndexLine } from './src/indexFile.js';
import { prepareJobFolder, prepareLifelongFolder } from './src/jobFolder.js';
import { labelHardExamples } from './src/labeller.js';
import { renderFrame } from './src/render.js';
import { frameId } from './src/scene.js';
import { type ScenarioName } from './src/scenarios.js';

const EXAMPLE_DIR = dirname(fileURLToPath(import.meta.url));
const LL_JOB = 'helmet-lifelong';
const IL_JOB = 'helmet-detection';
const SITES = ['A', 'B', 'C'] as const;
type Site = (typeof SITES)[number];

const { values } = parseArgs({
  options: {
    // Leave sedna up running at the end (default when stdout is a terminal); --no-keep: stop it.
    keep: { type: 'boolean' },
    'no-keep': { type: 'boolean' },
    root: { type: 'string' },
    labels: { type: 'string' },
    frames: { type: 'string' },
    'c-labels': { type: 'string' },
    fast: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const fast = values.fast as boolean;
const setting = (name: 'labels' | 'frames' | 'c-labels', normal: number, quick: number): number => {
  const text = values[name];
  const n = text === undefined ? (fast ? quick : normal) : Number(text);
  if (!Number.isInteger(n) || n < 1) throw new HelmetError('INVALID_ARGUMENT', `demo-lifelong: --${name}: ${JSON.stringify(text)} is not a positive integer`);
  return n;
};
const LABELS = setting('labels', 40, 10);
const FRAMES = setting('frames', 60, 8);
const C_LABELS = Math.min(FRAMES, setting('c-labels', 50, 8));
// Both jobs start a round at the same count of train-pool samples (trainProb 0.8 of the labels).
const TRAIN_THRESHOLD = fast ? 5 : 30;
const say = (line: string) => {
  if (!values.json) console.log(line);
};

interface JobStatus {
  round?: number;
  conditions?: Condition[];
  lastDecision?: { round: number; decision: string; reason: string };
  servingIndex?: { round: number };
}
interface SiteStats {
  frames: number;
  unseen: number;
  served: Record<string, number>;
}
interface InferenceStats {
  frames: number;
  unseen: number;
  round: number | null;
  sites: Record<string, SiteStats>;
}
/** One line of the table. */
interface RoundRow {
  round: number;
  tasks: string[];
  /** Frames each site's camera sent while this round's KB served, how many were unseen, which models served them. */
  served: Partial<Record<Site, SiteStats>>;
  lifelong: Record<Site, number>;
  /** The model serving each site in the lifelong job (`fallback ...` for a site the KB does not know). */
  servedBy: Record<Site, string>;
  incremental: Record<Site, number>;
  ilDecision: string;
}

const cliBin = await sednaBin();
const started = performance.now();
const root = values.root ?? (await mkdtemp(join(tmpdir(), 'sedna-helmet-lifelong-')));
const dataDir = join(root, 'sedna');
say(`demo-lifelong: ${LABELS} labelled frames each of sites A and B, then ${FRAMES} site-C camera frames a round, ${C_LABELS} of them labelled; files in ${root}`);
const steps = fast ? { steps: 5 } : {};
const ll = await prepareLifelongFolder({
  root: join(root, 'lifelong'),
  exampleDir: EXAMPLE_DIR,
  fresh: true,
  overrides: { maxRounds: 2, trainThreshold: TRAIN_THRESHOLD, ...steps, ...(fast ? { trainEnv: { MIN_TRAIN_SAMPLE: '3' } } : {}) },
});
// The incremental job as the example ships it (rehearsal on, no replay_dataset), but with a gate that
// always deploys, so that both jobs serve a model trained on the same frames after each round.
const il = await prepareJobFolder({ root: join(root, 'incremental'), exampleDir: EXAMPLE_DIR, fresh: true, testFrames: 1, overrides: { maxRounds: 2, trainThreshold: TRAIN_THRESHOLD, deployThreshold: -2, ...steps } });

/** Appends labelled lines (with their images, from `fromDir` or rendered) to the Dataset of both jobs, in one write each. */
async function feedBoth(lines: string[], images: Map<string, Buffer | string>): Promise<void> {
  for (const dir of [ll.datasetDir, il.datasetDir]) {
    for (const [relative, source] of images) {
      const target = join(dir, relative);
      if (typeof source === 'string') {
        if (source !== target) await copyFile(source, target);
      } else {
        await writeFile(target, source);
      }
    }
    await appendLines(join(dir, 'index.txt'), `${lines.join('\n')}\n`);
  }
}

/** Round 1's labels: frames of sites A and B, alternating, each line with its site. */
async function labelSites(): Promise<number> {
  const lines: string[] = [];
  const images = new Map<string, Buffer>();
  for (let i = 0; i < LABELS; i++) {
    for (const [site, seed] of [['A', 20], ['B', 120]] as Array<[ScenarioName, number]>) {
      const id = frameId(site, seed, i);
      const { scene, bytes } = await renderFrame(id, 'png');
      const relative = `images/${id}.png`;
      images.set(relative, bytes);
      lines.push(formatIndexLine(relative, scene.boxes, { site }));
    }
  }
  await feedBoth(lines, images);
  return lines.length;
}

async function status(kind: 'll' | 'ij', job: string): Promise<JobStatus> {
  return ((JSON.parse(await runCli(cliBin, ['get', kind, job, '-o', 'json'], dataDir)) as { status?: JobStatus }).status ?? {}) as JobStatus;
}

function checkFailed(s: JobStatus, what: string, round: number): void {
  const last = s.conditions?.[s.conditions.length - 1];
  if (last?.reason === 'RoundFailed') throw new HelmetError('DEMO_FAILED', `demo-lifelong: ${what} round ${round} failed: ${last.message ?? ''}`);
}

async function lifelongDeployed(round: number): Promise<void> {
  await waitFor(`the lifelong job's round ${round} to deploy`, 900_000, async () => {
    const s = await status('ll', LL_JOB);
    checkFailed(s, 'lifelong', round);
    return (s.conditions ?? []).some((c) => c.round === round && c.stage === 'Deploy' && c.type === 'Completed') ? true : undefined;
  });
}

async function incrementalDone(round: number): Promise<string> {
  return waitFor(`the incremental job's round ${round} to finish`, 900_000, async () => {
    const s = await status('ij', IL_JOB);
    checkFailed(s, 'incremental', round);
    return s.lastDecision?.round === round ? s.lastDecision.decision : undefined;
  });
}

async function readStats(): Promise<InferenceStats | undefined> {
  try {
    return JSON.parse(await readFile(ll.statsFile, 'utf8')) as InferenceStats;
  } catch {
    return undefined;
  }
}

/** The cameras: site C's frames and a sixth as many of A's and B's, interleaved; waits until all are served. */
let cameraStart = 0;
async function camerasSend(round: number): Promise<Partial<Record<Site, SiteStats>>> {
  const before = (await readStats()) as InferenceStats;
  const per = { A: Math.max(1, Math.round(FRAMES / 6)), B: Math.max(1, Math.round(FRAMES / 6)), C: FRAMES };
  for (const site of SITES) await writeCameraFrames({ dir: ll.framesDir, scenario: site, seed: { A: 300, B: 400, C: 500 }[site], start: cameraStart, count: per[site] });
  cameraStart += FRAMES;
  const total = before.frames + per.A + per.B + per.C;
  const after = await waitFor(`the inference worker to serve round ${round}'s camera frames`, 300_000, async () => {
    const s = await readStats();
    return s && s.frames >= total && (await readdir(ll.framesDir)).length === 0 ? s : undefined;
  });
  const delta: Partial<Record<Site, SiteStats>> = {};
  for (const site of SITES) {
    const a = after.sites[site] ?? { frames: 0, unseen: 0, served: {} };
    const b = before.sites[site] ?? { frames: 0, unseen: 0, served: {} };
    const served: Record<string, number> = {};
    for (const [model, n] of Object.entries(a.served)) if (n - (b.served[model] ?? 0) > 0) served[model] = n - (b.served[model] ?? 0);
    delta[site] = { frames: a.frames - b.frames, unseen: a.unseen - b.unseen, served };
  }
  return delta;
}

/** mAP@0.5 on each site's test set of the model the lifelong KB serves that site with (the fallback for an unknown site). */
async function lifelongMaps(index: KbIndex): Promise<{ maps: Record<Site, number>; servedBy: Record<Site, string> }> {
  const groups = index.seen_task.task_groups;
  const maps = {} as Record<Site, number>;
  const servedBy = {} as Record<Site, string>;
  for (const site of SITES) {
    const position = index.seen_task.extractor?.keys[site];
    // The SDK's fallback for an unknown site: the global model, else the group with most samples.
    const group = position !== undefined ? groups[position] : undefined;
    const fallback = index.global_model ?? [...groups].sort((a, b) => b.sample_num - a.sample_num)[0]?.model;
    const model = group?.model ?? fallback;
    if (!model) throw new HelmetError('DEMO_FAILED', `demo-lifelong: the KB of round ${index.round} has no model for site ${site}`);
    servedBy[site] = group ? model.id : `fallback ${model.id}`;
    maps[site] = await mapOf(dirname(model.url), ll.testIndex[site]);
  }
  return { maps, servedBy };
}

async function incrementalMaps(model: string): Promise<Record<Site, number>> {
  const maps = {} as Record<Site, number>;
  for (const site of SITES) maps[site] = await mapOf(model, ll.testIndex[site]);
  return maps;
}

const up = startSednaUp(cliBin, dataDir, join(root, 'sedna-up.log'));
const keep = keepAtEnd(process.argv.slice(2), Boolean(process.stdout.isTTY));
let dashboard: { url: string; signIn?: string } | undefined;
const rows: RoundRow[] = [];
let failure: Error | undefined;
const f3 = (n: number) => n.toFixed(3);
try {
  await up.ready();
  say(`demo-lifelong: sedna up is ready (log: ${up.log})`);
  dashboard = await dashboardOf(dataDir, up.log);
  say(`demo-lifelong: watch the rounds in the dashboard: ${dashboard.signIn ?? dashboard.url}${dashboard.signIn ? ' (a one-time sign-in link)' : ''}`);
  const base = await incrementalMaps(join(ll.root, 'models', 'initial', 'model.onnx'));
  rows.push({ round: 0, tasks: [], served: {}, lifelong: base, servedBy: { A: 'base', B: 'base', C: 'base' }, incremental: base, ilDecision: '' });
  await runCli(cliBin, ['apply', '-f', ll.jobFile], dataDir);
  await runCli(cliBin, ['apply', '-f', il.jobFile], dataDir);
  const unseenDir = jobFolder(join(dataDir, 'lc', 'hard-examples'), 'default', 'lifelonglearningjob', LL_JOB);

  const labelled = await labelSites();
  say(`demo-lifelong: ${labelled} labelled frames of sites A and B appended to both jobs' Datasets`);
  let ilModel = join(il.root, 'models', 'deploy', 'model.onnx');
  for (const round of [1, 2]) {
    await lifelongDeployed(round);
    const ilDecision = await incrementalDone(round);
    if (ilDecision === 'Deploy') ilModel = join(il.outputDir, 'train', String(round), 'model.onnx');
    const index = JSON.parse(await readFile(join(ll.outputDir, 'deploy', 'index.json'), 'utf8')) as KbIndex;
    await waitFor(`the lifelong inference worker to serve round ${round}`, 300_000, async () => ((await readStats())?.round === round ? true : undefined));
    const served = await camerasSend(round);
    if (round === 1) {
      // The labeller labels the unseen frames the inference worker saved: round 2's samples, for both jobs.
      const result = await labelHardExamples({ hardExamplesDir: unseenDir, datasetDir: ll.datasetDir, indexName: 'staged.txt', max: C_LABELS, remove: true, site: true });
      if (result.labelled.length < C_LABELS) throw new HelmetError('DEMO_FAILED', `demo-lifelong: only ${result.labelled.length} unseen frames to label, ${C_LABELS} wanted`);
      await feedBoth(
        result.labelled.map((l) => l.line),
        new Map(result.labelled.map((l) => [`images/${l.frame}.png`, join(ll.datasetDir, 'images', `${l.frame}.png`)])),
      );
      say(`demo-lifelong: ${result.labelled.length} unseen site-C frames labelled and appended to both jobs' Datasets`);
    }
    const { maps, servedBy } = await lifelongMaps(index);
    rows.push({ round, tasks: index.seen_task.task_groups.map((g) => g.entry), served, lifelong: maps, servedBy, incremental: await incrementalMaps(ilModel), ilDecision });
  }
} catch (error) {
  failure = error as Error;
} finally {
  if (!keep) await up.stop();
}

const seconds = (performance.now() - started) / 1000;
const [, first, second] = rows;
const goals = first && second ? { keepA: second.lifelong.A - first.lifelong.A, cVsIncremental: second.lifelong.C - second.incremental.C } : undefined;
const ok = failure === undefined && rows.length === 3;
if (values.json) {
  console.log(JSON.stringify({ ok, root, seconds, rounds: rows, goals, error: failure?.message }));
} else {
  const unseen = (row: RoundRow, site: Site) => {
    const s = row.served[site];
    return s ? `${s.unseen}/${s.frames}` : '-';
  };
  say('');
  say('round | tasks in KB | unseen A, B, C (frames) | lifelong mAP@0.5 A / B / C | C served by   | incremental mAP@0.5 A / B / C');
  for (const row of rows) {
    say(
      `${String(row.round).padStart(5)} | ${(row.tasks.join(',') || '-').padEnd(11)} | ${[unseen(row, 'A'), unseen(row, 'B'), unseen(row, 'C')].join(', ').padEnd(23)} | ` +
        `${[row.lifelong.A, row.lifelong.B, row.lifelong.C].map(f3).join(' / ').padEnd(26)} | ${row.servedBy.C.padEnd(12)} | ${[row.incremental.A, row.incremental.B, row.incremental.C].map(f3).join(' / ')}`,
    );
  }
  say('');
  if (failure) say(`demo-lifelong: FAILED: ${failure.message} (sedna up's log: ${up.log})`);
  if (goals && first && second) {
    say(
      `demo-lifelong: after round 2, lifelong keeps A at ${f3(second.lifelong.A)} (round 1: ${f3(first.lifelong.A)}, ${goals.keepA >= -0.05 ? 'within' : 'NOT within'} 0.05) ` +
        `and reaches ${f3(second.lifelong.C)} on C (incremental: ${f3(second.incremental.C)}, ${goals.cVsIncremental >= 0 ? 'at least as good' : `${f3(-goals.cVsIncremental)} short`}); ` +
        `incremental A ${f3(first.incremental.A)} -> ${f3(second.incremental.A)}; ${(seconds / 60).toFixed(1)} min`,
    );
  }
}
process.exitCode = ok ? 0 : 1;
if (keep) {
  say(`demo-lifelong: sedna up keeps running (--no-keep stops it at the end): dashboard ${dashboard?.url ?? '(not up)'}, \`sedna --data-dir ${dataDir} get ll\`; Ctrl-C stops it`);
  await up.keepUntilStopped();
}
