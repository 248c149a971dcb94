import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DatasetMonitor, type DatasetChange } from './datasetMonitor.js';

const logger = pino({ level: 'silent' });

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('DatasetMonitor', () => {
  let dir: string;
  let path: string;
  let changes: DatasetChange[];
  let monitor: DatasetMonitor | undefined;

  const start = async (pollMs = 60_000) => {
    monitor = new DatasetMonitor({ path, format: 'txt', statePath: join(dir, 'cursor.json'), pollMs, logger, onChange: (c) => void changes.push(c) });
    await monitor.start();
    return monitor;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-monitor-'));
    path = join(dir, 'index.txt');
    changes = [];
  });
  afterEach(async () => {
    await monitor?.stop();
    monitor = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  test('an append is seen through the folder watch (no poll) and handed over as lines', async () => {
    await writeFile(path, 'a\nb\n');
    await start();
    expect(changes.map((c) => c.count)).toEqual([2]);
    await appendFile(path, 'c\nd\n');
    await until(() => changes.length === 2, 'the append');
    expect(changes[1]).toMatchObject({ count: 4, previousCount: 2, lines: ['c', 'd'] });
    expect(changes[1]?.from).toEqual(changes[0]?.to);
  });

  test('a line being written is counted only once complete', async () => {
    await writeFile(path, 'a\n');
    await start();
    await appendFile(path, 'half');
    await monitor?.check();
    expect(changes).toHaveLength(1);
    await appendFile(path, ' done\n');
    await until(() => changes.length === 2, 'the completed line');
    expect(changes[1]?.lines).toEqual(['half done']);
  });

  test('a replaced index is recounted and only the samples past the count seen are new', async () => {
    await writeFile(path, 'a\nb\n');
    await start();
    await writeFile(join(dir, 'next.txt'), 'a\nb\nc\n');
    await rename(join(dir, 'next.txt'), path);
    await until(() => changes.length === 2, 'the replacement');
    expect(changes[1]).toMatchObject({ reset: 'replaced', count: 3, previousCount: 2, lines: ['c'] });
  });

  test('a truncated index is recounted, with nothing new', async () => {
    await writeFile(path, 'a\nb\nc\n');
    await start();
    await writeFile(path, 'x\n');
    // writeFile truncates, then writes: a busy machine may let the monitor see the empty file in between
    // (a truncation to nothing, then 'x' appended), else it sees one truncation to 'x'.
    await until(() => changes.at(-1)?.count === 1, 'the truncation');
    expect(changes[1]).toMatchObject({ reset: 'truncated' });
    if (changes.length === 2) expect(changes[1]).toMatchObject({ count: 1, lines: [] });
    else expect(changes.slice(1).map((c) => [c.count, c.lines])).toEqual([[0, []], [1, ['x']]]);
  });

  test('no change, no hand-over; a restart resumes from the saved cursor without recounting', async () => {
    await writeFile(path, 'a\nb\n');
    await start();
    await monitor?.check();
    await monitor?.check();
    expect(changes).toHaveLength(1);
    await monitor?.stop();
    await appendFile(path, 'c\n');
    changes = [];
    await start();
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ count: 3, previousCount: 2, lines: ['c'] });
    expect(changes[0]?.reset).toBeUndefined();
  });

  test('the poll finds an index that appears in a folder created later', async () => {
    const nested = join(dir, 'later', 'index.txt');
    monitor = new DatasetMonitor({ path: nested, format: 'txt', pollMs: 50, logger, onChange: (c) => void changes.push(c) });
    await monitor.start();
    expect(changes).toEqual([]);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'later'));
    await writeFile(nested, 'a\n');
    await until(() => changes.length === 1, 'the index to appear');
    expect(changes[0]?.count).toBe(1);
  });
});
