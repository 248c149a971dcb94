import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ensurePrivateDirSync, writeFileAtomicSync, type PrivateFilesLogger } from '@sedna-ts/internal';
import { NodeAgentError } from './errors.js';
import { isSameProcess, readProcStat } from './procfs.js';

// The agent's own records under `<dataDir>/agent/<nodeName>/`:
//   agent.lock                 pid and start time of the live agent (one agent per node and data dir)
//   pods/<uid>/pod.json        a pod this agent accepted and has not finished with
//   pods/<uid>/<name>.pid.json one process it started for a container of that pod
//   pods/<uid>/final.json      the pod's terminal status, kept until the API has it
// A record is written before the thing it describes can outlive the agent, and removed only after
// that thing is gone, so a restarted agent finds everything its predecessor left running.

/** A pod the agent accepted: enough to find it again in the API after a restart. */
export interface PodRecord {
  uid: string;
  namespace: string;
  name: string;
  acceptedAt: string;
}

/** One process the agent started: the pid file, with the start time that guards against pid reuse. */
export interface PidRecord {
  pid: number;
  /** Field 22 of /proc/<pid>/stat when the process was started; undefined if it exited at once. */
  startTime?: string;
  container: string;
  /** The value of the tag variable in the process environment (inherited by its descendants). */
  tag: string;
  startedAt: string;
  gracePeriodSeconds: number;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The records of one node agent under its data dir. */
export class StateStore {
  // Locks held by agents of this very process (the pid in the lock file cannot tell them apart).
  private static readonly held = new Set<string>();
  readonly root: string;
  private readonly podsDir: string;
  private readonly lockFile: string;

  /**
   * The records of `nodeName` under `dataDir`; their root is made (or tightened to) mode 0700, as what
   * the agent runs, and how, is no other user's business. `logger` hears of a root that was tightened.
   *
   * @throws NodeAgentError `Process` when the folder cannot be made or made private.
   */
  constructor(dataDir: string, nodeName: string, logger?: PrivateFilesLogger) {
    this.root = path.resolve(dataDir, 'agent', nodeName);
    this.podsDir = path.join(this.root, 'pods');
    this.lockFile = path.join(this.root, 'agent.lock');
    try {
      ensurePrivateDirSync(this.root, logger ? { logger } : {});
      mkdirSync(this.podsDir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw NodeAgentError.from(error, 'Process', 'node agent state');
    }
  }

  /**
   * Takes the node's lock: fails when another live agent holds it, takes over a stale one.
   * @throws NodeAgentError `AlreadyRunning`.
   */
  acquireLock(): void {
    if (StateStore.held.has(this.lockFile)) {
      throw new NodeAgentError('AlreadyRunning', `node agent lock ${this.lockFile}: held by another agent of this process`);
    }
    const own = { pid: process.pid, startTime: readProcStat(process.pid)?.startTime };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.lockFile, 'wx');
        try {
          writeSync(fd, JSON.stringify(own));
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        StateStore.held.add(this.lockFile);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw NodeAgentError.from(error, 'Process', `node agent lock ${this.lockFile}`);
      }
      const holder = readJson<{ pid: number; startTime?: string }>(this.lockFile);
      if (holder && holder.pid !== process.pid && isSameProcess(holder.pid, holder.startTime)) {
        throw new NodeAgentError('AlreadyRunning', `node agent lock ${this.lockFile}: held by the live process ${holder.pid}`);
      }
      rmSync(this.lockFile, { force: true });
    }
    throw new NodeAgentError('AlreadyRunning', `node agent lock ${this.lockFile}: another agent took it while this one started`);
  }

  /** Releases the lock if this process holds it. */
  releaseLock(): void {
    if (!StateStore.held.delete(this.lockFile)) return;
    const holder = readJson<{ pid: number }>(this.lockFile);
    if (holder?.pid === process.pid) rmSync(this.lockFile, { force: true });
  }

  private podDir(uid: string): string {
    return path.join(this.podsDir, uid);
  }

  /**
   * Records that the agent accepted a pod (before anything of it runs). Durable: after a power loss
   * the pod must still be known as interrupted, not started afresh.
   */
  writePod(record: PodRecord): void {
    mkdirSync(this.podDir(record.uid), { recursive: true });
    writeFileAtomicSync(path.join(this.podDir(record.uid), 'pod.json'), JSON.stringify(record));
  }

  /** Every pod record left, with its pid records. A pod folder without a readable pod.json is skipped. */
  listPods(): { pod: PodRecord; pids: PidRecord[]; finalStatus?: object }[] {
    const out: { pod: PodRecord; pids: PidRecord[]; finalStatus?: object }[] = [];
    for (const uid of readdirSync(this.podsDir)) {
      const dir = this.podDir(uid);
      const pod = readJson<PodRecord>(path.join(dir, 'pod.json'));
      if (!pod) continue;
      const pids: PidRecord[] = [];
      for (const file of readdirSync(dir)) {
        if (!file.endsWith('.pid.json')) continue;
        const record = readJson<PidRecord>(path.join(dir, file));
        if (record) pids.push(record);
      }
      const finalStatus = readJson<object>(path.join(dir, 'final.json'));
      out.push({ pod, pids, ...(finalStatus ? { finalStatus } : {}) });
    }
    return out;
  }

  /** The folders of pods whose record is unreadable (a crash while accepting them). */
  listUnreadablePods(): string[] {
    return readdirSync(this.podsDir).filter((uid) => readJson<PodRecord>(path.join(this.podDir(uid), 'pod.json')) === undefined);
  }

  /** Keeps the terminal status of a pod until it is written to the API (it survives a crash in between). */
  writeFinalStatus(uid: string, status: object): void {
    mkdirSync(this.podDir(uid), { recursive: true });
    writeFileAtomicSync(path.join(this.podDir(uid), 'final.json'), JSON.stringify(status));
  }

  /** The path of a container's pid file. */
  pidFile(uid: string, container: string): string {
    return path.join(this.podDir(uid), `${container}.pid.json`);
  }

  /**
   * Writes a container's pid file (synchronously, so nothing can run between spawn and record). Not
   * fsynced: it only matters while the process lives, and a power loss ends the process too.
   */
  writePid(uid: string, record: PidRecord): void {
    writeFileAtomicSync(this.pidFile(uid, record.container), JSON.stringify(record), { durable: false });
  }

  /** Removes a container's pid file once its processes are gone. */
  removePid(uid: string, container: string): void {
    try {
      unlinkSync(this.pidFile(uid, container));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /** Forgets a pod: the agent is done with it and nothing of it runs. */
  removePod(uid: string): void {
    rmSync(this.podDir(uid), { recursive: true, force: true });
  }
}
