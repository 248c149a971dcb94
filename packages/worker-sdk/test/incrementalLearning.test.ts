import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { IBTFilter } from '@sedna-ts/hard-example-mining';
import { ClassFactory, ClassType } from '../src/classFactory.js';
import { SednaConfig } from '../src/config.js';
import { BaseDataSource } from '../src/dataSource.js';
import { IncrementalLearning } from '../src/incrementalLearning.js';
import { FakeLc, LinearEstimator, memoryLogger, removeDir, tempDir, writeLinearModel } from './helpers.js';

const fast = { attempts: 3, initialDelayMs: 5, maxDelayMs: 20, timeoutMs: 10_000 };
let lc: FakeLc;
let dir: string;
beforeEach(async () => {
  lc = await new FakeLc().start();
  dir = await tempDir('sedna-il-');
  LinearEstimator.instances = [];
});
afterEach(async () => {
  await lc.stop();
  await removeDir(dir);
});

function configFor(env: Record<string, string>): SednaConfig {
  return new SednaConfig({
    env: { LC_SERVER: lc.url, JOB_NAME: 'helmet', NAMESPACE: 'default', WORKER_NAME: 'w-1', SEDNA_REPORT_SPOOL_DIR: join(dir, 'spool'), ...env },
  });
}
const trainData = () => {
  const d = new BaseDataSource<number, number>('train');
  d.x.push(0, 1, 2, 3);
  d.y.push(1, 3, 5, 7);
  return d;
};
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * A train script on the built package in a child process: one tiny model saved under MODEL_URL (in the
 * test's folder), then the report. `env` over this process's, without WORKER_NAME, LC_SERVER and
 * SEDNA_REPORT.
 */
function trainInChild(env: Record<string, string | undefined>) {
  const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/index.js');
  const script = `
    import { writeFile } from 'node:fs/promises';
    import { join } from 'node:path';
    import { IncrementalLearning, BaseDataSource } from ${JSON.stringify(dist)};
    class Est {
      train() { return { loss: 0.5 }; }
      async save(dir) { await writeFile(join(dir, 'm.bin'), 'x'); return [{ path: join(dir, 'm.bin'), format: 'bin' }]; }
      predict() {} load() {} evaluate() { return {}; }
    }
    const data = new BaseDataSource('train'); data.x.push(1); data.y.push(1);
    await new IncrementalLearning(Est, undefined, { retry: { attempts: 2, initialDelayMs: 5 } }).train(data);
  `;
  const base: Record<string, string | undefined> = { ...process.env, WORKER_NAME: undefined, LC_SERVER: undefined, SEDNA_REPORT: undefined, MODEL_URL: join(dir, 'out'), LOG_LEVEL: 'ERROR' };
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...base, ...env } as NodeJS.ProcessEnv });
}

