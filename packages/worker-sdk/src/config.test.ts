import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaseConfig, SednaConfig } from './config.js';
import { WorkerSdkError } from './errors.js';

describe('SednaConfig reads the original env names with the original defaults', () => {
  test.each([
    ['deviceCategory', 'DEVICE_CATEGORY', 'CPU'],
    ['backendType', 'BACKEND_TYPE', 'TENSORFLOW'],
    ['lcServer', 'LC_SERVER', 'http://127.0.0.1:9100'],
    ['originalDatasetUrl', 'ORIGINAL_DATASET_URL', undefined],
    ['trainDatasetUrl', 'TRAIN_DATASET_URL', undefined],
    ['testDatasetUrl', 'TEST_DATASET_URL', undefined],
    ['dataPathPrefix', 'DATA_PATH_PREFIX', '/home/data'],
    ['namespace', 'NAMESPACE', ''],
    ['workerName', 'WORKER_NAME', ''],
    ['serviceName', 'SERVICE_NAME', ''],
    ['jobName', 'JOB_NAME', 'sedna'],
    ['pretrainedModelUrl', 'PRETRAINED_MODEL_URL', './'],
    ['modelUrl', 'MODEL_URL', undefined],
    ['modelName', 'MODEL_NAME', undefined],
    ['logLevel', 'LOG_LEVEL', 'INFO'],
    ['transmitter', 'TRANSMITTER', 'ws'],
    ['aggDataPath', 'AGG_DATA_PATH', './'],
    ['s3EndpointUrl', 'S3_ENDPOINT_URL', ''],
    ['accessKeyId', 'ACCESS_KEY_ID', ''],
    ['secretAccessKey', 'SECRET_ACCESS_KEY', ''],
    ['parameters', 'PARAMETERS', undefined],
    ['modelUrls', 'MODEL_URLS', undefined],
    ['baseModelUrl', 'BASE_MODEL_URL', undefined],
    ['modelHotUpdateConfig', 'MODEL_HOT_UPDATE_CONFIG', undefined],
    ['modelLoadMode', 'MODEL_LOAD_MODE', 'file'],
    ['heSavedUrl', 'HE_SAVED_URL', undefined],
    ['workerToken', 'SEDNA_WORKER_TOKEN', undefined],
    ['reportSpoolDir', 'SEDNA_REPORT_SPOOL_DIR', undefined],
  ] as const)('%s <- %s (default %p)', (key, envName, fallback) => {
    expect(new SednaConfig({ env: {} })[key]).toBe(fallback);
    expect(new SednaConfig({ env: { [envName]: '' } })[key]).toBe(fallback);
    expect(new SednaConfig({ env: { [envName]: 'value-1' } })[key]).toBe('value-1');
  });

  test('values are read when used, not frozen when the object is made', () => {
    const env: Record<string, string> = {};
    const config = new SednaConfig({ env });
    expect(config.modelUrl).toBeUndefined();
    env.MODEL_URL = '/out/train/1';
    expect(config.modelUrl).toBe('/out/train/1');
  });

  test('BaseConfig reads process.env lazily', () => {
    const saved = process.env.JOB_NAME;
    process.env.JOB_NAME = 'helmet';
    try {
      expect(BaseConfig.jobName).toBe('helmet');
    } finally {
      if (saved === undefined) delete process.env.JOB_NAME;
      else process.env.JOB_NAME = saved;
    }
  });

  test('set() overrides values (the original from_json) and reset() drops the overrides', () => {
    const config = new SednaConfig({ env: { LC_SERVER: 'http://lc:9100' } });
    config.set({ lcServer: 'http://127.0.0.1:1', modelHotUpdate: true }).set({ jobName: 'j' });
    expect(config.lcServer).toBe('http://127.0.0.1:1');
    expect(config.modelHotUpdate).toBe(true);
    expect(config.jobName).toBe('j');
    config.reset();
    expect(config.lcServer).toBe('http://lc:9100');
    expect(config.modelHotUpdate).toBe(false);
  });

  test('get() gives the fallback for an empty value, as the original', () => {
    const config = new SednaConfig({ env: { NAMESPACE: '' } });
    expect(config.get('namespace', 'default')).toBe('default');
    expect(config.get('jobName', 'x')).toBe('sedna');
  });

  test('MODEL_HOT_UPDATE is true only for "true" in any case', () => {
    expect(new SednaConfig({ env: { MODEL_HOT_UPDATE: 'TRUE' } }).modelHotUpdate).toBe(true);
    expect(new SednaConfig({ env: { MODEL_HOT_UPDATE: 'yes' } }).modelHotUpdate).toBe(false);
  });

  test.each([
    [undefined, 60],
    ['5', 5],
    ['0.5', 60],
    ['0', 60],
    ['-3', 60],
    ['120', 120],
  ])('MODEL_POLL_PERIOD_SECONDS %p gives %p (below 1 gives 60, as the original)', (raw, expected) => {
    expect(new SednaConfig({ env: raw === undefined ? {} : { MODEL_POLL_PERIOD_SECONDS: raw } }).modelPollPeriodSeconds).toBe(expected);
  });

  test('a malformed MODEL_POLL_PERIOD_SECONDS throws naming the variable and value', () => {
    expect(() => new SednaConfig({ env: { MODEL_POLL_PERIOD_SECONDS: 'soon' } }).modelPollPeriodSeconds).toThrow(
      'BaseConfig: env MODEL_POLL_PERIOD_SECONDS: "soon" is not a number',
    );
  });

  test('toJSON masks secrets', () => {
    const json = new SednaConfig({ env: { SECRET_ACCESS_KEY: 's3cret', SEDNA_WORKER_TOKEN: 'tok', JOB_NAME: 'j' } }).toJSON();
    expect(json.secretAccessKey).toBe('***');
    expect(json.workerToken).toBe('***');
    expect(json.jobName).toBe('j');
    expect(JSON.stringify(json)).not.toContain('s3cret');
  });
});

