/**
 * The GM client's downstream over a real WebSocket: frames of one object are applied in order, frames
 * of different objects side by side (one slow job does not hold up the others), a waiting insert is
 * replaced by a newer one while a delete never is, acks do not wait for objects being applied, and the
 * GM's hello of a new connection comes after the frames before it and before the frames after it. A GM
 * one protocol version ahead is refused (or refuses) naming both versions, and is dialed again only
 * every `protocolRetryMs`.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { encodeFrameContent } from '@sedna-ts/api-types';
import { CLOSE_UNSUPPORTED_PROTOCOL, PROTOCOL_VERSION } from '@sedna-ts/api-types/contract';
import { GmClient } from '../src/gm/gmClient.js';
import { Outbox } from '../src/gm/outbox.js';
import { FakeGm, waitFor } from './helpers/fakeGm.js';

interface Obj {
  kind: string;
  metadata: { namespace: string; name: string; labels: { v: string }; annotations?: Record<string, string> };
}

describe('GmClient downstream', () => {
  let dir: string;
  let gm: FakeGm;
  let outbox: Outbox;
  let client: GmClient;
  let log: string[];
  let gates: Map<string, () => void>;

  /** Object `name` at version `v`; `block`: its application waits until `release(name@v)`. */
  const obj = (name: string, v: number, block = false): Obj => ({
    kind: 'Model',
    metadata: { namespace: 'default', name, labels: { v: String(v) }, ...(block ? { annotations: { block: 'yes' } } : {}) },
  });
  const release = (label: string) => {
    const open = gates.get(label);
    if (!open) throw new Error(`${label} is not blocked`);
    open();
  };
  const entries = (name: string) => log.filter((l) => l.split(' ')[1]?.startsWith(`${name}@`) || l === `delete ${name}`);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-gmclient-'));
    gm = await FakeGm.start();
    outbox = (await Outbox.open(join(dir, 'outbox.log'))).outbox;
    log = [];
    gates = new Map();
    let hellos = 0;
    client = new GmClient({
      url: gm.url,
      nodeName: 'edge-1',
      credential: async () => gm.nodeToken,
      hello: () => ({ protocolVersion: 1, nodeName: 'edge-1', lcServer: 'http://127.0.0.1:1', hotUpdateRoot: '/h', hardExampleRoot: '/e', version: 'test' }),
      outbox,
      logger: pino({ level: 'silent' }),
      initialDelayMs: 20,
      maxDelayMs: 100,
      handlers: {
        async onHello() {
          log.push(`hello #${++hellos}`);
        },
        async onObject(operation, _kind, _namespace, name, object) {
          if (operation === 'delete') {
            log.push(`delete ${name}`);
            return;
          }
          const o = object as Obj;
          const label = `${name}@${o.metadata.labels.v}`;
          log.push(`start ${label}`);
          if (o.metadata.annotations?.block) await new Promise<void>((resolve) => gates.set(label, resolve));
          log.push(`end ${label}`);
        },
        async onAck(message) {
          log.push(`ack ${message?.id}`);
        },
        async onRequest(header, _request, signal) {
          log.push(`request ${header.messageId}`);
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
          log.push(`aborted ${header.messageId}: ${(signal.reason as Error).message}`);
          return { status: 499 };
        },
      },
    });
    client.start();
    await waitFor(() => client.connected, 'the GM hello');
  });

  afterEach(async () => {
    for (const open of gates.values()) open();
    await client.stop();
    await outbox.close();
    await gm.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('objects are applied side by side, each in order; a newer insert replaces one still waiting', async () => {
    gm.insert(obj('a', 1, true));
    await waitFor(() => log.includes('start a@1'), 'a@1 being applied');
    // Another object is not held up by the slow one.
    gm.insert(obj('b', 1));
    await waitFor(() => log.includes('end b@1'), 'b@1 applied while a@1 is');
    expect(log).not.toContain('end a@1');
    // Two newer versions of a arrive while a@1 is applied: only the last one waits.
    gm.insert(obj('a', 2));
    gm.insert(obj('a', 3));
    gm.insert(obj('c', 1)); // frames arrive in order: once c@1 is applied, a@2 and a@3 have arrived
    await waitFor(() => log.includes('end c@1'), 'c@1 applied');
    release('a@1');
    await waitFor(() => log.includes('end a@3'), 'a@3 applied');
    expect(entries('a')).toEqual(['start a@1', 'end a@1', 'start a@3', 'end a@3']);
  });

  test("a request's work is aborted by the GM's cancel frame of its messageId, and every request's when the connection goes", async () => {
    const job = { namespace: 'default', resourceKind: 'incrementallearningjob', resourceName: 'tray' };
    gm.sendFrame({ header: { ...job, operation: 'request', messageId: 'r1' }, content: encodeFrameContent({ action: 'dataset.coco' }) });
    gm.sendFrame({ header: { ...job, operation: 'request', messageId: 'r2' }, content: encodeFrameContent({ action: 'dataset.coco' }) });
    await waitFor(() => log.includes('request r2'), 'both requests being answered');
    gm.sendFrame({ header: { ...job, operation: 'cancel', messageId: 'r1' }, content: encodeFrameContent({}) });
    await waitFor(() => log.includes('aborted r1: the global manager cancelled the request'), 'r1 aborted');
    expect(log).not.toContain('aborted r2: the global manager cancelled the request');
    gm.drop();
    await waitFor(() => log.includes('aborted r2: the connection to the global manager closed'), 'r2 aborted with the connection');
  });

  test('a delete waiting behind an insert is never dropped, and what follows it comes after it', async () => {
    gm.insert(obj('a', 1, true));
    await waitFor(() => log.includes('start a@1'), 'a@1 being applied');
    gm.delete('model', 'default', 'a');
    gm.insert(obj('a', 2));
    gm.insert(obj('c', 1));
    await waitFor(() => log.includes('end c@1'), 'c@1 applied');
    release('a@1');
    await waitFor(() => log.includes('end a@2'), 'a@2 applied');
    expect(entries('a')).toEqual(['start a@1', 'end a@1', 'delete a', 'start a@2', 'end a@2']);
  });

  test('an ack is applied while an object frame is still being applied', async () => {
    gm.insert(obj('a', 1, true));
    await waitFor(() => log.includes('start a@1'), 'a@1 being applied');
    const id = 'ack-test-0001';
    await outbox.append({ header: { namespace: 'default', resourceKind: 'dataset', resourceName: 'd', operation: 'status', messageId: id }, content: encodeFrameContent({ numberOfSamples: 1 }) });
    await waitFor(() => log.includes(`ack ${id}`), 'the ack applied');
    expect(outbox.depth).toBe(0);
    expect(log).not.toContain('end a@1');
  });

  test("the GM's hello on a new connection comes after the frames before it and before the frames after it", async () => {
    gm.insert(obj('a', 1, true));
    await waitFor(() => log.includes('start a@1'), 'a@1 being applied');
    gm.insert(obj('a', 2));
    gm.drop();
    // The LC dials again; the GM answers with its hello and sends every object again (a@2).
    await waitFor(() => gm.hellos.length === 2, 'the second connection');
    expect(client.connected).toBe(false);
    release('a@1');
    await waitFor(() => client.connected, 'the second GM hello applied');
    await waitFor(() => log.filter((l) => l === 'end a@2').length === 2, 'a@2 applied again after the hello');
    expect(log.slice(log.indexOf('start a@1'))).toEqual(['start a@1', 'end a@1', 'start a@2', 'end a@2', 'hello #2', 'start a@2', 'end a@2']);
  });
});

