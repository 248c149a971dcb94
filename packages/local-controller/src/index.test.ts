import { expect, test } from '@jest/globals';
import * as api from './index.js';

test('the public export list is pinned', () => {
  expect(Object.keys(api).sort()).toEqual([
    'CONFIG_ENV',
    'DatasetMonitor',
    'EQUALITY_EPSILON',
    'HARD_EXAMPLE_INDEX',
    'HOT_UPDATE_CONFIG_FILE',
    'HOT_UPDATE_MOUNT',
    'LocalControllerError',
    'PROTOCOL_VERSION',
    'START_CURSOR',
    'VERSION',
    'compare',
    'comparedMetrics',
    'configFromEnv',
    'decideDeploy',
    'evaluateCondition',
    'evaluateTrigger',
    'hardExampleDir',
    'hotUpdateDir',
    'publishModel',
    'readHardExampleIndex',
    'readIndex',
    'resolveConfig',
    'resolveMetric',
    'runLocalController',
    'startLocalController',
    'timeOfDay',
    'timerInRange',
    'toLocalControllerError',
    'verifyWorkerToken',
    'workerToken',
  ]);
});

test('toLocalControllerError wraps any thrown value with a code and context, keeping the cause', () => {
  const cause = new Error('disk full');
  const wrapped = api.toLocalControllerError(cause, 'STORAGE_FAILED', 'outbox');
  expect([wrapped.code, wrapped.message, wrapped.cause]).toEqual(['STORAGE_FAILED', 'outbox: disk full', cause]);
  expect(api.toLocalControllerError(wrapped)).toBe(wrapped);
  expect(api.toLocalControllerError('text').code).toBe('INTERNAL');
});

test('the worker token is the hex HMAC-SHA256 of the worker name keyed by the node token', () => {
  // Computed independently: printf helmet-train-abcde | openssl dgst -sha256 -hmac node-token
  expect(api.workerToken('node-token', 'helmet-train-abcde')).toBe('76956eafc042fa1fc050d160109b450259ebd2f1bc6209b7383e9606069733c9');
  expect(api.verifyWorkerToken('node-token', 'helmet-train-abcde', api.workerToken('node-token', 'helmet-train-abcde'))).toBe(true);
  expect(api.verifyWorkerToken('node-token', 'helmet-train-abcde', api.workerToken('other', 'helmet-train-abcde'))).toBe(false);
  expect(api.verifyWorkerToken('node-token', 'helmet-train-abcde', 'short')).toBe(false);
});
