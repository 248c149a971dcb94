// End to end: the train, eval and inference worker scripts of test/e2e/workers, written as a user writes
// them against the built packages (@sedna-ts/worker-sdk, /tfjs, /onnx), run as child processes with the
// env the GM gives their pods (docs/design/incremental-learning.md section 4), reporting to a real HTTP
// server on 127.0.0.1 that checks what the LC checks (path, body, bearer token). The round: a base model
// is trained, round 1 fine-tunes it on the round's index, eval scores both models, and the inference
// worker, serving the base model to concurrent callers with IBT, takes round 1's model by hot update.
import { createHmac, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { type WorkerReport } from '@sedna-ts/api-types';
import { FakeLc, removeDir, tempDir } from '../helpers.js';
import { publishHotUpdate, sha256, writeDataset, writeRoundIndex } from './fixtures.js';
import { describeRun, runWorker, type WorkerRun } from './runWorker.js';
import type { Box } from '../../examples/detector.js';
import type { CallRecord } from '../../examples/inference.js';

const NAMESPACE = 'default';
const JOB = `helmet-${randomBytes(3).toString('hex')}`;
const NODE_TOKEN = randomBytes(32).toString('hex');
/** IBT parameters as the CRD's ParaSpec list (strings, as they arrive from YAML). */
const HEM = { threshold_img: 0.5, threshold_box: 0.3 };

/** `<job>-<stage>-<5 random [a-z0-9]>`, as the GM names worker pods. */
function podName(stage: 'train' | 'eval' | 'infer'): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return `${JOB}-${stage}-${Array.from(randomBytes(5), (b) => alphabet[b % alphabet.length]).join('')}`;
}

/** SEDNA_WORKER_TOKEN: hex HMAC-SHA256(node token, pod name). */
function workerToken(pod: string): string {
  return createHmac('sha256', NODE_TOKEN).update(pod).digest('hex');
}

/** The env every worker container gets (section 4), plus the stage's own. */
function podEnv(pod: string, lc: FakeLc, stage: Record<string, string>): Record<string, string> {
  return { NAMESPACE, JOB_NAME: JOB, WORKER_NAME: pod, LC_SERVER: lc.url, SEDNA_WORKER_TOKEN: workerToken(pod), DATA_PATH_PREFIX: '/home/data', ...stage };
}

interface InferenceSummary {
  calls: number;
  failed: number;
  failures: string[];
  updates: Array<{ status: string; version: string; modelPath: string; callsInFlight: number; error?: string }>;
  savedHardExamples: number;
  stats: { inferences: number; hardExamples: number; modelUpdates: number; failedModelUpdates: number; modelVersion: string };
  timedOut: boolean;
}

/** The original IBT rule: hard when at least 1 - threshold_img of the boxes score at most threshold_box. */
function ibt(boxes: readonly Box[]): boolean {
  if (boxes.length === 0) return false;
  return boxes.filter((b) => b[4] <= HEM.threshold_box).length / boxes.length >= 1 - HEM.threshold_img;
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  expect(a).toHaveLength(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);
}

let lc: FakeLc;
let root: string;
const refused: Array<{ path: string; status: number; why: string }> = [];
const pods = { base: podName('train'), train: podName('train'), eval: podName('eval'), infer: podName('infer'), badEval: podName('eval') };
const runs: Record<string, WorkerRun> = {};
let dataset: string;
let output: string;
let baseDir: string;
let hotDir: string;
let heDir: string;
let framesDir: string;
let published: { size: number; sha256: string; modelPath: string };
let summary: InferenceSummary;
let records: CallRecord[];
let reference: { models: [number[][], number[][]] };

function reportsOf(pod: string): WorkerReport[] {
  return lc.received.filter((r) => r.body.name === pod).map((r) => r.body);
}

function expectSucceeded(name: string): void {
  const run = runs[name] as WorkerRun;
  if (run.code !== 0) throw new Error(describeRun(name, run));
}