describe('PARAMETERS is parsed into parameter', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sedna-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a JSON string', () => {
    expect(new SednaConfig({ env: { PARAMETERS: '{"epochs": 3}' } }).parameter).toEqual({ epochs: 3 });
  });

  test('a YAML file, with times kept as strings', async () => {
    const file = join(dir, 'params.yaml');
    await writeFile(file, 'epochs: 3\nstart: 02:00\n');
    expect(new SednaConfig({ env: { PARAMETERS: file } }).parameter).toEqual({ epochs: 3, start: '02:00' });
  });

  test('a JSON file', async () => {
    const file = join(dir, 'params.json');
    await writeFile(file, '{"lr": 0.1}');
    expect(new SednaConfig({ env: { PARAMETERS: file } }).parameter).toEqual({ lr: 0.1 });
  });

  test.each([['{"epochs": '], ['/no/such/file.yaml'], ['params.py'], ['[1, 2]']])('%p throws CONFIG_INVALID naming PARAMETERS', (raw) => {
    const read = () => new SednaConfig({ env: { PARAMETERS: raw } }).parameter;
    expect(read).toThrow(WorkerSdkError);
    expect(read).toThrow(`BaseConfig: env PARAMETERS: ${JSON.stringify(raw)}`);
  });
});

test('reportTo (SEDNA_REPORT): stdout when neither WORKER_NAME nor LC_SERVER is set, else lc; either forced; another value refused', () => {
  const at = (env: Record<string, string>) => new SednaConfig({ env }).reportTo;
  expect(at({})).toBe('stdout');
  expect(at({ WORKER_NAME: 'w' })).toBe('lc');
  expect(at({ LC_SERVER: 'http://127.0.0.1:9100' })).toBe('lc');
  expect(at({ WORKER_NAME: 'w', SEDNA_REPORT: 'stdout' })).toBe('stdout');
  expect(at({ SEDNA_REPORT: 'lc' })).toBe('lc');
  expect(new SednaConfig({ env: {}, overrides: { workerName: 'w' } }).reportTo).toBe('lc');
  expect(() => at({ SEDNA_REPORT: 'LC' })).toThrow(new WorkerSdkError('CONFIG_INVALID', 'env SEDNA_REPORT: "LC" is not one of lc, stdout (unset: stdout when neither WORKER_NAME nor LC_SERVER is set, else lc)'));
});
