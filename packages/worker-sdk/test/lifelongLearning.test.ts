import { chown, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { KB_SUMMARY_KEY, parseKbIndex, type KbIndex, type KbSummary, type UnseenSampleMeta } from '@sedna-ts/api-types/contract';
import { ClassFactory, ClassType } from '../src/classFactory.js';
import { SednaConfig } from '../src/config.js';
import { KBClient } from '../src/kbClient.js';
import { LifelongLearning } from '../src/lifelongLearning.js';
import { parseModuleParam, TaskAllocationByDataAttr, TaskDefinitionByDataAttr, TaskDefinitionByOrigin, TaskAllocationByOrigin } from '../src/lifelongTasks.js';
import { dropOperatorOf, dropReason, type DropOperator } from '../src/taskUpdate.js';
import { confidenceOf, SampleRecognitionByConfidence } from '../src/unseenRecognition.js';
import { FakeLc, memoryLogger, removeDir, tempDir, waitFor } from './helpers.js';
import { rows, ThresholdEstimator } from './lifelongHelpers.js';

const fast = { attempts: 3, initialDelayMs: 5, maxDelayMs: 20, timeoutMs: 10_000 };
const ATTRS = { method: 'TaskDefinitionByDataAttr', param: { attribute: ['season', 'cooling'] } };
const FOUR = ['Summer_AC', 'Summer_NV', 'Winter_AC', 'Winter_NV'];

describe('ClassFactory names of the lifelong-learning modules', () => {
  // The original's names (misspellings included) and our aliases, by ClassType value.
  const table: Array<[string, string, string]> = [
    ['seen_task_processing', 'TaskDefinitionByDataAttr', 'TaskDefinitionByDataAttr'],
    ['seen_task_processing', 'TaskDefinitionByOrigin', 'TaskDefinitionByOrigin'],
    ['seen_task_processing', 'DefaultTaskRelationDiscover', 'DefaultTaskRelationDiscover'],
    ['seen_task_processing', 'TaskAllocationByDataAttr', 'TaskAllocationByDataAttr'],
    ['seen_task_processing', 'TaskMiningByDataAttr', 'TaskAllocationByDataAttr'],
    ['seen_task_processing', 'TaskAllocationByOrigin', 'TaskAllocationByOrigin'],
    ['seen_task_processing', 'TaskAllocationDefault', 'TaskAllocationDefault'],
    ['seen_task_processing', 'DefaultTaskRemodeling', 'DefaultTaskRemodeling'],
    ['seen_task_processing', 'DefaultInferenceIntegrate', 'DefaultInferenceIntegrate'],
    ['multi_task_learening', 'TaskDefinitionByDataAttr', 'TaskDefinitionByDataAttr'],
    ['multi_task_learening', 'TaskMiningByDataAttr', 'TaskAllocationByDataAttr'],
    ['multi_task_learening', 'DefaultTaskRelationDiscover', 'DefaultTaskRelationDiscover'],
    ['multi_task_learening', 'DefaultTaskRemodeling', 'DefaultTaskRemodeling'],
    ['multi_task_learening', 'DefaultInferenceIntegrate', 'DefaultInferenceIntegrate'],
    ['knowledge_management', 'UpdateStrategyDefault', 'UpdateStrategyDefault'],
    ['knowledge_management', 'UpdateStrategyByFinetune', 'UpdateStrategyByFinetune'],
    ['unseen_task_detect', 'SampleRegonitionDefault', 'SampleRecognitionByAttribute'],
    ['unseen_task_detect', 'SampleRegonitionByAttribute', 'SampleRecognitionByAttribute'],
    ['unseen_task_detect', 'SampleRecognitionByAttribute', 'SampleRecognitionByAttribute'],
    ['unseen_task_detect', 'SampleRegonitionByConfidence', 'SampleRecognitionByConfidence'],
    ['unseen_task_detect', 'SampleRecognitionByConfidence', 'SampleRecognitionByConfidence'],
    ['unseen_task_detect', 'SampleReRegonitionDefault', 'SampleReRecognitionDefault'],
    ['unseen_task_detect', 'TaskAttrFilter', 'TaskAttrFilter'],
    ['unseen_task_detect', 'ModelProbeFilter', 'ModelProbeFilter'],
  ];
  test.each(table)('%s %s resolves to %s', (type, name, cls) => {
    expect(ClassFactory.getCls(type, name).name).toBe(cls);
  });

  test('ClassType keeps the original misspelt value of MTL', () => {
    expect(ClassType.MTL).toBe('multi_task_learening');
  });

  test('an unknown name fails listing what is registered', () => {
    expect(() => ClassFactory.getCls(ClassType.KM, 'UpdateStrategyMagic')).toThrow(/no knowledge_management named "UpdateStrategyMagic"; registered: UpdateStrategyByFinetune, UpdateStrategyDefault/);
  });
});

describe('module params and task keys', () => {
  test('param is a dict, a JSON object string (the original crashed on it on Python 3.9+), or missing', () => {
    expect(parseModuleParam('task_definition', { method: 'M', param: { attribute: ['a'] } })).toEqual({ attribute: ['a'] });
    expect(parseModuleParam('task_definition', { method: 'M', param: '{"attribute": ["a", "b"]}' })).toEqual({ attribute: ['a', 'b'] });
    expect(parseModuleParam('task_definition', { method: 'M' })).toEqual({});
    expect(() => parseModuleParam('task_definition', { method: 'M', param: '{attribute' })).toThrow(/task_definition M: param: "\{attribute" is not JSON/);
    expect(() => parseModuleParam('task_definition', { method: 'M', param: '[1]' })).toThrow(/is not an object or a JSON object string/);
  });

  test('the key joins attribute values with _, a _ inside a value becomes -, spaces are removed', () => {
    const def = new TaskDefinitionByDataAttr({ attribute: 'season, cooling' });
    const data = rows([], 0);
    data.x.push({ season: 'Late Summer', cooling: 'mixed_mode', x: 1 }, { season: 'Winter', cooling: 'AC', x: 2 });
    data.y.push(0, 1);
    const { tasks, extractor } = def.define(data);
    expect(tasks.map((t) => [t.entry, t.meta_attr, t.samples.x])).toEqual([
      ['LateSummer_mixed-mode', { season: 'Late Summer', cooling: 'mixed_mode' }, [{ x: 1 }]],
      ['Winter_AC', { season: 'Winter', cooling: 'AC' }, [{ x: 2 }]],
    ]);
    expect(extractor).toEqual({ method: 'TaskDefinitionByDataAttr', param: { attribute: ['season', 'cooling'] } });
  });

  test('an unknown key is allocated to no group (the original sent it to group 0)', () => {
    const alloc = new TaskAllocationByDataAttr().allocate([{ season: 'Spring', cooling: 'NV', x: 0 }, { season: 'Winter', cooling: 'AC', x: 0 }], {
      method: 'TaskDefinitionByDataAttr',
      param: { attribute: ['season', 'cooling'] },
      keys: { Summer_AC: 0, Winter_AC: 1 },
    });
    expect(alloc.map((a) => [a.key, a.group])).toEqual([
      ['Spring_NV', undefined],
      ['Winter_AC', 1],
    ]);
  });

  test('origin from a column or from path substrings, with no city built in', () => {
    const byPath = new TaskDefinitionByOrigin({ attribute: 'real, sim', match: { real: ['/cityscapes/'] } });
    const data = rows([], 0);
    data.x.push('/d/cityscapes/a.png', '/d/synthia/b.png');
    data.y.push('/l/a.png', '/l/b.png');
    expect(byPath.define(data).tasks.map((t) => [t.entry, t.samples.x])).toEqual([
      ['real', ['/d/cityscapes/a.png']],
      ['sim', ['/d/synthia/b.png']],
    ]);
    const alloc = new TaskAllocationByOrigin({ origin_attribute: 'origin' }).allocate([{ origin: 'sim', v: 1 }], { method: 'TaskDefinitionByOrigin', param: {}, keys: { real: 0, sim: 1 } });
    expect(alloc[0]).toMatchObject({ key: 'sim', group: 1, x: { v: 1 } });
    expect(() => new TaskDefinitionByOrigin({})).toThrow(/param attribute .* or origin_attribute is required/);
  });

  test('confidence: max probability, max box score, nothing to judge', () => {
    expect(confidenceOf({ label: 1, probabilities: [0.2, 0.7, 0.1] })).toBe(0.7);
    expect(confidenceOf([{ score: 0.3 }, { score: 0.6 }])).toBe(0.6);
    expect(confidenceOf([])).toBeUndefined();
    const r = new SampleRecognitionByConfidence({ threshold: '0.8' });
    const allocation = { key: 'k', meta_attr: {}, x: {}, group: 0 };
    expect(r.afterPredict(allocation, { probabilities: [0.3, 0.7] })).toEqual({ unseen: true, reason: 'confidence', confidence: 0.7 });
    expect(r.afterPredict(allocation, { probabilities: [0.1, 0.9] })).toEqual({ unseen: false });
    expect(() => new SampleRecognitionByConfidence({ threshold: 'high' })).toThrow(/param threshold: "high" is not a number in \[0, 1\]/);
  });
});

describe('the eval drop rule (evaluate_tasks)', () => {
  // A model is dropped when ANY score satisfies `score <op> threshold`.
  const table: Array<[DropOperator, number, Record<string, number>, boolean]> = [
    ['<', 0, { accuracy: 0.9 }, false],
    ['<', 0.5, { accuracy: 0.4 }, true],
    ['<', 0.5, { accuracy: 0.5 }, false],
    ['<=', 0.5, { accuracy: 0.5 }, true],
    ['>', 0.1, { accuracy: 0.9 }, true], // the original's default: drops every useful model
    ['>', 0.95, { accuracy: 0.9 }, false],
    ['>=', 0.9, { accuracy: 0.9 }, true],
    ['=', 0.9, { accuracy: 0.9 }, true],
    ['=', 0.9, { accuracy: 0.8 }, false],
    ['<', 0.5, { accuracy: 0.9, recall: 0.3 }, true], // ANY score
  ];
  test.each(table)('operator %s threshold %d on %j drops: %s', (op, threshold, scores, drops) => {
    expect(dropReason(scores, op, threshold) !== undefined).toBe(drops);
  });

  test('an unknown operator means <, as the original', () => {
    expect(dropOperatorOf('gt')).toBe('<');
    expect(dropOperatorOf(undefined)).toBe('<');
    expect(dropOperatorOf(' >= ')).toBe('>=');
    expect(dropReason({ accuracy: 0.4 }, '<', 0.5)).toBe('accuracy 0.4 < 0.5');
  });
});

// ---------------------------------------------------------------------------------------------------
// The workers, end to end on one folder

/** A real HTTP server standing in for the KB service. */
class FakeKb {
  readonly requests: Array<{ path: string; headers: IncomingHttpHeaders; body: Buffer }> = [];
  readonly files = new Map<string, Buffer>();
  index: KbIndex | undefined;
  status = 200;
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        this.requests.push({ path: req.url ?? '', headers: req.headers, body });
        if (this.status !== 200) {
          res.writeHead(this.status).end('unavailable');
          return;
        }
        const url = new URL(req.url ?? '/', 'http://kb');
        if (url.pathname === '/knowledgebase/file/upload') {
          // The one file part of the multipart body: after its headers, up to the closing boundary.
          const boundary = /boundary=(.+)$/.exec(req.headers['content-type'] ?? '')?.[1] ?? '';
          const text = body.toString('latin1');
          const name = /filename="([^"]+)"/.exec(text)?.[1] ?? 'x';
          const start = text.indexOf('\r\n\r\n') + 4;
          this.files.set(`files/${name}`, body.subarray(start, text.lastIndexOf(`\r\n--${boundary}`)));
          res.end(JSON.stringify(`/file/download?files=${encodeURIComponent(`files/${name}`)}&name=${name.split('/').pop()}`));
        } else if (url.pathname === '/knowledgebase/file/download') {
          const file = this.files.get(url.searchParams.get('files') ?? '');
          if (file) res.end(file);
          else res.writeHead(404).end('{"status": 404, "message": "no such file"}');
        } else if (url.pathname === '/knowledgebase/update') {
          this.index = JSON.parse(body.toString('utf8')) as KbIndex;
          res.end(JSON.stringify('/file/download?files=index.json&name=index.json'));
        } else res.writeHead(200).end('"ok"');
      });
    });
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((done) => this.server?.close(() => done()));
  }
}

