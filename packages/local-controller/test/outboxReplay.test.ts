/**
 * The durable outbox against a GM peer that withholds acks, drops the connection, goes away and comes
 * back: every upstream message arrives, in order, and none is sent again once acknowledged.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startLocalController, type LocalController } from '../src/index.js';
import { FakeGm, waitFor, waitForJobs } from './helpers/fakeGm.js';
import { condition, job, tokenOf, withConditions } from './helpers/objects.js';

describe('the outbox to the GM', () => {
  let dir: string;
  let gm: FakeGm;
  let lc: LocalController | undefined;

  const start = (url: string, token = gm.nodeToken) =>
    startLocalController({ nodeName: 'edge-1', gmUrl: url, nodeToken: token, dataDir: join(dir, 'lc'), logger: pino({ level: 'silent' }), reconnect: { initialDelayMs: 20, maxDelayMs: 100 }, drainTimeoutMs: 200, workerNameWaitMs: 0 });

  async function report(i: number): Promise<string> {
    const name = 'helmet-train-w0001';
    const reportId = `report-${String(i).padStart(6, '0')}`;
    const response = await fetch(`${(lc as LocalController).url}/sedna/workers/${name}/info`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenOf(gm.nodeToken, name, 'train')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, namespace: 'default', ownerName: 'helmet', ownerKind: 'incrementallearningjob', kind: 'train', status: 'running', reportId }),
    });
    expect(response.status).toBe(200);
    return reportId;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-outbox-'));
    gm = await FakeGm.start();
    gm.resources = ['incrementallearningjob/default/helmet'];
    lc = await start(gm.url);
    await lc.waitForGm();
    gm.insert(withConditions(job({ dataset: 'd', outputDir: join(dir, 'out') }), 1, [condition('Train', 'Starting', 1, { worker: 'helmet-train-w0001' }), condition('Train', 'Running', 1, { worker: 'helmet-train-w0001' })]));
    await waitForJobs((lc as LocalController).url);
  });

  afterEach(async () => {
    await lc?.stop();
    lc = undefined;
    await gm.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('unacknowledged messages are replayed in order after the GM drops the connection, and acked ones never again', async () => {
    gm.autoAck = false;
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) sent.push(await report(i));
    await waitFor(() => gm.upstream.length >= 20, 'the first 20 messages');
    const firstPass = gm.upstream.map((u) => u.frame.header.messageId);
    expect(firstPass).toEqual(sent);
    // Ack the first 5 only, then drop.
    for (const u of gm.upstream.slice(0, 5)) gm.ack(u.frame);
    await waitFor(() => lc?.outboxDepth === 15, 'five acks applied');
    const before = gm.upstream.length;
    gm.drop();
    await waitFor(() => gm.upstream.length >= before + 15, 'the replay');
    const replay = gm.upstream.slice(before).map((u) => u.frame.header.messageId);
    expect(replay).toEqual(sent.slice(5));
    // Now ack everything as it comes, and send more while connected.
    gm.autoAck = true;
    for (const u of gm.upstream.slice(before)) gm.ack(u.frame);
    for (let i = 20; i < 30; i++) sent.push(await report(i));
    await waitFor(() => lc?.outboxDepth === 0, 'an empty outbox');
    const ids = gm.upstream.map((u) => u.frame.header.messageId as string);
    expect(new Set(ids)).toEqual(new Set(sent));
    // No message was sent after its ack: ids 0-4 once, 5-19 twice (before and after the drop), 20-29 once.
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect(sent.map((id) => counts.get(id))).toEqual([...Array(5).fill(1), ...Array(15).fill(2), ...Array(10).fill(1)]);
  });

  test('messages taken while the GM is away wait on disk, survive a restart of the LC, and go out in order when it is back', async () => {
    const port = gm.port;
    const sent: string[] = [await report(0)];
    await waitFor(() => lc?.outboxDepth === 0, 'the first message acked');
    await gm.close();
    await waitFor(() => lc?.gmConnected === false, 'the LC to notice');
    for (let i = 1; i <= 10; i++) sent.push(await report(i));
    expect(lc?.outboxDepth).toBe(10);
    await lc?.stop();
    // A restart of the LC while the GM is still away: the outbox comes back from disk.
    lc = await start(`ws://127.0.0.1:${port}/`);
    expect(lc.outboxDepth).toBe(10);
    gm = await FakeGm.start('edge-1', gm.nodeToken, port);
    gm.resources = ['incrementallearningjob/default/helmet'];
    await waitFor(() => lc?.outboxDepth === 0, 'the outbox delivered', 20_000);
    expect(gm.upstream.map((u) => u.frame.header.messageId)).toEqual(sent.slice(1));
  });

  test('a wrong node token is refused and the LC keeps trying; another protocol version is closed with 4001', async () => {
    await lc?.stop();
    lc = await start(gm.url, 'not-the-token');
    expect(await lc.waitForGm(300)).toBe(false);
    expect(gm.hellos).toHaveLength(1);
    await lc.stop();
    gm.protocolVersion = 2;
    lc = await start(gm.url);
    await waitFor(() => gm.closeCodes.includes(4001), 'the LC closing with 4001');
    expect(lc.gmConnected).toBe(false);
  });
});
