import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SednaConfig } from '../src/config.js';
import { readHotUpdateConfig, resolveAnnouncedPath, stageAnnouncedModel } from '../src/hotUpdate.js';
import { IncrementalLearning, type ModelUpdateEvent } from '../src/incrementalLearning.js';
import { parseMetricsText, sampleValue } from '@sedna-ts/internal/metrics';
import { FakeLc, LinearEstimator, memoryLogger, removeDir, tempDir, waitFor, writeLinearModel, type LinearModel } from './helpers.js';

let lc: FakeLc;
let dir: string;
let hot: string;
let configPath: string;
beforeEach(async () => {
  lc = await new FakeLc().start();
  dir = await tempDir('sedna-hot-');
  hot = join(dir, 'model-hot-update');
  configPath = join(hot, 'model_config.json');
  await mkdir(hot, { recursive: true });
  await writeLinearModel(join(dir, 'deploy.json'), { version: 'v0', w: 1, b: 0 });
  LinearEstimator.instances = [];
});
afterEach(async () => {
  await lc.stop();
  await removeDir(dir);
});

/** Publish a model as the LC does: copy into <hot>/<version>/, then write the config by temp file + rename. */
async function publish(model: LinearModel, options: { sha256?: string; size?: number; raw?: string } = {}): Promise<void> {
  const text = options.raw ?? JSON.stringify(model);
  await mkdir(join(hot, model.version), { recursive: true });
  await writeFile(join(hot, model.version, 'model.json'), text);
  const config = {
    model_config: {
      model_path: `/model-hot-update/${model.version}/model.json`,
      model_update_time: new Date().toISOString(),
      model_version: model.version,
      model_size: options.size ?? Buffer.byteLength(text),
      model_sha256: options.sha256 ?? createHash('sha256').update(text).digest('hex'),
    },
  };
  const temp = `${configPath}.tmp`;
  await writeFile(temp, JSON.stringify(config, null, 2));
  await rename(temp, configPath);
}

function makeIl(
  env: Record<string, string> = {},
  options: ConstructorParameters<typeof IncrementalLearning<number>>[2] = {},
  estimator: typeof LinearEstimator = LinearEstimator,
  hardExampleMining?: { filter(result: { version: string; y: number }): boolean },
) {
  const config = new SednaConfig({
    env: {
      LC_SERVER: lc.url,
      JOB_NAME: 'helmet',
      WORKER_NAME: 'infer-1',
      MODEL_URL: join(dir, 'deploy.json'),
      MODEL_HOT_UPDATE: 'true',
      MODEL_HOT_UPDATE_CONFIG: configPath,
      MODEL_POLL_PERIOD_SECONDS: '3600',
      SEDNA_REPORT_SPOOL_DIR: join(dir, 'spool'),
      ...env,
    },
  });
  return new IncrementalLearning<number, { version: string; y: number }>(estimator, hardExampleMining, {
    config,
    logger: memoryLogger(),
    retry: { attempts: 2, initialDelayMs: 5, maxDelayMs: 20, timeoutMs: 10_000 },
    ...options,
  });
}

function nextUpdate(il: IncrementalLearning<number, { version: string; y: number }>): Promise<ModelUpdateEvent> {
  return new Promise((done) => {
    const off = il.onModelUpdate((event) => {
      off();
      done(event);
    });
  });
}

