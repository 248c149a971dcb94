import { createLineLogger, redactingLogger } from './logger.js';
import { forEachLimited } from './pool.js';
import { Redactor } from './redact.js';

test('records are pino records (level number, time, msg), filtered by level, and always one line', () => {
  const lines: string[] = [];
  const log = createLineLogger({ level: 'info', write: (l) => lines.push(l), now: () => new Date(0) });
  log.debug('hidden');
  log.info('two\nlines');
  log.error('bad');
  expect(lines).toEqual(['{"level":30,"time":0,"msg":"two lines"}\n', '{"level":50,"time":0,"msg":"bad"}\n']);
});

test('a redacting logger masks before the message reaches the sink', () => {
  const lines: string[] = [];
  const log = redactingLogger(createLineLogger({ level: 'debug', write: (l) => lines.push(l), now: () => new Date(0) }), new Redactor(['s3cr3t']));
  log.warn('key s3cr3t at http://u:pw@h/x');
  expect(lines).toEqual(['{"level":40,"time":0,"msg":"key *** at http://u:***@h/x"}\n']);
});

test('the pool never runs more than its limit, and stops starting work after a failure', async () => {
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const work = async (i: number) => {
    started.push(i);
    running++;
    most = Math.max(most, running);
    await new Promise((resolve) => setImmediate(resolve));
    running--;
    if (i === 3) throw new Error('item 3');
  };
  await expect(forEachLimited([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3, work)).rejects.toThrow('item 3');
  expect(most).toBe(3);
  expect(started.length).toBeLessThan(10);
});
