/**
 * The state machine of a learning job as one pure function: `decide(job, world)` returns the new
 * status and the actions that bring the world in line (create or delete pods, remove the manual
 * trigger annotation, come back later). The reconcile loop only applies what it returns.
 *
 * Transitions follow docs/design/incremental-learning.md section 3: the original's table
 * (docs/original/state-machine.md#transitions) with the fixes: re-entrant rounds (#381), retries of a failed stage with backoff before the
 * round fails and returns its samples, `round`, `lastGoodModel` and `lastDecision` in status,
 * `maxRounds`, the manual trigger, the deadlines (a pod's start, the report of a pod that ended, the
 * confirmation of a deploy; per job through `sedna.io/deadlines`), and a condition message for missing
 * objects.
 */
import {
  DeployDecisionType,
  JobConditionType,
  JobStage,
  type CondInput,
  type DeploymentRecord,
  type ModelInfo,
  type RollbackOutcome,
  type Dataset,
  type JobCondition,
  type Model,
  type UpstreamJobMessage,
} from '@sedna-ts/api-types';
import {
  DEADLINES_ANNOTATION,
  REPORT_REFUSED_REASON,
  WORKER_AUTH_ANNOTATION,
  WORKER_AUTH_NONE,
  formatDeadline,
  parseReportRefusal,
  workerAuthOptOut,
  type DeadlineKey,
} from '@sedna-ts/api-types/contract';
import { backoffDelay, capLines, printable, redactTokens, sameJson } from '@sedna-ts/internal';
import {
  ConditionReason,
  capConditions,
  compactMessages,
  conditionAttempt,
  conditionData,
  conditionRound,
  findLastCondition,
  latestCondition,
  makeCondition,
  messageSummary,
  nextStage,
  timeMs,
  type ConditionData,
  type NewCondition,
} from './conditions.js';
import { jobDeadlines } from './deadlines.js';
import type { JobPolicy, LearningJob, LearningJobStatus, StatusOf } from './jobPolicy.js';
import { cloneJson } from '../kube/json.js';
import { TRIGGER_ANNOTATION } from './labels.js';
import { manualTriggerConsumed, parseManualTrigger } from './manualTrigger.js';
import { deploymentOfRound, parseRollbackRequest, pushDeployment, recordedRequest, resolveRollback, ROLLBACK_ANNOTATION, type RollbackStatus } from './rollback.js';
import type { ObservedPod, WorkerType } from './observedPod.js';

/** An upstream job message as the state machine reads it (api-types' `UpstreamJobMessage`). */
export type JobReportMessage = UpstreamJobMessage;

/** An upstream report waiting to be applied, with the id it is acknowledged by. */
export interface PendingReport {
  id: string;
  /** The node whose LC sent it. */
  node: string;
  message: JobReportMessage;
}

/** What the state machine observes besides the job itself. */
export interface JobWorld {
  /** The time now. */
  now: Date;
  /** The job's worker pods, including pods created but not yet seen by the informer (`expected`). */
  pods: readonly ObservedPod[];
  /** The job's Dataset, or undefined when it does not exist. */
  dataset: Dataset | undefined;
  /** The Models that exist, by name (at least those the job references). */
  models: ReadonlyMap<string, Model>;
  /** Nodes whose Local Controller is connected (a worker pod needs its node's LC_SERVER). */
  connectedNodes: ReadonlySet<string>;
  /**
   * When each connected LC said its latest hello (RFC 3339). A deadline that waits for an LC's report
   * counts from there when the LC (re)connected later than it started: its outbox replays what it
   * could not send. Absent for a node: connected all along.
   */
  lcConnectedAt?: ReadonlyMap<string, string>;
  /**
   * The Warning events of the pods a decision asked for (`JobDecision.wantsPodEvents`), each as
   * `<reason>: <message>`, oldest first; an empty list when a pod has none.
   */
  podEvents?: ReadonlyMap<string, readonly string[]>;
  /** Upstream reports to apply, in arrival order. */
  reports: readonly PendingReport[];
  /**
   * Why no worker pod of the job can be built now, found by the controller (a credentialName's Secret
   * missing or incomplete): named in the latest condition's message like a missing Model.
   */
  problems?: readonly string[];
  /** Five characters `[a-z0-9]` that name a pod this decision creates (`<job>-<stage>-<suffix>`). */
  nameSuffix: string;
}

/** Settings of the state machine. */
export interface DecideOptions {
  /** Attempts of a stage within a round before the round fails (4: the first try and 3 retries). */
  maxAttempts: number;
  /** Delay before the first retry; doubled for each later one. */
  retryInitialMs: number;
  /** Cap of the retry delay. */
  retryMaxMs: number;
  /**
   * How long a worker pod that ended may wait for the report of its stage (Succeeded: then NoReport;
   * Failed, when its LC reconnected after it ended: then PodFailed); 0: no deadline. Counted from the
   * pod's end, or from its LC's reconnection when later; not at all while that LC is not connected.
   */
  reportGraceMs: number;
  /** Conditions kept in status (the oldest are dropped). */
  maxConditions: number;
  /** Finished train and eval pods of the last this-many rounds are kept (for their logs); older are deleted. */
  podRetentionRounds: number;
  /**
   * How long a train or eval worker pod (or a cold update's inference pod) may stay Pending after its
   * stage went Starting before the stage fails with StartTimeout; 0: no deadline.
   */
  startDeadlineMs: number;
  /** Delay before the round after a failed one; doubled for each consecutive failed round. */
  roundRetryInitialMs: number;
  /** Cap of that delay. */
  roundRetryMaxMs: number;
  /**
   * How long a hot deploy waits for the inference worker to confirm the new model (through its report)
   * before its pod is restarted once; as long again after the restart before the stage fails; 0: no
   * deadline. Not counted while the LC of the inference pod's node is not connected.
   */
  deployConfirmMs: number;
}

/** The defaults of the contract: 4 attempts, 10 s doubling to 5 min, 60 s for a report, 200 conditions, pods of 10 rounds, 10 min to start, 10 min to confirm a deploy. */
export const DEFAULT_DECIDE_OPTIONS: DecideOptions = {
  maxAttempts: 4,
  retryInitialMs: 10_000,
  retryMaxMs: 300_000,
  reportGraceMs: 60_000,
  maxConditions: 200,
  podRetentionRounds: 10,
  startDeadlineMs: 600_000,
  roundRetryInitialMs: 10_000,
  roundRetryMaxMs: 300_000,
  deployConfirmMs: 600_000,
};

/** A pod the decision wants created. The loop builds it (template, env, mounts) and names it `name`. */
export interface WorkerPodRequest {
  workerType: WorkerType;
  round: number;
  /** Attempt of the stage; 0 for an inference pod started outside a deploy (first sync, replacement). */
  attempt: number;
  name: string;
  /** Node of the pod: the template's nodeName, else the Dataset's node. */
  nodeName: string;
  /** Train and eval: the stage input reported by the LC. */
  input?: CondInput;
  /** Inference: the model it serves (MODEL_URL). */
  modelUrl?: string;
}

/** An action of a decision; the loop applies them in order. */
export type JobAction =
  | { type: 'createPod'; request: WorkerPodRequest }
  | { type: 'deletePod'; name: string; reason: string }
  | { type: 'removeAnnotation'; key: string }
  /**
   * An Event on the job (what a user should see but no condition records, e.g. a refused manual
   * trigger); `once`: recorded once per job and message by this GM (a problem every decision sees).
   */
  | { type: 'event'; eventType: 'Normal' | 'Warning'; reason: string; message: string; once?: boolean };