beforeAll(async () => {
  root = await tempDir('sedna-e2e-');
  lc = await new FakeLc().start();
  // What the LC's worker API checks before it takes a report (section 7).
  lc.respond = ({ path, body, headers }) => {
    const refuse = (status: number, why: string) => (refused.push({ path, status, why }), status);
    if (path !== `/sedna/workers/${encodeURIComponent(body.name)}/info`) return refuse(400, 'name differs from the path');
    const auth = headers.authorization;
    if (!auth?.startsWith('Bearer ')) return refuse(401, 'no bearer token');
    if (auth.slice('Bearer '.length) !== workerToken(body.name)) return refuse(403, 'wrong token');
    return 200;
  };

  // The Dataset (its index and images), the LC's round files, the folders the GM mounts.
  dataset = join(root, 'data', 'helmet');
  output = join(root, 'output');
  baseDir = join(root, 'models', 'base');
  hotDir = join(root, 'lc', 'model-hot-update', NAMESPACE, 'incrementallearningjob', JOB);
  heDir = join(root, 'lc', 'hard-examples', NAMESPACE, 'incrementallearningjob', JOB);
  framesDir = join(root, 'frames');
  const lines = await writeDataset(dataset, 120);
  await writeRoundIndex(join(root, 'base', 'data.txt'), lines.slice(0, 16));
  await writeRoundIndex(join(output, 'data', 'train', '1', 'data.txt'), lines.slice(16, 80));
  await writeRoundIndex(join(output, 'data', 'eval', '1', 'data.txt'), lines.slice(80, 112));
  await mkdir(hotDir, { recursive: true });
  await mkdir(heDir, { recursive: true });
  await mkdir(framesDir, { recursive: true });
  // The camera: the last 8 scenes, which no model has seen.
  for (const line of lines.slice(112)) {
    const image = line.split(' ')[0] as string;
    await copyFile(join(dataset, image), join(framesDir, basename(image)));
  }
  const originalDataset = join(dataset, 'index.txt');

  // The initial model: the same train worker, from scratch, on a few samples and one epoch.
  runs.base = await runWorker('examples/train.ts', podEnv(pods.base, lc, { MODEL_URL: baseDir, TRAIN_DATASET_URL: join(root, 'base', 'data.txt'), ORIGINAL_DATASET_URL: originalDataset, epochs: '1' }));
  expectSucceeded('base');

  // Round 1: train from the base model (its tfjs format, the train-format output).
  runs.train = await runWorker(
    'examples/train.ts',
    podEnv(pods.train, lc, {
      BASE_MODEL_URL: join(baseDir, 'model.json'),
      MODEL_URL: join(output, 'train', '1'),
      TRAIN_DATASET_URL: join(output, 'data', 'train', '1', 'data.txt'),
      ORIGINAL_DATASET_URL: originalDataset,
      epochs: '15',
      batch_size: '16',
    }),
  );
  expectSucceeded('train');

  // Eval: the new model first, the deployed one second, in the deploy format (onnx).
  const evalEnv = (pod: string) =>
    podEnv(pod, lc, {
      MODEL_URLS: `${join(output, 'train', '1', 'model.onnx')};${join(baseDir, 'model.onnx')}`,
      TEST_DATASET_URL: join(output, 'data', 'eval', '1', 'data.txt'),
      ORIGINAL_DATASET_URL: originalDataset,
      MODEL_URL: join(output, 'eval', '1'),
    });
  runs.eval = await runWorker('examples/eval.ts', evalEnv(pods.eval));
  expectSucceeded('eval');
  runs.badEval = await runWorker('examples/eval.ts', { ...evalEnv(pods.badEval), SEDNA_WORKER_TOKEN: workerToken(pods.eval) });

  // Inference: the base model, IBT from the CRD, hot update on; round 1's model is published as the
  // LC does once the worker serves concurrent calls.
  let publishing: Promise<void> | undefined;
  runs.infer = await runWorker(
    'examples/inference.ts',
    podEnv(pods.infer, lc, {
      MODEL_URL: join(baseDir, 'model.onnx'),
      HEM_NAME: 'IBT',
      HEM_PARAMETERS: JSON.stringify(Object.entries(HEM).map(([key, value]) => ({ key, value: String(value) }))),
      HE_SAVED_URL: heDir,
      MODEL_HOT_UPDATE: 'true',
      MODEL_POLL_PERIOD_SECONDS: '2',
      MODEL_HOT_UPDATE_CONFIG: join(hotDir, 'model_config.json'),
      frames_dir: framesDir,
      records_file: join(root, 'records.json'),
      concurrency: '8',
      ready_after: '24',
      calls_after_update: '48',
    }),
    {
      onLine: (line) => {
        if (line.includes('"event":"serving"')) {
          publishing = publishHotUpdate(hotDir, join(output, 'train', '1', 'model.onnx'), 1).then((p) => void (published = p));
        }
      },
    },
  );
  await publishing;
  expectSucceeded('infer');
  summary = runs.infer!.last as InferenceSummary;
  records = JSON.parse(await readFile(join(root, 'records.json'), 'utf8')) as CallRecord[];

  const ref = await runWorker('test/e2e/tools/referenceOutputs.ts', {}, { args: [framesDir, join(baseDir, 'model.onnx'), join(output, 'train', '1', 'model.onnx')] });
  if (ref.code !== 0) throw new Error(describeRun('referenceOutputs', ref));
  reference = ref.last as typeof reference;
}, 170_000);

