/**
 * What the state machine needs to know about a worker pod: which stage, round and attempt it runs (from
 * its labels, never from its name), its phase, when it finished and why it failed.
 */
import { constants as osConstants } from 'node:os';
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { capLines, printable, redactTokens } from '@sedna-ts/internal';
import { ATTEMPT_LABEL, ROUND_LABEL, workerLabelKeys } from './labels.js';

/** The kinds of worker a learning job runs. */
export type WorkerType = 'train' | 'eval' | 'inference';

/** Phase of a pod, as Kubernetes reports it. */
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** A worker pod as the state machine sees it. */
export interface ObservedPod {
  name: string;
  workerType: WorkerType;
  round: number;
  attempt: number;
  phase: PodPhase;
  /** The pod has a deletionTimestamp: it is going away and no longer counts as the stage's worker. */
  deleting: boolean;
  nodeName?: string;
  /** When the pod reached Succeeded or Failed (RFC 3339), when known. */
  finishedAt?: string;
  /** Why the pod failed, in words: exit codes, signals, eviction. */
  failure?: string;
  /** While Pending: what it waits for, in words (a container's waiting reason and message, an unmet pod condition). */
  waiting?: string;
  /** A container that keeps exiting (restarted at least `CRASH_RESTARTS` times, last exit not 0), in words. */
  crashing?: string;
  /**
   * What runs instead of a container's image, from the pod condition `sedna.io/ImageNotMapped` the
   * embedded node agent sets when its image map does not know the image.
   */
  substitution?: string;
  /** Created by this Global Manager and not yet seen in the informer's cache. */
  expected?: boolean;
}

const WORKER_TYPES: readonly string[] = ['train', 'eval', 'inference'];
const PHASES: readonly string[] = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];

function isoTime(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value === 'string' && value) return value;
  return undefined;
}

function nonNegativeInt(value: string | undefined, fallback: number): number {
  if (value === undefined || !/^\d+$/.test(value)) return fallback;
  return Number(value);
}

const SIGNAL_NAMES = new Map<number, string>(Object.entries(osConstants.signals).map(([name, number]) => [number, name]));

function describeTermination(status: V1ContainerStatus): string | undefined {
  const terminated = status.state?.terminated;
  if (!terminated || (terminated.exitCode === 0 && !terminated.signal)) return undefined;
  let text = `container ${status.name} exited with code ${terminated.exitCode}`;
  const signal = terminated.signal ?? (terminated.exitCode > 128 ? terminated.exitCode - 128 : undefined);
  if (signal !== undefined) {
    const name = SIGNAL_NAMES.get(signal);
    text += ` (signal ${signal}${name ? ` ${name}` : ''})`;
  }
  if (terminated.reason) text += `, reason ${terminated.reason}`;
  // The log tail a kubelet copied (FallbackToLogsOnError): each line at most 512 bytes, as the node agent's.
  if (terminated.message) text += `: ${capLines(printable(redactTokens(terminated.message.trim())))}`;
  return text;
}

/**
 * Why a failed pod failed, in one line: its containers' exit codes and signals (an init container's
 * first: the storage initializer that could not fetch a model says which), or the pod's reason.
 */
export function describePodFailure(pod: V1Pod): string {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const parts = statuses.map(describeTermination).filter((t): t is string => t !== undefined);
  if (pod.status?.reason || pod.status?.message) {
    parts.push(`pod ${[pod.status.reason, pod.status.message].filter(Boolean).join(': ')}`);
  }
  return parts.length > 0 ? parts.join('; ') : 'pod failed';
}

/** Restarts after which a container whose last exit failed counts as crashing. */
export const CRASH_RESTARTS = 3;

