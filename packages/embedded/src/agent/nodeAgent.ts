import { rmSync } from 'node:fs';
import path from 'node:path';
import {
  CoordinationV1Api,
  CoreV1Api,
  type KubeConfig,
  ListWatch,
  type V1Pod,
  type V1PodList,
  Watch,
} from '@kubernetes/client-node';
import { backoffDelay, WorkQueue } from '@sedna-ts/internal';
import { type Interpreters } from './command.js';
import { configMapText, type DownwardInfo, podReferences, type ResolvedSources, secretText } from './env.js';
import { NodeAgentError } from './errors.js';
import { defaultInterpreters } from './interpreters.js';
import { defaultLogger, errorFields, type NodeAgentLogger } from './logger.js';
import { NodeRegistration } from './node.js';
import { podDirectory } from './paths.js';
import { interruptedPodStatus, type PodStatusBody } from './podStatus.js';
import { podGracePeriod, PodWorker, type PodWorkerDeps } from './podWorker.js';
import { type InterruptedPod, stopLeftovers } from './recovery.js';
import { StateStore } from './stateStore.js';
import { apiStatusCode, StatusWriter } from './statusWriter.js';

/** Options of `startNodeAgent`. */
export interface NodeAgentOptions {
  /** How to reach the Kubernetes API (any server: the embedded one or a real cluster). */
  kubeConfig: KubeConfig;
  /** The Node this agent registers and whose pods (spec.nodeName) it runs. */
  nodeName: string;
  /**
   * Where pod folders go (`<dataDir>/pods/<namespace>/<pod>/`: container logs, emptyDirs) and the
   * agent's own records (`<dataDir>/agent/<nodeName>/`). Share it with the API server so it serves logs.
   */
  dataDir: string;
  /** Image to local command prefix, for containers without `command` (key: image, or image without tag). */
  imageCommands?: Record<string, string[]>;
  /** Grace period when a pod sets none (default 30 s). */
  defaultGracePeriodSeconds?: number;
  /** Base environment of every process, under the container's own env (default: the agent's environment). */
  env?: Record<string, string>;
  /** Logger (default: pino at SEDNA_LOG_LEVEL or info). */
  logger?: NodeAgentLogger;
  /** Working directory of containers without `workingDir` (default: the agent's cwd). */
  workingDir?: string;
  /** The node's address, reported as hostIP and podIP (processes share the host network; default 127.0.0.1). */
  nodeIP?: string;
  /** Extra labels of the Node. */
  labels?: Record<string, string>;
  /** Replaces the interpreters used for scripts by extension (node, tsx, python3). */
  interpreters?: Partial<Interpreters>;
  /** Restart backoff of failed containers (default 10 s doubling up to 300 s, as the kubelet). */
  restartBackoff?: { initialMs?: number; maxMs?: number };
  /** Seconds between lease renewals (default 10); the node status is refreshed every 6th. */
  heartbeatIntervalSeconds?: number;
}