/** What became of one report. `rejected` ones are acknowledged with an error; the rest with ok. */
export interface ReportOutcome {
  id: string;
  result: 'applied' | 'ignored' | 'rejected';
  detail?: string;
}

/** The result of `decide`. */
export interface JobDecision<S extends LearningJobStatus = LearningJobStatus> {
  status: S;
  /** Whether `status` differs from the job's. */
  statusChanged: boolean;
  /** The conditions this decision appended, in order. */
  appended: JobCondition[];
  actions: JobAction[];
  /** One outcome per report of the world, in the same order. */
  reportOutcomes: ReportOutcome[];
  /** Come back after this many milliseconds (a retry backoff or a report grace is running). */
  requeueAfterMs?: number;
  /** Why the job cannot progress now (missing objects, an LC not connected): requeue with backoff. */
  blocked?: string;
  /**
   * Pods whose events would explain a deadline this decision ends (why a pod did not start): decide
   * again with them in `world.podEvents`.
   */
  wantsPodEvents?: string[];
}

const STAGE_WORKER: Record<JobStage, WorkerType> = { Train: 'train', Eval: 'eval', Deploy: 'inference' };
const NAME_PART: Record<WorkerType, string> = { train: 'train', eval: 'eval', inference: 'infer' };
/** Kubernetes keeps generated names to 63 characters: a base of at most 58 plus 5 random ones. */
const MAX_GENERATE_NAME_BASE = 58;
const BLOCKED_MESSAGE = /^((Dataset|Model) \S+ not found|Secret \S+ \(credentialName of |waiting for the local controller of node |\w+ \S+: image "[^"]*" of the )/;

/** `generateName` of a worker pod: `<job>-<train|eval|infer>-`, cut to 58 characters as the API server does. */
export function workerGenerateName(jobName: string, workerType: WorkerType): string {
  return `${jobName}-${NAME_PART[workerType]}-`.slice(0, MAX_GENERATE_NAME_BASE);
}

const STAGES: Record<string, JobStage> = { train: JobStage.Train, eval: JobStage.Eval, deploy: JobStage.Deploy };
const TYPES: Record<string, JobConditionType> = {
  waiting: JobConditionType.Waiting,
  ready: JobConditionType.Ready,
  starting: JobConditionType.Starting,
  running: JobConditionType.Running,
  completed: JobConditionType.Completed,
  failed: JobConditionType.Failed,
};

class Decider<J extends LearningJob> {
  readonly status: StatusOf<J>;
  conditions: JobCondition[];
  readonly actions: JobAction[] = [];
  readonly outcomes: ReportOutcome[] = [];
  readonly blockers = new Set<string>();
  readonly pods: ObservedPod[];
  readonly now: string;
  readonly nowMs: number;
  requeueAfterMs: number | undefined;
  /** Whether a pod that ended or vanished fails its stage (false while reports are still to apply). */
  podFailures = true;
  private createdPrefixes = new Set<string>();
  /** The GM's options with the job's own deadlines. */
  readonly options: DecideOptions;
  /** The deadlines the job's annotation set, and what is wrong with it. */
  private readonly ownDeadlines: ReadonlySet<DeadlineKey>;
  private readonly deadlineProblems: string[];
  private readonly wantsEvents = new Set<string>();

  constructor(
    readonly job: J,
    readonly world: JobWorld,
    readonly policy: JobPolicy<J>,
    options: DecideOptions,
  ) {
    const deadlines = jobDeadlines(job, policy.kind, options);
    this.options = deadlines.options;
    this.ownDeadlines = deadlines.own;
    this.deadlineProblems = deadlines.problems;
    this.status = cloneJson(job.status ?? {}) as StatusOf<J>;
    this.conditions = [...(this.status.conditions ?? [])];
    this.pods = world.pods.map((p) => ({ ...p }));
    this.now = world.now.toISOString();
    this.nowMs = world.now.getTime();
  }

  get name(): string {
    return this.job.metadata.name ?? '';
  }

  get namespace(): string {
    return this.job.metadata.namespace ?? 'default';
  }

  get round(): number {
    return this.status.round ?? 0;
  }

  /** Completed (`maxRounds` reached), unless a rollback round runs: a completed job still serves, and may go back. */
  get finished(): boolean {
    return this.status.completionTime !== undefined && !this.rollingBack();
  }

  /** Whether the latest condition belongs to a rollback round that has not ended. */
  rollingBack(): boolean {
    const latest = this.latest();
    if (!latest || latest.stage !== JobStage.Deploy) return false;
    const round = conditionRound(latest, this.round);
    // Its (Deploy, Completed) still has to end the round (the outcome is recorded then).
    if (latest.type === JobConditionType.Completed) {
      const outcome = this.rollbackStatus.lastRollback;
      return outcome?.round === round && outcome.result === 'Pending';
    }
    return findLastCondition(this.conditions, (c) => c.stage === JobStage.Deploy && c.type === JobConditionType.Waiting && conditionRound(c, round) === round)?.reason === ConditionReason.Rollback;
  }

  latest(): JobCondition | undefined {
    return latestCondition(this.conditions);
  }

  readonly appended: JobCondition[] = [];

  append(spec: NewCondition): void {
    const condition = makeCondition(spec, this.now);
    this.conditions.push(condition);
    this.appended.push(condition);
  }

  requeueAfter(ms: number): void {
    const delay = Math.max(0, Math.ceil(ms));
    this.requeueAfterMs = this.requeueAfterMs === undefined ? delay : Math.min(this.requeueAfterMs, delay);
  }

  // ---- references and blockers

  missingReferences(): string[] {
    const missing: string[] = [];
    if (!this.world.dataset) missing.push(`Dataset ${this.namespace}/${this.policy.datasetName(this.job)} not found`);
    for (const model of this.policy.modelNames(this.job)) {
      if (!this.world.models.has(model)) missing.push(`Model ${this.namespace}/${model} not found`);
    }
    missing.push(...(this.world.problems ?? []));
    return missing;
  }

  nodeOf(workerType: WorkerType): string | undefined {
    return this.policy.template(this.job, workerType)?.spec?.nodeName ?? this.world.dataset?.spec.nodeName;
  }

  /** Whether a pod of this worker type can be created now; if not, the reason is recorded. */
  canCreate(workerType: WorkerType): string | undefined {
    if (this.missingReferences().length > 0) return undefined;
    if (!this.policy.template(this.job, workerType)) return undefined;
    const node = this.nodeOf(workerType);
    if (!node) return undefined;
    if (!this.world.connectedNodes.has(node)) {
      this.blockers.add(`waiting for the local controller of node ${node} to connect`);
      return undefined;
    }
    return node;
  }

  // ---- pods

  livePods(workerType: WorkerType): ObservedPod[] {
    return this.pods.filter((p) => p.workerType === workerType && !p.deleting);
  }

  findPod(workerType: WorkerType, round: number, attempt: number, name?: string): ObservedPod | undefined {
    const live = this.livePods(workerType);
    return (name ? live.find((p) => p.name === name) : undefined) ?? live.find((p) => p.round === round && p.attempt === attempt);
  }

  createPod(workerType: WorkerType, node: string, round: number, attempt: number, extra: Pick<WorkerPodRequest, 'input' | 'modelUrl'>): ObservedPod {
    const prefix = workerGenerateName(this.name, workerType);
    // One suffix per decision: a second pod of the same kind in one decision waits for the next one.
    if (this.createdPrefixes.has(prefix)) throw new Error(`decide: two ${workerType} pods in one decision`);
    this.createdPrefixes.add(prefix);
    const request: WorkerPodRequest = { workerType, round, attempt, name: `${prefix}${this.world.nameSuffix}`, nodeName: node, ...extra };
    this.actions.push({ type: 'createPod', request });
    const pod: ObservedPod = { name: request.name, workerType, round, attempt, phase: 'Pending', deleting: false, nodeName: node, expected: true };
    this.pods.push(pod);
    return pod;
  }

  deletePod(pod: ObservedPod, reason: string): void {
    if (pod.deleting) return;
    pod.deleting = true;
    this.actions.push({ type: 'deletePod', name: pod.name, reason });
  }

  // ---- reports

  applyReport(report: PendingReport): ReportOutcome {
    const { message } = report;
    if (String(message.phase ?? '').toLowerCase() === 'inference' && this.policy.statistics) {
      return this.policy.statistics(this.job, this.status, message)
        ? { id: report.id, result: 'applied' }
        : { id: report.id, result: 'ignored', detail: 'statistics this kind does not record' };
    }
    const stage = STAGES[String(message.phase ?? '').toLowerCase()];
    const type = TYPES[String(message.status ?? '').toLowerCase()];
    if (!stage) return { id: report.id, result: 'rejected', detail: `phase ${JSON.stringify(message.phase)} is not train, eval or deploy` };
    if (!type) return { id: report.id, result: 'rejected', detail: `status ${JSON.stringify(message.status)} is not a stage state` };
    const ignored = (detail: string): ReportOutcome => ({ id: report.id, result: 'ignored', detail });
    if (this.finished) return ignored('the job has completed');
    const latest = this.latest();
    if (!latest) return ignored('the job has no condition yet');
    const at = `(${latest.stage}, ${latest.type}) of round ${conditionRound(latest, this.round)}`;
    const what = `(${stage}, ${type})`;
    const reportedBy = `reported by the local controller of node ${report.node}`;
    const latestRound = conditionRound(latest, this.round);
    const latestAttempt = conditionAttempt(latest);
    const roundMismatch = message.round !== undefined && message.round !== latestRound;
    const attemptMismatch = message.attempt !== undefined && message.attempt !== latestAttempt;
    const extra: ConditionData = {};
    if (message.decision) extra.decision = message.decision;

    if (type === JobConditionType.Ready) {
      if (latest.stage !== stage || latest.type !== JobConditionType.Waiting) return ignored(`${what} does not follow ${at}`);
      if (stage === JobStage.Train) {
        // A new round: the LC numbers it; any number after the current one is taken (rounds only grow).
        if (message.round !== undefined && message.round <= this.round) return ignored(`round ${message.round} is not after round ${this.round}`);
        const round = message.round ?? this.round + 1;
        this.status.round = round;
        this.append({ stage, type, round, message: reportedBy, data: { attempt: 1, ...(message.input ? { input: message.input } : {}), ...extra } });
        return { id: report.id, result: 'applied' };
      }
      if (roundMismatch) return ignored(`${what} is for round ${message.round}, the job is at ${at}`);
      const input = message.input ?? conditionData(latest).input;
      this.append({ stage, type, round: latestRound, message: reportedBy, data: { attempt: 1, ...(input ? { input } : {}), ...extra } });
      return { id: report.id, result: 'applied' };
    }

    if (type === JobConditionType.Completed || type === JobConditionType.Failed) {
      const active: string[] = [JobConditionType.Starting, JobConditionType.Running];
      // The deploy gate's Keep completes the stage straight from Waiting; the LC's publishing (no
      // inference worker) from Running; a deploy stage can also fail in the LC before a pod starts.
      if (stage === JobStage.Deploy) {
        if (type === JobConditionType.Completed) active.push(JobConditionType.Waiting);
        else active.push(JobConditionType.Ready);
      }
      if (latest.stage !== stage || !active.includes(latest.type)) return ignored(`${what} does not follow ${at}`);
      if (roundMismatch) return ignored(`${what} is for round ${message.round}, the job is at ${at}`);
      if (attemptMismatch) return ignored(`${what} is for attempt ${message.attempt}, the job is at attempt ${latestAttempt}`);
      const data: ConditionData = { attempt: latestAttempt, ...extra };
      const latestData = conditionData(latest);
      if (latestData.input) data.input = latestData.input;
      if (latestData.worker) data.worker = latestData.worker;
      if (message.output) data.output = message.output;
      if (type === JobConditionType.Completed) {
        // A deploy that ends at Waiting (the gate kept the model, a rollback refused) says why.
        const kept = stage === JobStage.Deploy && latest.type === JobConditionType.Waiting && message.reason;
        this.append({ stage, type, round: latestRound, message: kept ? `${message.reason} (${reportedBy})` : reportedBy, data });
      } else {
        // A worker of the original's library says why in ownerInfo.error, not in reason: shown too.
        const error = message.output?.ownerInfo?.error;
        const said = typeof error === 'string' && error.trim() ? capLines(printable(redactTokens(error.trim().split('\n').slice(0, 5).join('\n')))) : undefined;
        const why = message.reason ? `${message.reason} (${reportedBy})` : said ? `the worker reported failure: ${said} (${reportedBy})` : `the worker reported failure (${reportedBy})`;
        this.append({ stage, type, round: latestRound, reason: ConditionReason.WorkerFailed, message: why, data });
      }
      return { id: report.id, result: 'applied' };
    }
    if (type === JobConditionType.Waiting && stage === JobStage.Train) return this.waitingFor(report, latest, at);
    return ignored(`${what} is not a state the LC reports`);
  }

  /**
   * (Train, Waiting) with a reason (ours): what the waiting stage waits for, as its LC sees it (the
   * samples against the trigger's threshold, the timer window, a missing index). The latest condition
   * keeps its type and transition time; its message becomes its own message followed by the reason.
   */
  private waitingFor(report: PendingReport, latest: JobCondition, at: string): ReportOutcome {
    const { message } = report;
    const ignored = (detail: string): ReportOutcome => ({ id: report.id, result: 'ignored', detail });
    if (latest.stage !== JobStage.Train || latest.type !== JobConditionType.Waiting) return ignored(`(Train, Waiting) does not describe ${at}`);
    const round = conditionRound(latest, this.round);
    if (message.round !== undefined && message.round !== round) return ignored(`(Train, Waiting) is for round ${message.round}, the job is at ${at}`);
    const reason = typeof message.reason === 'string' ? message.reason.trim() : '';
    if (reason === '') return ignored('(Train, Waiting) without a reason says nothing');
    const data = conditionData(latest);
    if (data.waitingFor === reason) return { id: report.id, result: 'applied' };
    let own = latest.message ?? '';
    if (data.waitingFor !== undefined && own.endsWith(data.waitingFor)) own = own.slice(0, own.length - data.waitingFor.length).replace(/; $/, '');
    const updated: JobCondition = { ...latest, message: own ? `${own}; ${reason}` : reason, lastHeartbeatTime: this.now, data: JSON.stringify({ ...data, waitingFor: reason }) };
    this.conditions[this.conditions.lastIndexOf(latest)] = updated;
    return { id: report.id, result: 'applied' };
  }

  // ---- the manual trigger

  manualTrigger(final: boolean): void {
    const value = this.job.metadata.annotations?.[TRIGGER_ANNOTATION];
    if (value === undefined || this.actions.some((a) => a.type === 'removeAnnotation' && a.key === TRIGGER_ANNOTATION)) return;
    const trigger = parseManualTrigger(value, this.nowMs);
    const remove = (): void => {
      this.actions.push({ type: 'removeAnnotation', key: TRIGGER_ANNOTATION });
    };
    if ('error' in trigger) {
      remove();
      // An event, not the latest condition's message: that one says why the stage is where it is.
      this.actions.push({ type: 'event', eventType: 'Warning', reason: 'InvalidTrigger', message: `annotation ${TRIGGER_ANNOTATION}: ${trigger.error}; removed` });
      return;
    }
    if (this.finished || manualTriggerConsumed(trigger, this.conditions)) {
      if (final) remove();
      return;
    }
    if (final || trigger.stage === JobStage.Train) return;
    const latest = this.latest();
    if (!latest || latest.stage !== JobStage.Train || latest.type !== JobConditionType.Waiting) return;
    // Idle and asked for eval or deploy: a new round starts at that stage with the last trained model.
    const trained = findLastCondition(this.conditions, (c) => c.stage === JobStage.Train && c.type === JobConditionType.Completed);
    const models = trained ? conditionData(trained).output?.models : undefined;
    if (!trained || !models || models.length === 0) {
      remove();
      this.actions.push({ type: 'event', eventType: 'Warning', reason: 'TriggerIgnored', message: `manual trigger ${trigger.stage.toLowerCase()} ignored: no round has trained a model yet` });
      return;
    }
    const round = this.round + 1;
    this.status.round = round;
    this.append({
      stage: trigger.stage,
      type: JobConditionType.Waiting,
      round,
      reason: ConditionReason.ManualTrigger,
      message: `sedna trigger ${trigger.stage.toLowerCase()}: round ${round} starts at ${trigger.stage} with the model trained in round ${conditionRound(trained, round - 1)}`,
      data: { attempt: 1, input: { models } },
    });
  }

  // ---- rollback (rollback.ts)

  readonly servedModel = (input: readonly ModelInfo[]): ModelInfo | undefined => (this.policy.servedModel ? this.policy.servedModel(input) : input[0]);

  get rollbackStatus(): RollbackStatus {
    return this.status as RollbackStatus;
  }

  /** The outcome of a request in status (what `sedna rollback` waits for); an event when it is refused. */
  rollbackOutcome(value: string, result: RollbackOutcome['result'], reason: string, extra: { round?: number; to?: number } = {}): void {
    // A hand-written value can be long: kept cut, with its length (what `sedna rollback` writes is short).
    const requested = recordedRequest(value);
    const previous = this.rollbackStatus.lastRollback;
    if (previous?.requested === requested && previous.result === result && previous.reason === reason) return;
    this.rollbackStatus.lastRollback = { requested, result, reason, ...extra, time: this.now };
    if (result === 'Refused') this.actions.push({ type: 'event', eventType: 'Warning', reason: 'RollbackRefused', message: `rollback ${requested}: ${reason}` });
  }

  rollback(final: boolean): void {
    const value = this.job.metadata.annotations?.[ROLLBACK_ANNOTATION];
    if (value === undefined || this.actions.some((a) => a.type === 'removeAnnotation' && a.key === ROLLBACK_ANNOTATION)) return;
    const remove = (): void => {
      this.actions.push({ type: 'removeAnnotation', key: ROLLBACK_ANNOTATION });
    };
    const outcome = this.rollbackStatus.lastRollback;
    const recorded = recordedRequest(value);
    if (outcome?.requested === recorded && outcome.result !== 'Pending') {
      if (final) remove();
      return;
    }
    const request = parseRollbackRequest(value, this.nowMs);
    if ('error' in request) {
      remove();
      this.rollbackOutcome(value, 'Refused', `annotation ${ROLLBACK_ANNOTATION}: ${request.error}`);
      return;
    }
    const started = this.conditions.find((c) => conditionData(c).rollback?.requested === value);
    if (started) return; // its round runs; the outcome is recorded at its end
    const resolved = resolveRollback(this.rollbackStatus.deployments, request.target);
    if ('refused' in resolved) {
      remove();
      this.rollbackOutcome(value, 'Refused', resolved.refused);
      return;
    }
    const { target, current } = resolved;
    const latest = this.latest();
    // Idle: between rounds, or completed (its last deploy ended).
    const idle = (latest?.stage === JobStage.Train && latest.type === JobConditionType.Waiting) || (this.finished && latest?.stage === JobStage.Deploy && latest.type === JobConditionType.Completed);
    if (!latest || !idle) {
      // A round in progress is not interrupted: the rollback waits for its end.
      const at = latest ? `${latest.stage}, ${latest.type}` : 'no condition yet';
      this.rollbackOutcome(value, 'Pending', `waits for round ${latest ? conditionRound(latest, this.round) : this.round} to end (now at ${at})`, { to: target.round });
      return;
    }
    if (final) return;
    const round = this.round + 1;
    this.status.round = round;
    this.rollbackStatus.rollbackRounds = (this.rollbackStatus.rollbackRounds ?? 0) + 1;
    const which = target.round === 0 ? 'the initial model' : `the model round ${target.round} deployed`;
    this.append({
      stage: JobStage.Deploy,
      type: JobConditionType.Waiting,
      round,
      reason: ConditionReason.Rollback,
      message: `sedna rollback: round ${round} serves ${which} again (${target.model.url}) instead of ${current.decision === 'Rollback' ? `the model of round ${current.trainedIn} that round ${current.round} deployed again` : current.round === 0 ? 'the initial model' : `the model round ${current.round} deployed`}`,
      data: {
        attempt: 1,
        input: { models: [target.model, current.model] },
        rollback: { requested: value, to: target.round, toTrainedIn: target.trainedIn, from: current.round },
      },
    });
    this.rollbackOutcome(value, 'Pending', `round ${round} deploys ${which} again; the local controller checks its files`, { round, to: target.round });
  }

  /**
   * The history at the first sync of this release: what serves before any round (the deploy Model of an
   * incremental job) is round 0; a job an earlier release ran gets the deployments its conditions still show.
   */
  initialDeployments(): DeploymentRecord[] {
    if (this.round === 0) {
      const initial = this.policy.servingModel(this.job, this.status);
      return initial?.url ? [{ round: 0, trainedIn: 0, decision: 'Initial', model: initial, since: this.status.startTime ?? this.now }] : [];
    }
    const found: RollbackStatus = { deployments: [] };
    for (let r = 1; r <= this.round; r++) {
      const completed = findLastCondition(this.conditions, (c) => c.stage === JobStage.Deploy && c.type === JobConditionType.Completed && conditionRound(c, r) === r);
      const record = completed ? deploymentOfRound(this.conditions, r, completed.lastTransitionTime ?? this.now, this.servedModel) : undefined;
      if (record) pushDeployment(found, record);
    }
    return found.deployments ?? [];
  }

  /** At a round's end: the served-model history, and the outcome of the rollback the round carried out. */
  recordDeployment(round: number): void {
    const record = deploymentOfRound(this.conditions, round, this.now, this.servedModel);
    if (record) pushDeployment(this.rollbackStatus, record);
    const carried = findLastCondition(this.conditions, (c) => c.stage === JobStage.Deploy && conditionRound(c, round) === round && conditionData(c).rollback !== undefined);
    const rollback = carried ? conditionData(carried).rollback : undefined;
    if (!rollback) return;
    if (record?.decision === DeployDecisionType.Rollback) {
      const target = conditionData(carried).input?.models?.[0]?.url ?? record.model.url;
      this.rollbackOutcome(rollback.requested, 'Done', `round ${round} deployed the model of round ${rollback.to} again (${target})`, { round, to: rollback.to });
    } else {
      const decided = findLastCondition(this.conditions, (c) => c.stage === JobStage.Deploy && conditionRound(c, round) === round && conditionData(c).decision !== undefined);
      const completed = findLastCondition(this.conditions, (c) => c.stage === JobStage.Deploy && c.type === JobConditionType.Completed && conditionRound(c, round) === round);
      const said = completed ? conditionData(completed).output?.ownerInfo?.reason : undefined;
      const why = (decided ? conditionData(decided).decision?.reason : undefined) ?? (typeof said === 'string' ? said : undefined) ?? 'the round ended without deploying it';
      this.rollbackOutcome(rollback.requested, 'Refused', why, { round, to: rollback.to });
    }
  }

  /**
   * The latest condition says what blocks the job (`blocked`; undefined: nothing) before its own message,
   * which is kept: a RoundFailed condition still says when the next round may start once the LC is back.
   */
  noteOnLatest(blocked: string | undefined): void {
    const latest = this.latest();
    if (!latest) return;
    const data = conditionData(latest);
    let own = latest.message ?? '';
    if (data.blocked !== undefined && own.startsWith(data.blocked)) own = own.slice(data.blocked.length).replace(/^; /, '');
    // Written by an earlier release, which replaced the message with the blockers.
    else if (data.blocked === undefined && BLOCKED_MESSAGE.test(own)) own = '';
    const message = blocked ? (own ? `${blocked}; ${own}` : blocked) : own;
    if (message === (latest.message ?? '') && data.blocked === blocked) return;
    const { blocked: _previous, ...rest } = data;
    const { message: _message, ...condition } = latest;
    this.conditions[this.conditions.length - 1] = { ...condition, ...(message ? { message } : {}), lastHeartbeatTime: this.now, data: JSON.stringify(blocked ? { ...rest, blocked } : rest) };
  }

  // ---- transitions driven by the Global Manager

  /** Appends at most one condition; returns whether it did. */
  step(): boolean {
    const latest = this.latest();
    if (!latest || this.finished) return false;
    const stage = latest.stage as JobStage;
    const round = conditionRound(latest, this.round);
    const attempt = conditionAttempt(latest);
    const data = conditionData(latest);
    switch (latest.type) {
      case JobConditionType.Waiting:
        return false;
      case JobConditionType.Ready:
        return stage === JobStage.Deploy ? this.deployReady(round, attempt, data) : this.workerReady(stage, round, attempt, data);
      case JobConditionType.Starting:
      case JobConditionType.Running:
        return stage === JobStage.Deploy ? this.deployActive(latest, round, attempt, data) : this.workerActive(latest, stage, round, attempt, data);
      case JobConditionType.Completed:
        return this.completed(stage, round);
      case JobConditionType.Failed:
        return this.failed(latest, stage, round, attempt);
      default:
        return false;
    }
  }

  carried(data: ConditionData, attempt: number): ConditionData {
    const out: ConditionData = { attempt };
    if (data.input) out.input = data.input;
    if (data.decision) out.decision = data.decision;
    if (data.restarted) out.restarted = true;
    return out;
  }

  workerReady(stage: JobStage, round: number, attempt: number, data: ConditionData): boolean {
    const workerType = STAGE_WORKER[stage];
    let pod = this.findPod(workerType, round, attempt);
    if (!pod) {
      const node = this.canCreate(workerType);
      if (!node) return false;
      pod = this.createPod(workerType, node, round, attempt, data.input ? { input: data.input } : {});
    }
    this.append({ stage, type: JobConditionType.Starting, round, data: { ...this.carried(data, attempt), worker: pod.name } });
    return true;
  }

  workerActive(latest: JobCondition, stage: JobStage, round: number, attempt: number, data: ConditionData): boolean {
    const pod = this.findPod(STAGE_WORKER[stage], round, attempt, data.worker);
    const next = { ...this.carried(data, attempt), ...(data.worker ? { worker: data.worker } : {}) };
    if (pod?.phase === 'Running' && latest.type === JobConditionType.Starting) {
      this.append({ stage, type: JobConditionType.Running, round, data: next, ...(pod.substitution ? { message: pod.substitution } : {}) });
      return true;
    }
    if (!this.podFailures) return false;
    if (pod && latest.type === JobConditionType.Starting && (pod.phase === 'Pending' || pod.phase === 'Unknown')) {
      return this.startOverdue(latest, stage, round, pod, next);
    }
    if (!pod) {
      const name = data.worker ?? `of ${stage.toLowerCase()} round ${round} attempt ${attempt}`;
      this.append({ stage, type: JobConditionType.Failed, round, reason: ConditionReason.PodDeleted, message: `worker pod ${name} was deleted before the stage finished`, data: next });
      return true;
    }
    if (pod.phase === 'Failed' || pod.phase === 'Succeeded') return this.endedWithoutReport(latest, stage, round, pod, next);
    return false;
  }

  // ---- deadlines

  /** A deadline of this job in a message: `600s`, naming the annotation when it set it. */
  deadline(key: DeadlineKey, ms: number): string {
    return `${formatDeadline(ms)}${this.ownDeadlines.has(key) ? ` (${DEADLINES_ANNOTATION} ${key})` : ''}`;
  }

  /** Since when a deadline that waits for `node`'s LC counts: `since`, or the LC's reconnection when later. */
  lcSince(node: string | undefined, since: number): { ms: number; reconnected?: string } {
    const at = node ? this.world.lcConnectedAt?.get(node) : undefined;
    const connected = timeMs(at);
    return at && connected > since ? { ms: connected, reconnected: at } : { ms: since };
  }

  /** Why a pending pod has not started: what its status says and the events it got that say more. */
  pendingReason(pod: ObservedPod): string {
    const events = this.world.podEvents?.get(pod.name);
    if (events === undefined) this.wantsEvents.add(pod.name);
    // The embedded node agent's events repeat the container's waiting message ("Error: <message>").
    const more = (events ?? []).filter((e) => !pod.waiting?.includes(e.replace(/^\w+: (Error: )?/, '')));
    const parts = [...(pod.waiting ? [pod.waiting] : []), ...(more.length > 0 ? [`events: ${more.join('; ')}`] : [])];
    return parts.length > 0 ? `: ${parts.join('; ')}` : ' (neither the pod nor its events say what it waits for)';
  }

  /**
   * The refusal of a pod's report its LC told (a `WorkerReportRefused` event on the pod), in words with
   * the code and the reason the LC counted it under; undefined when none (the pod's events are asked
   * for when this decision has not read them).
   */
  refusedReport(pod: ObservedPod): string | undefined {
    const events = this.world.podEvents?.get(pod.name);
    if (events === undefined) {
      this.wantsEvents.add(pod.name);
      return undefined;
    }
    const prefix = `${REPORT_REFUSED_REASON}: `;
    const line = [...events].reverse().find((e) => e.startsWith(prefix));
    if (!line) return undefined;
    const refusal = parseReportRefusal(line.slice(prefix.length));
    return refusal ? `the LC of node ${refusal.node} refused its ${refusal.reportKind} report (${refusal.code} ${refusal.reason}): ${refusal.detail}` : line.slice(prefix.length);
  }

  /**
   * A worker pod still Pending `startDeadlineMs` after its stage went Starting: the pod goes and the stage
   * fails with StartTimeout, saying what the pod waited for. Returns whether it appended a condition.
   */
  startOverdue(latest: JobCondition, stage: JobStage, round: number, pod: ObservedPod, next: ConditionData): boolean {
    if (this.options.startDeadlineMs <= 0) return false;
    const since = timeMs(latest.lastTransitionTime);
    const due = (Number.isNaN(since) ? this.nowMs : since) + this.options.startDeadlineMs;
    if (this.nowMs < due) {
      this.requeueAfter(due - this.nowMs);
      return false;
    }
    const within = this.deadline('starting', this.options.startDeadlineMs);
    const why = this.pendingReason(pod);
    this.deletePod(pod, `it did not start within ${within}`);
    this.append({ stage, type: JobConditionType.Failed, round, reason: ConditionReason.StartTimeout, message: `worker pod ${pod.name} did not start within ${within}${why}`, data: next });
    return true;
  }

  /**
   * A train or eval pod that ended while its stage waits for its report. The report may still be on its
   * way: in the outbox of an LC that is not connected (the deadline waits for it), or being replayed by
   * one that reconnected after the pod ended (the deadline counts from the reconnection). A Failed pod
   * whose LC was connected all along fails the stage at once: its exit says why, and a report it sent
   * was applied before its end was seen. Returns whether it appended a condition.
   */
  endedWithoutReport(latest: JobCondition, stage: JobStage, round: number, pod: ObservedPod, next: ConditionData): boolean {
    const node = pod.nodeName ?? this.nodeOf(STAGE_WORKER[stage]);
    const endedMs = timeMs(pod.finishedAt ?? latest.lastTransitionTime);
    const ended = `worker pod ${pod.name} ${pod.phase === 'Failed' ? 'failed' : 'succeeded'}${pod.finishedAt ? ` at ${pod.finishedAt}` : ''}`;
    if (node && !this.world.connectedNodes.has(node)) {
      this.blockers.add(`waiting for the local controller of node ${node} to connect: ${ended} and the report of its stage may be in that controller's outbox`);
      return false;
    }
    const since = this.lcSince(node, Number.isNaN(endedMs) ? this.nowMs : endedMs);
    const failure = `worker pod ${pod.name} failed: ${pod.failure ?? 'pod failed'}`;
    if (pod.phase === 'Failed' && !since.reconnected) {
      this.append({ stage, type: JobConditionType.Failed, round, reason: ConditionReason.PodFailed, message: failure, data: next });
      return true;
    }
    if (this.options.reportGraceMs <= 0) return false;
    const due = since.ms + this.options.reportGraceMs;
    if (this.nowMs < due) {
      this.requeueAfter(due - this.nowMs);
      return false;
    }
    const within = `within ${this.deadline('reportAfterPodEnded', this.options.reportGraceMs)}${since.reconnected ? ` of the reconnection of the local controller of node ${node} at ${since.reconnected}` : ''}`;
    // A report the LC refused did reach it: say so, with the code and reason, rather than "did not arrive".
    const refused = this.refusedReport(pod);
    if (pod.phase === 'Failed') {
      this.append({ stage, type: JobConditionType.Failed, round, reason: ConditionReason.PodFailed, message: `${failure}; ${refused ? `no report was taken ${within}: ${refused}` : `no report arrived ${within}`}`, data: next });
    } else {
      const why = refused ? `its report was refused and none was taken ${within}: ${refused}` : `the report of its stage did not arrive ${within}`;
      this.append({ stage, type: JobConditionType.Failed, round, reason: ConditionReason.NoReport, message: `${ended} but ${why}`, data: next });
    }
    return true;
  }

  deployReady(round: number, attempt: number, data: ConditionData): boolean {
    const mode = this.policy.deployMode(this.job);
    const carried = this.carried(data, attempt);
    if (mode === 'publish') {
      this.append({ stage: JobStage.Deploy, type: JobConditionType.Running, round, data: carried });
      return true;
    }
    if (mode === 'hot') {
      // A retry after the inference worker died replaces it; a live one gets the model hot.
      for (const pod of this.livePods('inference')) {
        if (pod.phase === 'Failed' || pod.phase === 'Succeeded') this.deletePod(pod, `inference worker ${pod.phase.toLowerCase()}; replaced for round ${round}`);
        else if (pod.crashing && attempt > 1) this.deletePod(pod, `inference worker keeps crashing (${pod.crashing}); replaced for attempt ${attempt} of round ${round}`);
      }
      const serving = this.ensureInferencePod(true, attempt);
      this.append({ stage: JobStage.Deploy, type: JobConditionType.Starting, round, data: serving ? { ...carried, worker: serving.name } : carried });
      return true;
    }
    // Cold: the inference pod is replaced by one serving the new model.
    let pod = this.findPod('inference', round, attempt);
    if (!pod) {
      const node = this.canCreate('inference');
      if (!node) return false;
      for (const old of this.livePods('inference')) this.deletePod(old, `cold update to the model of round ${round}`);
      const modelUrl = data.input?.models?.[0]?.url ?? data.input?.model?.url ?? this.policy.servingModel(this.job, this.status)?.url;
      pod = this.createPod('inference', node, round, attempt, modelUrl ? { modelUrl } : {});
    }
    this.append({ stage: JobStage.Deploy, type: JobConditionType.Starting, round, data: { ...carried, worker: pod.name } });
    return true;
  }

  deployActive(latest: JobCondition, round: number, attempt: number, data: ConditionData): boolean {
    const mode = this.policy.deployMode(this.job);
    if (mode === 'publish') return false;
    const next = { ...this.carried(data, attempt), ...(data.worker ? { worker: data.worker } : {}) };
    const failed = (pod: ObservedPod, reason: string, message: string): boolean => {
      this.append({ stage: JobStage.Deploy, type: JobConditionType.Failed, round, reason, message: `inference pod ${pod.name} ${message}`, data: next });
      return true;
    };
    if (mode === 'hot') {
      const pod = this.livePods('inference').find((p) => p.name === data.worker) ?? this.livePods('inference')[0];
      if (pod?.phase === 'Running' && latest.type === JobConditionType.Starting) {
        this.append({ stage: JobStage.Deploy, type: JobConditionType.Running, round, data: { ...next, worker: pod.name } });
        return true;
      }
      if (pod && this.podFailures && (pod.phase === 'Failed' || pod.phase === 'Succeeded')) {
        return failed(pod, ConditionReason.PodFailed, `${pod.phase.toLowerCase()}: ${pod.failure ?? 'it exited'}`);
      }
      // A worker that keeps crashing will not confirm anything: no need to wait for the deadline.
      if (pod?.crashing && this.podFailures) return failed(pod, ConditionReason.PodFailed, `keeps crashing: ${pod.crashing}`);
      return this.podFailures && this.deployOverdue(latest, round, data, next, pod);
    }
    const pod = this.findPod('inference', round, attempt, data.worker);
    if (!this.podFailures && pod?.phase !== 'Running') return false;
    if (!pod) {
      const which = data.worker ? `inference pod ${data.worker}` : `the inference pod of round ${round} attempt ${attempt}`;
      this.append({ stage: JobStage.Deploy, type: JobConditionType.Failed, round, reason: ConditionReason.PodDeleted, message: `${which} was deleted before it served the new model`, data: next });
      return true;
    }
    if (pod.phase === 'Failed' || pod.phase === 'Succeeded') return failed(pod, ConditionReason.PodFailed, `${pod.phase.toLowerCase()}: ${pod.failure ?? 'it exited'}`);
    if (pod.phase === 'Running') {
      const model = data.input?.models?.[0] ?? data.input?.model;
      this.append({ stage: JobStage.Deploy, type: JobConditionType.Completed, round, data: { ...next, ...(model ? { output: { models: [model] } } : {}) } });
      return true;
    }
    // A cold update's new inference pod that does not start (its model's folder missing, say).
    return latest.type === JobConditionType.Starting && this.startOverdue(latest, JobStage.Deploy, round, pod, next);
  }

  /**
   * A hot deploy the inference worker has not confirmed within `deployConfirmMs` of its last state: its
   * pod is restarted once (the original restarts it at every deploy), then the stage fails. Returns
   * whether it appended a condition; otherwise comes back at the deadline.
   */
  deployOverdue(latest: JobCondition, round: number, data: ConditionData, next: ConditionData, pod: ObservedPod | undefined): boolean {
    if (this.options.deployConfirmMs <= 0) return false;
    // The confirmation comes through the LC of the inference pod's node: while it is away, it may be in its outbox.
    const node = pod?.nodeName ?? this.nodeOf('inference');
    if (node && !this.world.connectedNodes.has(node)) {
      this.blockers.add(`waiting for the local controller of node ${node} to connect: the inference worker's confirmation of the model of round ${round} may be in that controller's outbox`);
      return false;
    }
    const transition = timeMs(latest.lastTransitionTime);
    const since = this.lcSince(node, Number.isNaN(transition) ? this.nowMs : transition);
    const due = since.ms + this.options.deployConfirmMs;
    if (this.nowMs < due) {
      this.requeueAfter(due - this.nowMs);
      return false;
    }
    const within = `within ${this.deadline('deployConfirmation', this.options.deployConfirmMs)}${since.reconnected ? ` of the reconnection of the local controller of node ${node} at ${since.reconnected}` : ''}`;
    const worker = data.worker ? `inference pod ${data.worker}` : 'the inference worker';
    const why = pod && (pod.phase === 'Pending' || pod.phase === 'Unknown') ? ` (it never started${this.pendingReason(pod)})` : '';
    if (data.restarted) {
      this.append({
        stage: JobStage.Deploy,
        type: JobConditionType.Failed,
        round,
        reason: ConditionReason.DeployTimeout,
        message: `${worker} did not confirm the model of round ${round} ${within}, after one restart${why}`,
        data: next,
      });
      return true;
    }
    for (const live of this.livePods('inference')) this.deletePod(live, `no confirmation of the model of round ${round} ${within}; restarted once`);
    const replacement = this.ensureInferencePod(true);
    this.append({
      stage: JobStage.Deploy,
      type: JobConditionType.Starting,
      round,
      reason: ConditionReason.DeployRestarted,
      message: `${worker} did not confirm the model of round ${round} ${within}; its pod is restarted once${why}`,
      data: { ...next, restarted: true, ...(replacement ? { worker: replacement.name } : {}) },
    });
    return true;
  }

  completed(stage: JobStage, round: number): boolean {
    const next = nextStage(stage);
    if (next) {
      this.append({ stage: next, type: JobConditionType.Waiting, round, data: { attempt: 1 } });
      return true;
    }
    this.policy.roundEnded(this.job, this.status, this.conditions, round, this.now);
    this.recordDeployment(round);
    if (this.reachedMaxRounds(round)) return false;
    this.append({ stage: JobStage.Train, type: JobConditionType.Waiting, round, data: { attempt: 1 } });
    return true;
  }

  reachedMaxRounds(round: number): boolean {
    const max = this.policy.maxRounds(this.job);
    // Rollback rounds only deploy: they do not count against maxRounds.
    if (max === undefined || round - (this.rollbackStatus.rollbackRounds ?? 0) < max) return false;
    this.status.completionTime = this.now;
    return true;
  }

  failed(latest: JobCondition, stage: JobStage, round: number, attempt: number): boolean {
    if (attempt < this.options.maxAttempts) {
      const delay = backoffDelay(attempt, { initialMs: this.options.retryInitialMs, maxMs: this.options.retryMaxMs });
      const since = timeMs(latest.lastTransitionTime);
      const due = (Number.isNaN(since) ? this.nowMs : since) + delay;
      if (this.nowMs < due) {
        this.requeueAfter(due - this.nowMs);
        return false;
      }
      const ready = findLastCondition(
        this.conditions,
        (c) => c.stage === stage && c.type === JobConditionType.Ready && conditionRound(c, round) === round,
      );
      const data = this.carried(conditionData(ready), attempt + 1);
      this.append({
        stage,
        type: JobConditionType.Ready,
        round,
        reason: ConditionReason.Retry,
        // One line: the Failed condition just before holds the failure whole (with its log lines).
        message: `attempt ${attempt + 1} of ${this.options.maxAttempts} after: ${messageSummary(latest.message ?? latest.reason ?? 'failure')}`,
        data,
      });
      return true;
    }
    if (this.reachedMaxRounds(round)) return false;
    // Consecutive failed rounds (since the last round that completed) back off the next one.
    let failedRounds = 1;
    for (let i = this.conditions.length - 1; i >= 0; i--) {
      const c = this.conditions[i] as JobCondition;
      if (c.stage === JobStage.Deploy && c.type === JobConditionType.Completed) break;
      if (c.stage === JobStage.Train && c.type === JobConditionType.Waiting && c.reason === ConditionReason.RoundFailed) failedRounds++;
    }
    const wait = backoffDelay(failedRounds, { initialMs: this.options.roundRetryInitialMs, maxMs: this.options.roundRetryMaxMs });
    const notBefore = new Date(this.nowMs + wait).toISOString();
    const after = failedRounds > 1 ? `${failedRounds} failed rounds in a row, the last round ${round}` : `round ${round} failed`;
    // When the next round may start comes first: the failure after it is the Failed condition's summary.
    this.append({
      stage: JobStage.Train,
      type: JobConditionType.Waiting,
      round,
      reason: ConditionReason.RoundFailed,
      message: `round ${round} failed (${stage} failed ${attempt} times): the next round starts no earlier than ${notBefore}, a backoff of ${formatDeadline(wait)} after ${after}; last failure: ${messageSummary(latest.message ?? latest.reason ?? 'failure')}`,
      data: { attempt: 1, failedRound: round, notBefore },
    });
    return true;
  }

  // ---- invariants

  /**
   * The inference worker of a job with one: created when none exists (first sync, or it was deleted),
   * and one that ended (Failed or Succeeded: a node agent restart, a crash under restartPolicy Never)
   * replaced `retryInitialMs` after it ended, as a ReplicaSet replaces its pods, so the job serves
   * between deploys too (the delay bounds the churn of a worker that keeps ending).
   */
  ensureInferencePod(forDeploy = false, attempt = 0): ObservedPod | undefined {
    const live = this.livePods('inference');
    // A completed job keeps serving, but not with a worker that keeps crashing.
    if (this.finished) for (const pod of live) if (pod.crashing) this.deletePod(pod, `the job has completed and its inference worker keeps crashing (${pod.crashing})`);
    const serving = live.find((p) => p.phase !== 'Failed' && p.phase !== 'Succeeded' && !(this.finished && p.crashing));
    if (serving) return serving;
    if (this.finished || this.policy.deployMode(this.job) === 'publish') return live.find((p) => !p.deleting);
    if (!forDeploy && this.policy.servesBeforeDeploy && !this.policy.servesBeforeDeploy(this.job, this.status) && !this.deploying()) return live[0];
    const latest = this.latest();
    // During a cold update the deploy stage owns the inference pod.
    if (
      this.policy.deployMode(this.job) === 'cold' &&
      latest?.stage === JobStage.Deploy &&
      (latest.type === JobConditionType.Ready || latest.type === JobConditionType.Starting)
    ) {
      return live[0];
    }
    if (live.length > 0) {
      const endedAt = Math.max(...live.map((p) => timeMs(p.finishedAt)).map((t) => (Number.isNaN(t) ? this.nowMs : t)));
      const due = endedAt + this.options.retryInitialMs;
      if (this.nowMs < due) {
        this.requeueAfter(due - this.nowMs);
        return live[0];
      }
      for (const pod of live) this.deletePod(pod, `inference worker ${pod.phase.toLowerCase()}${pod.failure ? ` (${pod.failure})` : ''}; replaced`);
    }
    const node = this.canCreate('inference');
    if (!node) return undefined;
    const modelUrl = this.policy.servingModel(this.job, this.status)?.url;
    return this.createPod('inference', node, this.round, attempt, modelUrl ? { modelUrl } : {});
  }

  /** Whether a deploy stage is past Ready (its inference worker is being started or confirmed). */
  deploying(): boolean {
    const latest = this.latest();
    return latest?.stage === JobStage.Deploy && (latest.type === JobConditionType.Starting || latest.type === JobConditionType.Running);
  }

  collectOldPods(): void {
    const oldest = this.round - this.options.podRetentionRounds;
    for (const pod of this.pods) {
      if (pod.workerType === 'inference' || pod.deleting || pod.round > oldest) continue;
      if (pod.phase === 'Succeeded' || pod.phase === 'Failed') this.deletePod(pod, `worker of round ${pod.round}, older than the last ${this.options.podRetentionRounds} rounds`);
    }
  }

  /** Takes every transition the Global Manager can take now (bounded: each appends a condition). */
  settle(): void {
    this.manualTrigger(false);
    this.rollback(false);
    for (let i = 0; i < 16 && this.step(); i++);
  }

  run(): JobDecision<StatusOf<J>> {
    if (this.deadlineProblems.length > 0) {
      this.actions.push({ type: 'event', eventType: 'Warning', reason: 'InvalidDeadlines', message: this.deadlineProblems.join('; '), once: true });
    }
    const workerAuth = workerAuthOptOut(this.job.metadata.annotations);
    if (workerAuth === true) {
      const message = `${this.policy.kind} ${this.namespace}/${this.name}: ${WORKER_AUTH_ANNOTATION}: ${WORKER_AUTH_NONE}: the LCs accept reports without a worker token from the pods this job's conditions name on their node (workers of the original's Python library send none); any process on those nodes that knows a pod's name can report for it`;
      this.actions.push({ type: 'event', eventType: 'Warning', reason: 'UnauthenticatedWorkers', message, once: true });
    } else if (workerAuth !== false) {
      this.actions.push({ type: 'event', eventType: 'Warning', reason: 'InvalidWorkerAuth', message: `${this.policy.kind} ${this.namespace}/${this.name}: ${workerAuth.error}; worker tokens are required`, once: true });
    }
    // First sync.
    if (!this.status.startTime) this.status.startTime = this.now;
    if (this.status.round === undefined) this.status.round = 0;
    this.policy.initialStatus(this.job, this.status, this.world.models);
    if (this.rollbackStatus.deployments === undefined) this.rollbackStatus.deployments = this.initialDeployments();
    if (this.conditions.length === 0) this.append({ stage: JobStage.Train, type: JobConditionType.Waiting, round: this.round, data: { attempt: 1 } });

    // Reports apply in arrival order, each onto the state the transitions before it led to. They are
    // newer than what the pods show, so a pod's end counts as a failure only once they are applied.
    this.podFailures = false;
    this.settle();
    for (const report of this.world.reports) {
      this.outcomes.push(this.applyReport(report));
      this.settle();
    }
    this.podFailures = true;
    this.settle();
    this.manualTrigger(true);
    this.rollback(true);
    this.ensureInferencePod();
    this.collectOldPods();
    this.policy.statusFromConditions?.(this.job, this.status, this.conditions);

    const missing = this.missingReferences();
    for (const m of missing) this.blockers.add(m);
    // The Dataset's LC counts the samples and fires the triggers: without it the job cannot start a round.
    const datasetNode = this.world.dataset?.spec.nodeName;
    const waitingFor = `waiting for the local controller of node ${datasetNode} to connect`;
    if (datasetNode && !this.finished && !this.world.connectedNodes.has(datasetNode) && ![...this.blockers].some((b) => b.startsWith(waitingFor))) {
      this.blockers.add(`waiting for the local controller of node ${datasetNode} to connect (the node of Dataset ${this.namespace}/${this.policy.datasetName(this.job)}: its samples are counted there)`);
    }
    this.noteOnLatest(this.blockers.size > 0 ? [...this.blockers].join('; ') : undefined);

    const { conditions: _all, ...rest } = this.status;
    this.status.conditions = capConditions(compactMessages(this.conditions), this.options.maxConditions, rest);
    const decision: JobDecision = {
      status: this.status,
      statusChanged: !sameJson(this.status, this.job.status ?? {}),
      appended: this.appended,
      actions: this.actions,
      reportOutcomes: this.outcomes,
    };
    if (this.requeueAfterMs !== undefined) decision.requeueAfterMs = this.requeueAfterMs;
    if (this.blockers.size > 0) decision.blocked = [...this.blockers].join('; ');
    if (this.wantsEvents.size > 0) decision.wantsPodEvents = [...this.wantsEvents];
    return decision;
  }
}

/**
 * Decides the next status of a learning job and the actions that go with it, from the job and what
 * the Global Manager observes. Pure: the same inputs give the same result, nothing is read or written.
 *
 * @example
 * ```ts
 * const d = decide(job, { now: new Date(), pods: [], dataset, models, connectedNodes: new Set(['edge-1']),
 *   reports: [], nameSuffix: 'x7k2q' }, incrementalLearningPolicy);
 * // first sync: d.status.conditions = [(Train, Waiting)], d.actions = [createPod inference]
 * ```
 */
export function decide<J extends LearningJob>(job: J, world: JobWorld, policy: JobPolicy<J>, options: DecideOptions = DEFAULT_DECIDE_OPTIONS): JobDecision<StatusOf<J>> {
  return new Decider(job, world, policy, options).run();
}