test('hot updates during concurrent inference calls: every call succeeds, old models are disposed only when idle', async () => {
  const il = makeIl();
  const versions = new Set<string>();
  let failed = 0;
  let ok = 0;
  let stop = false;
  const worker = async (seed: number) => {
    for (let i = 0; !stop; i++) {
      try {
        const [raw] = await il.inference(seed + i);
        versions.add(raw.version);
        ok++;
      } catch {
        failed++;
      }
    }
  };
  const workers = Array.from({ length: 8 }, (_, k) => worker(k));
  await waitFor(() => ok > 200, 20_000, 'calls on v0');

  // Two publications by rename in a row: a watch on the file itself would miss the second.
  const first = nextUpdate(il);
  await publish({ version: 'v1', w: 2, b: 0 });
  expect(await first).toMatchObject({ status: 'completed', version: 'v1' });
  const okAfterV1 = ok;
  await waitFor(() => ok > okAfterV1 + 200, 20_000, 'calls on v1');
  const second = nextUpdate(il);
  await publish({ version: 'v2', w: 3, b: 0 });
  expect(await second).toMatchObject({ status: 'completed', version: 'v2' });
  const okAfterV2 = ok;
  await waitFor(() => ok > okAfterV2 + 200, 20_000, 'calls on v2');
  stop = true;
  await Promise.all(workers);

  expect(failed).toBe(0);
  expect([...versions].sort()).toEqual(['v0', 'v1', 'v2']);
  expect(il.modelVersion).toBe('v2');
  await waitFor(() => LinearEstimator.instances.filter((e) => e.disposed).length === 2, 20_000, 'old models disposed');
  for (const e of LinearEstimator.instances) expect(e.maxInFlightAtDispose).toBe(0);
  await waitFor(() => lc.received.length === 2, 20_000, 'deploy reports');
  expect(lc.received.map((r) => [r.body.kind, r.body.status, r.body.ownerInfo?.model_version, r.body.ownerInfo?.warm_up, r.body.results?.[0]?.url])).toEqual([
    ['deploy', 'completed', 'v1', 'done', '/model-hot-update/v1/model.json'],
    ['deploy', 'completed', 'v2', 'done', '/model-hot-update/v2/model.json'],
  ]);
  expect(il.stats()).toMatchObject({ modelUpdates: 2, failedModelUpdates: 0, failedInferences: 0 });
  await il.close();
}, 60_000);

class PickyEstimator extends LinearEstimator {
  override async predict(x: number) {
    if (this.model?.version.startsWith('explodes')) throw new Error('tensor shape mismatch');
    return super.predict(x);
  }
}

test('a corrupt or failing model is rejected: the old one keeps serving and deploy failed is reported', async () => {
  const il = makeIl({}, {}, PickyEstimator);
  expect((await il.inference(2))[0]).toEqual({ version: 'v0', y: 2 });

  const cases: Array<[LinearModel, Parameters<typeof publish>[1], RegExp]> = [
    [{ version: 'bad-sha', w: 9, b: 9 }, { sha256: 'f'.repeat(64) }, /sha256 [0-9a-f]{64}, model_config.model_sha256 says f{64}/],
    [{ version: 'bad-size', w: 9, b: 9 }, { size: 3 }, /size \d+ bytes, model_config.model_size says 3/],
    [{ version: 'bad-json', w: 9, b: 9 }, { raw: '{"w": "nine"}' }, /load failed: .*not a linear model/],
    [{ version: 'explodes-1', w: 9, b: 9 }, {}, /warm-up predict failed: tensor shape mismatch/],
  ];
  for (const [model, options, reason] of cases) {
    const event = nextUpdate(il);
    await publish(model, options);
    const got = await event;
    expect(got.status).toBe('failed');
    expect(got.version).toBe(model.version);
    expect(got.error?.message).toMatch(reason);
    expect(il.modelVersion).toBe('initial');
    expect((await il.inference(3))[0]).toEqual({ version: 'v0', y: 3 });
  }
  await waitFor(() => lc.received.length === 4, 20_000, 'deploy failed reports');
  expect(lc.received.map((r) => [r.body.status, r.body.ownerInfo?.model_version])).toEqual([
    ['failed', 'bad-sha'],
    ['failed', 'bad-size'],
    ['failed', 'bad-json'],
    ['failed', 'explodes-1'],
  ]);
  expect(String(lc.received[0]!.body.ownerInfo?.reason)).toContain('sha256');
  // Every rejected candidate was disposed; only the serving one is alive.
  expect(LinearEstimator.instances.filter((e) => !e.disposed).map((e) => e.model?.version)).toEqual(['v0']);

  // The same broken announcement is not retried on every poll, but a new good one is applied.
  await il.checkModelUpdate();
  expect(lc.received).toHaveLength(4);
  const good = nextUpdate(il);
  await publish({ version: 'v3', w: 2, b: 1 });
  expect(await good).toMatchObject({ status: 'completed', version: 'v3' });
  expect((await il.inference(1))[0]).toEqual({ version: 'v3', y: 3 });
  expect(il.stats()).toMatchObject({ modelUpdates: 1, failedModelUpdates: 4 });
  await il.close();
}, 60_000);

