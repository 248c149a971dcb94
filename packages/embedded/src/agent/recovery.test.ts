import { spawn } from 'node:child_process';
import path from 'node:path';
import { childEnv, eventually, isAlive, readText, tempDir } from '../../test/agent/support/helpers.js';
import { type NodeAgentLogger } from './logger.js';
import { readProcStat } from './procfs.js';
import { launchProcess, type ProcessHandle } from './processRunner.js';
import { stopLeftovers } from './recovery.js';
import { StateStore } from './stateStore.js';

const silent: NodeAgentLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('recovery');
});
afterEach(() => tmp.cleanup());

function launchFor(store: StateStore, uid: string, container: string, script: string, recordPid: boolean, grace = 5): ProcessHandle {
  store.writePod({ uid, namespace: 'ns', name: `pod-${uid}`, acceptedAt: 'T' });
  const tag = `${store.root}#${uid}#${container}#0`;
  return launchProcess({
    file: process.execPath,
    args: ['-e', script],
    cwd: tmp.dir,
    env: childEnv(),
    logPath: path.join(tmp.dir, `${uid}-${container}.log`),
    tag,
    onSpawn: (pid, startTime) => {
      if (recordPid) store.writePid(uid, { pid, ...(startTime ? { startTime } : {}), container, tag, startedAt: 'T', gracePeriodSeconds: grace });
    },
  });
}

test('processes of a previous run are stopped, found by pid file or by tag alone, and their pods reported interrupted', async () => {
  const previous = new StateStore(tmp.dir, 'edge-1');
  const byPidFile = launchFor(previous, 'u1', 'main', 'setInterval(() => {}, 1000)', true);
  // A crash between spawn and pid file: only the tag in its environment finds it.
  const byTag = launchFor(previous, 'u2', 'main', 'setInterval(() => {}, 1000)', false);
  const stubborn = launchFor(previous, 'u3', 'main', "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)", true, 0);
  await eventually('stubborn ready', () => readText(path.join(tmp.dir, 'u3-main.log')).includes('ready'));
  const pids = [byPidFile.pid, byTag.pid, stubborn.pid] as number[];

  const report = await stopLeftovers(new StateStore(tmp.dir, 'edge-1'), silent, 1);
  expect(report.killed.sort()).toEqual([...pids].sort());
  for (const pid of pids) expect(isAlive(pid)).toBe(false);
  expect([...report.interrupted.keys()].sort()).toEqual(['u1', 'u2', 'u3']);
  expect(report.interrupted.get('u1')?.record).toMatchObject({ namespace: 'ns', name: 'pod-u1' });
  expect(new StateStore(tmp.dir, 'edge-1').listPods().every((p) => p.pids.length === 0)).toBe(true);
  await Promise.all([byPidFile.result, byTag.result, stubborn.result]);
});

test('a pid file whose pid now belongs to another process (other start time) does not hit that process', async () => {
  const store = new StateStore(tmp.dir, 'edge-1');
  const stranger = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore', env: childEnv() });
  const exited = new Promise((resolve) => stranger.once('exit', resolve));
  try {
    const pid = stranger.pid as number;
    store.writePod({ uid: 'u1', namespace: 'ns', name: 'p', acceptedAt: 'T' });
    store.writePid('u1', { pid, startTime: `${readProcStat(pid)?.startTime}0`, container: 'main', tag: 'x', startedAt: 'T', gracePeriodSeconds: 0 });
    const report = await stopLeftovers(store, silent, 0);
    expect(report.killed).toEqual([]);
    expect(report.interrupted.has('u1')).toBe(true);
    expect(isAlive(pid)).toBe(true);
  } finally {
    stranger.kill('SIGKILL');
    await exited;
  }
});

test('another node agent tag (other node or data dir) is left alone', async () => {
  const mine = new StateStore(tmp.dir, 'edge-1');
  const theirs = new StateStore(tmp.dir, 'edge-10');
  const handle = launchFor(theirs, 'u9', 'main', 'setInterval(() => {}, 1000)', false);
  try {
    const report = await stopLeftovers(mine, silent, 0);
    expect(report.killed).toEqual([]);
    expect(isAlive(handle.pid as number)).toBe(true);
  } finally {
    await handle.terminate(0);
  }
});
