import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { START_CURSOR } from './indexReader.js';
import { ReaderPool } from './readerPool.js';
import { type ReadRequest } from './readerProtocol.js';
import { HUNG_MOUNT_PRELOAD } from '../../test/helpers/hungMount.js';

describe('ReaderPool (the built reader script)', () => {
  let dir: string;
  let pool: ReaderPool;
  const request = (name: string): ReadRequest => ({
    path: join(dir, name),
    subject: `Dataset default/${name}: spec.url: ${JSON.stringify(join(dir, name))}`,
    ownCopy: false,
    roots: { dataDir: join(dir, 'lc'), dataRoots: undefined, deniedRoots: [], hostRoot: '' },
    format: 'txt',
    cursor: START_CURSOR,
  });
  /** The pids of this process's reader processes. */
  const readers = (): number[] => {
    try {
      return execFileSync('pgrep', ['-P', String(process.pid), '-f', 'datasetReader'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
    } catch {
      return []; // pgrep exits 1 when none runs (yet: a loaded machine forks slowly)
    }
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-readers-'));
    await writeFile(join(dir, 'preload.cjs'), HUNG_MOUNT_PRELOAD);
    await writeFile(join(dir, 'ok'), 'a\nb\n');
    execFileSync('mkfifo', [join(dir, 'hung')]);
    pool = new ReaderPool({ timeoutMs: 4000, logger: pino({ level: 'silent' }), execArgv: ['--require', join(dir, 'preload.cjs')] });
  });
  afterEach(async () => {
    pool.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('a read past its deadline fails naming the Dataset, the path and the step; the others are answered; the suspect is read apart until it answers', async () => {
    const hung = pool.read('default/hung', request('hung'));
    const ok = pool.read('default/ok', request('ok'));
    await expect(hung).rejects.toMatchObject({
      code: 'READ_TIMEOUT',
      message: `Dataset default/hung: spec.url: ${JSON.stringify(join(dir, 'hung'))}: no answer within 4 s while opening the index ${JSON.stringify(join(dir, 'hung'))}; the read was abandoned (its reader process ended) and is tried again, apart from the other Datasets, until it answers`,
    });
    expect(await ok).toMatchObject({ kind: 'read', cursor: { count: 2 } });
    expect(pool.isSuspect('default/hung')).toBe(true);
    // The index becomes readable: the next read, in a reader of its own, answers, and the Dataset goes back.
    await writeFile(join(dir, 'hung.next'), 'x\n');
    await rename(join(dir, 'hung.next'), join(dir, 'hung'));
    expect(await pool.read('default/hung', request('hung'))).toMatchObject({ kind: 'read', cursor: { count: 1 } });
    expect(pool.isSuspect('default/hung')).toBe(false);
    expect(await pool.read('default/ok', request('ok'))).toMatchObject({ kind: 'read' });
  });

  test('a reader that dies under a read: the read goes to a new reader once, then fails saying so', async () => {
    pool.stop();
    // No deadline in this test's way.
    pool = new ReaderPool({ timeoutMs: 600_000, logger: pino({ level: 'silent' }), execArgv: ['--require', join(dir, 'preload.cjs')] });
    const hung = pool.read('default/hung', request('hung'));
    const killed: number[] = [];
    for (let round = 0; round < 2; round++) {
      // The read waits in a reader (blocked in its open): end that reader from outside.
      let pid: number | undefined;
      while (pid === undefined) {
        await new Promise((r) => setTimeout(r, 20));
        pid = readers().find((p) => !killed.includes(p));
      }
      killed.push(pid);
      process.kill(pid, 'SIGKILL');
    }
    await expect(hung).rejects.toMatchObject({ code: 'DATASET_INVALID', message: expect.stringContaining('the dataset reader process ended (signal SIGKILL)') });
    expect(pool.isSuspect('default/hung')).toBe(false);
    expect(await pool.read('default/ok', request('ok'))).toMatchObject({ kind: 'read', cursor: { count: 2 } });
  });
});
