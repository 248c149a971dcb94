import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { appendFile, mkdir, mkdtemp, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DatasetMonitor, type DatasetChange, type QuarantinedLine } from './datasetMonitor.js';

const logger = pino({ level: 'silent' });

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A change with its lines as text, to compare. */
function shown(change: DatasetChange | undefined) {
  return change && { ...change, lines: change.lines?.map((l) => l.toString('latin1')) };
}

describe('DatasetMonitor', () => {
  let dir: string;
  let path: string;
  let changes: DatasetChange[];
  let quarantined: QuarantinedLine[];
  let unattributed: string[];
  let monitor: DatasetMonitor | undefined;

  const start = async (pollMs = 60_000, index = path) => {
    monitor = new DatasetMonitor({
      path: index,
      format: 'txt',
      stateDir: join(dir, 'state'),
      legacyCursorPath: join(dir, 'legacy.json'),
      pollMs,
      logger,
      onChange: (c) => void changes.push(c),
      onQuarantine: (lines) => void quarantined.push(...lines),
      onUnattributed: (message) => void unattributed.push(message),
    });
    await monitor.start();
    return monitor;
  };
  /** Every sample line handed over so far, in order. */
  const handedOver = () => changes.flatMap((c) => c.lines?.map((l) => l.toString('latin1')) ?? []);
  /** The sample log, as text. */
  const sampleLog = async () => (await readFile(join(dir, 'state', 'samples.log'), 'latin1')).split('\n').slice(0, -1);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-monitor-'));
    path = join(dir, 'index.txt');
    changes = [];
    quarantined = [];
    unattributed = [];
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
    expect(shown(changes[1])).toMatchObject({ count: 4, previousCount: 2, lines: ['c', 'd'] });
    expect(changes[1]?.from).toEqual(changes[0]?.to);
    expect(changes[1]?.log.from).toEqual(changes[0]?.log.to);
    expect(await sampleLog()).toEqual(['a', 'b', 'c', 'd']);
  });

  test('a line being written is counted only once complete', async () => {
    await writeFile(path, 'a\n');
    await start();
    await appendFile(path, 'half');
    await monitor?.check();
    expect(changes).toHaveLength(1);
    await appendFile(path, ' done\n');
    await until(() => changes.length === 2, 'the completed line');
    expect(shown(changes[1])?.lines).toEqual(['half done']);
  });

  test('a replaced index is recounted and only the lines not counted before are new', async () => {
    await writeFile(path, 'a\nb\n');
    await start();
    await writeFile(join(dir, 'next.txt'), 'a\nb\nc\n');
    await rename(join(dir, 'next.txt'), path);
    await until(() => changes.length === 2, 'the replacement');
    expect(shown(changes[1])).toMatchObject({ reset: 'replaced', count: 3, previousCount: 2, lines: ['c'] });
  });

  test('a truncated index is recounted, with nothing new', async () => {
    await writeFile(path, 'a\nb\nc\n');
    await start();
    await writeFile(path, 'x\n');
    // writeFile truncates, then writes: a busy machine may let the monitor see the empty file in between
    // (a truncation to nothing, then 'x' appended), else it sees one truncation to 'x'.
    await until(() => changes.at(-1)?.count === 1, 'the truncation');
    expect(changes[1]).toMatchObject({ reset: 'truncated' });
    expect(handedOver()).toEqual(['a', 'b', 'c', 'x']);
  });

  test('rotation: a replaced, then truncated and rewritten index with new lines among old ones: each new line counted once, none lost', async () => {
    const old = Array.from({ length: 60 }, (_, i) => `old-${i}`);
    await writeFile(path, `${old.join('\n')}\n`);
    await start();
    // Replaced by a file with 40 new lines among the old ones (some old ones gone), written at once.
    const first = Array.from({ length: 40 }, (_, i) => `new-a-${i}`);
    await writeFile(join(dir, 'next.txt'), `${[...old.slice(10, 30), ...first.slice(0, 20), ...old.slice(30), ...first.slice(20)].join('\n')}\n`);
    await rename(join(dir, 'next.txt'), path);
    await until(() => handedOver().length === 100, 'the 40 new lines of the replacement');
    // Truncated and rewritten in place, quickly: the old lines again, 30 new ones, more appended at once.
    const second = Array.from({ length: 30 }, (_, i) => `new-b-${i}`);
    const third = Array.from({ length: 30 }, (_, i) => `new-c-${i}`);
    await truncate(path, 0);
    await writeFile(path, `${[...second.slice(0, 15), ...old, ...first, ...second.slice(15)].join('\n')}\n`);
    await appendFile(path, `${third.join('\n')}\n`);
    await until(() => handedOver().length === 160, 'the 60 new lines of the rewrite');
    await monitor?.check();
    expect(handedOver()).toHaveLength(160);
    expect(new Set(handedOver()).size).toBe(160);
    expect(handedOver().slice(60).sort()).toEqual([...first, ...second, ...third].sort());
    expect(monitor?.count).toBe(160);
  });

  test('by content and with multiplicity: a line counted twice that a new file has three times is new once', async () => {
    await writeFile(path, 'a\na\nb\n');
    await start();
    await writeFile(join(dir, 'next.txt'), 'b\na\na\na\n');
    await rename(join(dir, 'next.txt'), path);
    await until(() => changes.length === 2, 'the replacement');
    expect(shown(changes[1])).toMatchObject({ reset: 'replaced', count: 4, lines: ['a'] });
    // Every line counted before was met again: appends are new, even an 'a'.
    await appendFile(path, 'a\n');
    await until(() => changes.length === 3, 'the append');
    expect(shown(changes[2])?.lines).toEqual(['a']);
  });

  test('a restart in the middle of a comparison goes on with it: nothing counted twice', async () => {
    await writeFile(path, 'a\nb\nc\n');
    await start();
    await monitor?.stop();
    // Replaced while the LC was away; then a restart reads the new file partly (a crash), then again.
    await writeFile(join(dir, 'next.txt'), 'c\nd\n');
    await rename(join(dir, 'next.txt'), path);
    changes = [];
    await start();
    expect(handedOver()).toEqual(['d']);
    await monitor?.stop();
    await appendFile(path, 'a\ne\n');
    changes = [];
    await start();
    expect(handedOver()).toEqual(['e']);
    expect(await sampleLog()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  test('without the record of counted lines, a recount takes as many samples as were counted and an event names them', async () => {
    await writeFile(path, 'a\nb\n');
    await start();
    await monitor?.stop();
    await rm(join(dir, 'state', 'counted.bin'));
    await writeFile(join(dir, 'next.txt'), 'x\ny\nz\n');
    await rename(join(dir, 'next.txt'), path);
    changes = [];
    await start();
    expect(handedOver()).toEqual(['z']);
    expect(unattributed).toEqual([`lines 1 to 2 of ${JSON.stringify(path)} (2 samples) were taken as counted before the index was replaced, without the record of counted lines to tell (it was lost): they are not counted again`]);
  });

  test('bad lines are quarantined with their number and reason, kept byte for byte, never samples; CRLF is a line end; other bytes are kept', async () => {
    await writeFile(path, Buffer.concat([Buffer.from('good 1\r\nca'), Buffer.from([0xe9]), Buffer.from('.png\nx\ry z\nnul\0here\n\n   \nlast\n')]));
    await start();
    expect(shown(changes[0])?.lines).toEqual(['good 1', 'ca\xe9.png', 'last']);
    expect(quarantined.map((q) => [q.lineNumber, q.bytes.toString('latin1'), q.reason])).toEqual([
      [3, 'x\ry z', 'it contains a CR (\\r) that does not end the line (a line ends at LF or CRLF)'],
      [4, 'nul\0here', 'it contains a NUL byte'],
    ]);
    const kept = (await readFile(join(dir, 'state', 'quarantine.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { lineNumber: number; bytes: string });
    expect(kept.map((k) => [k.lineNumber, Buffer.from(k.bytes, 'base64').toString('latin1')])).toEqual([[3, 'x\ry z'], [4, 'nul\0here']]);
    expect(monitor?.count).toBe(3);
    expect(monitor?.quarantined).toBe(2);
    expect((await stat(join(dir, 'state', 'quarantine.jsonl'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'state'))).mode & 0o777).toBe(0o700);
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
    expect(shown(changes[0])).toMatchObject({ count: 3, previousCount: 2, lines: ['c'] });
    expect(changes[0]?.reset).toBeUndefined();
  });

  test("an older LC's cursor is taken over: its lines count as counted, so a later rewrite finds only the new ones", async () => {
    await writeFile(path, 'a\nb\n');
    const { size, dev, ino } = await stat(path, { bigint: true });
    await writeFile(join(dir, 'legacy.json'), JSON.stringify({ fileId: `${dev}:${ino}`, offset: Number(size), count: 2, tail: Buffer.from('a\nb\n').toString('base64') }));
    await start();
    expect(handedOver()).toEqual([]);
    await writeFile(path, 'b\na\nc\n');
    await until(() => changes.some((c) => c.reset !== undefined), 'the rewrite');
    expect(handedOver()).toEqual(['c']);
  });

  test('the poll finds an index that appears in a folder created later', async () => {
    const nested = join(dir, 'later', 'index.txt');
    await start(50, nested);
    expect(changes).toEqual([]);
    await mkdir(join(dir, 'later'));
    await writeFile(nested, 'a\n');
    await until(() => changes.length === 1, 'the index to appear');
    expect(changes[0]?.count).toBe(1);
  });
});
