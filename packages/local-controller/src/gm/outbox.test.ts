import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type WireFrame } from '@sedna-ts/api-types';
import { Outbox } from './outbox.js';

const frame = (id: string): WireFrame => ({ header: { namespace: 'default', resourceKind: 'incrementallearningjob', resourceName: 'j', operation: 'status', messageId: id }, content: 'e30=' });

describe('Outbox', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-outbox-'));
    path = join(dir, 'outbox.log');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  test('messages come back in order after a reopen, without the acknowledged ones', async () => {
    const { outbox } = await Outbox.open(path);
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => outbox.append(frame(id))));
    await outbox.ack('b');
    await outbox.close();
    const reopened = (await Outbox.open(path)).outbox;
    expect(reopened.pending().map((m) => m.id)).toEqual(['a', 'c', 'd']);
    await reopened.append(frame('e'));
    expect(reopened.pending().map((m) => m.seq)).toEqual([1, 3, 4, 5]);
    await reopened.close();
  });

  test('an id already pending or recently acknowledged is not appended again', async () => {
    const { outbox } = await Outbox.open(path);
    expect(await outbox.append(frame('a'))).toEqual({ id: 'a', duplicate: false });
    expect(await outbox.append(frame('a'))).toEqual({ id: 'a', duplicate: true });
    await outbox.ack('a');
    expect(await outbox.append(frame('a'))).toEqual({ id: 'a', duplicate: true });
    expect(outbox.depth).toBe(0);
    expect(await outbox.ack('unknown')).toBe(false);
    await outbox.close();
    expect((await Outbox.open(path)).outbox.knows('a')).toBe(true);
  });

  test('a torn last record (a crash mid-append) is cut off; the records before it are kept', async () => {
    const { outbox } = await Outbox.open(path);
    await outbox.append(frame('a'));
    await outbox.close();
    await appendFile(path, '{"t":"m","id":"b","seq":2,"fra');
    const reopened = await Outbox.open(path);
    expect(reopened.tornBytes).toBeGreaterThan(0);
    expect(reopened.outbox.pending().map((m) => m.id)).toEqual(['a']);
    await reopened.outbox.append(frame('c'));
    await reopened.outbox.close();
    expect((await Outbox.open(path)).outbox.pending().map((m) => m.id)).toEqual(['a', 'c']);
  });

  test('compaction keeps the pending messages in order and bounds the log', async () => {
    const { outbox } = await Outbox.open(path);
    const ids = Array.from({ length: 1500 }, (_, i) => `m${i}`);
    await Promise.all(ids.map((id) => outbox.append(frame(id))));
    for (const id of ids.slice(0, 1400)) await outbox.ack(id);
    await outbox.close();
    const log = await readFile(path, 'utf8');
    // Compacted at the 1000th ack: the log holds far fewer than the 2900 records written.
    expect(log.split('\n').length).toBeLessThan(2000);
    const reopened = (await Outbox.open(path)).outbox;
    expect(reopened.pending().map((m) => m.id)).toEqual(ids.slice(1400));
    expect(reopened.knows('m0')).toBe(true);
    await reopened.close();
  });

  test('listeners see each message once it is on disk', async () => {
    const { outbox } = await Outbox.open(path);
    const seen: string[] = [];
    const off = outbox.onAppend((m) => seen.push(m.id));
    await outbox.append(frame('a'));
    expect(await readFile(path, 'utf8')).toContain('"id":"a"');
    off();
    await outbox.append(frame('b'));
    expect(seen).toEqual(['a']);
    await outbox.close();
  });
});
