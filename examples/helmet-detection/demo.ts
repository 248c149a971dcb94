// The demo (`npm run demo` at the repository root runs it after building the CLI and the SDK): the
// job of jobs/embedded on `sedna up`, three rounds. Each round a camera writes scenario-B frames, the
// inference worker serves them with the deployed model and saves the hard ones, the labeller labels
// some, the LC starts a round once enough have arrived, the train worker fine-tunes, the eval worker
// compares, the gate decides, the inference worker hot-swaps. One line per round: samples, hard
// examples, labels, mAP@0.5 on scenario B before and after, the gate's decision, the hot swap.
//   npx tsx demo.ts [--root <folder>] [--rounds 3] [--frames 120] [--labels 50] [--min-gain 0.15] [--fast] [--json]
// --fast: one small round (16 frames, 8 labels, 5 training steps, 20 test frames, a gate that always
// passes), for the tests.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { jobFolder } from '@sedna-ts/api-types/contract';
import { writeCameraFrames } from './src/camera.js';
import { dashboardOf, keepAtEnd, mapOf, runCli, sednaBin, startSednaUp, waitFor, type Condition } from './src/demoSupport.js';
import { HelmetError } from './src/errors.js';
import { readIndexLines } from './src/indexFile.js';
import { prepareJobFolder } from './src/jobFolder.js';
import { labelHardExamples } from './src/labeller.js';
import { formatProgress, lastProgress, StatusLine, workerOf } from './src/statusLine.js';

