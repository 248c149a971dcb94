/**
 * The reconciler of a learning job kind. Each reconcile reads the job from the cache, builds what the
 * state machine observes (pods with expectations, Dataset, Models, connected LCs, pending reports),
 * calls `decide`, applies the actions (pods first, then annotations), writes the status through the
 * status subresource (a 409 means the decision was made on a stale job: read it fresh and decide
 * again), and only then acknowledges the reports. A deleted job is cleaned up through its finalizer.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { KubernetesObject, V1Pod, V1Secret } from '@kubernetes/client-node';
import { JOB_EVENT_PHASE, JobConditionType, type Dataset, type Model } from '@sedna-ts/api-types';
import { decisionLabel, outcomeLabel, stageLabel } from '@sedna-ts/api-types/contract';
import { reportedEvents } from '../gm/datasetController.js';
import type { GmLogger } from '../config.js';
import { ConditionReason, conditionAttempt, conditionRound, findLastCondition, timeMs } from './conditions.js';
import type { Downstream } from '../lc/downstream.js';
import { ControllerError } from '../errors.js';
import type { PodExpectations } from './expectations.js';
import type { Informer } from '../kube/informer.js';
import type { JobPolicy, LearningJob } from './jobPolicy.js';
import { isConflict, isNotFound, type KubeApi, type SednaApiObject } from '../kube/kubeApi.js';
import { ATTEMPT_LABEL, CLEANUP_FINALIZER, ROUND_LABEL, labelSelector, workerLabelKeys } from './labels.js';
import type { UpstreamFrame, UpstreamHandler, UpstreamResult } from '../lc/lcServer.js';
import { forgetJob, observeJob, type GmMetrics } from '../metrics.js';
import { observePod, type ObservedPod } from './observedPod.js';
import {
  decide,
  type DecideOptions,
  type JobDecision,
  type JobReportMessage,
  type JobWorld,
  type PendingReport,
  type ReportOutcome,
  type WorkerPodRequest,
} from './stateMachine.js';
import { invalidSpecStatus, specFixedStatus, specProblem } from './specCheck.js';
import type { HandleResult } from '@sedna-ts/internal';
import { buildWorkerPod, buildWorkerTokenSecret, isWorkerTokenSecret, type LcInfo, type WorkerPodSettings } from './workerPod.js';

/** What a job controller works with. */
export interface JobControllerDeps<J extends LearningJob> {
  policy: JobPolicy<J>;
  api: KubeApi;
  jobs: Informer<J & KubernetesObject>;
  pods: Informer<V1Pod>;
  datasets: Informer<Dataset & KubernetesObject>;
  models: Informer<Model & KubernetesObject>;
  expectations: PodExpectations;
  downstream: Downstream;
  /** The connected LCs by node. */
  lcs: () => Map<string, LcInfo>;
  /** The token of a node. */
  nodeToken: (node: string) => string;
  /** Adds the job's key to the reconcile queue. */
  enqueue: (namespace: string, name: string) => void;
  /** Why the job may not run beside the others (another job's outputDir), if it may not. */
  conflict?: (job: J) => string | undefined;
  options: DecideOptions;
  /** Init container and default requests of worker pods. */
  podSettings: WorkerPodSettings;
  metrics: GmMetrics;
  logger: GmLogger;
}

interface Waiting {
  report: PendingReport;
  resolve: (outcome: ReportOutcome) => void;
  reject: (error: unknown) => void;
}

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';
const MAX_CONFLICTS = 5;

