import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { afterEach, expect, test } from '@jest/globals';
import { eventually, removeDir, tempDir } from '../support/apiserver.js';

const serverMain = fileURLToPath(new URL('../../src/apiserver/serverMain.ts', import.meta.url));
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) removeDir(d);
});

/** Starts server-main in a child process on `dir` and resolves with its kubeconfig once it listens. */
async function startChild(dir: string): Promise<{ child: ChildProcess; kc: KubeConfig }> {
  const child = spawn(process.execPath, ['--import', 'tsx', serverMain, '--data-dir', dir, '--port', '0', '--kubeconfig', `${dir}/kubeconfig`], {
    env: { ...process.env, SEDNA_LOG_LEVEL: 'warn', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`server-main exited with ${code}: ${err}`)));
  });
  const kc = new KubeConfig();
  kc.loadFromFile(`${dir}/kubeconfig`);
  return { child, kc };
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

test('every write acknowledged before SIGKILL is there after a restart, and the store holds nothing half-written', async () => {
  const dir = tempDir();
  dirs.push(dir);
  /** Name to the highest value whose write was acknowledged (values only grow per name). */
  const acked = new Map<string, number>();
  let first = await startChild(dir);
  const baseline = Number((await first.kc.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: 'default' })).metadata?.resourceVersion);

  for (let round = 0; round < 2; round++) {
    const core = first.kc.makeApiClient(CoreV1Api);
    let stop = false;
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const name = `h${round}-${w}-${i % 7}`;
        const value = i;
        try {
          if (i < 7) await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name }, data: { v: String(value) } } });
          else await core.replaceNamespacedConfigMap({ name, namespace: 'default', body: { metadata: { name }, data: { v: String(value) } } });
          acked.set(name, value);
        } catch {
          return; // the server is gone
        }
      }
    };
    const workers = Array.from({ length: 6 }, (_, w) => worker(w));
    // Kill once a good number of writes went through, with requests still in flight.
    await eventually(() => expect(acked.size >= 6 * 7 * (round + 1) && [...acked.values()].filter((v) => v >= 20).length >= 6).toBe(true), 20000, 5);
    first.child.kill('SIGKILL');
    await killed(first.child);
    stop = true;
    await Promise.all(workers);

    first = await startChild(dir);
    const after = first.kc.makeApiClient(CoreV1Api);
    const list = await after.listNamespacedConfigMap({ namespace: 'default' });
    const byName = new Map(list.items.map((c) => [c.metadata?.name as string, c]));
    for (const [name, value] of acked) {
      const found = byName.get(name);
      expect(found).toBeDefined();
      expect(Number(found?.data?.v)).toBeGreaterThanOrEqual(value);
    }
    // The event log, the objects and the revision counter agree: every revision since the start is
    // exactly one event, and the last event of each object is its stored state.
    const listRv = Number(list.metadata?.resourceVersion);
    const events: { type: string; object: { metadata: { name: string; resourceVersion: string }; data?: Record<string, string> } }[] = [];
    const ctl = await new Watch(first.kc).watch(
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: String(baseline) },
      (type, object) => events.push({ type, object }),
      () => undefined,
    );
    await eventually(() => expect(events.length).toBe(listRv - baseline));
    ctl.abort();
    expect(events.map((e) => Number(e.object.metadata.resourceVersion))).toEqual(Array.from({ length: listRv - baseline }, (_, i) => baseline + i + 1));
    const last = new Map<string, (typeof events)[number]['object']>();
    for (const e of events) last.set(e.object.metadata.name, e.object);
    for (const c of list.items) {
      expect(last.get(c.metadata?.name as string)?.metadata.resourceVersion).toBe(c.metadata?.resourceVersion);
      expect(last.get(c.metadata?.name as string)?.data).toEqual(c.data);
    }
    const next = await after.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { generateName: 'after-' } } });
    expect(Number(next.metadata?.resourceVersion)).toBe(listRv + 1);
    await after.deleteNamespacedConfigMap({ name: next.metadata?.name as string, namespace: 'default' });
  }
  first.child.kill('SIGTERM');
  await killed(first.child);
  expect(first.child.exitCode).toBe(0);
}, 90000);