const EXAMPLE_DIR = dirname(fileURLToPath(import.meta.url));
const JOB = 'helmet-detection';
const { values } = parseArgs({
  options: {
    // Leave sedna up running at the end (default when stdout is a terminal); --no-keep: stop it.
    keep: { type: 'boolean' },
    'no-keep': { type: 'boolean' },
    root: { type: 'string' },
    rounds: { type: 'string' },
    frames: { type: 'string' },
    labels: { type: 'string' },
    'min-gain': { type: 'string' },
    fast: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const fast = values.fast as boolean;
const setting = (name: 'rounds' | 'frames' | 'labels' | 'min-gain', normal: number, quick: number): number => {
  const text = values[name];
  const n = text === undefined ? (fast ? quick : normal) : Number(text);
  if (!Number.isFinite(n) || (n < 0 && name !== 'min-gain')) throw new HelmetError('INVALID_ARGUMENT', `demo: --${name}: ${JSON.stringify(text)} is not a non-negative number`);
  return n;
};
const ROUNDS = setting('rounds', 3, 1);
const FRAMES = setting('frames', 120, 16);
const LABELS = setting('labels', 50, 8);
// Fast: a few training steps move mAP by noise only; the round has to complete, not to gain.
const MIN_GAIN = setting('min-gain', 0.15, -1);
// On a terminal, a live status line under the table (see src/statusLine.ts); never in a log or pipe.
let live: StatusLine | undefined;
const say = (line: string) => {
  live?.clear();
  if (!values.json) console.log(line);
};

interface JobStatus {
  round?: number;
  completionTime?: string;
  conditions?: Condition[];
  lastDecision?: { round: number; decision: string; reason: string; metric: string; time: string; compared?: Record<string, number | number[]> };
}
interface Stats {
  frames: number;
  hardExamples: number;
  modelVersion: string | null;
  lastSwap: { version: string; time: string } | null;
}
interface RoundRow {
  round: number;
  frames: number;
  hardExamples: number;
  labels: number;
  trainedOn: number;
  mapBefore: number;
  mapNew: number;
  decision: string;
  reason: string;
  mapAfter: number;
  hotSwapSeconds: number | null;
  seconds: number;
}

const cliBin = await sednaBin();
const cli = (args: string[], dataDir: string) => runCli(cliBin, args, dataDir);

/** The job's status as last read (for the status line), and when. */
let lastStatus: { status: JobStatus; at: number } | undefined;

async function jobStatus(dataDir: string): Promise<JobStatus> {
  const status = ((JSON.parse(await cli(['get', 'ij', JOB, '-o', 'json'], dataDir)) as { status?: JobStatus }).status ?? {}) as JobStatus;
  lastStatus = { status, at: Date.now() };
  return status;
}

async function readStats(file: string): Promise<Stats | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Stats;
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------ the demo

const started = performance.now();
const root = values.root ?? (await mkdtemp(join(tmpdir(), 'sedna-helmet-demo-')));
const dataDir = join(root, 'sedna');
say(`demo: helmet detection, ${ROUNDS} round(s) of ${FRAMES} camera frames and up to ${LABELS} labels; files in ${root}`);
const folder = await prepareJobFolder({
  root: join(root, 'helmet'),
  exampleDir: EXAMPLE_DIR,
  fresh: true,
  testFrames: fast ? 20 : 300,
  // Fast: the gate always passes (its threshold is below any precision delta), so the hot swap runs too.
  overrides: fast ? { maxRounds: ROUNDS, trainThreshold: 6, steps: 5, deployThreshold: -2 } : { maxRounds: ROUNDS },
});

const upLog = join(root, 'sedna-up.log');
const up = startSednaUp(cliBin, dataDir, upLog);
const keep = keepAtEnd(process.argv.slice(2), Boolean(process.stdout.isTTY));
let dashboard: { url: string; signIn?: string } | undefined;

const rows: RoundRow[] = [];
let baseMap = Number.NaN;
let failure: Error | undefined;
try {
  await up.ready();
  say(`demo: sedna up is ready (log: ${upLog})`);
  dashboard = await dashboardOf(dataDir, upLog);
  say(`demo: watch the rounds in the dashboard: ${dashboard.signIn ?? dashboard.url}${dashboard.signIn ? ' (a one-time sign-in link)' : ''}`);
  await cli(['apply', '-f', folder.jobFile], dataDir);
  await waitFor('the inference worker to start', 120_000, () => readStats(folder.statsFile));
  const heDir = jobFolder(join(dataDir, 'lc', 'hard-examples'), 'default', 'incrementallearningjob', JOB);

  baseMap = await mapOf(folder.deployModel, folder.testIndex);
  say(`demo: the deployed base model (trained on scenario A) scores mAP@0.5 ${baseMap.toFixed(3)} on scenario B`);
  say('');
  say(`round | frames | hard examples | labels | trained on | mAP@0.5 on B: before | new model | ${'gate'.padEnd(46)} | after | ${'hot swap'.padEnd(17)} | seconds`);
  let deployedMap = baseMap;
  let framesSent = 0;
  let hardSeen = 0;
  const liveRound = { round: 0, start: 0 };
  if (!values.json && process.stdout.isTTY) {
    live = new StatusLine(process.stdout, async () => {
      if (liveRound.round === 0) return undefined;
      // Read again when the demo's own waits have not read it for a while.
      if (!lastStatus || Date.now() - lastStatus.at > 3000) await jobStatus(dataDir);
      const latest = lastStatus?.status.conditions?.at(-1) as (Condition & { data?: string }) | undefined;
      const worker = latest && (latest.type === 'Starting' || latest.type === 'Running') ? workerOf(latest) : undefined;
      const progress = worker ? await lastProgress(join(dataDir, 'pods'), 'default', worker) : undefined;
      return formatProgress({ round: liveRound.round, ...(latest ? { latest } : {}), ...(progress ? { progress } : {}), elapsedSeconds: (performance.now() - liveRound.start) / 1000 });
    });
    live.start();
  }
  for (let round = 1; round <= ROUNDS; round++) {
    const roundStart = performance.now();
    liveRound.round = round;
    liveRound.start = roundStart;
    let frames = 0;
    let labels = 0;
    // Frames until the labels start the round: one batch normally, more if the filter finds too few.
    let begun = false;
    for (let batch = 0; batch < 6 && !begun; batch++) {
      if (labels < LABELS) {
        await writeCameraFrames({ dir: folder.framesDir, scenario: 'B', seed: 100, start: framesSent, count: FRAMES });
        framesSent += FRAMES;
        frames += FRAMES;
        await waitFor('the inference worker to serve the frames', 120_000, async () => {
          const s = await readStats(folder.statsFile);
          return s && s.frames >= framesSent && (await readdir(folder.framesDir)).length === 0 ? s : undefined;
        });
        labels += (await labelHardExamples({ hardExamplesDir: heDir, datasetDir: folder.datasetDir, max: LABELS - labels, remove: true })).labelled.length;
      }
      begun = await waitFor(`round ${round} to start`, labels >= LABELS ? 120_000 : 20_000, async () => (((await jobStatus(dataDir)).round ?? 0) >= round ? true : undefined)).catch(() => false);
    }
    if (!begun) throw new HelmetError('DEMO_FAILED', `demo: round ${round} did not start after ${labels} labels`);
    const stats = (await readStats(folder.statsFile)) as Stats;
    const hard = stats.hardExamples - hardSeen;
    hardSeen = stats.hardExamples;

    const status = await waitFor(`round ${round} to finish`, 600_000, async () => {
      const s = await jobStatus(dataDir);
      const last = s.conditions?.[s.conditions.length - 1];
      if (last?.reason === 'RoundFailed') throw new HelmetError('DEMO_FAILED', `demo: round ${round} failed: ${last.message ?? ''}`);
      const done = s.lastDecision?.round === round && (s.completionTime !== undefined || (last?.stage === 'Train' && last.type === 'Waiting'));
      return done ? s : undefined;
    });
    const decision = status.lastDecision as NonNullable<JobStatus['lastDecision']>;
    const deployed = decision.decision === 'Deploy' || decision.decision === 'ManualDeploy';
    let hotSwapSeconds: number | null = null;
    if (deployed) {
      // From the gate's decision to the new model serving, by the two processes' clocks (one machine).
      const swap = await waitFor(`the inference worker to serve model ${round}`, 120_000, async () => {
        const s = await readStats(folder.statsFile);
        return s?.modelVersion === String(round) && s.lastSwap?.version === String(round) ? s.lastSwap : undefined;
      });
      hotSwapSeconds = Math.max(0, (Date.parse(swap.time) - Date.parse(decision.time)) / 1000);
    }
    const newModel = join(folder.outputDir, 'train', String(round), 'model.onnx');
    const mapNew = await mapOf(newModel, folder.testIndex);
    const trainedOn = (await readIndexLines(join(folder.outputDir, 'train', String(round), 'training-samples.txt'))).length;
    const row: RoundRow = {
      round,
      frames,
      hardExamples: hard,
      labels,
      trainedOn,
      mapBefore: deployedMap,
      mapNew,
      decision: decision.decision,
      reason: decision.reason,
      mapAfter: deployed ? mapNew : deployedMap,
      hotSwapSeconds,
      seconds: (performance.now() - roundStart) / 1000,
    };
    rows.push(row);
    deployedMap = row.mapAfter;
    const gate = `${row.decision}: ${row.reason}`;
    const swapText = hotSwapSeconds === null ? 'none (kept)' : `model ${round} in ${hotSwapSeconds.toFixed(1)} s`;
    say(
      `${String(round).padStart(5)} | ${String(frames).padStart(6)} | ${String(hard).padStart(13)} | ${String(labels).padStart(6)} | ${String(trainedOn).padStart(10)} | ` +
        `${row.mapBefore.toFixed(3).padStart(20)} | ${mapNew.toFixed(3).padStart(9)} | ${gate.padEnd(46)} | ${row.mapAfter.toFixed(3).padStart(5)} | ${swapText.padEnd(17)} | ${row.seconds.toFixed(0).padStart(7)}`,
    );
  }
} catch (error) {
  failure = error as Error;
} finally {
  live?.stop();
  if (!keep) await up.stop();
}

const finalMap = rows.length > 0 ? (rows[rows.length - 1] as RoundRow).mapAfter : baseMap;
const gain = finalMap - baseMap;
const seconds = (performance.now() - started) / 1000;
const ok = failure === undefined && rows.length === ROUNDS && gain >= MIN_GAIN;
if (values.json) {
  console.log(JSON.stringify({ ok, root, baseMap, finalMap, gain, seconds, rounds: rows, error: failure?.message }));
} else {
  say('');
  if (failure) say(`demo: FAILED: ${failure.message} (sedna up's log: ${upLog})`);
  say(
    `demo: mAP@0.5 on scenario B ${baseMap.toFixed(3)} -> ${finalMap.toFixed(3)} (${gain >= 0 ? '+' : ''}${gain.toFixed(3)}; goal ${MIN_GAIN >= 0 ? '+' : ''}${MIN_GAIN.toFixed(2)}) after ${rows.length} of ${ROUNDS} rounds in ${(seconds / 60).toFixed(1)} min: ${ok ? (gain > 0 ? 'the deployed model got better on the new site' : 'done') : 'NOT REACHED'}`,
  );
}
process.exitCode = ok ? 0 : 1;
if (keep) {
  say(`demo: sedna up keeps running (--no-keep stops it at the end): dashboard ${dashboard?.url ?? '(not up)'}, \`sedna --data-dir ${dataDir} get il\`; Ctrl-C stops it`);
  await up.keepUntilStopped();
}