describe('train', () => {
  test('trains, saves under MODEL_URL and reports every saved file with format, size, sha256 and the metrics', async () => {
    const modelDir = join(dir, 'home/data/output/train/1');
    const il = new IncrementalLearning(LinearEstimator, undefined, {
      config: configFor({ MODEL_URL: modelDir, DATA_PATH_PREFIX: join(dir, 'home/data'), SEDNA_WORKER_TOKEN: 't0k' }),
      logger: memoryLogger(),
      retry: fast,
    });
    const estimator = (await il.train(trainData(), { version: 'v1' })) as LinearEstimator;
    expect(estimator.model).toMatchObject({ version: 'v1', w: 2, b: 1 });
    const modelText = await readFile(join(modelDir, 'model.json'), 'utf8');
    const txt = await readFile(join(modelDir, 'model.txt'), 'utf8');
    expect(lc.received).toHaveLength(1);
    const { path, headers, body } = lc.received[0]!;
    expect(path).toBe('/sedna/workers/w-1/info');
    expect(headers.authorization).toBe('Bearer t0k');
    expect(body).toEqual({
      name: 'w-1',
      namespace: 'default',
      ownerName: 'helmet',
      ownerKind: 'incrementallearningjob',
      kind: 'train',
      status: 'completed',
      reportId: expect.any(String),
      results: [
        { format: 'json', url: '/output/train/1/model.json', size: modelText.length, sha256: sha(modelText), metrics: { loss: 0, samples: 4 } },
        { format: 'txt', url: '/output/train/1/model.txt', size: txt.length, sha256: sha(txt), metrics: { loss: 0, samples: 4 } },
      ],
    });
  });

  test('postProcess shapes what train returns', async () => {
    const il = new IncrementalLearning(LinearEstimator, undefined, { config: configFor({ MODEL_URL: join(dir, 'out') }), logger: memoryLogger(), retry: fast });
    expect(await il.train(trainData(), { postProcess: (e) => (e as LinearEstimator).model?.w })).toBe(2);
  });

  test('an estimator failure is reported as failed, then thrown with the cause', async () => {
    class Broken extends LinearEstimator {
      override train(): never {
        throw new Error('NaN loss');
      }
    }
    const il = new IncrementalLearning(Broken, undefined, { config: configFor({ MODEL_URL: join(dir, 'out') }), logger: memoryLogger(), retry: fast });
    await expect(il.train(trainData())).rejects.toMatchObject({ code: 'ESTIMATOR_FAILED', message: 'IncrementalLearning.train: NaN loss' });
    expect(lc.received.map((r) => [r.body.kind, r.body.status, r.body.ownerInfo])).toEqual([['train', 'failed', { error: 'IncrementalLearning.train: NaN loss' }]]);
  });

  test('MODEL_URL missing or pointing to a file is refused before training', async () => {
    const il = new IncrementalLearning(LinearEstimator, undefined, { config: configFor({}), logger: memoryLogger() });
    await expect(il.train(trainData())).rejects.toThrow('IncrementalLearning.train: env MODEL_URL is not set');
    const file = join(dir, 'file');
    await writeFile(file, 'x');
    const il2 = new IncrementalLearning(LinearEstimator, undefined, { config: configFor({ MODEL_URL: file }), logger: memoryLogger() });
    await expect(il2.train(trainData())).rejects.toThrow('is a file; it must be the round\'s output folder');
  });

  test('save() returning no files is an error, not an empty report', async () => {
    class NoFiles extends LinearEstimator {
      override async save(): Promise<never[]> {
        return [];
      }
    }
    const il = new IncrementalLearning(NoFiles, undefined, { config: configFor({ MODEL_URL: join(dir, 'out') }), logger: memoryLogger(), retry: fast });
    await expect(il.train(trainData())).rejects.toThrow('returned no files');
    expect(lc.received[0]!.body.status).toBe('failed');
  });

  test('a train worker whose report cannot be delivered exits non-zero with a clear message', async () => {
    const url = lc.url;
    await lc.stop();
    const child = trainInChild({ LC_SERVER: url, WORKER_NAME: 'train-worker-x', JOB_NAME: 'helmet' });
    expect(child.status).not.toBe(0);
    expect(child.stderr).toContain(`WorkerSdkError: worker train-worker-x: report kind=train status=completed: could not be delivered to ${url}/sedna/workers/train-worker-x/info after 2 attempts`);
  });
});

describe('local mode (not started by a controller)', () => {
  test('neither WORKER_NAME nor LC_SERVER: the model is saved, the report is one JSON line on stdout, exit 0', async () => {
    const child = trainInChild({});
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const lines = child.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(report).toMatchObject({ kind: 'train', status: 'completed', results: [{ url: join(dir, 'out', 'm.bin'), format: 'bin' }] });
    expect(report.reportId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await readFile(join(dir, 'out', 'm.bin'), 'utf8')).toBe('x');
  });

  test('SEDNA_REPORT=stdout prints even with an LC: nothing is sent to it', async () => {
    const child = trainInChild({ SEDNA_REPORT: 'stdout', LC_SERVER: lc.url, WORKER_NAME: 'train-worker-x', JOB_NAME: 'helmet' });
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout.trim())).toMatchObject({ name: 'train-worker-x', ownerName: 'helmet', kind: 'train', status: 'completed' });
    expect(lc.received).toHaveLength(0);
  });

  test('SEDNA_REPORT=lc reports to the LC of a script run by hand; another value is refused at construction, naming it', async () => {
    const toLc = new IncrementalLearning(LinearEstimator, undefined, { config: new SednaConfig({ env: { SEDNA_REPORT: 'lc', LC_SERVER: lc.url, MODEL_URL: join(dir, 'out'), SEDNA_REPORT_SPOOL_DIR: join(dir, 'spool') } }), logger: memoryLogger(), retry: fast });
    expect(toLc.reportTo).toBe('lc');
    await toLc.train(trainData());
    expect(lc.received).toHaveLength(1);
    expect(() => new IncrementalLearning(LinearEstimator, undefined, { config: new SednaConfig({ env: { SEDNA_REPORT: 'file' } }), logger: memoryLogger() })).toThrow(
      'env SEDNA_REPORT: "file" is not one of lc, stdout (unset: stdout when neither WORKER_NAME nor LC_SERVER is set, else lc)',
    );
  });
});

