import * as api from './index.js';
import * as logger from './createLogger.js';

test('the public export list is pinned', () => {
  expect(Object.keys(api).sort()).toEqual([
    'LOG_LEVEL_DEPRECATION',
    'MESSAGE_LINE_BYTES',
    'PidLockError',
    'PrivateFilesError',
    'REDACTED',
    'WorkQueue',
    'backoffDelay',
    'capLines',
    'ensurePrivateDirSync',
    'exitBySignal',
    'fsyncDir',
    'logLevelFromEnv',
    'logPrivateFileChanges',
    'parseLogLevel',
    'printable',
    'processAlive',
    'redactTokens',
    'redactValue',
    'sameJson',
    'seededRandom',
    'takePidLockSync',
    'tempPathFor',
    'tightenPrivateFilesSync',
    'utf8Head',
    'utf8Tail',
    'writeAtomic',
    'writeFileAtomic',
    'writeFileAtomicSync',
  ]);
});

test('the logger subpath exports createLogger and its redacting hooks', () => {
  expect(Object.keys(logger).sort()).toEqual(['createLogger', 'redactingHooks']);
});

test('the metrics subpath exports the listener and the text reader', async () => {
  const metrics = await import('./metrics.js');
  expect(Object.keys(metrics).sort()).toEqual(['parseListenAddress', 'parseMetricsText', 'sampleValue', 'startMetricsServer']);
});