afterAll(async () => {
  await lc?.stop();
  if (root) await removeDir(root);
  // Where the workers' report spool lives by default (SEDNA_REPORT_SPOOL_DIR is not a GM setting).
  await rm(join(tmpdir(), 'sedna-report-spool', NAMESPACE, JOB), { recursive: true, force: true });
});

describe('the train worker', () => {
  it('reports every saved file (tfjs model.json and weights, model.onnx) with its size, sha256 and the training loss, with its bearer token', async () => {
    const [report, ...more] = reportsOf(pods.train);
    expect(more).toEqual([]);
    expect(report).toMatchObject({ name: pods.train, namespace: NAMESPACE, ownerName: JOB, ownerKind: 'incrementallearningjob', kind: 'train', status: 'completed', reportId: expect.any(String) });
    const dir = join(output, 'train', '1');
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['model.json', 'model.onnx', expect.stringMatching(/^weights-[0-9a-f]{16}\.bin$/)]);
    const results = report!.results ?? [];
    expect(results.map((r) => [basename(r.url), r.format])).toEqual([
      ['model.json', 'tfjs'],
      [files[2], 'tfjs'],
      ['model.onnx', 'onnx'],
    ]);
    for (const result of results) {
      const bytes = await readFile(result.url);
      expect(result).toMatchObject({ size: bytes.length, sha256: sha256(bytes), metrics: { loss: expect.any(Number) } });
    }
    expect(lc.received.find((r) => r.body.name === pods.train)?.headers.authorization).toBe(`Bearer ${workerToken(pods.train)}`);
  });

  it('fine-tunes from BASE_MODEL_URL: the round-1 model scores better than the base it started from', () => {
    const [next, base] = reportsOf(pods.eval)[0]!.results!;
    expect((next!.metrics!.recall as number[])[0]).toBeGreaterThan((base!.metrics!.recall as number[])[0] as number);
    expect((next!.metrics!.precision as number[])[0]).toBeGreaterThan((base!.metrics!.precision as number[])[0] as number);
  });
});

describe('the eval worker', () => {
  it('evaluates both models of MODEL_URLS in order and reports per-class precision and recall for each', async () => {
    const reports = reportsOf(pods.eval);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ kind: 'eval', status: 'completed', ownerKind: 'incrementallearningjob' });
    const results = reports[0]!.results ?? [];
    const urls = [join(output, 'train', '1', 'model.onnx'), join(baseDir, 'model.onnx')];
    expect(results.map((r) => r.url)).toEqual(urls);
    for (const [i, result] of results.entries()) {
      const bytes = await readFile(urls[i] as string);
      expect(result).toEqual({
        format: 'onnx',
        url: urls[i],
        size: bytes.length,
        sha256: sha256(bytes),
        metrics: { precision: [expect.any(Number)], recall: [expect.any(Number)] },
      });
    }
  });

  it('exits non-zero with a clear message when the LC refuses its report, rather than succeeding without one', () => {
    const run = runs.badEval as WorkerRun;
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('REPORT_UNDELIVERABLE');
    expect(run.stderr).toContain(`worker ${pods.badEval}: report kind=eval status=completed: ${lc.url}/sedna/workers/${pods.badEval}/info refused it: HTTP 403`);
    expect(reportsOf(pods.badEval)).toEqual([]);
    expect(refused).toEqual([expect.objectContaining({ status: 403, why: 'wrong token' })]);
  });
});