describe('evaluate', () => {
  test('evaluates each model of MODEL_URLS in order with a fresh estimator and reports metrics per model', async () => {
    const newer = join(dir, 'new.json');
    const older = join(dir, 'old.json');
    await writeLinearModel(newer, { version: 'new', w: 2, b: 1 });
    await writeLinearModel(older, { version: 'old', w: 1, b: 0 });
    const il = new IncrementalLearning(LinearEstimator, undefined, { config: configFor({ MODEL_URLS: `${newer};${older};` }), logger: memoryLogger(), retry: fast });
    const results = await il.evaluate(trainData(), { postProcess: (m) => ({ ...m, rounded: Math.round(m.mse as number) }) });
    expect(results.map((r) => [r.url, r.format, r.metrics?.mse, r.metrics?.rounded])).toEqual([
      [newer, 'json', 0, 0],
      [older, 'json', 7.5, 8],
    ]);
    expect(LinearEstimator.instances).toHaveLength(2);
    expect(LinearEstimator.instances.every((e) => e.disposed)).toBe(true);
    expect(lc.received).toHaveLength(1);
    expect(lc.received[0]!.body).toMatchObject({ kind: 'eval', status: 'completed', results });
  });

  test('falls back to MODEL_URL, and refuses when neither is set', async () => {
    const model = join(dir, 'm.json');
    await writeLinearModel(model, { version: 'x', w: 2, b: 1 });
    const il = new IncrementalLearning(LinearEstimator, undefined, { config: configFor({ MODEL_URL: model }), logger: memoryLogger(), retry: fast });
    expect((await il.evaluate(trainData())).map((r) => r.url)).toEqual([model]);
    const none = new IncrementalLearning(LinearEstimator, undefined, { config: configFor({}), logger: memoryLogger() });
    await expect(none.evaluate(trainData())).rejects.toThrow('MODEL_URLS and MODEL_URL are not set');
  });

  test('a model that fails to evaluate is reported failed with its url', async () => {
    const il = new IncrementalLearning(LinearEstimator, undefined, { config: configFor({ MODEL_URLS: join(dir, 'missing.json') }), logger: memoryLogger(), retry: fast });
    await expect(il.evaluate(trainData())).rejects.toThrow(`IncrementalLearning.evaluate(${join(dir, 'missing.json')})`);
    expect(lc.received[0]!.body).toMatchObject({ kind: 'eval', status: 'failed' });
  });
});

