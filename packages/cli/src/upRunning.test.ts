// A lock left by a sedna up that died (a power cut) may name a pid another program took over: that
// process is alive, but it is no sedna up, so the lock is stale for status, up and the server order.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { takePidLockSync } from '@sedna-ts/internal';
import { looksLikeSednaUp, UP_LOCK_FILE, upRunning } from './server.js';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function live(...args: string[]): number {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', ...args], { stdio: 'ignore' });
  children.push(child);
  return child.pid as number;
}

test("a lock naming a live process that is no sedna up is stale; one naming a sedna up's is not", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sedna-stale-lock-'));
  dirs.push(dir);
  const other = live('--', 'sleep');
  const up = live('--', 'up', '--data-dir', dir);
  writeFileSync(join(dir, UP_LOCK_FILE), `${other}\n`);
  expect([looksLikeSednaUp(other), upRunning(dir)]).toEqual([false, undefined]);
  // The pid lock of sedna up takes such a lock over instead of saying "already running".
  const release = takePidLockSync(join(dir, UP_LOCK_FILE), { holds: looksLikeSednaUp });
  release();
  writeFileSync(join(dir, UP_LOCK_FILE), `${up}\n`);
  expect([looksLikeSednaUp(up), upRunning(dir)]).toEqual([true, up]);
  expect(() => takePidLockSync(join(dir, UP_LOCK_FILE), { holds: looksLikeSednaUp })).toThrow(`held by the live process ${up}`);
});
