/**
 * An LC that proves its node with a token file (on a cluster its projected ServiceAccount token): the
 * file is read again at every connection, the node token comes in the GM hello and checks the worker
 * tokens, and it is kept in the data dir so reports are still checked after a restart without the GM.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startLocalController, type LocalController } from '../src/index.js';
import { FakeGm, waitFor } from './helpers/fakeGm.js';
import { tokenOf } from './helpers/objects.js';

let dir: string;
let gm: FakeGm;
const lcs: LocalController[] = [];
const NODE_TOKEN = 'node-token-from-the-gm';

const start = async (gmUrl: string, logger = pino({ level: 'silent' })): Promise<LocalController> => {
  const lc = await startLocalController({
    nodeName: 'edge-1',
    gmUrl,
    tokenFile: join(dir, 'token'),
    dataDir: join(dir, 'lc'),
    logger,
    reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
    drainTimeoutMs: 0,
  });
  lcs.push(lc);
  return lc;
};

/** The HTTP code of a report of worker `name` signed with `key` (404: authenticated, the job is unknown). */
const reportCode = async (lc: LocalController, name: string, key: string): Promise<number> => {
  const body = { name, namespace: 'default', ownerName: 'nobody', ownerKind: 'incrementallearningjob', kind: 'train', status: 'completed', results: [] };
  const res = await fetch(`${lc.url}/sedna/workers/${name}/info`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenOf(key, name, 'train', { job: 'nobody' })}` },
    body: JSON.stringify(body),
  });
  await res.text();
  return res.status;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lc-token-file-'));
  gm = await FakeGm.start('edge-1', NODE_TOKEN);
});

afterAll(async () => {
  for (const lc of lcs) await lc.stop().catch(() => undefined);
  await gm.close().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

test('the token file is the bearer, read again at every connection; the hello tells the node token that checks worker tokens', async () => {
  await writeFile(join(dir, 'token'), 'sa-token-1\n');
  gm.acceptedBearer = 'sa-token-1';
  const lc = await start(gm.url);
  // Before any GM hello, the LC cannot check a worker token: the worker is told to retry.
  expect(await reportCode(lc, 'w-early', NODE_TOKEN)).toBe(503);

  gm.helloExtra = { nodeToken: NODE_TOKEN };
  expect(await lc.waitForGm()).toBe(true);
  expect(await reportCode(lc, 'w-1', NODE_TOKEN)).toBe(404);
  expect(await reportCode(lc, 'w-1', 'another-node-token')).toBe(403);

  // The kubelet rotates the projected token: the next connection shows the new one.
  await writeFile(join(dir, 'token'), 'sa-token-2\n');
  gm.acceptedBearer = 'sa-token-2';
  const before = gm.connections.length;
  gm.drop();
  await waitFor(() => gm.connections.length > before && lc.gmConnected, 'the LC to reconnect with the rotated token');

  const kept = await stat(join(dir, 'lc', 'node-token'));
  expect(kept.mode & 0o777).toBe(0o600);
  expect((await stat(join(dir, 'lc'))).mode & 0o777).toBe(0o700);
  expect(lc.config).not.toHaveProperty('nodeToken');
});

test('after a restart without the GM, the node token kept in the data dir still checks worker tokens; the data dir and the kept token are tightened if left open', async () => {
  await lcs.pop()?.stop();
  await gm.close();
  // As a release before this one left them.
  await chmod(join(dir, 'lc'), 0o755);
  await chmod(join(dir, 'lc', 'node-token'), 0o644);
  const warnings: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) warnings.push((JSON.parse(line) as { msg: string }).msg);
      callback();
    },
  });
  const lc = await start('ws://127.0.0.1:9/', pino({ level: 'warn' }, sink));
  expect((await stat(join(dir, 'lc'))).mode & 0o777).toBe(0o700);
  expect((await stat(join(dir, 'lc', 'node-token'))).mode & 0o777).toBe(0o600);
  expect(warnings).toEqual(expect.arrayContaining([`tightened ${join(dir, 'lc')} from 0755 to 0700`, `tightened ${join(dir, 'lc', 'node-token')} from 0644 to 0600`]));
  expect(lc.gmConnected).toBe(false);
  expect(await reportCode(lc, 'w-2', NODE_TOKEN)).toBe(404);
  expect(await reportCode(lc, 'w-2', 'another-node-token')).toBe(403);
});