describe('inference', () => {
  test('loads MODEL_URL once, predicts, post-processes and applies the HEM filter chosen by HEM_NAME/HEM_PARAMETERS', async () => {
    const model = join(dir, 'deploy.json');
    await writeLinearModel(model, { version: 'd', w: 1, b: 0 });
    const il = new IncrementalLearning<number, { version: string; y: number }, number[][]>(LinearEstimator, undefined, {
      config: configFor({ MODEL_URL: model, HEM_NAME: 'IBT', HEM_PARAMETERS: JSON.stringify([{ key: 'threshold_img', value: '0.9' }, { key: 'threshold_box', value: '0.9' }]) }),
      logger: memoryLogger(),
    });
    expect(il.hardExampleMining).toBeInstanceOf(IBTFilter);
    expect((il.hardExampleMining as IBTFilter).thresholdImg).toBe(0.9);
    const toBoxes = (p: { y: number }) => [[0, 0, 1, 1, p.y, 0]];
    const results = await Promise.all([0.1, 0.5, 0.95].map((x) => il.inference(x, { postProcess: toBoxes })));
    expect(results.map(([raw, boxes, hard]) => [raw.y, boxes[0]![4], hard])).toEqual([
      [0.1, 0.1, true],
      [0.5, 0.5, true],
      [0.95, 0.95, false],
    ]);
    expect(LinearEstimator.instances).toHaveLength(1);
    expect(il.modelVersion).toBe('initial');
    expect(il.stats()).toMatchObject({ inferences: 3, hardExamples: 2, failedInferences: 0 });
    await il.close();
  });

  test('getHemAlgorithmFromConfig lets the caller override the CRD, and a filter instance is accepted', async () => {
    const config = configFor({ HEM_NAME: 'Threshold', HEM_PARAMETERS: '[{"key":"threshold","value":"0.2"}]' });
    const { SednaContext } = await import('../src/context.js');
    const spec = IncrementalLearning.getHemAlgorithmFromConfig({ threshold: 0.7 }, new SednaContext(config.env));
    expect(spec).toEqual({ method: 'Threshold', param: { threshold: 0.7 } });
    const il = new IncrementalLearning(LinearEstimator, spec, { config, logger: memoryLogger() });
    expect(il.hardExampleMining?.filter([[0, 0, 1, 1, 0.5, 0]] as never)).toBe(true);
    const own = { filter: () => true };
    expect(new IncrementalLearning(LinearEstimator, own, { config, logger: memoryLogger() }).hardExampleMining).toBe(own);
  });

  test('without HEM configured, nothing is hard; an unknown HEM name lists what exists', async () => {
    const model = join(dir, 'deploy.json');
    await writeLinearModel(model, { version: 'd', w: 1, b: 0 });
    const il = new IncrementalLearning(LinearEstimator, undefined, { config: configFor({ MODEL_URL: model }), logger: memoryLogger() });
    expect(il.hardExampleMining).toBeUndefined();
    expect((await il.inference(1))[2]).toBe(false);
    expect(() => new IncrementalLearning(LinearEstimator, { method: 'Ibt' }, { config: configFor({}), logger: memoryLogger() })).toThrow(
      'ClassFactory: no hard_example_mining named "Ibt"; registered: CloudOnly, CrossEntropy, EdgeOnly, IBT, Random, Threshold',
    );
  });

  test('a user filter registered under ClassType.HEM is chosen by HEM_NAME; method defaults to IBT', async () => {
    @ClassFactory.register(ClassType.HEM, 'AlwaysHardTest')
    class AlwaysHard {
      constructor(readonly params: Record<string, unknown> = {}) {}
      filter(): boolean {
        return true;
      }
    }
    try {
      const il = new IncrementalLearning(LinearEstimator, undefined, { config: configFor({ HEM_NAME: 'AlwaysHardTest', HEM_PARAMETERS: '[{"key":"k","value":"v"}]' }), logger: memoryLogger() });
      expect(il.hardExampleMining).toBeInstanceOf(AlwaysHard);
      expect((il.hardExampleMining as AlwaysHard).params).toEqual({ k: 'v' });
      expect(new IncrementalLearning(LinearEstimator, { param: {} }, { config: configFor({}), logger: memoryLogger() }).hardExampleMining).toBeInstanceOf(IBTFilter);
    } finally {
      ClassFactory.unregister(ClassType.HEM, 'AlwaysHardTest');
    }
  });

  test('a predict failure is thrown as ESTIMATOR_FAILED naming the model version and counted', async () => {
    const model = join(dir, 'deploy.json');
    await writeLinearModel(model, { version: 'd', w: 1, b: 0 });
    const il = new IncrementalLearning(LinearEstimator, undefined, { config: configFor({ MODEL_URL: model }), logger: memoryLogger() });
    await expect(il.inference('x' as unknown as number)).rejects.toThrow('IncrementalLearning.inference: model initial: predict failed: input must be a number');
    expect(il.stats().failedInferences).toBe(1);
  });

  test('an estimator factory and an instance both work', async () => {
    const model = join(dir, 'deploy.json');
    await writeLinearModel(model, { version: 'd', w: 3, b: 0 });
    const viaFactory = new IncrementalLearning(async () => new LinearEstimator(), undefined, { config: configFor({ MODEL_URL: model }), logger: memoryLogger() });
    expect((await viaFactory.inference(2))[0].y).toBe(6);
    const viaInstance = new IncrementalLearning(new LinearEstimator(), undefined, { config: configFor({ MODEL_URL: model }), logger: memoryLogger() });
    expect((await viaInstance.inference(1))[0].y).toBe(3);
  });
});