/** Five random `[a-z0-9]`, as the API server's generateName suffix. */
export function randomNameSuffix(): string {
  let out = '';
  for (let i = 0; i < 5; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why the actions stopped: the world changed under the decision, so decide again. */
class Stale extends Error {}

/** Reconciles the jobs of one kind and applies their upstream reports. */
export class JobController<J extends LearningJob> {
  private readonly pending = new Map<string, Waiting[]>();
  /** Why a job's worker pods could not be built at its last try (its Secrets), by job key. */
  private readonly problems = new Map<string, string[]>();
  /** The messages of the `once` events recorded for each job, by job key. */
  private readonly recorded = new Map<string, Set<string>>();

  constructor(private readonly deps: JobControllerDeps<J>) {}

  private where(job: LearningJob): string {
    return `${this.deps.policy.kind} ${job.metadata.namespace ?? 'default'}/${job.metadata.name ?? ''}`;
  }

  /** The upstream handler of this kind: validates the report and the sender, then applies it with the next reconcile. */
  readonly upstream: UpstreamHandler = async (frame: UpstreamFrame): Promise<UpstreamResult> => {
    const { namespace, resourceName: name } = frame.header;
    const where = `${this.deps.policy.kind} ${namespace}/${name}`;
    const payload = frame.payload;
    if (!isObject(payload) || typeof payload.phase !== 'string' || typeof payload.status !== 'string') {
      return { result: 'rejected', error: `${where}: a job report needs string phase and status` };
    }
    const job = this.deps.jobs.get(name, namespace);
    if (!job) return { result: 'rejected', error: `${where} not found` };
    const nodes = this.deps.downstream.jobNodes(job, this.deps.policy);
    if (!nodes.has(frame.node)) return { result: 'rejected', error: `${where}: node ${frame.node} is not a node of this job` };
    if (payload.phase.toLowerCase() === JOB_EVENT_PHASE.toLowerCase()) return this.recordEvents(job, where, frame.node, payload.events);
    const outcome = await this.report(namespace, name, {
      id: frame.header.messageId ?? randomUUID(),
      node: frame.node,
      message: payload as unknown as JobReportMessage,
    });
    if (outcome.result === 'ignored') this.deps.logger.info({ job: `${namespace}/${name}`, node: frame.node, detail: outcome.detail }, 'report ignored');
    return outcome.result === 'rejected' ? { result: 'rejected', error: `${where}: ${outcome.detail ?? 'rejected'}` } : { result: outcome.result };
  };

  /**
   * Records the events an LC reports about a job (a worker report it refused, say) as Kubernetes Events
   * on the job, and on the worker pod an event names when that pod is one of the job's (where the state
   * machine looks when the pod's stage ends without a report); no status change.
   */
  private async recordEvents(job: J, where: string, node: string, value: unknown): Promise<UpstreamResult> {
    const events = reportedEvents(where, value);
    if (typeof events === 'string') return { result: 'rejected', error: events };
    if (events.length === 0) return { result: 'rejected', error: `${where}: an ${JOB_EVENT_PHASE} message without events` };
    const namespace = job.metadata.namespace ?? 'default';
    const keys = workerLabelKeys(this.deps.policy.resourceKind);
    for (const event of events) {
      this.deps.logger.warn({ job: `${namespace}/${job.metadata.name ?? ''}`, node, reason: event.reason, ...(event.pod ? { pod: event.pod } : {}) }, event.message);
      const pod = event.pod ? this.deps.pods.get(event.pod, namespace) : undefined;
      const ofJob = pod?.metadata?.labels?.[keys.name] === job.metadata.name && (pod?.metadata?.labels?.[keys.uid] ?? job.metadata.uid) === job.metadata.uid;
      const about = ofJob && pod ? [job, { apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata }] : [job];
      for (const object of about) {
        await this.deps.api.createEvent(object, event.type, event.reason, event.message).catch((error: unknown) => {
          this.deps.logger.warn({ job: where, reason: event.reason, error: (error as Error).message }, 'an event from the LC could not be recorded');
        });
      }
    }
    return { result: 'applied' };
  }

  /** Queues a report for the job; resolves with its outcome once the status that records it is written. */
  report(namespace: string, name: string, report: PendingReport): Promise<ReportOutcome> {
    const key = `${namespace}/${name}`;
    return new Promise((resolve, reject) => {
      const list = this.pending.get(key) ?? [];
      list.push({ report, resolve, reject });
      this.pending.set(key, list);
      this.deps.enqueue(namespace, name);
    });
  }

  /** Resolves every pending report of a job with `detail` (the job is gone or going). */
  private settleReports(key: string, result: ReportOutcome['result'], detail: string): void {
    for (const w of this.pending.get(key) ?? []) w.resolve({ id: w.report.id, result, detail });
    this.pending.delete(key);
  }

  /** The observed pods of a job (by its name label and uid), with the expectations applied. */
  private observedPods(job: LearningJob, key: string): ObservedPod[] {
    const keys = workerLabelKeys(this.deps.policy.resourceKind);
    const observed: ObservedPod[] = [];
    for (const pod of this.deps.pods.list(job.metadata.namespace ?? 'default')) {
      const labels = pod.metadata?.labels ?? {};
      if (labels[keys.name] !== job.metadata.name) continue;
      if (labels[keys.uid] !== undefined && labels[keys.uid] !== job.metadata.uid) continue;
      const o = observePod(pod, this.deps.policy.resourceKind);
      if (o) observed.push(o);
    }
    return this.deps.expectations.apply(key, observed);
  }

  private world(job: J, key: string, reports: PendingReport[]): JobWorld {
    const namespace = job.metadata.namespace ?? 'default';
    const models = new Map<string, Model>();
    for (const name of this.deps.policy.modelNames(job)) {
      const model = this.deps.models.get(name, namespace);
      if (model) models.set(name, model);
    }
    const lcs = this.deps.lcs();
    const lcConnectedAt = new Map<string, string>();
    for (const [node, info] of lcs) if (info.connectedAt) lcConnectedAt.set(node, info.connectedAt);
    return {
      now: new Date(),
      pods: this.observedPods(job, key),
      dataset: this.deps.datasets.get(this.deps.policy.datasetName(job), namespace),
      models,
      connectedNodes: new Set(lcs.keys()),
      lcConnectedAt,
      reports,
      nameSuffix: randomNameSuffix(),
      problems: [...(this.problems.get(key) ?? []), ...this.imageProblems(job)],
    };
  }

  /**
   * The images of the job's workers that cannot run on their node: a node that runs workers as local
   * processes (its LC says which images have a command there) runs a container that names another image
   * only with a `command`, or a `workingDir` holding its script.
   */
  private imageProblems(job: J): string[] {
    const { policy } = this.deps;
    const namespace = job.metadata.namespace ?? 'default';
    const datasetNode = this.deps.datasets.get(policy.datasetName(job), namespace)?.spec.nodeName;
    const unmapped = new Map<string, { node: string; workers: string[] }>();
    for (const workerType of ['train', 'eval', 'inference'] as const) {
      const template = policy.template(job, workerType);
      const node = template?.spec?.nodeName ?? datasetNode;
      const local = node ? this.deps.lcs().get(node)?.localImages : undefined;
      if (!template || !node || !local) continue;
      for (const container of template.spec?.containers ?? []) {
        const image = container.image;
        if (!image || (container.command?.length ?? 0) > 0 || container.workingDir || local.includes(image)) continue;
        const entry = unmapped.get(`${image}@${node}`) ?? { node, workers: [] };
        if (!entry.workers.includes(workerType)) entry.workers.push(workerType);
        unmapped.set(`${image}@${node}`, entry);
      }
    }
    return [...unmapped.entries()].map(
      ([key, { node, workers }]) =>
        `${policy.kind} ${namespace}/${job.metadata.name ?? ''}: image ${JSON.stringify(key.slice(0, key.lastIndexOf('@')))} of the ${workers.join(', ')} worker${workers.length > 1 ? 's' : ''} has no local mapping on node ${node}, which runs workers as local processes (sedna up): give the container a command, or a workingDir holding its script${policy.kind === 'LifelongLearningJob' && key.startsWith('kubeedge/') ? " (the original's Python lifelong-learning workers are not supported: their knowledge-base index is a Python pickle; see docs/design/lifelong-learning.md)" : ''}`,
    );
  }

  /** Reconciles one job. */
  async reconcile(namespace: string, name: string): Promise<HandleResult> {
    const key = `${namespace}/${name}`;
    const { policy, api } = this.deps;
    let job: J | undefined = this.deps.jobs.get(name, namespace);
    if (!job) {
      this.settleReports(key, 'rejected', `${policy.kind} ${key} not found`);
      this.deps.expectations.forget(key);
      this.problems.delete(key);
      this.recorded.delete(key);
      forgetJob(this.deps.metrics, namespace, name, policy.resourceKind);
      return {};
    }
    observeJob(this.deps.metrics, namespace, name, policy.resourceKind);
    if (job.metadata.deletionTimestamp) return this.finalize(job, key);
    const invalid = specProblem(job, policy) ?? this.deps.conflict?.(job);
    if (invalid) return this.refuseSpec(job, key, invalid);
    // Secrets are read when a pod is built, so a problem found then is checked again now.
    this.problems.delete(key);
    if (!(job.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) {
      job = await api.patchMetadata<J>(policy.plural, namespace, name, { finalizers: [...(job.metadata.finalizers ?? []), CLEANUP_FINALIZER] }, job.metadata.resourceVersion);
    }
    const fixed = specFixedStatus(job, new Date().toISOString());
    if (fixed) {
      job = (await api.replaceStatus(policy.plural, job as unknown as SednaApiObject, fixed)) as unknown as J;
      this.deps.logger.info({ job: key, kind: policy.kind, generation: job.metadata.generation }, 'the spec is valid again: the round starts again at (Train, Waiting)');
    }
    for (let tries = 0; tries < MAX_CONFLICTS; tries++) {
      const waiting = [...(this.pending.get(key) ?? [])];
      const before = job;
      const world = this.world(job, key, waiting.map((w) => w.report));
      let decision = decide(job, world, policy, this.deps.options);
      if (decision.wantsPodEvents) {
        // A deadline ends a stage: its message says what the pod's events say of why it did not start.
        world.podEvents = await this.podEvents(namespace, decision.wantsPodEvents);
        decision = decide(job, world, policy, this.deps.options);
      }
      try {
        job = await this.apply(job, key, decision);
      } catch (error) {
        if (!(error instanceof Stale) && !isConflict(error)) throw error;
        const fresh: J | undefined = await api.getSedna<J>(policy.plural, namespace, name);
        if (!fresh) return this.reconcile(namespace, name);
        job = fresh;
        continue;
      }
      const list = this.pending.get(key) ?? [];
      list.splice(0, waiting.length);
      if (list.length === 0) this.pending.delete(key);
      decision.reportOutcomes.forEach((outcome, i) => waiting[i]?.resolve(outcome));
      this.observe(before, decision);
      if (list.length > 0) this.deps.enqueue(namespace, name);
      const result: HandleResult = {};
      if (decision.requeueAfterMs !== undefined) result.requeueAfterMs = decision.requeueAfterMs;
      if (decision.blocked) {
        result.backoff = true;
        this.deps.metrics.reconciles.inc({ kind: policy.resourceKind, result: 'blocked' });
      } else this.deps.metrics.reconciles.inc({ kind: policy.resourceKind, result: 'ok' });
      return result;
    }
    throw new ControllerError('CONFLICT', `${this.where(job)}: the status write kept conflicting after ${MAX_CONFLICTS} fresh reads`);
  }

  /** Applies a decision's actions, then its status. Returns the job as written. */
  private async apply(job: J, key: string, decision: JobDecision): Promise<J> {
    const { policy, api } = this.deps;
    const namespace = job.metadata.namespace ?? 'default';
    const name = job.metadata.name ?? '';
    const log = this.deps.logger.child({ job: key, kind: policy.kind });
    for (const action of decision.actions) {
      if (action.type === 'event') {
        const recorded = this.recorded.get(key) ?? new Set<string>();
        if (action.once && recorded.has(action.message)) continue;
        if (action.once) this.recorded.set(key, recorded.add(action.message));
        await api.createEvent(job, action.eventType, action.reason, action.message).catch((error: unknown) => {
          log.warn({ reason: action.reason, error: (error as Error).message }, 'an event could not be recorded');
        });
        log.warn({ reason: action.reason }, action.message);
      } else if (action.type === 'createPod') await this.createPod(job, key, action.request);
      else if (action.type === 'deletePod') {
        await api.deletePod(namespace, action.name);
        this.deps.expectations.expectDeletion(key, action.name);
        log.info({ pod: action.name, reason: action.reason }, 'worker pod deleted');
      }
    }
    // The status first, then the annotations it answers: whoever sees a request's annotation gone (a
    // `sedna rollback` waiting on it) finds its outcome already written. A crash between the two leaves
    // the annotation, which the next decision recognises as answered and removes.
    if (decision.statusChanged) {
      job = (await api.replaceStatus(policy.plural, job as unknown as SednaApiObject, decision.status)) as unknown as J;
    }
    const removals = decision.actions.filter((a) => a.type === 'removeAnnotation').map((a) => a.key);
    if (removals.length > 0) {
      const annotations = Object.fromEntries(removals.map((k) => [k, null]));
      job = await api.patchMetadata<J>(policy.plural, namespace, name, { annotations }, job.metadata.resourceVersion);
      log.info({ annotations: removals }, 'annotation removed');
    }
    for (const c of decision.appended) {
      log.info({ stage: c.stage, type: c.type, round: c.round, reason: c.reason, message: c.message }, `${c.stage} ${c.type}`);
    }
    return job;
  }

  private async createPod(job: J, key: string, request: WorkerPodRequest): Promise<void> {
    const { policy, api } = this.deps;
    const namespace = job.metadata.namespace ?? 'default';
    const labels = workerLabelKeys(policy.resourceKind);
    // Never two pods for one stage, round and attempt (or two serving inference pods): the cache may lag.
    const selector: Record<string, string | number> = { [labels.name]: job.metadata.name ?? '', [labels.workerType]: request.workerType };
    if (request.attempt > 0) Object.assign(selector, { [ROUND_LABEL]: request.round, [ATTEMPT_LABEL]: request.attempt });
    const live = (await api.listPods(namespace, labelSelector(selector))).filter(
      (p) => !p.metadata?.deletionTimestamp && (p.metadata?.labels?.[labels.uid] ?? job.metadata.uid) === job.metadata.uid,
    );
    if (live.length > 0) {
      for (const pod of live) {
        const observed = observePod(pod, policy.resourceKind);
        if (observed) this.deps.expectations.expectCreation(key, observed);
      }
      throw new Stale();
    }
    const lc = this.deps.lcs().get(request.nodeName);
    const dataset = this.deps.datasets.get(policy.datasetName(job), namespace);
    if (!lc || !dataset) throw new Stale();
    const models = new Map<string, Model>();
    for (const name of policy.modelNames(job)) {
      const model = this.deps.models.get(name, namespace);
      if (model) models.set(name, model);
    }
    const secrets = await this.credentialSecrets(job, dataset, models);
    let pod: V1Pod;
    try {
      pod = buildWorkerPod(job, request, policy, { dataset, models, secrets, lc, settings: this.deps.podSettings });
    } catch (error) {
      if (!(error instanceof ControllerError) || (error.code !== 'NOT_FOUND' && error.code !== 'INVALID_CREDENTIAL')) throw error;
      // Decide again with the problem: it goes into the latest condition's message, the job backs off.
      this.problems.set(key, [error.message]);
      this.deps.logger.warn({ job: key, worker: request.workerType, problem: error.message }, 'worker pod cannot be built');
      throw new Stale();
    }
    // The pod's token Secret first: the pod reads SEDNA_WORKER_TOKEN from it when it starts.
    let secret: V1Secret;
    try {
      secret = await api.createSecret(buildWorkerTokenSecret(job, request, policy, this.deps.nodeToken(request.nodeName)));
    } catch (error) {
      // AlreadyExists: a Secret of that name is someone else's; the next decision picks another name.
      if (isConflict(error)) throw new Stale();
      throw error;
    }
    try {
      await api.createPod(pod);
    } catch (error) {
      await api.deleteSecret(namespace, request.name, secret.metadata?.uid ?? '').catch((cleanup: unknown) => {
        this.deps.logger.warn({ job: key, secret: request.name, error: (cleanup as Error).message }, 'worker token Secret of a pod not created could not be deleted; it goes with the job');
      });
      // AlreadyExists: the random name was taken; the next decision picks another.
      if (isConflict(error)) throw new Stale();
      throw error;
    }
    this.deps.expectations.expectCreation(key, {
      name: request.name,
      workerType: request.workerType,
      round: request.round,
      attempt: request.attempt,
      phase: 'Pending',
      deleting: false,
      nodeName: request.nodeName,
    });
    this.deps.logger.info({ job: key, pod: request.name, worker: request.workerType, round: request.round, attempt: request.attempt, node: request.nodeName }, 'worker pod created');
  }

  /**
   * A worker pod of a job of this kind is gone: its token Secret goes too (when it is the one the GM
   * made for that pod of that job, checked by label and owner, and deleted with its uid as precondition).
   */
  async podGone(pod: V1Pod): Promise<void> {
    const namespace = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name;
    const jobUid = pod.metadata?.labels?.[workerLabelKeys(this.deps.policy.resourceKind).uid];
    if (!name || !jobUid) return;
    const secret = await this.deps.api.getSecret(namespace, name);
    if (!secret || !isWorkerTokenSecret(secret, jobUid)) return;
    await this.deps.api.deleteSecret(namespace, name, secret.metadata?.uid ?? '');
    this.deps.logger.debug({ pod: `${namespace}/${name}` }, 'worker token Secret deleted with its pod');
  }

  /** The Secrets the credentialNames of the job, its Dataset and its Models name (a missing one is absent). */
  private async credentialSecrets(job: J, dataset: Dataset, models: ReadonlyMap<string, Model>): Promise<Map<string, V1Secret>> {
    const namespace = job.metadata.namespace ?? 'default';
    const names = new Set<string>();
    for (const name of [this.deps.policy.credentialName(job), dataset.spec.credentialName, ...[...models.values()].map((m) => m.spec.credentialName)]) {
      if (name) names.add(name);
    }
    const secrets = new Map<string, V1Secret>();
    for (const name of names) {
      const secret = await this.deps.api.getSecret(namespace, name);
      if (secret) secrets.set(name, secret);
    }
    return secrets;
  }

  /**
   * This generation of the job is invalid: one (Train, Failed, InvalidSpec) condition and one Warning
   * event naming the problem; nothing else (no pod, no retry) until the generation changes, which
   * brings the job back here through its informer.
   */
  private async refuseSpec(job: J, key: string, problem: string): Promise<HandleResult> {
    const { policy, api } = this.deps;
    this.settleReports(key, 'ignored', `${this.where(job)}: its spec is invalid: ${problem}`);
    const status = invalidSpecStatus(job, problem, new Date().toISOString());
    if (!status) return {};
    try {
      await api.replaceStatus(policy.plural, job as unknown as SednaApiObject, status);
    } catch (error) {
      if (isConflict(error)) return { requeueAfterMs: 0 };
      if (isNotFound(error)) return {};
      throw error;
    }
    this.deps.logger.warn({ job: key, kind: policy.kind, generation: job.metadata.generation, problem }, 'invalid spec: no pod until the job changes');
    await api.createEvent(job, 'Warning', ConditionReason.InvalidSpec, problem).catch((error: unknown) => {
      this.deps.logger.warn({ job: key, error: (error as Error).message }, 'the InvalidSpec event could not be recorded');
    });
    this.deps.metrics.reconciles.inc({ kind: policy.resourceKind, result: 'invalid' });
    return {};
  }

  /** The job is being deleted: its pods go, its LCs drop it (and its hot-update folder), then our finalizer. */
  private async finalize(job: J, key: string): Promise<HandleResult> {
    const { policy, api } = this.deps;
    const namespace = job.metadata.namespace ?? 'default';
    this.settleReports(key, 'ignored', `${this.where(job)} is being deleted`);
    if (!(job.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) return {};
    const labels = workerLabelKeys(policy.resourceKind);
    const pods = await api.listPods(namespace, labelSelector({ [labels.name]: job.metadata.name ?? '' }));
    for (const pod of pods) {
      if ((pod.metadata?.labels?.[labels.uid] ?? job.metadata.uid) !== job.metadata.uid || pod.metadata?.deletionTimestamp) continue;
      await api.deletePod(namespace, pod.metadata?.name ?? '');
    }
    this.deps.downstream.jobDeleted(job, policy);
    try {
      await api.patchMetadata(
        policy.plural,
        namespace,
        job.metadata.name ?? '',
        { finalizers: (job.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER) },
        job.metadata.resourceVersion,
      );
    } catch (error) {
      if (isNotFound(error)) return {};
      if (isConflict(error)) return { requeueAfterMs: 0 };
      throw error;
    }
    this.deps.expectations.forget(key);
    this.deps.logger.info({ job: key, pods: pods.length }, 'job deleted: pods removed, local controllers told, finalizer removed');
    return {};
  }

  /** The Warning events of each pod (an empty list when they cannot be read: the message goes without them). */
  private async podEvents(namespace: string, pods: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const name of pods) {
      const uid = this.deps.pods.get(name, namespace)?.metadata?.uid;
      out.set(
        name,
        await this.deps.api.podWarnings(namespace, name, uid).catch((error: unknown) => {
          this.deps.logger.warn({ pod: `${namespace}/${name}`, error: (error as Error).message }, 'the events of a worker pod could not be read');
          return [];
        }),
      );
    }
    return out;
  }

  /** Metrics of what a written decision changed. */
  private observe(job: LearningJob, decision: JobDecision): void {
    const { metrics } = this.deps;
    const conditions = decision.status.conditions ?? [];
    for (const c of decision.appended) {
      if (c.type === JobConditionType.Ready && c.reason !== 'Retry' && c.stage !== 'Deploy') {
        metrics.triggerDecisions.inc({ stage: stageLabel(c.stage), decision: 'fire' });
      }
      if (c.type === JobConditionType.Running) {
        const round = conditionRound(c, 0);
        const ready = findLastCondition(conditions, (s) => s.stage === c.stage && s.type === JobConditionType.Ready && conditionRound(s, 0) === round);
        const seconds = (timeMs(c.lastTransitionTime) - timeMs(ready?.lastTransitionTime)) / 1000;
        if (Number.isFinite(seconds) && seconds >= 0) metrics.triggerLatency.observe({ stage: stageLabel(c.stage) }, seconds);
      }
      if (c.type === JobConditionType.Completed || c.type === JobConditionType.Failed) {
        const round = conditionRound(c, 0);
        const attempt = conditionAttempt(c);
        const started = findLastCondition(
          conditions,
          (s) => s.stage === c.stage && (s.type === JobConditionType.Starting || s.type === JobConditionType.Ready) && conditionRound(s, 0) === round && conditionAttempt(s) === attempt && s !== c,
        );
        const seconds = (timeMs(c.lastTransitionTime) - timeMs(started?.lastTransitionTime)) / 1000;
        if (Number.isFinite(seconds) && seconds >= 0) metrics.stageDuration.observe({ stage: stageLabel(c.stage), result: outcomeLabel(c.type) }, seconds);
      }
      if (c.type === JobConditionType.Waiting && c.stage === 'Train' && c.reason === 'RoundFailed') {
        metrics.rounds.inc({ namespace: job.metadata.namespace ?? 'default', sedna_job: job.metadata.name ?? '', result: 'failed' });
      }
      if (c.type === JobConditionType.Completed && c.stage === 'Deploy') {
        metrics.rounds.inc({ namespace: job.metadata.namespace ?? 'default', sedna_job: job.metadata.name ?? '', result: 'completed' });
      }
    }
    // Kinds with a deploy gate record its verdict in `lastDecision`.
    type Decided = { lastDecision?: { time?: string; round?: number; decision?: string } };
    const before = (job.status as Decided | undefined)?.lastDecision;
    const after = (decision.status as Decided).lastDecision;
    if (after && (before?.round !== after.round || before?.time !== after.time)) {
      metrics.triggerDecisions.inc({ stage: 'deploy', decision: decisionLabel(after.decision) });
    }
  }

  /** Drops every pending report unacknowledged (the GM is stopping): they stay in the LCs' outboxes. */
  abandon(): void {
    const stopping = new ControllerError('STOPPED', 'the global manager is stopping');
    for (const list of this.pending.values()) for (const w of list) w.reject(stopping);
    this.pending.clear();
  }
}