test('without fs.watch the poll every MODEL_POLL_PERIOD_SECONDS picks the update up', async () => {
  const il = makeIl({ MODEL_POLL_PERIOD_SECONDS: '1' }, { watch: false });
  await il.inference(1);
  const update = nextUpdate(il);
  await publish({ version: 'v1', w: 5, b: 0 });
  expect(await update).toMatchObject({ status: 'completed', version: 'v1' });
  expect((await il.inference(1))[0].y).toBe(5);
  await il.close();
}, 30_000);

test('warm-up uses the warmUpInput option, or is skipped (and said so) when no input was seen', async () => {
  const seen: number[] = [];
  class Recording extends LinearEstimator {
    override async predict(x: number) {
      seen.push(x);
      return super.predict(x);
    }
  }
  const skipped = makeIl({}, {}, Recording);
  const u1 = nextUpdate(skipped);
  await publish({ version: 'v1', w: 2, b: 0 });
  expect((await u1).status).toBe('completed');
  await waitFor(() => lc.received.length === 1, 20_000, 'deploy report');
  expect(lc.received[0]!.body.ownerInfo?.warm_up).toBe('skipped');
  expect(seen).toEqual([]);
  await skipped.close();

  const given = makeIl({}, { warmUpInput: () => 42 }, Recording);
  await given.checkModelUpdate(); // settles on v1, published before it started
  expect(given.modelVersion).toBe('v1');
  const u2 = nextUpdate(given);
  await publish({ version: 'v2', w: 2, b: 0 });
  expect((await u2).status).toBe('completed');
  expect(seen).toEqual([42]);
  await given.close();
}, 30_000);

test('deploy reports wait in the spool while the LC is down and are delivered when it is back', async () => {
  const port = lc.port;
  await lc.stop();
  const il = makeIl({ LC_SERVER: `http://127.0.0.1:${port}` });
  await il.inference(1);
  const update = nextUpdate(il);
  await publish({ version: 'v1', w: 2, b: 0 });
  expect((await update).status).toBe('completed');
  expect((await il.inference(1))[0].version).toBe('v1');
  await il.checkModelUpdate(); // the check that applied v1 has recorded its report
  expect(await il.lcClient.pending()).toBe(1);
  await lc.start(port);
  expect(await il.lcClient.flush()).toBe(0);
  expect(lc.received.map((r) => [r.body.kind, r.body.status, r.body.ownerInfo?.model_version])).toEqual([['deploy', 'completed', 'v1']]);
  await il.close();
}, 30_000);

test('a restarted worker serves the model last published for hot update', async () => {
  await publish({ version: 'v7', w: 7, b: 0 });
  const il = makeIl();
  expect((await il.inference(1))[0]).toEqual({ version: 'v7', y: 7 });
  expect(il.modelVersion).toBe('v7');
  await il.checkModelUpdate();
  expect(LinearEstimator.instances).toHaveLength(1);
  await waitFor(() => lc.received.length === 1, 20_000, 'deploy report');
  expect(lc.received[0]!.body.ownerInfo?.model_version).toBe('v7');
  await il.close();
});

test('hot update needs a class or factory and MODEL_HOT_UPDATE_CONFIG', () => {
  expect(() => makeIl({}, {}, new LinearEstimator() as unknown as typeof LinearEstimator)).toThrow('MODEL_HOT_UPDATE=true needs an estimator class or factory');
  expect(() => makeIl({ MODEL_HOT_UPDATE_CONFIG: '' })).toThrow('MODEL_HOT_UPDATE=true but env MODEL_HOT_UPDATE_CONFIG is not set');
});

