import { spawn } from 'node:child_process';
import { groupMembers, isSameProcess, parseProcStat, readEnvironVariable, readProcStat, signalGroup } from './procfs.js';

test('stat parsing survives a command name with spaces and parentheses', () => {
  const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
  fields[0] = 'S';
  fields[2] = '4242';
  fields[19] = '987654';
  expect(parseProcStat(`123 (my (odd) name) ${fields.join(' ')}`)).toEqual({ state: 'S', pgid: 4242, startTime: '987654' });
  expect(parseProcStat('garbage')).toBeUndefined();
});

test('the start time identifies a live process; another start time does not', () => {
  const own = readProcStat(process.pid);
  expect(own?.startTime).toMatch(/^\d+$/);
  expect(isSameProcess(process.pid, own?.startTime)).toBe(true);
  expect(isSameProcess(process.pid, `${own?.startTime}1`)).toBe(false);
  expect(isSameProcess(process.pid, undefined)).toBe(false);
  expect(isSameProcess(2 ** 22 + 17, own?.startTime)).toBe(false);
});

test('a detached process leads its own group, carries its environment and dies with its group', async () => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore', env: { MARK: 'here' } });
  const pid = child.pid as number;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    expect(readProcStat(pid)?.pgid).toBe(pid);
    expect(groupMembers(pid)).toEqual([pid]);
    expect(readEnvironVariable(pid, 'MARK')).toBe('here');
    expect(readEnvironVariable(pid, 'NOPE')).toBeUndefined();
  } finally {
    signalGroup(pid, 'SIGKILL');
    await exited;
  }
  expect(groupMembers(pid)).toEqual([]);
  expect(signalGroup(pid, 0)).toBe(false);
});
