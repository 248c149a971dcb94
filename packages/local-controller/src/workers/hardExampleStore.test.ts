import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { AppendLog } from '../storage/appendLog.js';
import { HardExampleStore, readHardExampleIndex } from './hardExampleStore.js';

async function until(predicate: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('HardExampleStore', () => {
  let dir: string;
  let store: HardExampleStore | undefined;
  const start = async (maxCount = 100, maxBytes = 1_000_000) => {
    store = new HardExampleStore({ dir, maxCount, maxBytes, pollMs: 60_000, logger: pino({ level: 'silent' }) });
    await store.start();
    return store;
  };
  // As the worker SDK writes one: the sample first, the meta file last.
  const save = async (id: string, body = 'png-bytes', meta: Record<string, unknown> = {}) => {
    await writeFile(join(dir, `${id}.png`), body);
    await writeFile(join(dir, `${id}.meta.json`), JSON.stringify({ result: [[1, 2, 3, 4, 0.4, 1]], modelVersion: '2', time: new Date(Number(id.split('-')[0])).toISOString(), ...meta }));
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-he-'));
  });
  afterEach(async () => {
    await store?.stop();
    store = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  test("the original library's way (<n>.jpeg, no meta file) is indexed once the file has settled, and trimmed by the budget like ours", async () => {
    const { utimes } = await import('node:fs/promises');
    store = new HardExampleStore({ dir, maxCount: 3, maxBytes: 1_000_000, pollMs: 60_000, logger: pino({ level: 'silent' }), settleMs: 300 });
    await store.start();
    const old = new Date(Date.now() - 60_000);
    for (const n of [0, 1, 2, 3]) {
      await writeFile(join(dir, `${n}.jpeg`), `jpeg ${n}`);
      await utimes(join(dir, `${n}.jpeg`), new Date(old.getTime() + n * 1000), new Date(old.getTime() + n * 1000));
    }
    await store.rescan();
    // Four settled frames, a budget of three: the oldest went, file and all.
    expect(store.list().map((e) => e.id)).toEqual(['1', '2', '3']);
    expect((await readdir(dir)).filter((f) => f.endsWith('.jpeg')).sort()).toEqual(['1.jpeg', '2.jpeg', '3.jpeg']);
    expect(store.list()[0]).toEqual({ id: '1', path: join(dir, '1.jpeg'), time: new Date(old.getTime() + 1000).toISOString(), modelVersion: null, result: null, bytes: 6 });
    // A frame written just now waits until it has not changed for settleMs (the library writes in place).
    await writeFile(join(dir, '4.jpeg'), 'jpeg 4');
    await store.rescan();
    expect(store.list().map((e) => e.id)).not.toContain('4');
    await until(() => store?.list().some((e) => e.id === '4') === true, 'the settled frame indexed');
    expect((await readHardExampleIndex(dir)).map((e) => e.id)).toEqual(['2', '3', '4']);
    // A frame taken away by a labeller leaves the index.
    await rm(join(dir, '3.jpeg'));
    await store.rescan();
    expect(store.list().map((e) => e.id)).toEqual(['2', '4']);
  });

  test('an example is indexed once its meta file exists, and the index is readable without the LC', async () => {
    await start();
    await writeFile(join(dir, '1700000000000-000001.png'), 'half-saved');
    await store?.rescan();
    expect(store?.count).toBe(0);
    await writeFile(join(dir, '1700000000000-000001.meta.json'), JSON.stringify({ result: { boxes: 2 }, modelVersion: null, time: '2023-11-14T22:13:20.000Z' }));
    await until(() => store?.count === 1, 'the example indexed');
    await save('1700000001000-000002');
    await until(() => store?.count === 2, 'the second example');
    const index = await readHardExampleIndex(dir);
    expect(index).toEqual([
      { id: '1700000000000-000001', path: join(dir, '1700000000000-000001.png'), metaPath: join(dir, '1700000000000-000001.meta.json'), time: '2023-11-14T22:13:20.000Z', modelVersion: null, result: { boxes: 2 }, bytes: expect.any(Number) },
      expect.objectContaining({ id: '1700000001000-000002', modelVersion: '2', result: [[1, 2, 3, 4, 0.4, 1]] }),
    ]);
  });

  test('the count budget evicts the oldest examples, files and index entries', async () => {
    await start(3);
    for (let i = 0; i < 5; i++) await save(`${1700000000000 + i * 1000}-00000${i}`);
    await store?.rescan();
    await until(() => store?.count === 3, 'the budget applied');
    expect((await readHardExampleIndex(dir)).map((e) => e.id)).toEqual(['1700000002000-000002', '1700000003000-000003', '1700000004000-000004']);
    expect((await readdir(dir)).filter((f) => f.startsWith('1700000000000') || f.startsWith('1700000001000'))).toEqual([]);
  });

  test('the size budget counts sample and meta bytes', async () => {
    await start(100, 2500);
    for (let i = 0; i < 4; i++) await save(`${1700000000000 + i}-00000${i}`, 'x'.repeat(1000));
    await store?.rescan();
    await until(() => (store?.list().reduce((s, e) => s + e.bytes, 0) ?? 0) <= 2500 && (store?.count ?? 0) > 0, 'the size budget');
    expect(store?.count).toBe(2);
  });

  test('a restart keeps the index; examples removed by a labeller leave it', async () => {
    await start();
    await save('1700000000000-000001');
    await save('1700000001000-000002');
    await store?.rescan();
    await store?.stop();
    await rm(join(dir, '1700000000000-000001.meta.json'));
    await rm(join(dir, '1700000000000-000001.png'));
    await start();
    expect(store?.list().map((e) => e.id)).toEqual(['1700000001000-000002']);
    expect((await readHardExampleIndex(dir)).map((e) => e.id)).toEqual(['1700000001000-000002']);
  });

  test('an unreadable meta file is skipped, the others are indexed', async () => {
    await writeFile(join(dir, '1700000000000-000001.png'), 'p');
    await writeFile(join(dir, '1700000000000-000001.meta.json'), '{broken');
    await save('1700000001000-000002');
    await start();
    expect(store?.list().map((e) => e.id)).toEqual(['1700000001000-000002']);
    expect(await readHardExampleIndex(join(dir, 'nothing-here'))).toEqual([]);
  });

  test('with its index unwritable (a full disk) the store still keeps to its budget, and rewrites the index once it can', async () => {
    // Found by the fault suite's full-disk case (e2e/src/faults/diskScenario.ts): an example whose index
    // record could not be written was never indexed, so never evicted, and the disk stayed full.
    await start(3);
    const append = jest.spyOn(AppendLog.prototype, 'append').mockRejectedValue(Object.assign(new Error('append log x: ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
    try {
      for (let i = 0; i < 6; i++) await save(`${1700000000000 + i}-00000${i}`);
      await store?.rescan();
      expect(store?.count).toBe(3);
      expect((await readdir(dir)).filter((f) => f.endsWith('.meta.json')).sort()).toEqual(['1700000000003-000003.meta.json', '1700000000004-000004.meta.json', '1700000000005-000005.meta.json']);
    } finally {
      append.mockRestore();
    }
    await store?.rescan();
    expect((await readHardExampleIndex(dir)).map((e) => e.id)).toEqual(['1700000000003-000003', '1700000000004-000004', '1700000000005-000005']);
  });
});