describe('saveHardExample', () => {
  async function makeIl() {
    const model = join(dir, 'deploy.json');
    await writeLinearModel(model, { version: 'd', w: 1, b: 0 });
    const il = new IncrementalLearning(LinearEstimator, undefined, { config: configFor({ MODEL_URL: model, HE_SAVED_URL: join(dir, 'he') }), logger: memoryLogger() });
    await il.inference(1);
    return il;
  }

  test('an encoded image becomes <time>-<seq>.png, then the meta file {result, modelVersion, time}', async () => {
    const il = await makeIl();
    const jpeg = await sharp({ create: { width: 8, height: 6, channels: 3, background: { r: 200, g: 10, b: 10 } } }).jpeg().toBuffer();
    const saved = await il.saveHardExample(jpeg, [[0, 0, 4, 4, 0.3, 1]]);
    expect(saved.format).toBe('png');
    expect(saved.samplePath).toMatch(/\/he\/\d{13}-000000\.png$/);
    expect(saved.metaPath).toBe(saved.samplePath.replace(/\.png$/, '.meta.json'));
    const meta = await sharp(saved.samplePath).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 8, 6]);
    const json = JSON.parse(await readFile(saved.metaPath, 'utf8')) as { result: unknown; modelVersion: string; time: string };
    expect(json.result).toEqual([[0, 0, 4, 4, 0.3, 1]]);
    expect(json.modelVersion).toBe('initial');
    expect(new Date(json.time).getTime()).toBeGreaterThan(0);
    expect((await readdir(join(dir, 'he'))).sort()).toEqual([`${saved.id}.meta.json`, `${saved.id}.png`]);
  });

  test('raw pixels {data, info} become a PNG of the same size; a PNG is kept byte for byte', async () => {
    const il = await makeIl();
    const { data, info } = await sharp({ create: { width: 5, height: 4, channels: 3, background: '#00ff00' } }).raw().toBuffer({ resolveWithObject: true });
    const fromRaw = await il.saveHardExample({ data, info }, { label: 1 });
    const decoded = await sharp(fromRaw.samplePath).raw().toBuffer({ resolveWithObject: true });
    expect([decoded.info.width, decoded.info.height, decoded.info.channels]).toEqual([5, 4, 3]);
    expect(Buffer.compare(decoded.data, data)).toBe(0);
    const png = await sharp(data, { raw: { width: 5, height: 4, channels: 3 } }).png().toBuffer();
    const kept = await il.saveHardExample(png, null);
    expect(Buffer.compare(await readFile(kept.samplePath), png)).toBe(0);
    expect(kept.id.endsWith('-000001')).toBe(true);
  });

  test('anything else is written as JSON (typed arrays as lists)', async () => {
    const il = await makeIl();
    const saved = await il.saveHardExample({ features: Float32Array.of(1, 2.5), text: 'x' }, [0.4, 0.6]);
    expect(saved.format).toBe('json');
    expect(JSON.parse(await readFile(saved.samplePath, 'utf8'))).toEqual({ features: [1, 2.5], text: 'x' });
    expect(il.stats().savedHardExamples).toBe(1);
  });

  test('without HE_SAVED_URL it refuses with the variable named', async () => {
    const il = new IncrementalLearning(LinearEstimator, undefined, { config: configFor({}), logger: memoryLogger() });
    await expect(il.saveHardExample(1, 1)).rejects.toThrow('env HE_SAVED_URL is not set');
  });
});

test('inference after close() is refused rather than loading the model again', async () => {
  const model = join(dir, 'deploy.json');
  await writeLinearModel(model, { version: 'd', w: 1, b: 0 });
  const il = new IncrementalLearning(LinearEstimator, undefined, { config: configFor({ MODEL_URL: model }), logger: memoryLogger() });
  await il.inference(1);
  await il.close();
  expect(LinearEstimator.instances[0]!.disposed).toBe(true);
  await expect(il.inference(1)).rejects.toThrow('called after close()');
});
