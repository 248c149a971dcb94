// The example's loop at the worker level: the worker scripts run as the job's workers would run them (a
// child process each, in the example's folder, configured by the Sedna environment), reporting to a real
// HTTP server standing in for the Local Controller; the LC's part (splitting rows into train and eval,
// copying the eval's index to deploy/) is done by hand.
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type WorkerReport } from '@sedna-ts/api-types';
import { KB_SUMMARY_KEY, type KbIndex, type KbSummary, type UnseenSampleMeta } from '@sedna-ts/api-types/contract';
import { generate, SEEN_TASKS, toCsv, truePreference, type ComfortRow } from '../src/comfort.js';
import { runJson } from './runChild.js';

interface InferenceOutput {
  inferences: number;
  unseen: number;
  unseenByReason: { attribute: number; confidence: number };
  savedUnseen: number;
  round: number;
  output: string;
  unseenDir: string;
}

describe('the worker scripts over two rounds: 4 tasks, Spring rows unseen, labelled, learnt as a 5th task', () => {
  let root: string;
  let server: Server;
  let lcServer: string;
  const reports: WorkerReport[] = [];
  const out = (...p: string[]) => join(root, 'output', ...p);
  const readIndex = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as KbIndex;
  const summary = (report: WorkerReport | undefined) => report?.ownerInfo?.[KB_SUMMARY_KEY] as KbSummary;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'thermal-workers-'));
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        reports.push(JSON.parse(body) as WorkerReport);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 200, message: 'OK' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    lcServer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Round 1's Dataset rows, split as the LC does with trainProb 0.8 (the first 80% to train).
    const rows = generate({ tasks: SEEN_TASKS, count: 1000, seed: 1 });
    await mkdir(join(root, 'data/train/1'), { recursive: true });
    await mkdir(join(root, 'data/eval/1'), { recursive: true });
    await writeFile(join(root, 'data/train/1/data.csv'), toCsv(rows.slice(0, 800)));
    await writeFile(join(root, 'data/eval/1/data.csv'), toCsv(rows.slice(800)));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(root, { recursive: true, force: true });
  });

  const sedna = (worker: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
    LC_SERVER: lcServer,
    JOB_NAME: 'thermal-comfort',
    NAMESPACE: 'default',
    WORKER_NAME: worker,
    SEDNA_REPORT_SPOOL_DIR: join(root, 'spool', worker),
    LOG_LEVEL: 'WARN',
    ...env,
  });

  it('train.ts: one model per season x cooling, index.json and the train report with the KB summary', async () => {
    const result = await runJson<{ round: number; groups: string[] }>(
      'train.ts',
      [],
      sedna('thermal-comfort-train-aaaaa', { OUTPUT_URL: out('train/1'), TRAIN_DATASET_URL: join(root, 'data/train/1/data.csv') }),
    );
    expect(result).toMatchObject({ round: 1, groups: ['Winter_AC', 'Winter_NV', 'Summer_NV', 'Summer_AC'] });
    const index = await readIndex(out('train/1/index.json'));
    expect(index.seen_task.task_groups.map((g) => g.model.id)).toEqual(['Winter_AC@r1', 'Winter_NV@r1', 'Summer_NV@r1', 'Summer_AC@r1']);
    expect(index.global_model).toBeUndefined();
    const report = reports.find((r) => r.kind === 'train');
    expect(report).toMatchObject({ status: 'completed', ownerKind: 'lifelonglearningjob', results: [{ format: 'json', url: out('train/1/index.json'), create_time: index.create_time }] });
    expect(summary(report).models.map((m) => m.modelID).sort()).toEqual(['Summer_AC@r1', 'Summer_NV@r1', 'Winter_AC@r1', 'Winter_NV@r1']);
  });

  it('per-task models beat one global model on rows they have not seen', async () => {
    const test = join(root, 'compare-test.csv');
    await writeFile(test, toCsv(generate({ tasks: SEEN_TASKS, count: 800, seed: 99 })));
    const result = await runJson<{ perTask: number; global: number; byTask: Record<string, { perTask: number; global: number }> }>('test/scripts/compare.ts', [
      out('train/1/index.json'),
      join(root, 'data/train/1/data.csv'),
      test,
    ]);
    // With the set-points 2 to 9 °C apart, a model that cannot tell the tasks apart is right on about
    // seven rows in ten; each task's model on about nine in ten (the vote noise is 0.4 °C). On 800
    // rows the standard error of either share is under 0.02: a 0.15 gap does not come by luck.
    expect(result.perTask).toBeGreaterThan(0.8);
    expect(result.perTask - result.global).toBeGreaterThan(0.15);
  });

  it('eval.ts scores the four new models and drops none with the defaults (operator <, model_threshold 0)', async () => {
    const result = await runJson<{ groups: Array<[string, string, boolean]> }>(
      'eval.ts',
      [],
      sedna('thermal-comfort-eval-aaaaa', { OUTPUT_URL: out('eval/1'), MODEL_URLS: out('train/1/index.json'), TEST_DATASET_URL: join(root, 'data/eval/1/data.csv') }),
    );
    expect(result.groups.every(([, id, deploy]) => id.endsWith('@r1') && deploy)).toBe(true);
    const index = await readIndex(out('eval/1/index.json'));
    for (const group of index.seen_task.task_groups) expect(group.tasks[0]?.scores?.precision_score).toBeGreaterThan(0.75);
    const report = reports.find((r) => r.kind === 'eval');
    expect(summary(report)).toMatchObject({ dropped: [], round: 1 });
    expect(report?.results?.[0]?.metrics?.precision_score).toBeGreaterThan(0.75);
    // The LC's deploy: the eval's index becomes the served one.
    await mkdir(out('deploy'), { recursive: true });
    await copyFile(out('eval/1/index.json'), out('deploy/index.json'));
  });

  it('inference.ts serves seen rows by their task and flags, saves and counts the Spring rows as unseen', async () => {
    const infer = join(root, 'infer-1.csv');
    await writeFile(infer, toCsv([...generate({ tasks: SEEN_TASKS, count: 40, seed: 11 }), ...generate({ tasks: ['Spring_NV'], count: 30, seed: 12 })]));
    const result = await runJson<InferenceOutput>(
      'inference.ts',
      [],
      sedna('thermal-comfort-inference-aaaaa', {
        MODEL_URLS: out('deploy/index.json'),
        INFER_DATASET_URL: infer,
        INFER_FOLLOW: 'false',
        unseen_save_url: join(root, 'unseen'),
        edge_output_url: join(root, 'edge'),
      }),
    );
    expect(result).toMatchObject({ inferences: 70, unseen: 30, unseenByReason: { attribute: 30, confidence: 0 }, savedUnseen: 30, round: 1 });
    const lines = (await readFile(result.output, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('season,cooling,airTemp,rh,clo,met,airVel,pref,predicted,unseen,task,model');
    expect(lines.slice(1, 41).every((l) => l.split(',')[9] === 'false')).toBe(true);
    expect(lines.slice(41).every((l) => l.startsWith('Spring,NV,') && l.split(',')[9] === 'true')).toBe(true);
    const files = await readdir(join(root, 'unseen'));
    expect(files.filter((f) => f.endsWith('.meta.json'))).toHaveLength(30);
    const meta = JSON.parse(await readFile(join(root, 'unseen', files.find((f) => f.endsWith('.meta.json'))!), 'utf8')) as UnseenSampleMeta;
    expect(meta).toMatchObject({ reason: 'attribute', task: 'Spring_NV', meta_attr: { season: 'Spring', cooling: 'NV' } });
    const deployed = await readIndex(out('deploy/index.json'));
    expect(reports.find((r) => r.kind === 'deploy')?.ownerInfo).toEqual({ create_time: deployed.create_time, model_version: '1' });
  });

  it('round 2 (update): the labelled Spring rows become a 5th task, Winter_AC is fine-tuned, the others carry over', async () => {
    // The labeller: the saved unseen rows with their true preference, and more Spring rows.
    const saved = (await readdir(join(root, 'unseen'))).filter((f) => /^\d+-\d+\.json$/.test(f));
    const labelled: ComfortRow[] = [];
    for (const file of saved) {
      const row = JSON.parse(await readFile(join(root, 'unseen', file), 'utf8')) as ComfortRow;
      labelled.push({ ...row, pref: truePreference('Spring_NV', row) });
    }
    const rows = [...labelled, ...generate({ tasks: ['Spring_NV'], count: 150, seed: 13 }), ...generate({ tasks: ['Winter_AC'], count: 60, seed: 14 })];
    await mkdir(join(root, 'data/train/2'), { recursive: true });
    await writeFile(join(root, 'data/train/2/data.csv'), toCsv(rows));
    await runJson('train.ts', [], sedna('thermal-comfort-train-bbbbb', {
      OUTPUT_URL: out('train/2'),
      TRAIN_DATASET_URL: join(root, 'data/train/2/data.csv'),
      HAS_COMPLETED_INITIAL_TRAINING: 'true',
      CLOUD_KB_INDEX: out('deploy/index.json'),
    }));
    const index = await readIndex(out('train/2/index.json'));
    expect(index.round).toBe(2);
    expect(index.seen_task.task_groups.map((g) => [g.entry, g.model.id])).toEqual([
      ['Winter_AC', 'Winter_AC@r2'],
      ['Winter_NV', 'Winter_NV@r1'],
      ['Summer_NV', 'Summer_NV@r1'],
      ['Summer_AC', 'Summer_AC@r1'],
      ['Spring_NV', 'Spring_NV@r2'],
    ]);
    expect(index.seen_task.task_groups[0]).toMatchObject({ previous_model: { id: 'Winter_AC@r1' }, model: { base: 'Winter_AC@r1' } });
    expect(index.seen_task.task_groups[4]?.tasks[0]).toMatchObject({ learnt_from_unseen: true, sample_num: 180 });
    expect(index.numberOfLabeledUnseenSample).toBe(180);
    expect(summary(reports.filter((r) => r.kind === 'train').at(-1)).changed).toEqual(['Winter_AC', 'Spring_NV']);
  });

  it('eval of round 2: a strict threshold drops both new models (Winter_AC keeps its previous one, Spring_NV is removed); the defaults keep them', async () => {
    const spring = generate({ tasks: ['Spring_NV', 'Winter_AC'], count: 100, seed: 15 });
    await mkdir(join(root, 'data/eval/2'), { recursive: true });
    await writeFile(join(root, 'data/eval/2/data.csv'), toCsv(spring));
    const env = (dir: string, extra: NodeJS.ProcessEnv = {}) =>
      sedna('thermal-comfort-eval-bbbbb', { OUTPUT_URL: out(dir), MODEL_URLS: out('train/2/index.json'), TEST_DATASET_URL: join(root, 'data/eval/2/data.csv'), ...extra });
    await runJson('eval.ts', [], env('eval-strict/2', { operator: '<', model_threshold: '1.01' }));
    const strict = await readIndex(out('eval-strict/2/index.json'));
    expect(strict.seen_task.task_groups.map((g) => [g.entry, g.model.id, g.deploy])).toEqual([
      ['Winter_AC', 'Winter_AC@r1', false],
      ['Winter_NV', 'Winter_NV@r1', true],
      ['Summer_NV', 'Summer_NV@r1', true],
      ['Summer_AC', 'Summer_AC@r1', true],
    ]);
    expect(strict.seen_task.task_groups[0]?.dropped).toMatchObject({ round: 2, model: 'Winter_AC@r2', reason: expect.stringMatching(/< 1.01$/) });
    expect(strict.seen_task.extractor?.keys.Spring_NV).toBeUndefined();
    expect(summary(reports.at(-1)).dropped?.map((d) => d.modelID)).toEqual(['Winter_AC@r2', 'Spring_NV@r2']);

    await runJson('eval.ts', [], env('eval/2'));
    const kept = await readIndex(out('eval/2/index.json'));
    expect(kept.seen_task.task_groups.map((g) => g.model.id)).toEqual(['Winter_AC@r2', 'Winter_NV@r1', 'Summer_NV@r1', 'Summer_AC@r1', 'Spring_NV@r2']);
    expect(kept.seen_task.task_groups[4]?.tasks[0]?.scores?.precision_score).toBeGreaterThan(0.75);
    await copyFile(out('eval/2/index.json'), out('deploy/index.json'));
  });

  it('after the deploy of round 2, Spring rows go to their own task: none is unseen', async () => {
    const infer = join(root, 'infer-2.csv');
    await writeFile(infer, toCsv(generate({ tasks: ['Spring_NV'], count: 30, seed: 16 })));
    const result = await runJson<InferenceOutput>(
      'inference.ts',
      [],
      sedna('thermal-comfort-inference-bbbbb', { MODEL_URLS: out('deploy/index.json'), INFER_DATASET_URL: infer, INFER_FOLLOW: 'false', unseen_save_url: join(root, 'unseen-2'), edge_output_url: join(root, 'edge-2') }),
    );
    expect(result).toMatchObject({ inferences: 30, unseen: 0, round: 2 });
    const lines = (await readFile(result.output, 'utf8')).trim().split('\n').slice(1);
    expect(lines.every((l) => l.endsWith(',false,Spring_NV,Spring_NV@r2'))).toBe(true);
    // Right on most rows: the labelled rows taught the Spring set-point.
    const right = lines.filter((l) => l.split(',')[7] === l.split(',')[8]).length;
    expect(right / lines.length).toBeGreaterThan(0.7);
  });
});
