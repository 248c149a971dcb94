import { expect, test } from '@jest/globals';
import * as api from './index.js';

test('the public export list is pinned', () => {
  expect(Object.keys(api).sort()).toEqual([
    'BUILT_IN_LC_KINDS',
    'CONFIG_ENV',
    'DatasetMonitor',
    'EQUALITY_EPSILON',
    'HARD_EXAMPLE_INDEX',
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
    'incrementalLearningJobLcKind',
    'jobFrame',
    'publishModel',
    'readHardExampleIndex',
    'readIndex',
    'resolveConfig',
    'resolveMetric',
    'routeReport',
    'runLocalController',
    'settingsFromEnv',
    'startLocalController',
    'timeOfDay',
    'timerInRange',
    'toLocalControllerError',
  ]);
});

test('toLocalControllerError wraps any thrown value with a code and context, keeping the cause', () => {
  const cause = new Error('disk full');
  const wrapped = api.toLocalControllerError(cause, 'STORAGE_FAILED', 'outbox');
  expect([wrapped.code, wrapped.message, wrapped.cause]).toEqual(['STORAGE_FAILED', 'outbox: disk full', cause]);
  expect(api.toLocalControllerError(wrapped)).toBe(wrapped);
  expect(api.toLocalControllerError('text').code).toBe('INTERNAL');
});

