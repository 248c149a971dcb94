import * as api from './index.js';

test('the public export list is pinned', () => {
  expect(Object.keys(api).sort()).toEqual([
    'BaseConfig',
    'BaseDataSource',
    'CSVDataParse',
    'ClassFactory',
    'ClassType',
    'Context',
    'DROP_OPERATORS',
    'DefaultInferenceIntegrate',
    'DefaultTaskRelationDiscover',
    'DefaultTaskRemodeling',
    'HOT_UPDATE_MOUNT',
    'IncrementalLearning',
    'JobBase',
    'KBClient',
    'LCClient',
    'LifelongLearning',
    'ModelProbeFilter',
    'SampleReRecognitionDefault',
    'SampleRecognitionByAttribute',
    'SampleRecognitionByConfidence',
    'SednaConfig',
    'SednaContext',
    'TaskAllocationByDataAttr',
    'TaskAllocationByOrigin',
    'TaskAllocationDefault',
    'TaskAttrFilter',
    'TaskDefinitionByDataAttr',
    'TaskDefinitionByOrigin',
    'TxtDataParse',
    'UpdateStrategyByFinetune',
    'UpdateStrategyDefault',
    'WorkerSdkError',
    'confidenceOf',
    'createConsoleLogger',
    'describeModel',
    'describeSavedFiles',
    'dropOperatorOf',
    'dropReason',
    'formatOfModel',
    'keyPart',
    'parseModuleParam',
    'readHotUpdateConfig',
    'removeTaskGroup',
    'resolveAnnouncedPath',
    'resolvePostProcess',
    'sha256File',
    'stripDataPathPrefix',
    'toWorkerSdkError',
    'writeFileAtomic',
  ]);
});

test('toWorkerSdkError wraps any thrown value with a code and context, keeping the cause', () => {
  const cause = new Error('disk full');
  const wrapped = api.toWorkerSdkError(cause, 'HARD_EXAMPLE_FAILED', 'saveHardExample');
  expect(wrapped.code).toBe('HARD_EXAMPLE_FAILED');
  expect(wrapped.message).toBe('saveHardExample: disk full');
  expect(wrapped.cause).toBe(cause);
  expect(api.toWorkerSdkError(wrapped)).toBe(wrapped);
  expect(api.toWorkerSdkError('text').code).toBe('INTERNAL');
});

test('a remote model is described by its extension, with nothing local to measure', async () => {
  expect(await api.describeModel('s3://bucket/out/train/1/model.onnx', { metrics: { map: 0.5 } })).toEqual({
    format: 'onnx',
    url: 's3://bucket/out/train/1/model.onnx',
    metrics: { map: 0.5 },
  });
});

test('stripDataPathPrefix removes the mount prefix only at a path boundary', () => {
  expect(api.stripDataPathPrefix('/home/data/output/m.onnx', '/home/data')).toBe('/output/m.onnx');
  expect(api.stripDataPathPrefix('/home/data/output/m.onnx', '/home/data/')).toBe('/output/m.onnx');
  expect(api.stripDataPathPrefix('/home/database/m.onnx', '/home/data')).toBe('/home/database/m.onnx');
  expect(api.stripDataPathPrefix('/output/m.onnx', '')).toBe('/output/m.onnx');
});

test('formatOfModel and describeModel: a tfjs folder, an onnx file, a missing path', async () => {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'sedna-model-'));
  try {
    await writeFile(join(dir, 'model.json'), '{}');
    await writeFile(join(dir, 'weights.bin'), 'abcd');
    await writeFile(join(dir, 'm.ONNX'), 'xyz');
    expect(await api.formatOfModel(dir)).toBe('tfjs');
    expect(await api.formatOfModel(join(dir, 'm.ONNX'))).toBe('onnx');
    expect(await api.describeModel(dir)).toEqual({ format: 'tfjs', url: dir, size: 2 + 4 + 3 }); // every file below the folder
    expect(await api.describeModel(join(dir, 'm.ONNX'))).toMatchObject({ format: 'onnx', size: 3, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    await expect(api.describeModel(join(dir, 'none.onnx'))).rejects.toThrow(`model ${join(dir, 'none.onnx')}: no such file or folder`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