describe('the hot-update config file', () => {
  test('model_path under /model-hot-update/ resolves against the config folder; relative paths too', () => {
    expect(resolveAnnouncedPath('/var/lib/sedna/hot/job/model_config.json', '/model-hot-update/3/model.onnx')).toBe('/var/lib/sedna/hot/job/3/model.onnx');
    expect(resolveAnnouncedPath('/x/model_config.json', 'm.onnx')).toBe('/x/m.onnx');
    expect(resolveAnnouncedPath('/x/model_config.json', '/models/m.onnx')).toBe('/models/m.onnx');
  });

  test("the original's two fields are enough; the version falls back to model_update_time", async () => {
    await writeFile(configPath, JSON.stringify({ model_config: { model_path: '/model-hot-update/m.pb', model_update_time: '2025-11-25 10:00:00' } }));
    expect(await readHotUpdateConfig(configPath)).toMatchObject({ version: '2025-11-25 10:00:00', resolvedPath: join(hot, 'm.pb') });
    expect(await readHotUpdateConfig(join(hot, 'absent.json'))).toBeUndefined();
  });

  test.each([
    ['not json', /not JSON/],
    [JSON.stringify({}), /model_config.model_path: undefined is not a path/],
    [JSON.stringify({ model_config: { model_path: '/m', model_size: -1 } }), /model_size: -1 is not a size/],
    [JSON.stringify({ model_config: { model_path: '/m', model_sha256: 'xyz' } }), /model_sha256: "xyz" is not a sha256/],
  ])('%s is refused', async (text, message) => {
    await writeFile(configPath, text);
    await expect(readHotUpdateConfig(configPath)).rejects.toThrow(message);
  });

  test('the staged copy is what gets loaded, so the LC may replace the published file at once', async () => {
    const il = makeIl();
    await il.inference(1);
    const update = nextUpdate(il);
    await publish({ version: 'v1', w: 4, b: 0 });
    await update;
    await writeFile(join(hot, 'v1', 'model.json'), 'garbage');
    expect((await il.inference(1))[0]).toEqual({ version: 'v1', y: 4 });
    expect(JSON.parse(await readFile(configPath, 'utf8')).model_config.model_version).toBe('v1');
    await il.close();
  });
});

describe('a tfjs model (model.json and its weights) announced for hot update', () => {
  /** A tfjs-format folder under `<hot>/<version>/` as saveLayersModel writes it: model.json and a hashed weights file. */
  async function publishTfjs(version: string, weights: Buffer, options: { weightsName?: string; withWeights?: boolean } = {}) {
    const folder = join(hot, version);
    await mkdir(folder, { recursive: true });
    const name = options.weightsName ?? `weights-${createHash('sha256').update(weights).digest('hex').slice(0, 16)}.bin`;
    const json = JSON.stringify({ modelTopology: {}, format: 'layers-model', weightsManifest: [{ paths: [name], weights: [] }] });
    await writeFile(join(folder, 'model.json'), json);
    if (options.withWeights ?? true) await writeFile(join(folder, name), weights);
    await writeFile(configPath, JSON.stringify({ model_config: { model_path: `/model-hot-update/${version}/model.json`, model_update_time: 't', model_version: version, model_size: Buffer.byteLength(json) } }));
    return { name, announced: (await readHotUpdateConfig(configPath))! };
  }

  test('model.json is staged with the weight files it lists, so the estimator loads a complete model', async () => {
    const { name, announced } = await publishTfjs('5', Buffer.from('weights of v5'));
    const staged = await stageAnnouncedModel(announced);
    try {
      expect(basename(staged.path)).toBe('model.json');
      expect((await readdir(staged.folder)).sort()).toEqual(['model.json', name].sort());
      expect(await readFile(join(staged.folder, name), 'utf8')).toBe('weights of v5');
    } finally {
      await removeDir(staged.folder);
    }
  });

  test('a model.json without its weights beside it is refused, saying what to publish instead', async () => {
    const { name, announced } = await publishTfjs('6', Buffer.from('w'), { withWeights: false });
    await expect(stageAnnouncedModel(announced)).rejects.toMatchObject({
      code: 'MODEL_INVALID',
      message: `model 6: ${join(hot, '6', 'model.json')} is a tfjs model whose weights file ${name} is not beside it; publish the model folder, or deploy the ONNX file (model.onnx) to inference workers`,
    });
  });

  test('a weights file whose content does not match the hash in its name is refused', async () => {
    const { announced } = await publishTfjs('7', Buffer.from('half-written'), { weightsName: 'weights-0000000000000000.bin' });
    await expect(stageAnnouncedModel(announced)).rejects.toMatchObject({ code: 'MODEL_INVALID', message: expect.stringMatching(/weights-0000000000000000\.bin: content does not match the sha256 its name carries/) });
  });

  test('a weights path that leaves the model folder is refused', async () => {
    const { announced } = await publishTfjs('8', Buffer.from('w'), { weightsName: '../../secret.bin' });
    await expect(stageAnnouncedModel(announced)).rejects.toMatchObject({ code: 'MODEL_INVALID', message: expect.stringMatching(/weightsManifest path "\.\.\/\.\.\/secret\.bin" leaves the model folder/) });
  });
});