/** A running node agent. */
export interface NodeAgent {
  /** The Node name it registered. */
  readonly nodeName: string;
  /**
   * Stops the agent. With `killPods` (the default) every running pod is stopped (SIGTERM, SIGKILL
   * after its grace period) and marked Failed with reason `NodeShutdown`. With `killPods: false` the
   * processes keep running; the next start of the agent on this node stops them and marks their pods
   * Failed with reason `NodeRestart`.
   */
  stop(options?: { killPods?: boolean }): Promise<void>;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validate(options: NodeAgentOptions): void {
  const fail = (field: string, problem: string): never => {
    throw new NodeAgentError('InvalidOptions', `NodeAgentOptions.${field}: ${problem}`);
  };
  if (!options.kubeConfig) fail('kubeConfig', 'is required');
  if (typeof options.nodeName !== 'string' || options.nodeName.length > 253 || !DNS_SUBDOMAIN.test(options.nodeName)) {
    fail('nodeName', `${JSON.stringify(options.nodeName)} is not a DNS subdomain (lowercase letters, digits, '-' and '.')`);
  }
  if (typeof options.dataDir !== 'string' || options.dataDir === '') fail('dataDir', 'is required');
  for (const [image, command] of Object.entries(options.imageCommands ?? {})) {
    if (!Array.isArray(command) || command.length === 0 || !command.every((part) => typeof part === 'string')) {
      fail(`imageCommands[${JSON.stringify(image)}]`, 'must be a non-empty list of strings');
    }
  }
  const grace = options.defaultGracePeriodSeconds;
  if (grace !== undefined && !(Number.isFinite(grace) && grace >= 0)) fail('defaultGracePeriodSeconds', `${grace} is not a number of seconds >= 0`);
  const heartbeat = options.heartbeatIntervalSeconds;
  if (heartbeat !== undefined && !(Number.isFinite(heartbeat) && heartbeat > 0)) fail('heartbeatIntervalSeconds', `${heartbeat} is not a number of seconds > 0`);
}

function isTerminal(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

function podKey(pod: V1Pod): string {
  return `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
}

/**
 * Starts a node agent: a small kubelet that registers its Node, watches the pods bound to it and runs
 * each as local processes (see the package README, "Node agent"). Before anything runs, processes a
 * previous run left behind are stopped and their pods marked Failed with reason `NodeRestart`.
 *
 * @example
 * ```ts
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromFile('/var/lib/sedna/kubeconfig');
 * const agent = await startNodeAgent({ kubeConfig, nodeName: 'edge-1', dataDir: '/var/lib/sedna' });
 * // ... pods with spec.nodeName 'edge-1' now run as processes
 * await agent.stop();
 * ```
 * @throws NodeAgentError `InvalidOptions`, `AlreadyRunning`, or `Api` when the Node cannot be registered.
 */
export async function startNodeAgent(options: NodeAgentOptions): Promise<NodeAgent> {
  validate(options);
  const logger = options.logger ?? defaultLogger(options.nodeName);
  const store = new StateStore(options.dataDir, options.nodeName, logger);
  store.acquireLock();
  try {
    const defaultGracePeriodSeconds = options.defaultGracePeriodSeconds ?? 30;
    const recovery = await stopLeftovers(store, logger, defaultGracePeriodSeconds);
    const agent = new Agent(options, store, logger, recovery.interrupted, defaultGracePeriodSeconds);
    await agent.start();
    return agent;
  } catch (error) {
    store.releaseLock();
    throw error;
  }
}

class Agent implements NodeAgent {
  readonly nodeName: string;
  private readonly core: CoreV1Api;
  private readonly registration: NodeRegistration;
  private readonly statusWriter: StatusWriter;
  private readonly informer: ListWatch<V1Pod>;
  private readonly queue: WorkQueue;
  private readonly workers = new Map<string, PodWorker>();
  private readonly deletionConfirmed = new Set<string>();
  private readonly deps: PodWorkerDeps;
  private readonly info: DownwardInfo;
  private heartbeat: NodeJS.Timeout | undefined;
  private heartbeats = 0;
  private informerRetry: NodeJS.Timeout | undefined;
  private informerFailures = 0;
  private lastInformerFailure = 0;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly options: NodeAgentOptions,
    private readonly store: StateStore,
    private readonly logger: NodeAgentLogger,
    private readonly interrupted: Map<string, InterruptedPod>,
    private readonly defaultGracePeriodSeconds: number,
  ) {
    this.nodeName = options.nodeName;
    const kc = options.kubeConfig;
    this.core = kc.makeApiClient(CoreV1Api);
    const nodeIP = options.nodeIP ?? '127.0.0.1';
    this.info = { hostIP: nodeIP, podIP: nodeIP };
    const heartbeatSeconds = options.heartbeatIntervalSeconds ?? 10;
    this.registration = new NodeRegistration(
      this.core,
      kc.makeApiClient(CoordinationV1Api),
      { nodeName: options.nodeName, nodeIP, labels: options.labels ?? {} },
      Math.max(40, Math.ceil(heartbeatSeconds * 4)),
    );
    this.statusWriter = new StatusWriter(this.core, logger);
    const workingDir = path.resolve(options.workingDir ?? process.cwd());
    this.deps = {
      dataDir: path.resolve(options.dataDir),
      store,
      baseEnv: options.env ?? (Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined)) as Record<string, string>),
      defaultWorkingDir: workingDir,
      imageCommands: options.imageCommands ?? {},
      interpreters: defaultInterpreters(workingDir, options.interpreters),
      info: this.info,
      defaultGracePeriodSeconds,
      backoff: { initialMs: options.restartBackoff?.initialMs ?? 10_000, maxMs: options.restartBackoff?.maxMs ?? 300_000 },
      logger,
      fetchSources: (pod) => this.fetchSources(pod),
      writeStatus: (worker, status) => this.statusWriter.write(worker.uid, worker.namespace, worker.name, status),
      event: (pod, type, reason, message) => this.event(pod, type, reason, message),
    };
    const fieldSelector = `spec.nodeName=${options.nodeName}`;
    this.informer = new ListWatch<V1Pod>(
      '/api/v1/pods',
      new Watch(kc),
      async (): Promise<V1PodList> => {
        const list = await this.core.listPodForAllNamespaces({ fieldSelector });
        this.forgetVanished(list.items);
        return list;
      },
      false,
      undefined,
      fieldSelector,
    );
    // No limit on pods reconciled at once; one reconcile in flight per pod, failures retried 0.5 s doubling up to 30 s.
    this.queue = new WorkQueue({
      backoff: { initialMs: 500, maxMs: 30_000 },
      concurrency: Infinity,
      onError: (key, error, _retryInMs, attempt) => logger.warn({ pod: key, attempt, ...errorFields(error) }, 'pod reconcile failed, retrying'),
    });
    this.queue.start((key) => this.reconcile(key));
  }

  async start(): Promise<void> {
    await this.registration.register();
    this.logger.info({ interrupted: this.interrupted.size }, 'node registered');
    const interval = (this.options.heartbeatIntervalSeconds ?? 10) * 1000;
    this.heartbeat = setInterval(() => void this.beat(), interval);
    this.heartbeat.unref();
    for (const verb of ['add', 'update', 'delete'] as const) this.informer.on(verb, (pod) => this.queue.add(podKey(pod)));
    this.informer.on('error', (error) => this.restartInformer(error));
    await this.informer.start();
  }

  /** Interrupted pods the API no longer has need no status: just forget them. */
  private forgetVanished(pods: readonly V1Pod[]): void {
    const listed = new Set(pods.map((pod) => pod.metadata?.uid));
    for (const [uid, { record, marked }] of this.interrupted) {
      if (listed.has(uid) || marked) continue;
      this.interrupted.delete(uid);
      this.store.removePod(uid);
      this.logger.info({ pod: `${record.namespace}/${record.name}` }, 'interrupted pod is gone from the API');
    }
  }

  private async beat(): Promise<void> {
    try {
      await this.registration.renewLease();
      if (++this.heartbeats % 6 === 0) await this.registration.writeStatus(true);
    } catch (error) {
      this.logger.warn(errorFields(error), 'node heartbeat failed');
    }
  }

  private restartInformer(error: unknown): void {
    if (this.stopping) return;
    // Failures in a row back off; one after a quiet minute starts over.
    const now = Date.now();
    if (now - this.lastInformerFailure > 60_000) this.informerFailures = 0;
    this.lastInformerFailure = now;
    this.informerFailures++;
    const delay = backoffDelay(this.informerFailures, { initialMs: 1000, maxMs: 30_000 });
    this.logger.warn({ attempt: this.informerFailures, delayMs: delay, ...errorFields(error) }, 'pod watch failed, restarting');
    clearTimeout(this.informerRetry);
    this.informerRetry = setTimeout(() => {
      if (!this.stopping) void this.informer.start();
    }, delay);
    this.informerRetry.unref();
  }

  private async fetchSources(pod: V1Pod): Promise<ResolvedSources> {
    const namespace = pod.metadata?.namespace ?? 'default';
    const refs = podReferences(pod);
    const read = async <T>(fn: () => Promise<T>): Promise<T | null> => {
      try {
        return await fn();
      } catch (error) {
        if (apiStatusCode(error) === 404) return null;
        throw error;
      }
    };
    const configMaps = new Map<string, Record<string, string> | null>();
    const secrets = new Map<string, Record<string, string> | null>();
    await Promise.all([
      ...[...refs.configMaps].map(async (name) => {
        const cm = await read(() => this.core.readNamespacedConfigMap({ name, namespace }));
        configMaps.set(name, cm ? configMapText(cm) : null);
      }),
      ...[...refs.secrets].map(async (name) => {
        const secret = await read(() => this.core.readNamespacedSecret({ name, namespace }));
        secrets.set(name, secret ? secretText(secret) : null);
      }),
    ]);
    return { configMaps, secrets };
  }

  private event(pod: V1Pod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const namespace = pod.metadata?.namespace ?? 'default';
    const now = new Date();
    this.core
      .createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${pod.metadata?.name ?? 'pod'}.`, namespace },
          involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
          type,
          reason,
          message,
          source: { component: 'kubelet', host: this.nodeName },
          reportingComponent: 'sedna-node-agent',
          reportingInstance: this.nodeName,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      })
      .catch((error: unknown) => this.logger.debug({ pod: podKey(pod), reason, ...errorFields(error) }, 'event not recorded'));
  }

  /** Brings one pod key in line with the API: start, leave, stop, or finish deleting it. */
  private async reconcile(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const pod = this.informer.get(key.slice(slash + 1), key.slice(0, slash));
    let worker = this.workers.get(key);
    if (worker && (!pod || pod.metadata?.uid !== worker.uid)) {
      // The object is gone (or replaced by a namesake): stop its processes, nothing left to report to.
      await worker.stop({ gracePeriodSeconds: worker.gracePeriodSeconds, report: false });
      this.statusWriter.drop(worker.uid);
      this.workers.delete(key);
      this.deletionConfirmed.delete(worker.uid);
      worker = undefined;
    }
    if (!pod) {
      const [namespace, name] = [key.slice(0, slash), key.slice(slash + 1)];
      for (const [uid, { record }] of this.interrupted) if (record.namespace === namespace && record.name === name) this.interrupted.delete(uid);
      rmSync(podDirectory(this.deps.dataDir, namespace, name), { recursive: true, force: true });
      return;
    }
    const uid = pod.metadata?.uid ?? '';
    // An interrupted pod stays known as such while it exists: a reconcile that still sees its old
    // status in the cache must not start it again.
    const interrupted = this.interrupted.get(uid);
    if (interrupted && !interrupted.marked) await this.markInterrupted(pod, interrupted);
    if (pod.metadata?.deletionTimestamp) {
      if (worker) {
        const grace = pod.metadata.deletionGracePeriodSeconds ?? podGracePeriod(pod, this.defaultGracePeriodSeconds);
        await worker.stop({ gracePeriodSeconds: grace, report: true });
      }
      await this.confirmDeletion(pod);
      return;
    }
    if (worker) {
      worker.update(pod);
      return;
    }
    // Once the agent stops, nothing new starts (the stop has taken its list of workers).
    if (interrupted || isTerminal(pod) || this.stopping) return;
    worker = new PodWorker(pod, this.deps);
    this.logger.info({ pod: key, uid }, 'starting pod');
    worker.start(); // throws before anything runs if the pod cannot be recorded: retried then
    this.workers.set(key, worker);
  }

  /** Marks a pod a previous run had started as Failed (NodeRestart), or with the final status it had reached. */
  private async markInterrupted(pod: V1Pod, interrupted: InterruptedPod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    if (!isTerminal(pod) || interrupted.finalStatus) {
      const status =
        (interrupted.finalStatus as PodStatusBody | undefined) ??
        interruptedPodStatus(
          pod,
          { reason: 'NodeRestart', message: `The node agent of ${this.nodeName} restarted while the pod ran; its processes were stopped and it will not run again` },
          this.info,
        );
      const written = await this.statusWriter.write(uid, pod.metadata?.namespace ?? 'default', pod.metadata?.name ?? '', status);
      if (!written) throw new NodeAgentError('Api', `Pod ${podKey(pod)}: status after node restart not written`);
      this.logger.warn({ pod: podKey(pod), phase: status.phase, reason: status.reason }, 'pod interrupted by an agent restart');
      if (!interrupted.finalStatus) this.event(pod, 'Warning', 'NodeRestart', 'The node agent restarted while the pod ran; its processes were stopped');
    }
    interrupted.marked = true;
    this.store.removePod(uid);
  }

  /** Finishes a graceful delete: the processes are gone, so the object can go (grace 0, same uid only). */
  private async confirmDeletion(pod: V1Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    if (this.deletionConfirmed.has(uid)) return;
    try {
      await this.core.deleteNamespacedPod({
        name: pod.metadata?.name ?? '',
        namespace: pod.metadata?.namespace ?? 'default',
        gracePeriodSeconds: 0,
        body: { gracePeriodSeconds: 0, preconditions: { uid } },
      });
    } catch (error) {
      const code = apiStatusCode(error);
      if (code !== 404 && code !== 409) throw error;
    }
    this.deletionConfirmed.add(uid);
  }

  stop(options: { killPods?: boolean } = {}): Promise<void> {
    this.stopping ??= this.shutdown(options.killPods ?? true);
    return this.stopping;
  }

  private async shutdown(killPods: boolean): Promise<void> {
    clearInterval(this.heartbeat);
    clearTimeout(this.informerRetry);
    await this.informer.stop();
    // Drops pending retries; the reconciles in flight are waited for below (idle), once the writer is closed.
    void this.queue.stop();
    const workers = [...this.workers.values()];
    if (killPods) {
      const outcome = { phase: 'Failed' as const, reason: 'NodeShutdown', message: `The node agent of ${this.nodeName} stopped and stopped the pod's processes` };
      // Status writes get a few seconds once the processes are gone; what does not land is kept on
      // disk and written by the next start of the agent.
      const stops = workers.map((worker) => worker.stop({ gracePeriodSeconds: worker.gracePeriodSeconds, outcome, report: true }));
      await Promise.all(workers.map((worker) => worker.processesGone()));
      await Promise.race([Promise.all(stops), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    } else {
      for (const worker of workers) worker.detach();
    }
    // Closing the writer also frees a reconcile waiting on a status write (the API may be gone).
    this.statusWriter.close();
    await Promise.race([this.queue.idle(), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    await Promise.race([
      this.registration.writeStatus(false).catch((error: unknown) => this.logger.debug(errorFields(error), 'node status not written')),
      new Promise((resolve) => setTimeout(resolve, 2000).unref()),
    ]);
    this.store.releaseLock();
    this.logger.info({ killPods }, 'node agent stopped');
  }
}