describe('the inference worker', () => {
  it('serves every concurrent call through the hot update: none fails, and the swap happened with calls in flight', () => {
    expect(summary.timedOut).toBe(false);
    expect(summary.failed).toBe(0);
    expect(summary.failures).toEqual([]);
    expect(records).toHaveLength(summary.calls);
    expect(summary.updates).toEqual([{ status: 'completed', version: '1', modelPath: '/model-hot-update/1/model.onnx', callsInFlight: expect.any(Number) }]);
    expect(summary.updates[0]!.callsInFlight).toBeGreaterThan(0);
    expect(summary.stats).toMatchObject({ inferences: summary.calls, modelUpdates: 1, failedModelUpdates: 0, modelVersion: '1' });
  });

  it('answers with the base model before the swap and with the new model after it; the two differ', () => {
    const [oldOutputs, newOutputs] = reference.models;
    const names = records.map((r) => r.frame);
    expect(new Set(names).size).toBe(oldOutputs.length);
    for (let f = 0; f < oldOutputs.length; f++) expect(maxAbsDiff(oldOutputs[f]!, newOutputs[f]!)).toBeGreaterThan(1e-3);
    const before = records.filter((r) => !r.afterUpdate);
    const after = records.filter((r) => r.afterUpdate);
    expect(after.length).toBeGreaterThanOrEqual(48);
    // Calls started before the swap may finish on either model; every answer is one of the two exactly.
    let servedByOld = 0;
    for (const r of before) {
      const old = maxAbsDiff(r.output, oldOutputs[r.frame]!) <= 1e-6;
      if (old) servedByOld++;
      else expect(maxAbsDiff(r.output, newOutputs[r.frame]!)).toBeLessThanOrEqual(1e-6);
    }
    expect(servedByOld).toBeGreaterThanOrEqual(24);
    for (const r of after) expect(maxAbsDiff(r.output, newOutputs[r.frame]!)).toBeLessThanOrEqual(1e-6);
  });

  it('judges each result with the IBT filter and the thresholds of HEM_PARAMETERS, and saves the hard frames', async () => {
    for (const r of records) expect(r.isHard).toBe(ibt(r.boxes));
    const hard = records.filter((r) => r.isHard).length;
    expect(hard).toBeGreaterThan(0);
    expect(hard).toBeLessThan(records.length);
    expect(summary.stats.hardExamples).toBe(hard);
    expect(summary.savedHardExamples).toBe(hard);
    const saved = await readdir(heDir);
    const metas = saved.filter((n) => n.endsWith('.meta.json'));
    expect(metas).toHaveLength(hard);
    const frames = await Promise.all((await readdir(framesDir)).filter((n) => n.endsWith('.png')).sort().map((n) => readFile(join(framesDir, n))));
    for (const meta of metas.slice(0, 20)) {
      const content = JSON.parse(await readFile(join(heDir, meta), 'utf8')) as { result: Box[]; modelVersion: string; time: string };
      expect(['initial', '1']).toContain(content.modelVersion);
      expect(ibt(content.result)).toBe(true);
      const png = await readFile(join(heDir, meta.replace('.meta.json', '.png')));
      expect(frames.some((f) => f.equals(png))).toBe(true);
    }
  });

  it('delivers the deploy report for the new model with its version, size and sha256', () => {
    expect(published).toBeDefined();
    const deploy = reportsOf(pods.infer);
    expect(deploy).toEqual([
      {
        name: pods.infer,
        namespace: NAMESPACE,
        ownerName: JOB,
        ownerKind: 'incrementallearningjob',
        kind: 'deploy',
        status: 'completed',
        results: [{ format: 'onnx', url: '/model-hot-update/1/model.onnx', size: published.size, sha256: published.sha256 }],
        ownerInfo: { model_version: '1', model_update_time: expect.any(String), warm_up: 'done' },
        reportId: expect.any(String),
      },
    ]);
  });

  it('leaves no report behind in its spool', async () => {
    const spool = join(tmpdir(), 'sedna-report-spool', NAMESPACE, JOB, pods.infer);
    const left = await readdir(spool).catch(() => [] as string[]);
    expect(left.filter((n) => n.endsWith('.json'))).toEqual([]);
  });
});