test('reports a previous run of the worker left in the spool are replayed when IncrementalLearning starts', async () => {
  const { LCClient } = await import('../src/lcClient.js');
  const port = lc.port;
  await lc.stop();
  const earlier = new LCClient({ lcServer: `http://127.0.0.1:${port}`, spoolDir: join(dir, 'spool'), retry: { attempts: 1, timeoutMs: 10_000 }, logger: memoryLogger() });
  await earlier.send({ name: 'infer-1', namespace: 'default', ownerName: 'helmet', ownerKind: 'incrementallearningjob', kind: 'deploy', status: 'completed', ownerInfo: { model_version: '4' } }, 'spool');
  earlier.close();
  await lc.start(port);
  const il = makeIl({ LC_SERVER: `http://127.0.0.1:${port}` });
  await waitFor(() => lc.received.length === 1, 20_000, 'replayed report');
  expect(lc.received[0]!.body.ownerInfo?.model_version).toBe('4');
  await il.close();
});

test('SEDNA_WORKER_METRICS_ADDRESS: /metrics counts inferences, latency and hard examples per model version, and the version serving', async () => {
  const il = makeIl({ NAMESPACE: 'default', SEDNA_WORKER_METRICS_ADDRESS: '127.0.0.1:0' }, {}, LinearEstimator, { filter: (result) => result.y > 5 });
  try {
    for (const x of [1, 7, 9]) await il.inference(x);
    const url = await il.serveMetrics();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const update = nextUpdate(il);
    await publish({ version: 'v2', w: 0, b: 1 });
    expect(await update).toMatchObject({ status: 'completed', version: 'v2' });
    await il.inference(100);

    const res = await fetch(`${url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const m = parseMetricsText(await res.text());
    // The job is `sedna_job`: `job` is Prometheus' scrape job.
    const of = { namespace: 'default', sedna_job: 'helmet', worker: 'infer-1' };
    expect(m.get('sedna_worker_inferences_total')?.samples.some((s) => 'job' in s.labels)).toBe(false);
    expect(sampleValue(m, 'sedna_worker_inferences_total', { ...of, model_version: 'initial', result: 'ok' })).toBe(3);
    expect(sampleValue(m, 'sedna_worker_inferences_total', { ...of, model_version: 'v2', result: 'ok' })).toBe(1);
    expect(sampleValue(m, 'sedna_worker_hard_examples_total', { model_version: 'initial' })).toBe(2);
    expect(sampleValue(m, 'sedna_worker_hard_examples_total', { model_version: 'v2' })).toBeUndefined();
    expect(m.get('sedna_worker_inference_duration_seconds')?.type).toBe('histogram');
    expect(sampleValue(m, 'sedna_worker_inference_duration_seconds_count', { model_version: 'initial' })).toBe(3);
    expect(sampleValue(m, 'sedna_worker_inference_duration_seconds_bucket', { model_version: 'v2', le: '+Inf' })).toBe(1);
    expect(sampleValue(m, 'sedna_worker_model_updates_total', { result: 'completed' })).toBe(1);
    expect(sampleValue(m, 'sedna_worker_model_version_info', { model_version: 'v2' })).toBe(1);
    expect(sampleValue(m, 'sedna_worker_model_version_info', { model_version: 'initial' })).toBe(0);
  } finally {
    await il.close();
  }
  const url = await il.serveMetrics();
  await expect(fetch(`${url}/metrics`)).rejects.toThrow();
}, 30_000);

test('SEDNA_WORKER_METRICS_ADDRESS that is not host:port is a CONFIG_INVALID naming the variable', async () => {
  const il = makeIl({ SEDNA_WORKER_METRICS_ADDRESS: '9102' });
  await expect(il.serveMetrics()).rejects.toThrow('IncrementalLearning: env SEDNA_WORKER_METRICS_ADDRESS: "9102" is not host:port (e.g. 0.0.0.0:9101)');
  await il.close();
});