describe('GmClient against a GM of another protocol version', () => {
  let dir: string;
  let gm: FakeGm;
  let client: GmClient | undefined;
  let logged: Array<{ level: number; msg: string }>;

  const start = async (protocolRetryMs: number): Promise<GmClient> => {
    const outbox = (await Outbox.open(join(dir, 'outbox.log'))).outbox;
    const stream = { write: (line: string) => void logged.push(JSON.parse(line) as { level: number; msg: string }) };
    client = new GmClient({
      url: gm.url,
      nodeName: 'edge-1',
      credential: async () => gm.nodeToken,
      hello: () => ({ protocolVersion: PROTOCOL_VERSION, nodeName: 'edge-1', lcServer: 'http://127.0.0.1:1', hotUpdateRoot: '/h', hardExampleRoot: '/e', version: 'test' }),
      outbox,
      logger: pino({ level: 'debug' }, stream),
      initialDelayMs: 20,
      maxDelayMs: 100,
      protocolRetryMs,
      handlers: { onHello: async () => undefined, onObject: async () => undefined, onAck: async () => undefined },
    });
    client.start();
    return client;
  };
  const errors = () => logged.filter((l) => l.level >= 50).map((l) => l.msg);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-gmclient-protocol-'));
    gm = await FakeGm.start();
    logged = [];
  });

  afterEach(async () => {
    await client?.stop();
    client = undefined;
    await gm.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a GM hello of version +1: closed with 4001 naming both versions, said once, and not dialed again before protocolRetryMs', async () => {
    gm.protocolVersion = PROTOCOL_VERSION + 1;
    const lc = await start(60_000);
    const reason = `protocol version mismatch: this LC speaks ${PROTOCOL_VERSION}, the GM ${PROTOCOL_VERSION + 1}`;
    await waitFor(() => gm.closeCodes.length === 1, 'the LC to close');
    expect([gm.closeCodes[0], gm.closeReasons[0]]).toEqual([CLOSE_UNSUPPORTED_PROTOCOL, reason]);
    expect(lc.refusal).toBe(reason);
    expect(lc.connected).toBe(false);
    await waitFor(() => errors().length === 1, 'the refusal logged');
    expect(errors()).toEqual([`${reason}: upgrade the older of the two; dialing the GM again every 60s`]);
    // With the ordinary backoff (20 ms here) it would have dialed several times by now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(gm.connections).toEqual([1]);
  });

  test('a GM that refuses version -1 (this LC): its reason, naming both versions, is the refusal; once it speaks ours the LC connects', async () => {
    gm.refuseProtocol = `protocol version mismatch: this GM speaks ${PROTOCOL_VERSION + 1}, the LC ${PROTOCOL_VERSION}`;
    const lc = await start(50);
    await waitFor(() => lc.refusal !== undefined, 'the refusal');
    expect(lc.refusal).toBe(`the GM refused this LC: ${gm.refuseProtocol}`);
    await waitFor(() => gm.connections.length >= 3, 'dialing again every protocolRetryMs');
    expect(errors()).toEqual([`the GM refused this LC: ${gm.refuseProtocol}: upgrade the older of the two; dialing the GM again every 50ms`]);
    gm.refuseProtocol = undefined;
    await waitFor(() => lc.connected, 'the GM hello');
    expect(lc.refusal).toBeUndefined();
  });
});
