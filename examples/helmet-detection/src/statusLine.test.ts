import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatProgress, lastProgress, StatusLine, workerOf } from './statusLine.js';

test('the line says the round, the stage and state, the step and the seconds', () => {
  expect(formatProgress({ round: 2, latest: { stage: 'Train', type: 'Running' }, progress: 'step 120/200', elapsedSeconds: 35.7 })).toBe('round 2 | Train Running | step 120/200 | 35 s');
  expect(formatProgress({ round: 1, latest: { stage: 'Train', type: 'Waiting', message: '12 of 50 samples (num_of_samples >= 50)' }, elapsedSeconds: 4 })).toBe(
    'round 1 | Train Waiting: 12 of 50 samples (num_of_samples >= 50) | 4 s',
  );
  expect(formatProgress({ round: 3, elapsedSeconds: 0 })).toBe('round 3 | 0 s');
});

test("the worker's last step or epoch, from the end of its logs in the node agent's layout", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'status-line-'));
  try {
    await mkdir(join(dir, 'default', 'helmet-train-abcde'), { recursive: true });
    await writeFile(join(dir, 'default', 'helmet-train-abcde', 'train-worker.log'), `${'x'.repeat(5000)}\ntrain: step 50/200 loss 0.3\ntrain: step 100/200 loss 0.2\n`);
    await writeFile(join(dir, 'default', 'helmet-train-abcde', 'train-worker.previous.log'), 'train: step 999/999\n');
    expect(await lastProgress(dir, 'default', 'helmet-train-abcde')).toBe('step 100/200');
    expect(await lastProgress(dir, 'default', 'absent')).toBeUndefined();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  expect(workerOf({ data: '{"round":1,"worker":"helmet-train-abcde"}' })).toBe('helmet-train-abcde');
  expect(workerOf({ data: 'not json' })).toBeUndefined();
});

test('on a terminal the line is drawn in place and cleared before other output; elsewhere nothing is written', async () => {
  const written: string[] = [];
  const tty = { isTTY: true, columns: 30, write: (t: string) => written.push(t) > 0 };
  const line = new StatusLine(tty, async () => 'round 1 | Train Running | step 1/2 | 3 s and more words', 60_000);
  line.start();
  await line.draw();
  line.clear();
  line.stop();
  expect(written).toEqual(['\r\x1b[2Kround 1 | Train Running | st…', '\r\x1b[2K']);

  const piped: string[] = [];
  const pipe = new StatusLine({ write: (t: string) => piped.push(t) > 0 }, async () => 'x', 60_000);
  pipe.start();
  await pipe.draw();
  pipe.stop();
  expect(piped).toEqual([]);
});
