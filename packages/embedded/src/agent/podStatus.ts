// Pure functions from what the agent knows about a pod's containers to the pod's status, in the JSON
// shape of the Kubernetes API (timestamps as RFC 3339 strings), following the kubelet's rules.

/** A container state as the Kubernetes API writes it. */
export type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | {
      terminated: {
        exitCode: number;
        signal?: number;
        reason: string;
        message?: string;
        startedAt?: string;
        finishedAt: string;
        containerID?: string;
      };
    };

/** What the agent tracks per container. */
export interface ContainerRecord {
  name: string;
  image: string;
  state: ContainerState;
  lastState?: ContainerState;
  restartCount: number;
  containerID?: string;
  /** True once no further start of this container will happen. */
  done: boolean;
}

/** The pod phases. */
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** A pod condition as the API writes it. */
export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime: string;
  lastProbeTime?: null;
}

/** The status body the agent writes through pods/status. */
export interface PodStatusBody {
  phase: PodPhase;
  reason?: string;
  message?: string;
  hostIP: string;
  hostIPs: { ip: string }[];
  podIP: string;
  podIPs: { ip: string }[];
  startTime: string;
  conditions: PodCondition[];
  initContainerStatuses: object[];
  containerStatuses: object[];
}

/** An RFC 3339 timestamp with second precision, as Kubernetes writes them. */
export function timestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function succeeded(record: ContainerRecord): boolean {
  return 'terminated' in record.state && record.state.terminated.exitCode === 0;
}

function isRunning(record: ContainerRecord): boolean {
  return 'running' in record.state;
}

/** True once the container ran at least once (it is running, or has a terminated state now or before). */
function hasStarted(record: ContainerRecord): boolean {
  return isRunning(record) || 'terminated' in record.state || record.lastState !== undefined;
}

/**
 * The phase of a pod from its containers: Failed once an init container failed for good; Pending
 * until every init container succeeded and every container started once; Succeeded or Failed once no
 * container will start again (Succeeded only if all exited 0); Running otherwise.
 */
export function podPhase(init: readonly ContainerRecord[], main: readonly ContainerRecord[]): PodPhase {
  if (init.some((c) => c.done && !succeeded(c))) return 'Failed';
  if (!init.every((c) => c.done && succeeded(c))) return 'Pending';
  if (main.every((c) => c.done)) return main.every(succeeded) ? 'Succeeded' : 'Failed';
  if (main.every(hasStarted)) return 'Running';
  return 'Pending';
}

function condition(
  type: string,
  ok: boolean,
  reason: string | undefined,
  message: string | undefined,
  previous: readonly PodCondition[],
  now: string,
): PodCondition {
  const status = ok ? 'True' : 'False';
  const before = previous.find((c) => c.type === type);
  const out: PodCondition = { type, status, lastProbeTime: null, lastTransitionTime: before?.status === status ? before.lastTransitionTime : now };
  if (!ok && reason) out.reason = reason;
  if (!ok && message) out.message = message;
  return out;
}

/** The pod conditions the kubelet maintains: PodScheduled, Initialized, ContainersReady, Ready. */
export function podConditions(
  init: readonly ContainerRecord[],
  main: readonly ContainerRecord[],
  phase: PodPhase,
  previous: readonly PodCondition[],
  now: string,
): PodCondition[] {
  const pendingInit = init.filter((c) => !(c.done && succeeded(c))).map((c) => c.name);
  const unready = main.filter((c) => !isRunning(c)).map((c) => c.name);
  const finished = phase === 'Succeeded' || phase === 'Failed';
  const readyReason = finished ? 'PodCompleted' : 'ContainersNotReady';
  const readyMessage = finished ? undefined : `containers with unready status: [${unready.join(' ')}]`;
  const ready = !finished && unready.length === 0;
  return [
    condition('PodScheduled', true, undefined, undefined, previous, now),
    condition(
      'Initialized',
      pendingInit.length === 0,
      'ContainersNotInitialized',
      `containers with incomplete status: [${pendingInit.join(' ')}]`,
      previous,
      now,
    ),
    condition('ContainersReady', ready, readyReason, readyMessage, previous, now),
    condition('Ready', ready, readyReason, readyMessage, previous, now),
  ];
}

