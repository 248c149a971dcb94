import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os, { constants } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type V1Container, type V1Pod } from '@kubernetes/client-node';
import { backoffDelay, writeFileAtomicSync } from '@sedna-ts/internal';
import { podLogPath } from '../podLogs.js';
import { expandVars, type Interpreters, resolveCommand } from './command.js';
import { buildContainerEnv, type DownwardInfo, type ResolvedSources } from './env.js';
import { NodeAgentError } from './errors.js';
import { errorFields, type NodeAgentLogger } from './logger.js';
import { containerMappings, createPathRewriter, planVolumes, type PlannedVolume, podDirectory } from './paths.js';
import { buildPodStatus, type ContainerRecord, type PodCondition, type PodStatusBody, timestamp } from './podStatus.js';
import { type LaunchSpec, launchProcess, type ProcessHandle, type ProcessResult } from './processRunner.js';
import { type StateStore } from './stateStore.js';
import { prepareVolumes } from './volumes.js';
import { TERMINATION_LOG_BYTES, TERMINATION_LOG_LINES, logTail } from './terminationMessage.js';

const SIGNALS = constants.signals as Record<string, number>;

/** The pod condition of a container run without its image (the GM quotes its message in the job's conditions). */
export const IMAGE_NOT_MAPPED = 'sedna.io/ImageNotMapped';

