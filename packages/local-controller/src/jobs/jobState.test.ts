import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { appendFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { JobState } from './jobState.js';

const logger = pino({ level: 'silent' });

describe('JobState', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-state-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  test('bytes appended but not committed (a crash before the commit) are cut off on open', async () => {
    const state = await JobState.open(dir, 'uid-1', logger);
    state.data.train = await state.appendLines(state.data.train, [Buffer.from('a'), Buffer.from('b')]);
    await state.commit();
    await appendFile(state.poolPath(state.data.train.file), 'c\n');
    await writeFile(state.poolPath('train-99.txt'), 'orphan\n');
    const reopened = await JobState.open(dir, 'uid-1', logger);
    expect(await readFile(reopened.poolPath(reopened.data.train.file), 'utf8')).toBe('a\nb\n');
    expect(await readdir(join(dir, 'pools'))).not.toContain('train-99.txt');
  });

  test('a state of another uid (the job made again) or an unreadable one starts fresh', async () => {
    const state = await JobState.open(dir, 'uid-1', logger);
    state.data.train = await state.appendLines(state.data.train, [Buffer.from('a')]);
    state.markDone('Train/Ready/1', { at: 'now' }, 1);
    await state.commit();
    const other = await JobState.open(dir, 'uid-2', logger);
    expect(other.done('Train/Ready/1')).toBe(false);
    expect(other.data.train.lines).toBe(0);
    await writeFile(join(dir, 'state.json'), '{"schema":');
    const fresh = await JobState.open(dir, 'uid-2', logger);
    expect(fresh.data.uid).toBe('uid-2');
  });

  test('a state of a later schema is refused naming the file and both schemas, and left as it is (not started afresh)', async () => {
    const state = await JobState.open(dir, 'uid-1', logger);
    state.data.train = await state.appendLines(state.data.train, [Buffer.from('a')]);
    await state.commit();
    const later = { ...JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')), schema: 2 };
    await writeFile(join(dir, 'state.json'), JSON.stringify(later));
    await expect(JobState.open(dir, 'uid-1', logger)).rejects.toMatchObject({
      code: 'STORAGE_FAILED',
      message: `${join(dir, 'state.json')}: schema 2 was not written by this release of the Local Controller, which reads schema 1; the job is left alone (run the release that wrote it, or remove ${dir} to count the dataset again from its start)`,
    });
    expect(JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'))).toEqual(later);
    expect(await readFile(join(dir, 'pools', later.train.file), 'utf8')).toBe('a\n');
  });

  test('round files hold the header then the committed lines of the pools, written atomically', async () => {
    const state = await JobState.open(dir, 'uid-1', logger);
    const a = await state.appendLines(state.newPool('eval'), [Buffer.from('x,1'), Buffer.from('y,2')]);
    const b = await state.appendLines(state.newPool('eval'), [Buffer.from('z,3')]);
    const target = join(dir, 'out', 'data', 'eval', '1', 'data.txt');
    expect(await state.writeRoundFile(target, [a, b], Buffer.from('image,label'))).toBe(3);
    expect(await readFile(target, 'utf8')).toBe('image,label\nx,1\ny,2\nz,3\n');
  });

  test('lines are bytes from the pool to the round file: non-UTF-8 kept exactly', async () => {
    const state = await JobState.open(dir, 'uid-1', logger);
    const line = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x70, 0x6e, 0x67]);
    const pool = await state.appendLines(state.newPool('train'), [line]);
    const target = join(dir, 'out', 'data.txt');
    await state.writeRoundFile(target, [pool]);
    expect(await readFile(target)).toEqual(Buffer.concat([line, Buffer.from('\n')]));
  });

  test('action records of rounds long past are forgotten', async () => {
    const state = await JobState.open(dir, 'uid-1', logger);
    state.markDone('Train/Ready/1', { at: 'now' }, 1);
    state.markDone('Train/Ready/100', { at: 'now' }, 100);
    expect(state.done('Train/Ready/1')).toBe(false);
    expect(state.done('Train/Ready/100')).toBe(true);
  });
});
