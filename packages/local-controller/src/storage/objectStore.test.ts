import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ObjectStore } from './objectStore.js';

const logger = pino({ level: 'silent' });
const object = (name: string) => ({ apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name, namespace: 'default' }, spec: { url: '/m', format: 'onnx' } });

describe('ObjectStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-objects-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  test('objects come back after a reopen; deleted ones do not', async () => {
    const store = await ObjectStore.open(dir, logger);
    await store.put('model', object('a'));
    await store.put('model', object('b'));
    await store.delete('model', 'default', 'b');
    const reopened = await ObjectStore.open(dir, logger);
    expect(reopened.keys()).toEqual(['model/default/a']);
    expect(reopened.get('model', 'default', 'a')).toEqual(object('a'));
    expect(reopened.list('model')).toHaveLength(1);
  });

  test('an object whose file cannot be written is held all the same, and the failure names the file (a full disk)', async () => {
    // Found by the fault suite's full-disk case: the LC dropped the GM's job when its file could not be
    // written, so the job's hard-example store never started.
    const store = await ObjectStore.open(dir, logger);
    await mkdir(join(dir, 'model'), { recursive: true });
    await writeFile(join(dir, 'model', 'default'), 'a file where the folder goes: every write under it fails');
    await expect(store.put('model', object('held'))).rejects.toThrow(join(dir, 'model', 'default', 'held.json'));
    expect(store.get('model', 'default', 'held')).toEqual(object('held'));
    expect(store.keys()).toEqual(['model/default/held']);
  });

  test('a corrupt or mismatched record is set aside and the others load (the original crash-looped, #140)', async () => {
    const store = await ObjectStore.open(dir, logger);
    await store.put('model', object('good'));
    await writeFile(join(dir, 'model', 'default', 'torn.json'), '{"apiVersion":"sedna.io/v1alph');
    await writeFile(join(dir, 'model', 'default', 'other.json'), JSON.stringify(object('not-other')));
    await mkdir(join(dir, 'dataset'), { recursive: true });
    await writeFile(join(dir, 'dataset', 'default'), 'a file where a folder should be');
    const reopened = await ObjectStore.open(dir, logger);
    expect(reopened.keys()).toEqual(['model/default/good']);
    expect((await readdir(join(dir, 'model', 'default'))).sort()).toEqual(['good.json', 'other.json.corrupt', 'torn.json.corrupt']);
  });

  test('names that are not path segments are refused', async () => {
    const store = await ObjectStore.open(dir, logger);
    await expect(store.put('model', object('../escape'))).rejects.toThrow('"../escape" is not a valid name');
  });
});
