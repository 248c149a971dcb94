import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../test/agent/support/helpers.js';
import { NodeAgentError } from './errors.js';
import { StateStore } from './stateStore.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('state');
});
afterEach(() => tmp.cleanup());

test('the records root is made 0700, and tightened (with a line) when an earlier run left it 0755', () => {
  const created = new StateStore(tmp.dir, 'edge-1');
  expect(statSync(created.root).mode & 0o777).toBe(0o700);
  const root = path.join(tmp.dir, 'agent', 'edge-2');
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755);
  const lines: string[] = [];
  new StateStore(tmp.dir, 'edge-2', { warn: (_fields, message) => lines.push(message) });
  expect(statSync(root).mode & 0o777).toBe(0o700);
  expect(lines).toEqual([`tightened ${root} from 0755 to 0700`]);
});

test('one agent per node and data dir: a second lock fails until the first is released', () => {
  const first = new StateStore(tmp.dir, 'edge-1');
  first.acquireLock();
  const second = new StateStore(tmp.dir, 'edge-1');
  expect(() => second.acquireLock()).toThrow(NodeAgentError);
  expect(() => second.acquireLock()).toThrow(/held by another agent of this process/);
  new StateStore(tmp.dir, 'edge-2').acquireLock();
  first.releaseLock();
  second.acquireLock();
  second.releaseLock();
});

test('a lock left by a dead process is taken over; one held by a live process is refused', async () => {
  const store = new StateStore(tmp.dir, 'edge-1');
  const lockFile = path.join(store.root, 'agent.lock');
  writeFileSync(lockFile, JSON.stringify({ pid: 2 ** 22 + 11, startTime: '1' }));
  store.acquireLock();
  store.releaseLock();

  const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => other.once('exit', resolve));
  try {
    const stat = (await import('./procfs.js')).readProcStat(other.pid as number);
    writeFileSync(lockFile, JSON.stringify({ pid: other.pid, startTime: stat?.startTime }));
    expect(() => store.acquireLock()).toThrow(`node agent lock ${lockFile}: held by the live process ${other.pid}`);
  } finally {
    other.kill('SIGKILL');
    await exited;
  }
});

test('pod, pid and final-status records round-trip and are removed with the pod', () => {
  const store = new StateStore(tmp.dir, 'edge-1');
  store.writePod({ uid: 'u1', namespace: 'ns', name: 'p', acceptedAt: 'T' });
  store.writePid('u1', { pid: 10, startTime: '99', container: 'main', tag: 't', startedAt: 'T', gracePeriodSeconds: 5 });
  store.writePid('u1', { pid: 11, container: 'side', tag: 't2', startedAt: 'T', gracePeriodSeconds: 5 });
  store.writeFinalStatus('u1', { phase: 'Succeeded' });
  const listed = new StateStore(tmp.dir, 'edge-1').listPods();
  expect(listed).toHaveLength(1);
  expect(listed[0]?.pod).toEqual({ uid: 'u1', namespace: 'ns', name: 'p', acceptedAt: 'T' });
  expect(listed[0]?.pids.map((p) => p.pid).sort()).toEqual([10, 11]);
  expect(listed[0]?.finalStatus).toEqual({ phase: 'Succeeded' });
  store.removePid('u1', 'side');
  store.removePid('u1', 'side');
  expect(store.listPods()[0]?.pids.map((p) => p.container)).toEqual(['main']);
  store.removePod('u1');
  expect(store.listPods()).toEqual([]);
});
