// One end-to-end scenario: a temp folder with `sedna up`'s data folder and the user's files (dataset,
// models, camera frames, worker records), the tray-classifier job applied with `sedna apply`, samples
// appended to the dataset index, and readers of what the system wrote (round files, hot-update config,
// hard examples, the train worker's own record of its runs).
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { V1Pod, V1PodList } from '@kubernetes/client-node';
import { getJson, killNodeAgentProcesses, sednaOk, SednaUp } from './sedna.js';

const E2E_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The classifier's worker scripts (the pods' workingDir). */
export const CLASSIFIER_DIR = join(E2E_DIR, 'fixtures', 'classifier');
/** The job's objects, with `${NAME}`, `${ROOT}`, `${FIXTURES}` and `${NODE}` to fill in. */
export const JOB_TEMPLATE = join(E2E_DIR, 'fixtures', 'jobs', 'tray-classifier.yaml');
/** The node `sedna up` runs (its default). */
export const NODE = 'edge-node';

/** Label of a job's worker pods (the original's). */
const JOB_LABEL = 'incrementallearningjob.sedna.io/name';

/** Runs a fixture script under tsx, as a user runs a tool of their project; resolves to its stdout. */
export function runFixture(script: string, args: readonly string[]): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(CLASSIFIER_DIR, script), ...args], { cwd: CLASSIFIER_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${script} ${args.join(' ')} exited with ${code}:\n${stderr}`))));
  });
}

/** A batch of labelled frames for the dataset (see fixtures/classifier/frames.ts). */
export interface BatchSpec {
  prefix: string;
  count: number;
  seed: number;
  cameras: 'lit' | 'backlit' | 'lit,backlit' | 'backlit,backlit,lit';
  /** Fraction of the frames that carry the other class's label. */
  mislabelled?: number;
}

/** A record the train worker writes to its `runs_file`. */
export interface TrainRun {
  event: 'start' | 'end';
  worker: string;
  pid: number;
  round: string;
  time: string;
  samples?: number;
}

/** A saved hard example's meta file, as the SDK writes it. */
export interface HardExampleMeta {
  result: { frame: string; probabilities: number[]; class: string };
  modelVersion: string;
  time: string;
}

export class Scenario {
  /** The temp folder holding everything. */
  readonly dir: string;
  /** `sedna up`'s data folder. */
  readonly dataDir: string;
  /** The user's files: dataset/, models/, frames/, runs/, output/. */
  readonly root: string;
  readonly index: string;
  /** Every line appended to the dataset index, in order. */
  readonly appended: string[] = [];
  up: SednaUp | undefined;

  constructor(readonly name: string) {
    this.dir = mkdtempSync(join(tmpdir(), `sedna-e2e-${name}-`));
    this.dataDir = join(this.dir, 'sedna');
    this.root = join(this.dir, 'root');
    this.index = join(this.root, 'dataset', 'index.txt');
    for (const folder of ['dataset', 'runs']) mkdirSync(join(this.root, folder), { recursive: true });
    writeFileSync(this.index, '');
  }

  /** The base model (tfjs + ONNX) and the camera frames the inference worker serves. */
  async prepareModelAndFrames(): Promise<void> {
    await Promise.all([
      runFixture('base-model.ts', ['--out', join(this.root, 'models', 'base')]),
      runFixture('generate.ts', ['frames', '--out', join(this.root, 'frames'), '--seed', '7']),
    ]);
  }

  /** Writes a batch's frames into the dataset folder and returns its index lines (not appended yet). */
  async generate(batch: BatchSpec): Promise<string[]> {
    const args = ['samples', '--root', join(this.root, 'dataset'), '--prefix', batch.prefix, '--count', String(batch.count), '--seed', String(batch.seed), '--cameras', batch.cameras];
    if (batch.mislabelled) args.push('--mislabelled', String(batch.mislabelled));
    return (await runFixture('generate.ts', args)).trim().split('\n');
  }

  /** Appends lines to the dataset index in one write, as a labelling tool does. */
  append(lines: readonly string[]): void {
    appendFileSync(this.index, `${lines.join('\n')}\n`);
    this.appended.push(...lines);
  }

  /** `sedna up` on this scenario's data folder; stage retries after 1 s instead of 10 s. */
  async startSedna(): Promise<SednaUp> {
    this.up = await SednaUp.start(this.dataDir, { SEDNA_GM_RETRY_INITIAL_BACKOFF_SECONDS: '1' });
    return this.up;
  }

  /** The job's objects with this scenario's names and folders, as `sedna apply -f -` takes them. */
  jobYaml(): string {
    const values: Record<string, string> = { NAME: this.name, ROOT: this.root, FIXTURES: CLASSIFIER_DIR, NODE };
    return readFileSync(JOB_TEMPLATE, 'utf8').replace(/\$\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
  }

  /** `sedna apply -f -` of the job's objects; returns what apply printed. */
  apply(): Promise<string> {
    return sednaOk(this.dataDir, ['apply', '-f', '-'], { stdin: this.jobYaml() });
  }

  /** The job's worker pods (`sedna get pods -l ...`). */
  async pods(): Promise<V1Pod[]> {
    return (await getJson<V1PodList>(this.dataDir, ['pods', '-l', `${JOB_LABEL}=${this.name}`])).items;
  }

  /** The round files the LC cut: `{train: {round: lines}, eval: {round: lines}}`. */
  roundFiles(): { train: Map<number, string[]>; eval: Map<number, string[]> } {
    const read = (kind: string) => {
      const rounds = new Map<number, string[]>();
      const folder = join(this.root, 'output', 'data', kind);
      if (!existsSync(folder)) return rounds;
      for (const round of readdirSync(folder)) {
        const lines = readFileSync(join(folder, round, 'data.txt'), 'utf8').split('\n').filter(Boolean);
        rounds.set(Number(round), lines);
      }
      return rounds;
    };
    return { train: read('train'), eval: read('eval') };
  }

  /** What the train worker recorded of its runs. */
  trainRuns(): TrainRun[] {
    const file = join(this.root, 'runs', 'train.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as TrainRun);
  }

  /** While the hold file exists, a train worker waits before training. */
  holdTraining(hold: boolean): void {
    const file = join(this.root, 'runs', 'hold-train');
    if (hold) writeFileSync(file, '');
    else rmSync(file, { force: true });
  }

  /** The host folder behind a volume of a pod (the inference worker's hot-update and hard-example folders). */
  static hostPathOf(pod: V1Pod, volume: string): string {
    const path = pod.spec?.volumes?.find((v) => v.name === volume)?.hostPath?.path;
    if (!path) throw new Error(`pod ${pod.metadata?.name}: no hostPath volume ${volume}`);
    return path;
  }

  /** The meta files of the hard examples in a folder. */
  static hardExamples(folder: string): HardExampleMeta[] {
    if (!existsSync(folder)) return [];
    const metas: HardExampleMeta[] = [];
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.meta.json'))) {
      try {
        metas.push(JSON.parse(readFileSync(join(folder, file), 'utf8')) as HardExampleMeta);
      } catch {
        // Evicted by the LC's budget between readdir and read.
      }
    }
    return metas;
  }

  /** Stops `sedna up` (SIGTERM, or SIGKILL if it does not exit), kills anything its node agent left, removes the folder. */
  async cleanUp(): Promise<void> {
    if (this.up?.running) {
      const timer = setTimeout(() => this.up?.process.kill('SIGKILL'), 30_000);
      await this.up.stop();
      clearTimeout(timer);
    }
    killNodeAgentProcesses(this.dataDir);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
