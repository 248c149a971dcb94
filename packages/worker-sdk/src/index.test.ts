import * as api from './index.js';

test('the public export list is pinned', () => {
  expect(Object.keys(api).sort()).toEqual([
    'BaseConfig',
    'BaseDataSource',
    'CSVDataParse',
    'ClassFactory',
    'ClassType',
    'Context',
    'HOT_UPDATE_MOUNT',
    'IncrementalLearning',
    'JobBase',
    'LCClient',
    'SednaConfig',
    'SednaContext',
    'TxtDataParse',
    'WorkerSdkError',
    'createConsoleLogger',
    'describeModel',
    'describeSavedFiles',
    'formatOfModel',
    'readHotUpdateConfig',
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
