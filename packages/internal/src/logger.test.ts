import { Writable } from 'node:stream';
import { createLogger } from './createLogger.js';
import { LOG_LEVEL_DEPRECATION, logLevelFromEnv, parseLogLevel } from './logger.js';

test.each([
  // env, profile, level, variable, deprecated
  [{}, 'component', 'info', undefined, false],
  [{ SEDNA_LOG_LEVEL: 'debug' }, 'component', 'debug', 'SEDNA_LOG_LEVEL', false],
  [{ LOG_LEVEL: 'debug' }, 'component', 'debug', 'LOG_LEVEL', true],
  [{ SEDNA_LOG_LEVEL: 'warn', LOG_LEVEL: 'debug' }, 'component', 'warn', 'SEDNA_LOG_LEVEL', false],
  [{ SEDNA_LOG_LEVEL: '', LOG_LEVEL: 'error' }, 'component', 'error', 'LOG_LEVEL', true],
  [{}, 'worker', 'info', undefined, false],
  [{ LOG_LEVEL: 'DEBUG' }, 'worker', 'debug', 'LOG_LEVEL', false],
  [{ SEDNA_LOG_LEVEL: 'error', LOG_LEVEL: 'DEBUG' }, 'worker', 'error', 'SEDNA_LOG_LEVEL', false],
  [{ LOG_LEVEL: 'LOUD' }, 'worker', 'info', undefined, false],
] as const)('%j as a %s: %s from %s, deprecated %s', (env, profile, level, variable, deprecated) => {
  expect(logLevelFromEnv(env, profile)).toEqual({ level, deprecated, ...(variable ? { variable } : {}) });
});

test('Python level names map to pino levels, in any case', () => {
  expect(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'].map(parseLogLevel)).toEqual(['debug', 'info', 'warn', 'error', 'fatal']);
  expect(['Warning', ' warn ', 'trace', 'silent'].map(parseLogLevel)).toEqual(['warn', 'warn', 'trace', 'silent']);
  expect(parseLogLevel('verbose')).toBeUndefined();
  expect(parseLogLevel('constructor')).toBeUndefined();
});

test('a component with an unknown level fails naming the variable and the value', () => {
  expect(() => logLevelFromEnv({ SEDNA_LOG_LEVEL: 'loud' })).toThrow(/^SEDNA_LOG_LEVEL: "loud" is not a log level/);
});

function capture(): { stream: Writable; records: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, records: () => chunks.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>) };
}

test('createLogger writes pino records at the level of the environment and warns once about LOG_LEVEL alone', () => {
  const first = capture();
  const logger = createLogger({ name: 'sedna-lc', env: { LOG_LEVEL: 'WARNING' }, destination: first.stream, bindings: { node: 'n1' } });
  logger.info({}, 'dropped');
  logger.warn({ round: 3 }, 'kept');
  expect(first.records()).toEqual([
    expect.objectContaining({ level: 40, name: 'sedna-lc', node: 'n1', variable: 'LOG_LEVEL', msg: LOG_LEVEL_DEPRECATION }),
    expect.objectContaining({ level: 40, time: expect.any(Number), name: 'sedna-lc', node: 'n1', round: 3, msg: 'kept' }),
  ]);
  const second = capture();
  createLogger({ env: { LOG_LEVEL: 'warn' }, destination: second.stream }).warn({}, 'only this');
  expect(second.records().map((r) => r.msg)).toEqual(['only this']);
});

test('an explicit level wins over the environment and takes Python names', () => {
  const out = capture();
  const logger = createLogger({ level: 'ERROR', env: { SEDNA_LOG_LEVEL: 'debug' }, destination: out.stream });
  logger.warn({}, 'dropped');
  logger.error({}, 'kept');
  expect(out.records().map((r) => [r.level, r.msg])).toEqual([[50, 'kept']]);
});

test('no token sedna-ts issues reaches a record: in the message, in fields, in an error', () => {
  const out = capture();
  const logger = createLogger({ level: 'info', destination: out.stream });
  const worker = 'sw1.eyJucyI6ImRlZmF1bHQifQ.Abc_def-123';
  const node = 'f0'.repeat(32);
  logger.warn({ failure: `x_${worker}`, env: [`SEDNA_NODE_TOKEN=${node}`], err: new Error(`refused abc${worker}`) }, 'token %s', node);
  const text = JSON.stringify(out.records());
  expect(text).not.toContain('eyJucyI6');
  expect(text).not.toContain(node);
  expect(out.records()[0]).toEqual(expect.objectContaining({ failure: 'x_sw1.<redacted>', env: ['SEDNA_NODE_TOKEN=<redacted>'], msg: 'token <redacted>', err: expect.objectContaining({ message: 'refused abcsw1.<redacted>' }) }));
});