/** What a pod worker needs from the agent. */
export interface PodWorkerDeps {
  dataDir: string;
  store: StateStore;
  baseEnv: Readonly<Record<string, string>>;
  defaultWorkingDir: string;
  imageCommands: Readonly<Record<string, readonly string[]>>;
  interpreters: Interpreters;
  info: DownwardInfo;
  defaultGracePeriodSeconds: number;
  backoff: { initialMs: number; maxMs: number };
  logger: NodeAgentLogger;
  /** Reads the configMaps and secrets the pod refers to. */
  fetchSources(pod: V1Pod): Promise<ResolvedSources>;
  /** Writes the status; resolves true once written (or the pod is gone), false if it never will be. */
  writeStatus(worker: PodWorker, status: PodStatusBody): Promise<boolean>;
  /** Records a Kubernetes event about the pod (best effort). */
  event(pod: V1Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** How the pod ends when the agent stops it rather than its containers ending on their own. */
export interface StopOptions {
  gracePeriodSeconds: number;
  /** The phase, reason and message to report (default: from the containers' exit codes). */
  outcome?: { phase: 'Failed'; reason: string; message: string };
  /** Write the final status (false when the pod object is already gone). */
  report: boolean;
}

/** A pod's grace period for a plain stop: its terminationGracePeriodSeconds or the agent default. */
export function podGracePeriod(pod: V1Pod, fallback: number): number {
  return pod.spec?.terminationGracePeriodSeconds ?? fallback;
}

/**
 * Runs one pod as local processes: init containers one after another, each to success, then all
 * containers side by side, restarting them as restartPolicy says with exponential backoff, and
 * reporting every state change as the pod's status.
 */
export class PodWorker {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  private pod: V1Pod;
  private readonly podDir: string;
  private readonly where: string;
  private readonly init: ContainerRecord[];
  private readonly main: ContainerRecord[];
  private readonly processes = new Map<string, ProcessHandle>();
  /** Per container: what runs instead of its image, when the image map does not know the image. */
  private readonly substitutions = new Map<string, string>();
  private readonly abort = new AbortController();
  private readonly startTime = timestamp();
  private volumes: Map<string, PlannedVolume> | undefined;
  private outcome: StopOptions['outcome'];
  private conditions: PodCondition[] = [];
  private running: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private finished = false;
  private deadlineTimer: NodeJS.Timeout | undefined;
  // Set by detach(): the agent is gone, the pod now belongs to the next agent's recovery.
  private detached = false;

  constructor(
    pod: V1Pod,
    private readonly deps: PodWorkerDeps,
  ) {
    this.pod = pod;
    this.uid = pod.metadata?.uid ?? '';
    this.namespace = pod.metadata?.namespace ?? 'default';
    this.name = pod.metadata?.name ?? '';
    this.where = `Pod ${this.namespace}/${this.name}`;
    this.podDir = podDirectory(deps.dataDir, this.namespace, this.name);
    const waiting = (c: V1Container, reason: string): ContainerRecord => ({
      name: c.name,
      image: c.image ?? '',
      state: { waiting: { reason } },
      restartCount: 0,
      done: false,
    });
    this.init = (pod.spec?.initContainers ?? []).map((c) => waiting(c, 'PodInitializing'));
    this.main = (pod.spec?.containers ?? []).map((c) => waiting(c, this.init.length > 0 ? 'PodInitializing' : 'ContainerCreating'));
  }

  /** Where a container's log goes: the path the API server serves as pods/log. */
  private logPath(container: string, previous: boolean): string {
    return podLogPath(path.join(this.deps.dataDir, 'pods'), this.namespace, this.name, container, previous);
  }

  /** True once the pod reached a terminal phase and nothing of it runs. */
  get isFinished(): boolean {
    return this.finished;
  }

  /** The grace period of a plain stop of this pod. */
  get gracePeriodSeconds(): number {
    return podGracePeriod(this.pod, this.deps.defaultGracePeriodSeconds);
  }

  /** After `stop`: resolves once none of the pod's processes runs any more (no new one starts then). */
  async processesGone(): Promise<void> {
    await Promise.all([...this.processes.values()].map((handle) => handle.result));
  }

  private get restartPolicy(): 'Always' | 'OnFailure' | 'Never' {
    const policy = this.pod.spec?.restartPolicy;
    return policy === 'OnFailure' || policy === 'Never' ? policy : 'Always';
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  /** Keeps the latest object (labels and annotations feed the downward API). */
  update(pod: V1Pod): void {
    if (pod.metadata?.uid === this.uid) this.pod = pod;
  }

  /** The pod status now. */
  status(): PodStatusBody {
    const body = buildPodStatus({
      init: this.init,
      main: this.main,
      startTime: this.startTime,
      hostIP: this.deps.info.hostIP,
      podIP: this.deps.info.podIP,
      previousConditions: this.conditions,
      extraConditions: this.substitutionCondition(),
      ...(this.outcome ?? {}),
    });
    this.conditions = body.conditions;
    return body;
  }

  /**
   * While a container runs something else than its image (the image map does not know it), a pod
   * condition `sedna.io/ImageNotMapped` `True` says what, so the pod's status (and the job condition
   * the GM writes from it) tells it, not only an event.
   */
  private substitutionCondition(): PodCondition[] {
    if (this.substitutions.size === 0) return [];
    const message = [...this.substitutions].map(([container, note]) => `container ${container}: ${note}`).join('; ');
    const before = this.conditions.find((c) => c.type === IMAGE_NOT_MAPPED);
    return [{ type: IMAGE_NOT_MAPPED, status: 'True', reason: 'ImageNotMapped', message, lastProbeTime: null, lastTransitionTime: before?.status === 'True' ? before.lastTransitionTime : timestamp() }];
  }

  private report(): void {
    if (this.detached) return;
    void this.deps.writeStatus(this, this.status());
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (!this.detached) this.deps.event(this.pod, type, reason, message);
  }

  /** Accepts the pod and starts running it. */
  start(): void {
    this.deps.store.writePod({ uid: this.uid, namespace: this.namespace, name: this.name, acceptedAt: this.startTime });
    this.armDeadline();
    const run = this.run();
    this.running = run.then(
      () => undefined,
      () => undefined,
    );
    run.catch((error: unknown) => {
      // Not a container's failure but the agent's (a disk that refuses a write...): stop what runs
      // and say so in the pod's status rather than leave it hanging.
      const message = error instanceof Error ? error.message : String(error);
      this.deps.logger.error({ pod: `${this.namespace}/${this.name}`, ...errorFields(error) }, 'pod worker failed');
      void this.stop({ gracePeriodSeconds: this.gracePeriodSeconds, outcome: { phase: 'Failed', reason: 'NodeAgentError', message }, report: true });
    });
  }

  /**
   * `spec.activeDeadlineSeconds`, as the kubelet honours it: counted from the pod's start on the node
   * (its status.startTime when it has one, so a restarted agent does not start the count again); past
   * it the pod's processes are stopped and the pod fails with reason DeadlineExceeded.
   */
  private armDeadline(): void {
    const seconds = this.pod.spec?.activeDeadlineSeconds;
    if (typeof seconds !== 'number' || !(seconds > 0)) return;
    const started = Date.parse(String(this.pod.status?.startTime ?? this.startTime));
    const left = (Number.isNaN(started) ? Date.now() : started) + seconds * 1000 - Date.now();
    this.deadlineTimer = setTimeout(
      () => {
        this.event('Warning', 'DeadlineExceeded', `Pod was active on the node longer than the specified deadline (activeDeadlineSeconds ${seconds})`);
        void this.stop({
          gracePeriodSeconds: this.gracePeriodSeconds,
          outcome: { phase: 'Failed', reason: 'DeadlineExceeded', message: `Pod was active on the node longer than the specified deadline (activeDeadlineSeconds ${seconds})` },
          report: true,
        });
      },
      Math.max(0, left),
    );
    this.deadlineTimer.unref();
  }

  private async run(): Promise<void> {
    this.resetPodDirectory();
    this.report();
    const policy = this.restartPolicy;
    const initSpecs = this.pod.spec?.initContainers ?? [];
    for (let i = 0; i < initSpecs.length && !this.stopped; i++) {
      const record = this.init[i] as ContainerRecord;
      await this.runContainer(record, initSpecs[i] as V1Container, `spec.initContainers[${i}]`, (code) => code !== 0 && policy !== 'Never');
      if (!('terminated' in record.state && record.state.terminated.exitCode === 0)) break;
      this.deps.logger.debug({ pod: `${this.namespace}/${this.name}`, container: record.name }, 'init container succeeded');
    }
    if (!this.stopped && this.init.every((c) => 'terminated' in c.state && c.state.terminated.exitCode === 0)) {
      for (const record of this.main) if ('waiting' in record.state) record.state = { waiting: { reason: 'ContainerCreating' } };
      const specs = this.pod.spec?.containers ?? [];
      await Promise.all(
        specs.map((spec, i) =>
          this.runContainer(this.main[i] as ContainerRecord, spec, `spec.containers[${i}]`, (code) =>
            policy === 'Always' ? true : policy === 'OnFailure' ? code !== 0 : false,
          ),
        ),
      );
    }
    if (!this.stopped) await this.finish();
  }

  /** Writes the terminal status, then forgets the pod: its record goes only once the status landed. */
  private async finish(): Promise<void> {
    clearTimeout(this.deadlineTimer);
    for (const record of [...this.init, ...this.main]) record.done = true;
    const status = this.status();
    this.deps.store.writeFinalStatus(this.uid, status);
    this.finished = true;
    if (await this.deps.writeStatus(this, status)) this.deps.store.removePod(this.uid);
    this.deps.logger.info({ pod: `${this.namespace}/${this.name}`, phase: status.phase }, 'pod finished');
  }

  private resetPodDirectory(): void {
    // The folder is named after the pod, so a pod recreated under the same name must not find the
    // logs and emptyDirs of its predecessor.
    const marker = path.join(this.podDir, '.uid');
    let previous: string | undefined;
    try {
      previous = readFileSync(marker, 'utf8');
    } catch {
      previous = undefined;
    }
    if (previous !== this.uid) rmSync(this.podDir, { recursive: true, force: true });
    mkdirSync(this.podDir, { recursive: true });
    if (previous !== this.uid) writeFileAtomicSync(marker, this.uid, { durable: false });
  }

  /**
   * Runs one container until no restart is due: start, wait for the exit, record it, and restart
   * after a backoff when `restart(exitCode)` says so. Configuration errors keep the container waiting
   * (CreateContainerConfigError) and are retried with the same backoff.
   */
  private async runContainer(record: ContainerRecord, spec: V1Container, field: string, restart: (exitCode: number) => boolean): Promise<void> {
    let failures = 0;
    let runs = 0;
    while (!this.stopped) {
      let launch: LaunchSpec | undefined;
      let startFailure: string | undefined;
      try {
        launch = await this.prepare(spec, field, runs);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof NodeAgentError && error.code === 'UnresolvableCommand') {
          startFailure = message;
        } else {
          record.state = { waiting: { reason: 'CreateContainerConfigError', message } };
          this.event('Warning', 'Failed', `Error: ${message}`);
          this.report();
          failures++;
          await this.sleep(this.backoffDelay(failures));
          continue;
        }
      }
      if (this.stopped) return;
      if (runs > 0) record.restartCount++;
      runs++;
      let startedAt = timestamp();
      let result: ProcessResult = { kind: 'failed', message: startFailure ?? '', finishedAt: new Date() };
      if (launch) {
        // Like `kubectl logs --previous`: the log of the run before the current one stays readable.
        if (runs > 1 && existsSync(launch.logPath)) renameSync(launch.logPath, this.logPath(spec.name, true));
        const handle = launchProcess(launch);
        if (handle.pid !== undefined) {
          this.processes.set(record.name, handle);
          startedAt = timestamp(handle.startedAt);
          record.containerID = `process://${handle.pid}`;
          record.state = { running: { startedAt } };
          this.event('Normal', 'Started', `Started container ${record.name} (pid ${handle.pid})`);
          this.report();
        }
        result = await handle.result;
        this.processes.delete(record.name);
      }
      const exitCode = result.kind === 'exited' ? result.exitCode : 128;
      const signal = result.kind === 'exited' && result.signal ? SIGNALS[result.signal] : undefined;
      const message = this.terminationMessage(spec, result, exitCode, launch?.logPath);
      record.state = {
        terminated: {
          exitCode,
          ...(signal === undefined ? {} : { signal }),
          reason: result.kind === 'failed' ? 'StartError' : exitCode === 0 ? 'Completed' : 'Error',
          ...(message ? { message } : {}),
          startedAt,
          finishedAt: timestamp(result.finishedAt),
          ...(launch && record.containerID ? { containerID: record.containerID } : {}),
        },
      };
      if (result.kind === 'failed') this.event('Warning', 'Failed', `Error: ${result.message}`);
      this.deps.logger.info({ pod: `${this.namespace}/${this.name}`, container: record.name, exitCode }, 'container exited');
      if (this.stopped || !restart(exitCode)) {
        record.done = true;
        this.report();
        return;
      }
      // A run long enough resets the backoff, as the kubelet does after ten minutes of good running.
      const ranMs = result.finishedAt.getTime() - Date.parse(startedAt);
      failures = ranMs >= 2 * this.deps.backoff.maxMs ? 1 : failures + 1;
      const delay = this.backoffDelay(failures);
      record.lastState = record.state;
      record.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.ceil(delay / 1000)}s restarting failed container=${record.name} pod=${this.name}` } };
      this.event('Warning', 'BackOff', `Back-off restarting failed container ${record.name}`);
      this.report();
      await this.sleep(delay);
    }
  }

  /**
   * The `terminated.message` of a run: the start failure, or for a failed run with
   * `terminationMessagePolicy: FallbackToLogsOnError` the end of its log (as the kubelet: the last 80
   * lines, at most 2048 bytes, the whole message included); preceded, for a failed run, by what ran
   * instead of an unmapped image.
   */
  private terminationMessage(spec: V1Container, result: ProcessResult, exitCode: number, logPath: string | undefined): string | undefined {
    const failed = result.kind === 'failed' || exitCode !== 0;
    if (!failed) return undefined;
    const parts: string[] = [];
    const substitution = this.substitutions.get(spec.name);
    if (substitution) parts.push(`${substitution}.`);
    if (result.kind === 'failed') parts.push(result.message);
    else if (spec.terminationMessagePolicy === 'FallbackToLogsOnError' && logPath) {
      // The whole message within the kubelet's 2048 bytes: the log gives what the substitution leaves.
      const taken = parts.length > 0 ? Buffer.byteLength(parts.join('\n')) + 1 : 0;
      const tail = logTail(logPath, TERMINATION_LOG_LINES, Math.max(0, TERMINATION_LOG_BYTES - taken));
      if (tail) parts.push(tail);
    }
    return parts.length > 0 ? parts.join('\n') : undefined;
  }

  private backoffDelay(failures: number): number {
    return backoffDelay(failures, this.deps.backoff);
  }

  private async sleep(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.abort.signal });
    } catch {
      // aborted: the pod is stopping
    }
  }

  /** Everything needed to start a container's process, resolved against the API and the disk. */
  private async prepare(spec: V1Container, field: string, runs: number): Promise<LaunchSpec> {
    const where = `${this.where}: ${field}`;
    const sources = await this.deps.fetchSources(this.pod);
    if (!this.volumes) {
      const planned = planVolumes(this.pod, this.podDir, this.where);
      prepareVolumes(planned.values(), sources, this.where);
      this.volumes = planned;
    }
    const env = buildContainerEnv(this.pod, spec, where, sources, this.deps.info);
    const rewrite = createPathRewriter(containerMappings(spec, where, this.volumes, env));
    const lookup = (name: string): string | undefined => env[name];
    const command = resolveCommand(
      {
        image: spec.image,
        command: spec.command?.map((part) => rewrite(expandVars(part, lookup))),
        args: spec.args?.map((part) => rewrite(expandVars(part, lookup))),
      },
      where,
      this.deps.imageCommands,
      this.deps.interpreters,
    );
    // As in a container: the pod name, or the node's host name for a hostNetwork pod.
    const hostname = this.pod.spec?.hostNetwork ? os.hostname() : this.name;
    const processEnv: Record<string, string> = { ...this.deps.baseEnv, HOSTNAME: hostname };
    for (const [key, value] of Object.entries(env)) processEnv[key] = rewrite(value);
    const logPath = this.logPath(spec.name, false);
    const gracePeriodSeconds = podGracePeriod(this.pod, this.deps.defaultGracePeriodSeconds);
    if (command.unmappedImage !== undefined) {
      const note = `image ${JSON.stringify(command.unmappedImage)} has no local command on this node (the node agent's imageCommands, --image-command IMAGE=COMMAND, map one); running ${JSON.stringify([command.file, ...command.args].join(' '))} instead`;
      this.substitutions.set(spec.name, note);
      this.event('Warning', 'ImageNotMapped', `Container ${spec.name}: ${note}`);
    } else this.substitutions.delete(spec.name);
    return {
      file: command.file,
      args: command.args,
      cwd: spec.workingDir ? rewrite(spec.workingDir) : this.deps.defaultWorkingDir,
      env: processEnv,
      logPath,
      tag: `${this.deps.store.root}#${this.uid}#${spec.name}#${runs}`,
      onSpawn: (pid, startTime) =>
        this.deps.store.writePid(this.uid, {
          pid,
          ...(startTime === undefined ? {} : { startTime }),
          container: spec.name,
          tag: `${this.deps.store.root}#${this.uid}#${spec.name}#${runs}`,
          startedAt: timestamp(),
          gracePeriodSeconds,
        }),
      onGone: () => this.deps.store.removePid(this.uid, spec.name),
    };
  }

  /**
   * Stops the pod: SIGTERM to every process group, SIGKILL after the grace period, then (if asked)
   * writes the final status. Waiting containers never start. Resolves once nothing of the pod runs.
   */
  stop(options: StopOptions): Promise<void> {
    clearTimeout(this.deadlineTimer);
    this.stopping ??= (async () => {
      const wasFinished = this.finished;
      this.abort.abort();
      const graceMs = Math.max(0, options.gracePeriodSeconds) * 1000;
      if (this.processes.size > 0) {
        this.event('Normal', 'Killing', `Stopping containers ${[...this.processes.keys()].join(', ')}`);
      }
      await Promise.all([...this.processes.values()].map((handle) => handle.terminate(graceMs)));
      await this.running;
      if (wasFinished) return;
      for (const record of [...this.init, ...this.main]) {
        record.done = true;
        if ('waiting' in record.state && options.outcome) {
          const now = timestamp();
          record.state = { terminated: { exitCode: 137, reason: options.outcome.reason, message: options.outcome.message, startedAt: now, finishedAt: now } };
        }
      }
      if (options.outcome) this.outcome = options.outcome;
      this.finished = true;
      const status = this.status();
      if (options.report) {
        // Kept on disk until the API has it: a restarted agent writes it if this write never lands.
        this.deps.store.writeFinalStatus(this.uid, status);
        if (await this.deps.writeStatus(this, status)) this.deps.store.removePod(this.uid);
      } else {
        this.deps.store.removePod(this.uid);
      }
    })();
    return this.stopping;
  }

  /** Lets the agent process exit while the pod's processes run on (they are found again on restart). */
  detach(): void {
    this.detached = true;
    this.abort.abort();
    for (const handle of this.processes.values()) handle.unref();
  }
}

