import { readFileSync } from 'node:fs';
import path from 'node:path';
import { childEnv, eventually, isAlive, readText, tempDir } from '../../test/agent/support/helpers.js';
import { readProcStat } from './procfs.js';
import { exitCodeOf, launchProcess, type LaunchSpec, TAG_VARIABLE } from './processRunner.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('runner');
});
afterEach(() => tmp.cleanup());

function spec(script: string, extra: Partial<LaunchSpec> = {}): LaunchSpec {
  return {
    file: process.execPath,
    args: ['-e', script, tmp.dir],
    cwd: tmp.dir,
    env: childEnv(),
    logPath: path.join(tmp.dir, 'c.log'),
    tag: `test#${path.basename(tmp.dir)}#${Math.random()}`,
    ...extra,
  };
}

// Scripts get the temp dir as process.argv[1].
const SPAWN_CHILD = (detached: boolean) => `
  const { spawn } = require('node:child_process');
  const fs = require('node:fs');
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: ${detached}, stdio: 'ignore' });
  fs.writeFileSync(process.argv[1] + '/child.pid', String(child.pid));
`;

test('stdout and stderr go to the log file and the exit code comes back; pid hooks run with the start time', async () => {
  const spawned: { pid: number; startTime: string | undefined }[] = [];
  let gone = 0;
  const handle = launchProcess(
    spec("console.log('to stdout'); console.error('to stderr'); process.exitCode = 3", {
      onSpawn: (pid, startTime) => spawned.push({ pid, startTime }),
      onGone: () => gone++,
    }),
  );
  expect(spawned).toEqual([{ pid: handle.pid, startTime: expect.stringMatching(/^\d+$/) }]);
  const result = await handle.result;
  expect(result).toMatchObject({ kind: 'exited', exitCode: 3, signal: null });
  expect(gone).toBe(1);
  expect(readFileSync(path.join(tmp.dir, 'c.log'), 'utf8')).toBe('to stdout\nto stderr\n');
});

test('the process runs in its own session and process group, with the tag in its environment', async () => {
  const handle = launchProcess(spec("require('fs').writeFileSync(process.argv[1] + '/env', process.env." + TAG_VARIABLE + "); setInterval(() => {}, 1000)"));
  const pid = handle.pid as number;
  await eventually('env written', () => readText(path.join(tmp.dir, 'env')));
  expect(readProcStat(pid)?.pgid).toBe(pid);
  expect(readText(path.join(tmp.dir, 'env'))).toMatch(/^test#/);
  await handle.terminate(5000);
});

test('terminate sends SIGTERM to the whole group: children die with the main process', async () => {
  const handle = launchProcess(spec(`${SPAWN_CHILD(false)} setInterval(() => {}, 1000);`));
  const childPid = Number(await eventually('child pid', () => readText(path.join(tmp.dir, 'child.pid'))));
  expect(isAlive(childPid)).toBe(true);
  const result = await handle.terminate(10_000);
  expect(result).toMatchObject({ kind: 'exited', exitCode: 143, signal: 'SIGTERM' });
  expect(isAlive(childPid)).toBe(false);
});

test('a process that ignores SIGTERM is killed with SIGKILL after the grace period', async () => {
  const handle = launchProcess(spec("process.on('SIGTERM', () => console.log('ignored')); console.log('ready'); setInterval(() => {}, 1000)"));
  await eventually('ready', () => readText(path.join(tmp.dir, 'c.log')).includes('ready'));
  const result = await handle.terminate(300);
  expect(result).toMatchObject({ kind: 'exited', exitCode: 137, signal: 'SIGKILL' });
  expect(readText(path.join(tmp.dir, 'c.log'))).toContain('ignored');
});

test('what the main process leaves behind is killed when it exits, even a child in a new session', async () => {
  for (const detached of [false, true]) {
    const handle = launchProcess(spec(`${SPAWN_CHILD(detached)} setTimeout(() => process.exit(0), 100);`));
    const childPid = Number(await eventually('child pid', () => readText(path.join(tmp.dir, 'child.pid'))));
    const result = await handle.result;
    expect(result).toMatchObject({ kind: 'exited', exitCode: 0 });
    expect(isAlive(childPid)).toBe(false);
  }
});

test('a process whose pid cannot be recorded is killed at once and reported as a failed start', async () => {
  const pidFile = path.join(tmp.dir, 'started');
  const handle = launchProcess(
    spec(`require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`, {
      onSpawn: () => {
        throw new Error('disk full');
      },
    }),
  );
  expect(handle.pid).toBeUndefined();
  await expect(handle.result).resolves.toMatchObject({ kind: 'failed', message: expect.stringContaining('disk full') });
  const started = Number(readText(pidFile));
  if (started) expect(isAlive(started)).toBe(false);
});

test('a missing executable or working directory is a failed start, not an exception', async () => {
  const missing = launchProcess(spec('', { file: '/nonexistent/python3' }));
  expect(missing.pid).toBeUndefined();
  await expect(missing.result).resolves.toMatchObject({ kind: 'failed', message: expect.stringContaining('ENOENT') });
  const badCwd = launchProcess(spec('', { cwd: path.join(tmp.dir, 'nope') }));
  await expect(badCwd.result).resolves.toMatchObject({ kind: 'failed', message: expect.stringContaining('does not exist') });
});

test('exit codes follow the shell convention for signals', () => {
  expect(exitCodeOf(0, null)).toBe(0);
  expect(exitCodeOf(null, 'SIGTERM')).toBe(143);
  expect(exitCodeOf(null, 'SIGKILL')).toBe(137);
});
