import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PidLockError, takePidLockSync } from './pidLock.js';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sedna-lock-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function failure(fn: () => unknown): PidLockError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PidLockError) return error;
    throw error;
  }
  throw new Error('no error');
}

/** The pid of a process that has ended (and, for the few ms of a test, was not reused). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' }).pid as number;
}

test('the lock holds our pid, mode 0600; a second taker in this process is refused; release removes it', () => {
  const file = path.join(tmp, 'x.lock');
  const release = takePidLockSync(file);
  expect(fs.readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(failure(() => takePidLockSync(file))).toMatchObject({ code: 'HELD_HERE', file });
  release();
  expect(fs.existsSync(file)).toBe(false);
  takePidLockSync(file)();
});

test('a live holder is named by its pid', () => {
  const file = path.join(tmp, 'x.lock');
  // pid 1 lives in every container and host (EPERM counts as alive).
  fs.writeFileSync(file, '1\n');
  expect(failure(() => takePidLockSync(file))).toMatchObject({ code: 'HELD', pid: 1, file });
});

test.each([
  ['a dead process', () => `${deadPid()}`],
  ['our own pid (a restarted container)', () => `${process.pid}\n`],
  ['no pid at all', () => 'garbage'],
])('a lock left by %s is taken over', (_what, content) => {
  const file = path.join(tmp, 'x.lock');
  fs.writeFileSync(file, content());
  const release = takePidLockSync(file);
  expect(fs.readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
  release();
});

test('release leaves a lock another process has taken since', () => {
  const file = path.join(tmp, 'x.lock');
  const release = takePidLockSync(file);
  fs.writeFileSync(file, '1\n');
  release();
  expect(fs.readFileSync(file, 'utf8')).toBe('1\n');
});

test('a lock that cannot be created is FAILED with the cause', () => {
  const error = failure(() => takePidLockSync(path.join(tmp, 'missing', 'x.lock')));
  expect(error.code).toBe('FAILED');
  expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
});

test('the caller phrases the refusals it names; the others stay PidLockErrors', () => {
  const file = path.join(tmp, 'x.lock');
  fs.writeFileSync(file, '1\n');
  expect(() => takePidLockSync(file, { held: (pid) => new Error(`already running (pid ${pid})`) })).toThrow(/^already running \(pid 1\)$/);
  expect(failure(() => takePidLockSync(file, { heldHere: () => new Error('no') }))).toMatchObject({ code: 'HELD', pid: 1 });
  const other = () => takePidLockSync(path.join(tmp, 'missing', 'x.lock'), { other: (error) => new Error(`phrased ${error.code}`) });
  expect(other).toThrow('phrased FAILED');
});
