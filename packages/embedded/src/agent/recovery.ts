import { setTimeout as sleep } from 'node:timers/promises';
import { type NodeAgentLogger } from './logger.js';
import { findTaggedProcesses, groupMembers, isSameProcess, signalGroup, signalProcess } from './procfs.js';
import { TAG_VARIABLE } from './processRunner.js';
import { type PodRecord, type StateStore } from './stateStore.js';

/** A pod a previous run of the agent accepted and did not finish with. */
export interface InterruptedPod {
  record: PodRecord;
  /** The terminal status it had reached, if the previous run recorded one before it stopped. */
  finalStatus?: object;
  /** Set once its status says it will not run again here. */
  marked?: boolean;
}

/** What recovery found and stopped. */
export interface RecoveryReport {
  interrupted: Map<string, InterruptedPod>;
  /** Pids that were still running and have been killed. */
  killed: number[];
}

/**
 * Stops everything a previous run of the agent left behind, before this run starts anything: the
 * processes of the pid files (only when pid and start time still match, so a reused pid is never
 * hit) with their process groups, and any process carrying this agent's tag in its environment (a
 * descendant that left its group, or a process started just before a crash wrote its pid file).
 * SIGTERM first, SIGKILL after the longest recorded grace period. Returns the pods that were
 * interrupted, so they can be marked Failed (NodeRestart) and never run twice.
 */
export async function stopLeftovers(store: StateStore, logger: NodeAgentLogger, defaultGraceSeconds: number): Promise<RecoveryReport> {
  const interrupted = new Map<string, InterruptedPod>();
  // Process group -> its grace period, for the leaders that are provably the ones we started.
  const groups = new Map<number, number>();
  const podGrace = new Map<string, number>();
  for (const { pod, pids, finalStatus } of store.listPods()) {
    interrupted.set(pod.uid, { record: pod, ...(finalStatus ? { finalStatus } : {}) });
    for (const pid of pids) {
      podGrace.set(pod.uid, Math.max(podGrace.get(pod.uid) ?? 0, pid.gracePeriodSeconds));
      if (isSameProcess(pid.pid, pid.startTime)) groups.set(pid.pid, pid.gracePeriodSeconds);
    }
  }
  const tagPrefix = `${store.root}#`;
  // A tag is `<root>#<uid>#<container>#<run>`: its pod gives the grace period.
  const tagged = (): { pid: number; grace: number }[] =>
    findTaggedProcesses(TAG_VARIABLE, tagPrefix).map(({ pid, tag }) => ({
      pid,
      grace: podGrace.get(tag.slice(tagPrefix.length).split('#')[0] ?? '') ?? defaultGraceSeconds,
    }));
  const alive = (): { pid: number; grace: number; pgid?: number }[] => [
    ...[...groups].flatMap(([pgid, grace]) => groupMembers(pgid).map((pid) => ({ pid, grace, pgid }))),
    ...tagged(),
  ];

  const found = [...new Set(alive().map((p) => p.pid))];
  if (found.length > 0) {
    logger.warn({ pids: found }, 'stopping processes left by a previous run of the agent');
    for (const pgid of groups.keys()) signalGroup(pgid, 'SIGTERM');
    for (const { pid } of tagged()) signalProcess(pid, 'SIGTERM');
    const start = Date.now();
    const forceDeadline = start + (Math.max(defaultGraceSeconds, ...groups.values(), ...podGrace.values()) + 5) * 1000;
    for (let left = alive(); left.length > 0 && Date.now() < forceDeadline; left = alive()) {
      for (const { pid, pgid, grace } of left) {
        if (Date.now() - start < grace * 1000) continue;
        if (pgid !== undefined) signalGroup(pgid, 'SIGKILL');
        signalProcess(pid, 'SIGKILL');
      }
      await sleep(25);
    }
  }
  for (const { pod, pids } of store.listPods()) for (const pid of pids) store.removePid(pod.uid, pid.container);
  for (const uid of store.listUnreadablePods()) store.removePod(uid);
  return { interrupted, killed: found };
}