/** One entry of containerStatuses / initContainerStatuses. */
export function containerStatus(record: ContainerRecord): object {
  return {
    name: record.name,
    image: record.image,
    imageID: '',
    ...(record.containerID ? { containerID: record.containerID } : {}),
    ready: isRunning(record),
    started: isRunning(record),
    restartCount: record.restartCount,
    state: record.state,
    lastState: record.lastState ?? {},
  };
}

/** Everything needed to write a pod's status. */
export interface PodStatusInput {
  init: readonly ContainerRecord[];
  main: readonly ContainerRecord[];
  startTime: string;
  hostIP: string;
  podIP: string;
  previousConditions: readonly PodCondition[];
  /** Conditions of the agent's own beyond the kubelet's four (e.g. `sedna.io/ImageNotMapped`). */
  extraConditions?: readonly PodCondition[];
  /** Overrides the computed phase (NodeRestart, NodeShutdown). */
  phase?: PodPhase;
  reason?: string;
  message?: string;
  now?: string;
}

/** Builds the status body of a pod from its container records. */
export function buildPodStatus(input: PodStatusInput): PodStatusBody {
  const now = input.now ?? timestamp();
  const phase = input.phase ?? podPhase(input.init, input.main);
  const status: PodStatusBody = {
    phase,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    podIP: input.podIP,
    podIPs: [{ ip: input.podIP }],
    startTime: input.startTime,
    conditions: [...podConditions(input.init, input.main, phase, input.previousConditions, now), ...(input.extraConditions ?? [])],
    initContainerStatuses: input.init.map(containerStatus),
    containerStatuses: input.main.map(containerStatus),
  };
  if (input.reason) status.reason = input.reason;
  if (input.message) status.message = input.message;
  return status;
}

/** The container statuses and spec of a pod as read from the API (client-node objects). */
interface PodLike {
  spec?: { initContainers?: { name: string; image?: string }[]; containers: { name: string; image?: string }[] };
  status?: {
    startTime?: Date;
    conditions?: unknown[];
    initContainerStatuses?: unknown[];
    containerStatuses?: unknown[];
  };
}

/**
 * The status of a pod whose processes the agent had to stop without them ending on their own (the
 * agent restarted, or shut down): phase Failed with `reason`, every container not already terminated
 * becomes terminated with exit code 137 and that reason.
 */
export function interruptedPodStatus(
  pod: PodLike,
  outcome: { reason: string; message: string },
  addresses: { hostIP: string; podIP: string },
  now: string = timestamp(),
): PodStatusBody {
  // A JSON round trip turns client-node's Date fields back into API timestamps.
  const plain = JSON.parse(JSON.stringify(pod.status ?? {})) as {
    startTime?: string;
    conditions?: PodCondition[];
    initContainerStatuses?: { name: string; state?: Record<string, { startedAt?: string }>; lastState?: ContainerState; restartCount?: number; containerID?: string }[];
    containerStatuses?: { name: string; state?: Record<string, { startedAt?: string }>; lastState?: ContainerState; restartCount?: number; containerID?: string }[];
  };
  const records = (specs: { name: string; image?: string }[], statuses: typeof plain.containerStatuses): ContainerRecord[] =>
    specs.map((spec) => {
      const status = statuses?.find((s) => s.name === spec.name);
      const state: ContainerState =
        status?.state && 'terminated' in status.state
          ? ({ terminated: status.state.terminated } as ContainerState)
          : {
              terminated: {
                exitCode: 137,
                reason: outcome.reason,
                message: outcome.message,
                startedAt: status?.state?.running?.startedAt ?? now,
                finishedAt: now,
              },
            };
      const lastState = status?.lastState && Object.keys(status.lastState).length > 0 ? status.lastState : undefined;
      return {
        name: spec.name,
        image: spec.image ?? '',
        state,
        ...(lastState ? { lastState } : {}),
        restartCount: status?.restartCount ?? 0,
        ...(status?.containerID ? { containerID: status.containerID } : {}),
        done: true,
      };
    });
  return buildPodStatus({
    init: records(pod.spec?.initContainers ?? [], plain.initContainerStatuses),
    main: records(pod.spec?.containers ?? [], plain.containerStatuses),
    startTime: plain.startTime ?? now,
    hostIP: addresses.hostIP,
    podIP: addresses.podIP,
    previousConditions: plain.conditions ?? [],
    phase: 'Failed',
    reason: outcome.reason,
    message: outcome.message,
    now,
  });
}