let lc: FakeLc;
let dir: string;
beforeEach(async () => {
  lc = await new FakeLc().start();
  dir = await tempDir('sedna-ll-');
  ThresholdEstimator.trained = [];
});
afterEach(async () => {
  await lc.stop();
  await removeDir(dir);
});

function worker(env: Record<string, string>, options: { kbDeadlineMs?: number; logger?: ReturnType<typeof memoryLogger> } = {}): LifelongLearning<Record<string, unknown>, { label: number; probabilities: number[] }> {
  const config = new SednaConfig({ env: { LC_SERVER: lc.url, JOB_NAME: 'comfort', NAMESPACE: 'default', WORKER_NAME: 'w', SEDNA_REPORT_SPOOL_DIR: join(dir, 'spool'), ...env } });
  return new LifelongLearning(ThresholdEstimator, { config, logger: memoryLogger(), retry: fast, task_definition: ATTRS, ...options });
}

async function readIndex(path: string): Promise<KbIndex> {
  const parsed = parseKbIndex(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.ok) throw new Error(`${parsed.problem.path}: ${parsed.problem.message}`);
  return parsed.index;
}

const summaryOf = (i: number) => lc.received[i]?.body.ownerInfo?.[KB_SUMMARY_KEY] as KbSummary;

describe('LifelongLearning', () => {
  test('train: one group per task, a global model for groups under MIN_TRAIN_SAMPLE, index.json and the report', async () => {
    const out = join(dir, 'home/data/out/train/1');
    const data = rows(FOUR, 40);
    data.x.push(...rows(['Spring_NV'], 5).x);
    data.y.push(...rows(['Spring_NV'], 5).y);
    const index = await worker({ OUTPUT_URL: out, DATA_PATH_PREFIX: join(dir, 'home/data') }).train(data);
    expect(index.seen_task.task_groups.map((g) => [g.entry, g.model.id])).toEqual([
      ['Summer_AC', 'Summer_AC@r1'],
      ['Summer_NV', 'Summer_NV@r1'],
      ['Winter_AC', 'Winter_AC@r1'],
      ['Winter_NV', 'Winter_NV@r1'],
      ['Spring_NV', 'global@r1'],
    ]);
    expect(index.global_model).toMatchObject({ id: 'global@r1', global: true, numberOfTrainSamples: 165, url: '/out/train/1/global/threshold.json' });
    expect(index.seen_task.extractor?.keys).toEqual({ Summer_AC: 0, Summer_NV: 1, Winter_AC: 2, Winter_NV: 3, Spring_NV: 4 });
    expect(index).toMatchObject({ format: 'sedna-ts.kb-index/v1', namespace: 'default', job: 'comfort', round: 1 });
    expect(index.create_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(await readIndex(join(out, 'index.json'))).toEqual(index);
    const report = lc.received[0]!.body;
    expect(report).toMatchObject({ kind: 'train', status: 'completed', ownerKind: 'lifelonglearningjob' });
    expect(report.results).toEqual([{ format: 'json', url: '/out/train/1/index.json', create_time: index.create_time, metrics: { accuracy: expect.any(Number) } }]);
    expect(summaryOf(0).changed).toEqual(['Summer_AC', 'Summer_NV', 'Winter_AC', 'Winter_NV', 'Spring_NV']);
    expect(summaryOf(0).models).toHaveLength(5);
  });

  test('with KB_SERVER: uploads the model files and the index with the token; an unreachable KB fails the round by name', async () => {
    const kb = await new FakeKb().start();
    try {
      const out = join(dir, 'out/train/2');
      const index = await worker({ OUTPUT_URL: out, KB_SERVER: kb.url, SEDNA_WORKER_TOKEN: 'tok' }).train(rows(FOUR, 20));
      expect([...kb.files.keys()].sort()).toEqual(FOUR.flatMap((k) => [`files/r2/${k}/samples.txt`, `files/r2/${k}/threshold.json`]));
      expect(kb.requests.every((r) => r.headers.authorization === 'Bearer tok')).toBe(true);
      expect(kb.index?.seen_task.task_groups[0]?.model.kb_url).toBe(`${kb.url}/knowledgebase/file/download?files=files%2Fr2%2FSummer_AC%2Fthreshold.json&name=threshold.json`);
      expect(index.seen_task.task_groups[0]?.model.kb_url).toBeDefined();
      expect(summaryOf(0).index_url).toBe(`${kb.url}/knowledgebase/file/download?files=index.json&name=index.json`);

      kb.status = 503;
      await expect(worker({ OUTPUT_URL: join(dir, 'out/train/3'), KB_SERVER: kb.url }, { kbDeadlineMs: 800 }).train(rows(FOUR, 20))).rejects.toThrow(
        /KBClient: upload r3\/Summer_AC\/threshold.json: http:\/\/127.0.0.1:\d+\/knowledgebase\/file\/upload did not answer within 1 s \(\d+ attempts\): (HTTP 503|.*; the last answer was HTTP 503)/,
      );
      expect(lc.received[1]?.body).toMatchObject({ kind: 'train', status: 'failed' });
    } finally {
      await kb.stop();
    }
  });

  test('the whole loop: train, eval, inference flags and saves unseen rows, update learns them as a new task, hot swap routes them to it', async () => {
    const out = join(dir, 'out');
    const trainOut = join(out, 'train/1');
    await worker({ OUTPUT_URL: trainOut }).train(rows(FOUR, 40, 1));
    const evalOut = join(out, 'eval/1');
    const evaluated = await worker({ OUTPUT_URL: evalOut, MODEL_URLS: join(trainOut, 'index.json') }).evaluate(rows(FOUR, 20, 2));
    expect(evaluated.seen_task.task_groups.map((g) => g.tasks[0]?.scores?.accuracy)).toEqual([expect.any(Number), expect.any(Number), expect.any(Number), expect.any(Number)]);
    expect(evaluated.seen_task.task_groups.every((g) => (g.tasks[0]?.scores?.accuracy ?? 0) > 0.9)).toBe(true);
    expect(lc.received[1]?.body).toMatchObject({ kind: 'eval', status: 'completed', results: [{ format: 'json', url: join(evalOut, 'index.json') }] });
    expect(summaryOf(1).dropped).toEqual([]);

    // Deploy: the LC copies the eval's index.
    const deploy = join(out, 'deploy/index.json');
    await mkdir(join(out, 'deploy'), { recursive: true });
    await writeFile(deploy, await readFile(join(evalOut, 'index.json')));
    const unseenDir = join(dir, 'unseen');
    const infer = worker({ MODEL_URLS: deploy, unseen_save_url: unseenDir, edge_output_url: join(dir, 'edge'), MODEL_POLL_PERIOD_SECONDS: '3600' });
    try {
      const seen = await infer.inference({ season: 'Summer', cooling: 'NV', x: 9 });
      expect(seen).toMatchObject({ result: { label: 1 }, isUnseen: false, tasks: [{ key: 'Summer_NV', entry: 'Summer_NV', model: 'Summer_NV@r1' }] });
      const spring = rows(['Spring_NV'], 12, 3);
      const results = await infer.inferenceBatch(spring.x as Array<Record<string, unknown>>);
      expect(results.every((r) => r.isUnseen && r.tasks[0]?.unseen?.reason === 'attribute' && r.tasks[0].key === 'Spring_NV')).toBe(true);
      // No global model: the fallback is the group sharing most attribute values (a *_NV one), never silently group 0.
      expect(new Set(results.map((r) => r.tasks[0]?.entry))).toEqual(new Set(['Summer_NV']));
      expect(infer.stats()).toMatchObject({ inferences: 13, unseen: 12, unseenByReason: { attribute: 12, confidence: 0 }, savedUnseen: 12, indexLoads: 1, round: 1 });
      const files = (await readdir(unseenDir)).sort();
      expect(files.filter((f) => f.endsWith('.meta.json'))).toHaveLength(12);
      expect(files.filter((f) => /^\d+-\d{6}\.json$/.test(f))).toHaveLength(12);
      const meta = JSON.parse(await readFile(join(unseenDir, files.find((f) => f.endsWith('.meta.json'))!), 'utf8')) as UnseenSampleMeta;
      expect(meta).toMatchObject({ reason: 'attribute', task: 'Spring_NV', meta_attr: { season: 'Spring', cooling: 'NV' }, modelVersion: evaluated.create_time });
      // The deploy report names the index it serves.
      expect(lc.received.find((r) => r.body.kind === 'deploy')?.body.ownerInfo).toEqual({ create_time: evaluated.create_time, model_version: '1' });

      // Round 2: the labelled Spring rows and more rows of a known task.
      const round2 = rows(['Spring_NV', 'Winter_AC'], 30, 4);
      const train2 = join(out, 'train/2');
      const updated = await worker({ OUTPUT_URL: train2, HAS_COMPLETED_INITIAL_TRAINING: 'true', CLOUD_KB_INDEX: deploy }).train(round2);
      expect(updated.seen_task.task_groups.map((g) => g.entry)).toEqual([...FOUR, 'Spring_NV']);
      expect(updated.seen_task.task_groups[4]).toMatchObject({ model: { id: 'Spring_NV@r2', round: 2 }, tasks: [{ entry: 'Spring_NV', learnt_from_unseen: true, sample_num: 30 }] });
      expect(updated.seen_task.task_groups[2]).toMatchObject({ model: { id: 'Winter_AC@r2', base: 'Winter_AC@r1', numberOfTrainSamples: 70 }, previous_model: { id: 'Winter_AC@r1' } });
      expect(updated.seen_task.task_groups[0]).toMatchObject({ model: { id: 'Summer_AC@r1' } });
      expect(updated.seen_task.task_groups[0]?.previous_model).toBeUndefined();
      expect(updated.numberOfLabeledUnseenSample).toBe(30);
      expect(ThresholdEstimator.trained.at(-2)).toEqual({ samples: 30, from: expect.any(Number) }); // Winter_AC fine-tuned from its model
      expect(summaryOf(lc.received.length - 1).changed).toEqual(['Winter_AC', 'Spring_NV']);

      // Eval of round 2 drops Winter_AC's new model (a threshold it cannot reach): it keeps its previous one.
      const eval2 = join(out, 'eval/2');
      const dropped = await worker({ OUTPUT_URL: eval2, MODEL_URLS: join(train2, 'index.json'), operator: '<', model_threshold: '1.01' }).evaluate(rows(['Winter_AC'], 20, 5));
      expect(dropped.seen_task.task_groups[2]).toMatchObject({ model: { id: 'Winter_AC@r1' }, deploy: false, dropped: { round: 2, model: 'Winter_AC@r2', reason: expect.stringMatching(/^drop rule: accuracy [\d.]+ < 1.01$/) } });
      // Spring_NV had no test samples: kept unscored.
      expect(dropped.seen_task.task_groups.map((g) => g.entry)).toEqual([...FOUR, 'Spring_NV']);
      const eval2Summary = summaryOf(lc.received.length - 1);
      expect(eval2Summary.dropped).toEqual([{ task: 'Winter_AC', modelID: 'Winter_AC@r2', scores: { accuracy: expect.any(Number) }, reason: expect.any(String) }]);
      expect(eval2Summary.changed).toEqual(['Spring_NV']);

      // Deploy round 2; the worker swaps in the new index and Spring rows go to their task.
      await writeFile(deploy, await readFile(join(eval2, 'index.json')));
      expect(await infer.checkIndexUpdate()).toBe(true);
      const after = await infer.inferenceBatch(rows(['Spring_NV'], 20, 6).x as Array<Record<string, unknown>>);
      expect(after.every((r) => !r.isUnseen && r.tasks[0]?.entry === 'Spring_NV' && r.tasks[0].model === 'Spring_NV@r2')).toBe(true);
      expect(infer.stats()).toMatchObject({ unseen: 12, indexLoads: 2, round: 2 });
      const deploys = lc.received.filter((r) => r.body.kind === 'deploy').map((r) => r.body.ownerInfo);
      expect(deploys).toEqual([
        { create_time: evaluated.create_time, model_version: '1' },
        { create_time: dropped.create_time, model_version: '2' },
      ]);
    } finally {
      await infer.close();
    }
  });

  test('inference mirrors a model it cannot read by downloading its kb_url with the token', async () => {
    const kb = await new FakeKb().start();
    try {
      const out = join(dir, 'cloud/train/1');
      await worker({ OUTPUT_URL: out, KB_SERVER: kb.url, SEDNA_WORKER_TOKEN: 'tok' }).train(rows(['Summer_AC', 'Winter_NV'], 20));
      const deploy = join(dir, 'deploy/index.json');
      await mkdir(join(dir, 'deploy'), { recursive: true });
      await writeFile(deploy, await readFile(join(out, 'index.json')));
      await removeDir(join(dir, 'cloud')); // the edge cannot read the cloud's output folder
      const infer = worker({ MODEL_URLS: deploy, KB_SERVER: kb.url, SEDNA_WORKER_TOKEN: 'tok', edge_output_url: join(dir, 'edge') });
      try {
        expect(await infer.inference({ season: 'Winter', cooling: 'NV', x: 5 })).toMatchObject({ result: { label: 1 }, isUnseen: false, tasks: [{ model: 'Winter_NV@r1' }] });
        const downloads = kb.requests.filter((r) => r.path.startsWith('/knowledgebase/file/download'));
        expect(downloads).toHaveLength(4); // each model's two files
        expect(downloads.every((r) => r.headers.authorization === 'Bearer tok')).toBe(true);
        const mirrored = JSON.parse(await readFile(join(dir, 'edge/index.json'), 'utf8')) as KbIndex;
        expect(mirrored.seen_task.task_groups[1]?.model.url).toMatch(new RegExp(`^${join(dir, 'edge/models')}/.*/Winter_NV@r1/threshold.json$`));
      } finally {
        await infer.close();
      }
    } finally {
      await kb.stop();
    }
  });

  test('a swap lets calls in flight finish on the old models, then disposes them; loadPath picks the file each loads', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((done) => (release = done));
    const disposed: string[] = [];
    class Slow extends ThresholdEstimator {
      loadedFrom = '';
      override async load(url: string): Promise<void> {
        this.loadedFrom = url;
        await super.load(url);
      }
      override async predict(row: Record<string, unknown>): Promise<{ label: number; probabilities: number[] }> {
        if (row.slow) await gate;
        return super.predict(row);
      }
      dispose(): void {
        disposed.push(this.loadedFrom);
      }
    }
    const out = join(dir, 'out');
    await worker({ OUTPUT_URL: join(out, 'train/1') }).train(rows(['Summer_AC'], 20));
    await worker({ OUTPUT_URL: join(out, 'train/2'), HAS_COMPLETED_INITIAL_TRAINING: 'true', CLOUD_KB_INDEX: join(out, 'train/1/index.json') }).train(rows(['Summer_AC'], 20, 9));
    const deploy = join(out, 'deploy.json');
    await writeFile(deploy, await readFile(join(out, 'train/1/index.json')));
    const config = new SednaConfig({ env: { LC_SERVER: lc.url, MODEL_URLS: deploy, edge_output_url: join(dir, 'edge'), SEDNA_REPORT_SPOOL_DIR: join(dir, 'spool') } });
    const loaded: string[] = [];
    const loadPath = (model: { id: string }, path: string) => (loaded.push(model.id), path);
    const infer = new LifelongLearning(Slow, { config, logger: memoryLogger(), retry: fast, task_definition: ATTRS, loadPath });
    try {
      await infer.ready();
      const inFlight = infer.inference({ season: 'Summer', cooling: 'AC', x: 4, slow: true });
      await writeFile(deploy, await readFile(join(out, 'train/2/index.json')));
      expect(await infer.checkIndexUpdate()).toBe(true);
      expect((await infer.inference({ season: 'Summer', cooling: 'AC', x: 4 })).tasks[0]?.model).toBe('Summer_AC@r2');
      expect(disposed).toEqual([]); // the old model still serves the call in flight
      release();
      expect((await inFlight).tasks[0]?.model).toBe('Summer_AC@r1');
      await new Promise((done) => setImmediate(done));
      expect(disposed).toEqual([expect.stringMatching(/Summer_AC@r1\/threshold.json$/)]);
      expect(loaded).toEqual(['Summer_AC@r1', 'Summer_AC@r2']);
    } finally {
      release();
      await infer.close();
    }
  });

  test('eval: a dropped new group with no previous model is removed and its task stays unknown', async () => {
    const out = join(dir, 'out');
    await worker({ OUTPUT_URL: join(out, 'train/1') }).train(rows(['Summer_AC', 'Winter_AC'], 30));
    await worker({ OUTPUT_URL: join(out, 'train/2'), HAS_COMPLETED_INITIAL_TRAINING: 'true', CLOUD_KB_INDEX: join(out, 'train/1/index.json') }).train(rows(['Spring_NV'], 30));
    const index = await worker({ OUTPUT_URL: join(out, 'eval/2'), MODEL_URLS: join(out, 'train/2/index.json'), model_threshold: '1.5' }).evaluate(rows(['Spring_NV', 'Summer_AC'], 10));
    expect(index.seen_task.task_groups.map((g) => g.entry)).toEqual(['Summer_AC', 'Winter_AC']);
    expect(index.seen_task.extractor?.keys).toEqual({ Summer_AC: 0, Winter_AC: 1 });
    expect(index.numberOfLabeledUnseenSample).toBe(0);
  });

  test('UpdateStrategyByFinetune leaves new tasks out', async () => {
    const out = join(dir, 'out');
    await worker({ OUTPUT_URL: join(out, 'train/1') }).train(rows(['Summer_AC'], 30));
    const config = new SednaConfig({ env: { LC_SERVER: lc.url, OUTPUT_URL: join(out, 'train/2'), HAS_COMPLETED_INITIAL_TRAINING: 'true', CLOUD_KB_INDEX: join(out, 'train/1/index.json'), SEDNA_REPORT_SPOOL_DIR: join(dir, 'spool') } });
    const ll = new LifelongLearning(ThresholdEstimator, { config, logger: memoryLogger(), retry: fast, task_definition: { method: 'TaskDefinitionByDataAttr', param: '{"attribute": ["season", "cooling"]}' }, task_update_decision: { method: 'UpdateStrategyByFinetune' } });
    const index = await ll.train(rows(['Summer_AC', 'Spring_NV'], 30));
    expect(index.seen_task.task_groups.map((g) => g.model.id)).toEqual(['Summer_AC@r2']);
  });

  test('errors name the variable: OUTPUT_URL, CLOUD_KB_INDEX, an estimator instance', async () => {
    await expect(worker({}).train(rows(FOUR, 10))).rejects.toThrow('LifelongLearning.train: env OUTPUT_URL is not set');
    await expect(worker({ OUTPUT_URL: join(dir, 'o/1'), HAS_COMPLETED_INITIAL_TRAINING: 'true' }).train(rows(FOUR, 10))).rejects.toThrow(/env CLOUD_KB_INDEX is not set/);
    expect(() => new LifelongLearning(new ThresholdEstimator(), { logger: memoryLogger() })).toThrow(/give a class or a factory/);
    expect(LifelongLearning.roundOf('/out/train/12/')).toBe(12);
    expect(LifelongLearning.roundOf('/out/train/latest')).toBe(0);
  });

  test('KBClient: absolute download URLs, a permanent refusal fails at once', async () => {
    const kb = await new FakeKb().start();
    try {
      const client = new KBClient({ server: `${kb.url}/`, logger: memoryLogger() });
      expect(client.absolute('/file/download?files=a')).toBe(`${kb.url}/knowledgebase/file/download?files=a`);
      expect(client.absolute('/knowledgebase/index')).toBe(`${kb.url}/knowledgebase/index`);
      kb.status = 403;
      await expect(client.update({} as KbIndex)).rejects.toThrow(/KBClient: update: .* refused it: HTTP 403/);
      expect(kb.requests).toHaveLength(1);
      expect(() => new KBClient({ server: 'kb:9020' })).toThrow('KBClient: server (KB_SERVER): "kb:9020" is not an http(s) URL');
    } finally {
      await kb.stop();
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// What a hostile or foreign index, or a shared machine, cannot make the inference worker do

describe('LifelongLearning inference: hardening', () => {
  /** Trains a two-group KB (uploaded to `kb` when given) and copies its index to `<dir>/deploy/index.json`. */
  async function deployed(kb?: FakeKb): Promise<{ deploy: string; index: KbIndex }> {
    const out = join(dir, 'cloud/train/1');
    await worker({ OUTPUT_URL: out, ...(kb ? { KB_SERVER: kb.url, SEDNA_WORKER_TOKEN: 'tok' } : {}) }).train(rows(['Summer_AC', 'Winter_NV'], 20));
    const deploy = join(dir, 'deploy/index.json');
    await mkdir(join(dir, 'deploy'), { recursive: true });
    const index = await readIndex(join(out, 'index.json'));
    await writeFile(deploy, JSON.stringify(index));
    return { deploy, index };
  }

  test('a kb_url on another origin than KB_SERVER is refused naming the model and the URL; the token never leaves for it', async () => {
    const kb = await new FakeKb().start();
    const attacker = await new FakeKb().start();
    try {
      const { deploy, index } = await deployed(kb);
      const steal = `${attacker.url}/steal`;
      for (const group of index.seen_task.task_groups) group.model.kb_url = steal;
      await writeFile(deploy, JSON.stringify(index));
      await removeDir(join(dir, 'cloud')); // the edge must download
      const infer = worker({ MODEL_URLS: deploy, KB_SERVER: kb.url, SEDNA_WORKER_TOKEN: 'tok', edge_output_url: join(dir, 'edge') });
      try {
        await expect(infer.ready()).rejects.toThrow(`LifelongLearning: model Summer_AC@r1: kb_url ${steal} is not on KB_SERVER ${kb.url} (another scheme, host or port): refused, the worker token goes to KB_SERVER only`);
      } finally {
        await infer.close();
      }
      expect(attacker.requests).toEqual([]);
      expect(lc.received.filter((r) => r.body.kind === 'deploy')).toEqual([]);
      // The client itself refuses too, before any request.
      const client = new KBClient({ server: kb.url, token: 'tok', logger: memoryLogger() });
      expect(client.isOwnUrl('/file/download?files=a')).toBe(true);
      expect(client.isOwnUrl(`${kb.url}/knowledgebase/file/download?files=a`)).toBe(true);
      expect(client.isOwnUrl(kb.url.replace('127.0.0.1', 'localhost'))).toBe(false);
      await expect(client.download(steal, join(dir, 'x'))).rejects.toThrow(`KBClient: download ${steal}: not on KB_SERVER ${kb.url}`);
      expect(attacker.requests).toEqual([]);
    } finally {
      await kb.stop();
      await attacker.stop();
    }
  });

  test('an index whose model files leave the model folder is refused naming the path', async () => {
    const { deploy, index } = await deployed();
    (index.seen_task.task_groups[1] as { model: { files?: string[] } }).model.files = ['threshold.json', '../../../../etc/passwd'];
    await writeFile(deploy, JSON.stringify(index));
    const infer = worker({ MODEL_URLS: deploy, edge_output_url: join(dir, 'edge') });
    try {
      await expect(infer.ready()).rejects.toThrow('seen_task.task_groups[1].model.files[1]: "../../../../etc/passwd" has a ".." segment');
    } finally {
      await infer.close();
    }
  });

  test('the default edge cache (under the OS temp folder) is made 0700 at every level from sedna-kb-edge down', async () => {
    const { deploy } = await deployed();
    await mkdir(join(dir, 'tmp'));
    const infer = worker({ MODEL_URLS: deploy, TMPDIR: join(dir, 'tmp') });
    try {
      await infer.ready();
      for (const level of ['sedna-kb-edge', 'sedna-kb-edge/default', 'sedna-kb-edge/default/comfort', 'sedna-kb-edge/default/comfort/w']) {
        expect([level, (await stat(join(dir, 'tmp', level))).mode & 0o777]).toEqual([level, 0o700]);
      }
      expect(JSON.parse(await readFile(join(dir, 'tmp/sedna-kb-edge/default/comfort/w/index.json'), 'utf8'))).toMatchObject({ job: 'comfort' });
    } finally {
      await infer.close();
    }
  });

  test('an edge_output_url made 0755 elsewhere is tightened to 0700', async () => {
    const { deploy } = await deployed();
    await mkdir(join(dir, 'edge'), { mode: 0o755 });
    const infer = worker({ MODEL_URLS: deploy, edge_output_url: join(dir, 'edge') });
    try {
      await infer.ready();
      expect((await stat(join(dir, 'edge'))).mode & 0o777).toBe(0o700);
    } finally {
      await infer.close();
    }
  });

  (process.getuid?.() === 0 ? test : test.skip)('an edge cache folder of another user is refused naming it and edge_output_url (as root: chowned to another uid)', async () => {
    const { deploy } = await deployed();
    // Another user made sedna-kb-edge first, world-writable, as anyone can in /tmp.
    await mkdir(join(dir, 'tmp/sedna-kb-edge'), { recursive: true, mode: 0o777 });
    await chown(join(dir, 'tmp/sedna-kb-edge'), 4242, 4242);
    const infer = worker({ MODEL_URLS: deploy, TMPDIR: join(dir, 'tmp') });
    try {
      const edge = join(dir, 'tmp/sedna-kb-edge/default/comfort/w');
      await expect(infer.ready()).rejects.toThrow(
        `LifelongLearning.inference: edge cache folder ${edge}: ${join(dir, 'tmp/sedna-kb-edge')} is owned by uid 4242, not by this user`,
      );
      await expect(infer.ready()).rejects.toThrow("set env edge_output_url to a folder of this user's");
      expect(lc.received.filter((r) => r.body.kind === 'deploy')).toEqual([]);
      await expect(stat(join(dir, 'tmp/sedna-kb-edge/default'))).rejects.toThrow(/ENOENT/);
    } finally {
      await infer.close();
    }
    // A set edge_output_url of another user is refused the same way.
    await mkdir(join(dir, 'theirs'));
    await chown(join(dir, 'theirs'), 4242, 4242);
    const other = worker({ MODEL_URLS: deploy, edge_output_url: join(dir, 'theirs') });
    try {
      await expect(other.ready()).rejects.toThrow(`edge cache folder ${join(dir, 'theirs')}: ${join(dir, 'theirs')} is owned by uid 4242`);
    } finally {
      await other.close();
    }
  });

  test("an index of another job is refused at start and at a hot update: logged naming both jobs, not reported, the current one keeps serving", async () => {
    const { deploy, index } = await deployed();
    // At start: nothing to serve, ready() fails naming both jobs, no deploy report.
    const startLogger = memoryLogger();
    const stranger = worker({ MODEL_URLS: deploy, JOB_NAME: 'other', edge_output_url: join(dir, 'edge-0') }, { logger: startLogger });
    try {
      await expect(stranger.ready()).rejects.toThrow(`KB index ${deploy} (create_time ${index.create_time}) belongs to job default/comfort, not to this worker's job default/other (env NAMESPACE, JOB_NAME): refused`);
      expect(startLogger.records.some((r) => r.level === 'error' && String(r.obj.error).includes('belongs to job default/comfort, not to this worker\'s job default/other'))).toBe(true);
    } finally {
      await stranger.close();
    }
    expect(lc.received.filter((r) => r.body.kind === 'deploy')).toEqual([]);

    // Hot update: an index of job team-2/comfort (same job name, another namespace) appears in the folder.
    const logger = memoryLogger();
    const infer = worker({ MODEL_URLS: deploy, edge_output_url: join(dir, 'edge'), MODEL_POLL_PERIOD_SECONDS: '3600' }, { logger });
    try {
      await infer.ready();
      await waitFor(() => lc.received.some((r) => r.body.kind === 'deploy'), 20_000, 'the deploy report');
      const foreign = { ...index, namespace: 'team-2', create_time: new Date(Date.parse(index.create_time) + 1000).toISOString() };
      await writeFile(deploy, JSON.stringify(foreign));
      expect(await infer.checkIndexUpdate()).toBe(false);
      expect(infer.index?.create_time).toBe(index.create_time);
      expect(infer.stats()).toMatchObject({ indexLoads: 1, failedIndexLoads: 1 });
      expect(logger.records.filter((r) => r.level === 'error').map((r) => r.obj.error)).toEqual([expect.stringContaining("belongs to job team-2/comfort, not to this worker's job default/comfort")]);
      expect((await infer.inference({ season: 'Winter', cooling: 'NV', x: 5 })).tasks[0]?.model).toBe('Winter_NV@r1');
      expect(lc.received.filter((r) => r.body.kind === 'deploy').map((r) => r.body.ownerInfo?.create_time)).toEqual([index.create_time]);
    } finally {
      await infer.close();
    }
  });
});
