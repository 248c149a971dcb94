import { spawn } from 'node:child_process';
import { closeSync, openSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { findTaggedProcesses, groupMembers, readProcStat, signalGroup, signalProcess } from './procfs.js';

/** The environment variable that marks every process the agent starts, and their descendants. */
export const TAG_VARIABLE = 'SEDNA_NODE_AGENT_TAG';

/** What to run for one container start. */
export interface LaunchSpec {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** stdout and stderr are appended to this file. */
  logPath: string;
  /** Written to the environment as TAG_VARIABLE; unique per container run. */
  tag: string;
  /** Called synchronously right after the spawn, before anything else can happen: write the pid file. */
  onSpawn?: (pid: number, startTime: string | undefined) => void;
  /** Called once the process and its whole group are gone: remove the pid file. */
  onGone?: () => void;
}

/** How a container run ended. */
export type ProcessResult =
  | { kind: 'exited'; exitCode: number; signal: NodeJS.Signals | null; finishedAt: Date }
  | { kind: 'failed'; message: string; finishedAt: Date };

/** A started process (the leader of its own process group) and the means to stop it. */
export interface ProcessHandle {
  /** Undefined when the process could not be started. */
  readonly pid: number | undefined;
  readonly startedAt: Date;
  /** Resolves once the process exited and no member of its group or tagged descendant is left. */
  readonly result: Promise<ProcessResult>;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves like `result`. */
  terminate(graceMs: number): Promise<ProcessResult>;
  /** Lets the agent's own process exit while this one runs on. */
  unref(): void;
}

/** The exit code a shell would report: the code, or 128 + the signal number. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const number = signal ? constants.signals[signal] : undefined;
  return 128 + (number ?? 9);
}

/**
 * Kills everything left of a process group and of the processes carrying `tag`, and waits (up to
 * `timeoutMs`) until it is gone. A container is one process tree: when its main process ends, nothing
 * it started may outlive it.
 */
export async function reapGroup(pgid: number, tag: string | undefined, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const members = groupMembers(pgid);
    const tagged = tag === undefined ? [] : findTaggedProcesses(TAG_VARIABLE, tag).filter((p) => p.tag === tag).map((p) => p.pid);
    if (members.length === 0 && tagged.length === 0) return;
    if (members.length > 0) signalGroup(pgid, 'SIGKILL');
    for (const pid of tagged) signalProcess(pid, 'SIGKILL');
    if (Date.now() > deadline) return;
    await sleep(20);
  }
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Starts a process detached in its own session and process group, stdin closed, stdout and stderr
 * appended to the log file. A spawn failure (missing executable, missing working directory) is not
 * thrown: it comes back as a `failed` result, as a container that could not start.
 */
export function launchProcess(spec: LaunchSpec): ProcessHandle {
  const startedAt = new Date();
  const failed = (message: string): ProcessHandle => {
    const result = Promise.resolve<ProcessResult>({ kind: 'failed', message, finishedAt: new Date() });
    return { pid: undefined, startedAt, result, terminate: () => result, unref: () => undefined };
  };
  if (!isDirectory(spec.cwd)) return failed(`working directory ${JSON.stringify(spec.cwd)} does not exist`);

  let logFd: number;
  try {
    logFd = openSync(spec.logPath, 'a');
  } catch (error) {
    return failed(`cannot open log file ${spec.logPath}: ${(error as Error).message}`);
  }
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(spec.file, spec.args, {
      cwd: spec.cwd,
      env: { ...spec.env, [TAG_VARIABLE]: spec.tag },
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
  } catch (error) {
    return failed(`cannot start ${JSON.stringify(spec.file)}: ${(error as Error).message}`);
  } finally {
    closeSync(logFd);
  }

  const pid = child.pid;
  const gone = (): void => {
    try {
      spec.onGone?.();
    } catch {
      // A record that cannot be removed is found and cleaned by the next recovery.
    }
  };
  if (pid === undefined) {
    gone();
    const result = new Promise<ProcessResult>((resolve) => {
      child.once('error', (error) => resolve({ kind: 'failed', message: `cannot start ${JSON.stringify(spec.file)}: ${error.message}`, finishedAt: new Date() }));
    });
    return { pid: undefined, startedAt, result, terminate: () => result, unref: () => undefined };
  }
  try {
    spec.onSpawn?.(pid, readProcStat(pid)?.startTime);
  } catch (error) {
    // A process the agent could not record must not run: it would outlive a crash unnoticed.
    signalGroup(pid, 'SIGKILL');
    const message = `cannot record process ${pid}: ${(error as Error).message}`;
    const result = new Promise<ProcessResult>((resolve) => {
      child.once('exit', () => void reapGroup(pid, spec.tag).finally(() => resolve({ kind: 'failed', message, finishedAt: new Date() })));
    });
    return { pid: undefined, startedAt, result, terminate: () => result, unref: () => undefined };
  }

  // Errors after a successful spawn come from kill(), which is not used on the ChildProcess here.
  child.on('error', () => undefined);
  const result = new Promise<ProcessResult>((resolve) => {
    child.once('exit', (code, signal) => {
      const finishedAt = new Date();
      void reapGroup(pid, spec.tag).finally(() => {
        gone();
        resolve({ kind: 'exited', exitCode: exitCodeOf(code, signal), signal, finishedAt });
      });
    });
  });

  let terminating: Promise<ProcessResult> | undefined;
  const terminate = (graceMs: number): Promise<ProcessResult> => {
    terminating ??= (async () => {
      signalGroup(pid, 'SIGTERM');
      const timer = sleep(graceMs, 'timeout' as const, { ref: false });
      if ((await Promise.race([result, timer])) === 'timeout') signalGroup(pid, 'SIGKILL');
      return result;
    })();
    return terminating;
  };
  return { pid, startedAt, result, terminate, unref: () => child.unref() };
}