/** The containers that keep exiting with a failure, in one line, or undefined. */
export function describeCrashing(pod: V1Pod): string | undefined {
  const parts: string[] = [];
  for (const status of pod.status?.containerStatuses ?? []) {
    const last = status.lastState?.terminated;
    if ((status.restartCount ?? 0) < CRASH_RESTARTS || !last || (last.exitCode === 0 && !last.signal)) continue;
    const text = describeTermination({ ...status, state: { terminated: last } });
    if (text) parts.push(`${text} (restarted ${status.restartCount} times)`);
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** What a pending pod waits for, in one line, or undefined when it says nothing. */
export function describePodWaiting(pod: V1Pod): string | undefined {
  const parts: string[] = [];
  for (const status of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const waiting = status.state?.waiting;
    const terminated = status.state?.terminated;
    if (waiting?.reason && waiting.reason !== 'PodInitializing') parts.push(`container ${status.name}: ${waiting.reason}${waiting.message ? `: ${waiting.message.trim()}` : ''}`);
    else if (terminated && terminated.exitCode !== 0) parts.push(describeTermination(status) ?? `container ${status.name} exited with code ${terminated.exitCode}`);
  }
  for (const condition of pod.status?.conditions ?? []) {
    if (condition.status === 'False' && condition.message) parts.push(`${condition.type}: ${condition.message.trim()}`);
  }
  if (pod.status?.message) parts.push(pod.status.message.trim());
  return parts.length > 0 ? [...new Set(parts)].join('; ') : undefined;
}

/** A pod's text as a condition may carry it: tokens redacted, control characters other than newline and tab as `\xNN`. */
function safeText(text: string): string {
  return printable(redactTokens(text));
}

function finishedAt(pod: V1Pod): string | undefined {
  const times = (pod.status?.containerStatuses ?? [])
    .map((s) => isoTime(s.state?.terminated?.finishedAt))
    .filter((t): t is string => t !== undefined)
    .sort();
  if (times.length > 0) return times[times.length - 1];
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  return isoTime(ready?.lastTransitionTime);
}

/**
 * The observation of a worker pod of a job of `resourceKind` (lower-case kind), or undefined when the
 * pod is not one (no or unknown worker-type label). Pods the original created carry no round or
 * attempt label: they count as round 0, attempt 1.
 */
export function observePod(pod: V1Pod, resourceKind: string): ObservedPod | undefined {
  const labels = pod.metadata?.labels ?? {};
  const workerType = labels[workerLabelKeys(resourceKind).workerType];
  const name = pod.metadata?.name;
  if (!name || !workerType || !WORKER_TYPES.includes(workerType)) return undefined;
  const rawPhase = pod.status?.phase ?? 'Pending';
  const phase = (PHASES.includes(rawPhase) ? rawPhase : 'Unknown') as PodPhase;
  const observed: ObservedPod = {
    name,
    workerType: workerType as WorkerType,
    round: nonNegativeInt(labels[ROUND_LABEL], 0),
    attempt: Math.max(1, nonNegativeInt(labels[ATTEMPT_LABEL], 1)),
    phase,
    deleting: pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null,
  };
  if (pod.spec?.nodeName) observed.nodeName = pod.spec.nodeName;
  if (phase === 'Succeeded' || phase === 'Failed') {
    const at = finishedAt(pod);
    if (at) observed.finishedAt = at;
  }
  // These texts go into conditions, events and logs: a kubelet copies a worker's log into its
  // termination message as it is (FallbackToLogsOnError), tokens and terminal escapes included.
  if (phase === 'Failed') observed.failure = safeText(describePodFailure(pod));
  if (phase === 'Pending') {
    const waiting = describePodWaiting(pod);
    if (waiting) observed.waiting = safeText(waiting);
  }
  const crashing = describeCrashing(pod);
  if (crashing) observed.crashing = safeText(crashing);
  const substitution = pod.status?.conditions?.find((c) => c.type === 'sedna.io/ImageNotMapped' && c.status === 'True')?.message;
  if (substitution) observed.substitution = safeText(substitution);
  return observed;
}
