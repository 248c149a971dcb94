import { readFileSync, readdirSync } from 'node:fs';

// Linux process facts read from /proc. They make pid files safe against pid reuse: a pid is only
// taken for ours when its start time (field 22 of /proc/<pid>/stat, in clock ticks since boot) is the
// one recorded when we started it.

/** Parses the fields after `comm` in /proc/<pid>/stat (comm may itself hold spaces and parentheses). */
export function parseProcStat(stat: string): { state: string; pgid: number; startTime: string } | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  // Fields from 3 (state) on; field n is at index n - 3.
  const fields = stat.slice(close + 2).trim().split(/\s+/);
  const state = fields[0];
  const pgid = Number(fields[2]);
  const startTime = fields[19];
  if (!state || !Number.isInteger(pgid) || !startTime) return undefined;
  return { state, pgid, startTime };
}

/** The stat facts of a live (not zombie) process, or undefined when it is gone or unreadable. */
export function readProcStat(pid: number): { state: string; pgid: number; startTime: string } | undefined {
  try {
    const parsed = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return parsed && parsed.state !== 'Z' && parsed.state !== 'X' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` runs and is the very process that had `startTime` (not a later one reusing the pid). */
export function isSameProcess(pid: number, startTime: string | undefined): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && startTime !== undefined && stat.startTime === startTime;
}

/** The value of one variable in the environment a process was started with, if readable. */
export function readEnvironVariable(pid: number, name: string): string | undefined {
  let environ: string;
  try {
    environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return undefined;
  }
  const prefix = `${name}=`;
  for (const entry of environ.split('\0')) if (entry.startsWith(prefix)) return Buffer.from(entry.slice(prefix.length), 'latin1').toString('utf8');
  return undefined;
}

/**
 * Finds the live processes whose start environment holds `name` with a value starting with `prefix`.
 * Descendants inherit the variable, so this also finds children that left their process group.
 */
export function findTaggedProcesses(name: string, prefix: string): { pid: number; tag: string }[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: { pid: number; tag: string }[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const tag = readEnvironVariable(pid, name);
    if (tag !== undefined && tag.startsWith(prefix) && readProcStat(pid)) found.push({ pid, tag });
  }
  return found;
}

/** Sends a signal to a whole process group; false when no member is left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Sends a signal to one process; false when it is gone. */
export function signalProcess(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** The live (not zombie) members of a process group, found by scanning /proc. */
export function groupMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return signalGroup(pgid, 0) ? [pgid] : [];
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat?.pgid === pgid) members.push(Number(entry));
  }
  return members;
}
