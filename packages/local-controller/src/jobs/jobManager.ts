/**
 * The per-job manager of the LC (contract section 6): on the dataset's node it splits new samples into
 * the train pool and the open eval version, evaluates the train trigger, cuts the round files and
 * reports (Train, Ready) and (Eval, Ready), runs the deploy gate and returns a failed round's samples to
 * the pools; on the deploy node it publishes hot updates, and reports (Deploy, Completed) itself when
 * there is no inference worker. Every action is keyed by round, stage and attempt and persisted with its
 * upstream message before it counts as done, so a restart, a resent job or a replayed dataset change
 * never fires it twice, and nothing is lost between the pools, the round files and the outbox.
 *
 * The dataset's index is read, and round files written, only where the LC may (dataRoots.ts): a cut
 * waits, with a warning naming the path and the allowed roots, while the index or `outputDir` is not
 * in them; round files get the owner and the mode of the index, never group- or other-writable.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import {
  type Dataset,
  type DeployDecision,
  type IncrementalCondData,
  type IncrementalLearningJob,
  type RollbackData,
  type Model,
  type ModelInfo,
  type Trigger,
  type UpstreamJobMessage,
} from '@sedna-ts/api-types';
import { decisionLabel, outputDirOverlap } from '@sedna-ts/api-types/contract';
import { hostPath, isUrl, jobFrame, type LcContext } from '../context.js';
import type { LcJob } from './jobKind.js';
import { folderRefusal, inCheckedFolder, openChecked, realFolder } from '../datasets/dataRoots.js';
import { LocalControllerError } from '../errors.js';
import { splitLines } from '../storage/committedFile.js';
import { type FileAccess } from '../storage/files.js';
import { decideDeploy } from './deployGate.js';
import { publishModel, sha256File } from '../workers/hotUpdate.js';
import { indexFormatOf } from '../datasets/indexReader.js';
import { type DatasetChange, type LogPosition } from '../datasets/datasetMonitor.js';
import {
  jobRound,
  lastConditionOf,
  lastTrainOutput,
  latestCondition,
  manualTrigger,
  modelsOf,
  pickModel,
  trainOutputWith,
  conditionsOf,
} from './jobView.js';
import { EVAL_VERSIONS, JobState, type EvalVersion, type Intent, type PoolFile } from './jobState.js';
import { isRemoteIndex, remoteBase, writeDataIndex } from '../datasets/remoteIndex.js';
import { evaluateTrigger, waitingFor } from './trigger.js';
import { type LcLogger } from '../logger.js';

/** Options of a `JobManager`. */
export interface JobManagerOptions {
  ctx: LcContext;
  namespace: string;
  name: string;
  /** Folder of the job's persisted state. */
  stateDir: string;
  /** The job's hot-update folder (as the LC sees it). */
  hotUpdateDir: string;
}

/**
 * The parts of a learning job with rounds the shared manager reads: its Dataset and split, its train
 * trigger, its outputDir, and where its inference worker runs.
 */
export interface RoundJob extends LcJob {
  spec: {
    dataset: { name: string; trainProb: number };
    trainSpec: { trigger: Trigger };
    deploySpec: { template?: { spec?: unknown } };
    outputDir: string;
  };
}

/** The names of the kind a manager runs: the job's Kind (in messages) and its `resourceKind` (in frames). */
export interface ManagerKindNames {
  kind: string;
  resourceKind: string;
}

function modelInfoOf(model: Model | undefined): ModelInfo | undefined {
  return model ? { format: model.spec.format, url: model.spec.url } : undefined;
}

function bareModel(model: ModelInfo | undefined): ModelInfo | undefined {
  if (!model) return undefined;
  const { metrics: _metrics, ...rest } = model;
  return rest;
}

function samePosition(a: LogPosition, b: LogPosition): boolean {
  return a.id === b.id && a.bytes === b.bytes;
}

/** Whether a job ordered `[creation time, kind, namespace/name]` comes before another (no time first). */
function isEarlier(a: readonly string[], b: readonly string[]): boolean {
  for (let i = 0; i < a.length; i++) {
    if ((a[i] as string) < (b[i] as string)) return true;
    if ((a[i] as string) > (b[i] as string)) return false;
  }
  return false;
}

/**
 * See the module comment. The deploy stage, the models an eval compares and how often the triggers are
 * checked are the kind's (`evalModels`, `gate`, `publish`, `checkPeriods`); this class has the
 * IncrementalLearningJob's, and a kind with rounds of its own extends it (kinds/lifelongLearningJob.ts).
 */
export class JobManager {
  protected job: RoundJob | undefined;
  protected state: JobState | undefined;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private periodMs = 0;
  private stopped = false;
  private readonly warned = new Map<string, string>();
  /** The last `round/reason` sent as (Train, Waiting): sent again only when it changes. */
  private waitingSent: string | undefined;
  protected readonly logger: LcLogger;

  constructor(
    protected readonly options: JobManagerOptions,
    protected readonly names: ManagerKindNames = { kind: 'IncrementalLearningJob', resourceKind: 'incrementallearningjob' },
  ) {
    this.logger = options.ctx.logger.child({ job: `${options.namespace}/${options.name}` });
  }

  /** `<Kind> <namespace>/<name>`: how messages name the job. */
  protected get subject(): string {
    return `${this.names.kind} ${this.options.namespace}/${this.options.name}`;
  }

  /** A frame about this job carrying `message`. */
  protected frame(message: UpstreamJobMessage) {
    return jobFrame(this.names.resourceKind, this.options.namespace, this.options.name, message);
  }

  protected get ctx(): LcContext {
    return this.options.ctx;
  }

  /** Run `work` after everything queued before it (one action at a time per job). */
  protected serial(work: () => Promise<void>): Promise<void> {
    const next = this.chain.then(async () => {
      if (this.stopped) return;
      try {
        await work();
      } catch (error) {
        // A path outside the LC's roots stays refused until the job or the folder changes: said once, not at every check.
        if (error instanceof LocalControllerError && error.code === 'PATH_NOT_ALLOWED') return this.warnOnce('refused-path', `${error.message}; the action waits`);
        this.logger.error({ error: (error as Error).message, stack: (error as Error).stack }, 'job action failed; retried on the next check');
      }
    });
    this.chain = next;
    return next;
  }

  /**
   * Tell the GM what the waiting train stage waits for (status `Waiting`, ours), when it differs from
   * what the job's (Train, Waiting) condition already says and from what was sent last. A GM that
   * does not know these reports ignores them.
   */
  protected async reportWaiting(reason: string): Promise<void> {
    const latest = this.job ? latestCondition(this.job) : undefined;
    if (!latest || latest.stage !== 'Train' || latest.type !== 'Waiting') return;
    if (latest.data.waitingFor === reason || this.waitingSent === `${latest.round}/${reason}`) return;
    this.waitingSent = `${latest.round}/${reason}`;
    await this.ctx.outbox.append(this.frame({ phase: 'Train', status: 'Waiting', round: latest.round, reason }));
  }

  /** Log a warning once per distinct reason (until it changes). */
  protected warnOnce(topic: string, message: string, fields: object = {}): void {
    if (this.warned.get(topic) === message) return;
    this.warned.set(topic, message);
    this.logger.warn(fields, message);
  }

  /** A new version of the job object (from the GM, or from the store at start-up). */
  update(job: RoundJob): Promise<void> {
    return this.serial(async () => {
      const uid = job.metadata.uid ?? '';
      if (!this.state || this.state.data.uid !== uid) this.state = await JobState.open(this.options.stateDir, uid, this.logger);
      this.job = job;
      this.schedule();
      await this.reconcile();
    });
  }

  /** The job's dataset changed (the monitor's hand-over). */
  datasetChanged(change?: DatasetChange): Promise<void> {
    return this.serial(async () => {
      if (!this.job || !this.state) return;
      await this.consume(change);
      await this.reconcile(false);
    });
  }

  /** Check now (triggers, pending actions). */
  check(): Promise<void> {
    return this.serial(() => this.reconcile());
  }

  /** Check every `checkPeriodSeconds` (the shorter of the train and deploy triggers'). */
  private schedule(): void {
    if (this.stopped || !this.job) return;
    const { config } = this.ctx;
    const periods = this.checkPeriods().map((p) => p ?? config.defaultCheckPeriodSeconds);
    const periodMs = Math.max(100, Math.min(...periods) * 1000);
    if (this.timer && this.periodMs === periodMs) return;
    if (this.timer) clearInterval(this.timer);
    this.periodMs = periodMs;
    this.timer = setInterval(() => void this.check(), periodMs);
    this.timer.unref();
  }

  /** The `checkPeriodSeconds` of the job's triggers (the train and deploy triggers'). */
  protected checkPeriods(): Array<number | undefined> {
    const job = this.job as unknown as IncrementalLearningJob;
    return [job.spec.trainSpec.trigger.checkPeriodSeconds, job.spec.deploySpec.trigger.checkPeriodSeconds];
  }

  /** Stop the periodic checks and wait for the action in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.chain;
    this.stopped = true;
  }

  /** The job was deleted: stop, then remove its state and its hot-update folder. */
  async remove(): Promise<void> {
    await this.stop();
    await JobState.remove(this.options.stateDir);
    await rm(this.options.hotUpdateDir, { recursive: true, force: true });
  }

  /** Train pool size, eval pool sizes and the dataset cursor (for tests and `describe`). */
  snapshot(): { trainSamples: number; evalOpenSamples: number; evalVersions: Array<{ round: number; samples: number }>; datasetSamplesSeen: number } | undefined {
    const data = this.state?.data;
    if (!data) return undefined;
    return {
      trainSamples: data.train.lines,
      evalOpenSamples: data.evalOpen.lines,
      evalVersions: data.evalVersions.map((v) => ({ round: v.round, samples: v.lines })),
      datasetSamplesSeen: data.samples?.lines ?? 0,
    };
  }

  // ---- roles ----

  protected dataset(): Dataset | undefined {
    const job = this.job as RoundJob;
    return this.ctx.store.get<Dataset>('dataset', this.options.namespace, job.spec.dataset.name);
  }

  protected model(name: string | undefined): Model | undefined {
    return name ? this.ctx.store.get<Model>('model', this.options.namespace, name) : undefined;
  }

  protected isDatasetNode(dataset: Dataset | undefined): boolean {
    return dataset?.spec.nodeName === this.ctx.config.nodeName;
  }

  protected isDeployNode(dataset: Dataset | undefined): boolean {
    const job = this.job as RoundJob;
    const node = (job.spec.deploySpec.template?.spec as { nodeName?: string } | undefined)?.nodeName ?? dataset?.spec.nodeName;
    return node === this.ctx.config.nodeName;
  }

  // ---- the dataset ----

  /**
   * Hand new samples of the dataset to the pools: the monitor's lines when they follow on from where the
   * job is in the dataset's sample log, else read from that log (never from the index: whatever became of
   * it, the log has every sample counted, once).
   */
  private async consume(change?: DatasetChange): Promise<void> {
    const job = this.job as unknown as IncrementalLearningJob;
    const state = this.state as JobState;
    const dataset = this.dataset();
    if (!dataset || !this.isDatasetNode(dataset)) return;
    const format = indexFormatOf(dataset.spec.format);
    if (!format) return this.warnOnce('dataset', `Dataset ${this.options.namespace}/${dataset.metadata.name}: spec.format: ${JSON.stringify(dataset.spec.format)} is not txt or csv`);
    if (!isRemoteIndex(dataset.spec.url) && isUrl(dataset.spec.url)) {
      return this.warnOnce('dataset', `Dataset ${this.options.namespace}/${dataset.metadata.name}: spec.url: ${JSON.stringify(dataset.spec.url)}: this LC reads host paths and s3:// indexes only`);
    }
    const name = dataset.metadata.name as string;
    const key = `${this.options.namespace}/${name}`;
    if (state.data.dataset !== key) {
      state.data.dataset = key;
      delete state.data.samples;
      delete state.data.cursor;
    }
    const source = this.ctx.datasets;
    const end = source?.logEnd(this.options.namespace, name);
    if (!source || !end) return;
    let from = state.data.samples;
    if (!from && state.data.cursor && state.data.cursor.fileId !== '') {
      // A state of an LC before the sample log: the monitor took over the same index cursor, so what
      // this job had not taken yet is what the log got since.
      this.logger.info({ dataset: key, seen: state.data.cursor.count }, 'job state from before the sample log: new samples are taken from the log');
    } else if (from && from.id !== end.id) {
      this.logger.warn({ dataset: key }, "the dataset's sample log started over (its url changed, or its state was lost): the job takes it from its start");
    }
    if (!from || from.id !== end.id) from = { id: end.id, bytes: 0, lines: 0 };
    if (from.bytes < end.bytes) {
      const trainProb = job.spec.dataset.trainProb;
      if (change?.lines && samePosition(change.log.from, from) && samePosition(change.log.to, end)) {
        await this.addSamples(change.lines, trainProb);
      } else {
        for await (const batch of source.samplesSince(this.options.namespace, name, from, end)) await this.addSamples(batch, trainProb);
      }
    }
    if (state.data.samples && samePosition(state.data.samples, end) && !state.data.cursor) return;
    state.data.samples = end;
    delete state.data.cursor;
    await state.commit();
  }

  /** Split new lines: the first `floor(trainProb * n)` (carrying the remainder over batches) to train, the rest to eval. */
  private async addSamples(lines: Buffer[], trainProb: number): Promise<void> {
    const state = this.state as JobState;
    const split = state.data.split;
    const seen = split.seen + lines.length;
    const target = Math.floor(trainProb * seen + 1e-9);
    const toTrain = Math.max(0, Math.min(lines.length, target - split.train));
    state.data.train = await state.appendLines(state.data.train, lines.slice(0, toTrain));
    state.data.evalOpen = await state.appendLines(state.data.evalOpen, lines.slice(toTrain));
    state.data.split = { seen, train: split.train + toTrain };
    this.logger.debug({ batch: lines.length, toTrain, seen }, 'samples split');
  }

  // ---- the state machine's LC side ----

  private async reconcile(consumeFirst = true): Promise<void> {
    const job = this.job;
    const state = this.state;
    if (!job || !state) return;
    if (state.data.intent) await this.execute(state.data.intent);
    const dataset = this.dataset();
    const onDatasetNode = this.isDatasetNode(dataset);
    if (onDatasetNode && consumeFirst) await this.consume();
    if (onDatasetNode) await this.returnFailedRounds();
    const latest = latestCondition(job);
    if (!latest) return;
    switch (`${latest.stage}/${latest.type}`) {
      case 'Train/Waiting':
        if (onDatasetNode) await this.maybeCutTrain();
        return;
      case 'Eval/Waiting':
        if (onDatasetNode) await this.cutEval(latest.round);
        return;
      case 'Deploy/Waiting':
        if (onDatasetNode) await this.gate(latest.round);
        return;
      case 'Deploy/Running':
        if (this.isDeployNode(dataset)) await this.publish(latest.round, latest.attempt);
        return;
      default:
    }
  }

  protected outputDir(): string | undefined {
    const dir = (this.job as RoundJob).spec.outputDir;
    if (isUrl(dir)) {
      this.warnOnce('output', `${this.subject}: spec.outputDir: ${JSON.stringify(dir)}: only host paths are written by this LC (s3 is not supported yet)`);
      return undefined;
    }
    return dir;
  }

  protected outputSubject(outputDir: string): string {
    return `${this.subject}: spec.outputDir: ${JSON.stringify(outputDir)}`;
  }

  /**
   * What a cut of `round` needs besides its samples: `outputDir` in a folder the LC may write into, and
   * the owner and mode of the dataset's index for the round files. Undefined (after a warning naming the
   * path and why) while either is missing: the cut waits.
   */
  protected async cutAccess(outputDir: string, round: number): Promise<FileAccess | undefined> {
    const refused = await folderRefusal(this.ctx.config, hostPath(this.ctx.config, outputDir), this.outputSubject(outputDir));
    if (refused) {
      this.warnOnce('output', `${refused}: round ${round} waits`);
      return undefined;
    }
    const shared = await this.sharedOutputDir(outputDir);
    if (shared) {
      this.warnOnce('output', `${shared}: round ${round} waits`);
      return undefined;
    }
    const access = this.indexAccess();
    // A topic of its own: the read of the index warns under 'dataset' at every check, with another text.
    if (typeof access === 'string') this.warnOnce('cut', `${access}: round ${round} waits`);
    return typeof access === 'string' ? undefined : access;
  }

  /**
   * Whether an earlier job on this LC writes into the same real folder (the GM compares the paths as
   * written; a symlink can make two different paths one folder): the later job waits, the earlier runs.
   */
  private async sharedOutputDir(outputDir: string): Promise<string | undefined> {
    const me = this.job as RoundJob;
    const myOrder = [me.metadata.creationTimestamp ?? '', this.names.resourceKind, `${this.options.namespace}/${this.options.name}`];
    const earlier: { other: RoundJob; kind: string; dir: string }[] = [];
    for (const kind of this.ctx.jobKinds ?? [this.names.resourceKind]) {
      for (const other of this.ctx.store.list<RoundJob>(kind)) {
        const dir = (other.spec as { outputDir?: unknown } | undefined)?.outputDir;
        if (other.metadata.uid === me.metadata.uid || typeof dir !== 'string' || isUrl(dir)) continue;
        const order = [other.metadata.creationTimestamp ?? '', kind, `${other.metadata.namespace ?? 'default'}/${other.metadata.name ?? ''}`];
        if (isEarlier(order, myOrder)) earlier.push({ other, kind, dir });
      }
    }
    // Resolved all at once, not one await after another: with hundreds of jobs on a node, one at a time
    // held every round cut (and so the trigger) for an event-loop turn per job (bench/scale's profile).
    // Another job's folder this LC cannot resolve (no access) is compared as written.
    const [mine, ...theirs] = await Promise.all([
      realFolder(hostPath(this.ctx.config, outputDir)),
      ...earlier.map(({ dir }) => realFolder(hostPath(this.ctx.config, dir)).catch(() => hostPath(this.ctx.config, dir))),
    ]);
    for (const [i, { other, kind }] of earlier.entries()) {
      if (outputDirOverlap(mine!, theirs[i]!)) {
        return `${this.outputSubject(outputDir)} resolves to ${JSON.stringify(mine)}, which overlaps ${JSON.stringify(theirs[i])}, the outputDir of ${other.kind ?? kind} ${other.metadata.namespace ?? 'default'}/${other.metadata.name ?? ''} (created earlier): two jobs would overwrite each other's files`;
      }
    }
    return undefined;
  }

  /** Owner and mode of the dataset's index at the monitor's last read, or why there are none. */
  protected indexAccess(): FileAccess | string {
    const dataset = this.dataset();
    const job = this.job as unknown as IncrementalLearningJob;
    if (!dataset) return `Dataset ${this.options.namespace}/${job.spec.dataset.name} not found`;
    return this.ctx.datasets?.access(this.options.namespace, dataset.metadata.name as string) ?? `Dataset ${this.options.namespace}/${dataset.metadata.name} is not monitored`;
  }

  /** The csv header of the dataset's index, exact bytes, once read. */
  private datasetHeader(): Buffer | undefined {
    const dataset = this.dataset();
    return dataset ? this.ctx.datasets?.header(this.options.namespace, dataset.metadata.name as string) : undefined;
  }

  /**
   * Write the round file of a cut (and its data index), in the checked round folder, with the owner and
   * mode of the index; resolves to the samples written.
   */
  private async writeRound(intent: Extract<Intent, { kind: 'cutTrain' | 'cutEval' }>, pools: readonly PoolFile[]): Promise<number> {
    const state = this.state as JobState;
    const access = intent.access ?? this.indexAccess();
    if (typeof access === 'string') throw new LocalControllerError('DATASET_INVALID', `${access}: round ${intent.round} waits`);
    const folder = dirname(intent.roundFile);
    const subject = `${this.subject}: round folder ${JSON.stringify(folder)}`;
    const lines = await inCheckedFolder(this.ctx.config, folder, subject, true, async (checked) => {
      const roundFile = join(checked, basename(intent.roundFile));
      const header = intent.headerBytes !== undefined ? Buffer.from(intent.headerBytes, 'base64') : intent.header !== undefined ? Buffer.from(intent.header, 'utf8') : undefined;
      const written = await state.writeRoundFile(roundFile, pools, header, access);
      const index = intent.dataIndex;
      if (index) await writeDataIndex(roundFile, join(checked, basename(index.file)), index.base, index.csv, access);
      return written;
    });
    return lines ?? 0;
  }

  /**
   * For a Dataset whose index is in S3: the data index of a round (`dataIndexURL`), so the worker's
   * storage initializer fetches the round's samples from S3 (see remoteIndex.ts).
   */
  private dataIndex(outputDir: string, stage: 'train' | 'eval', round: number): { url: string; write: { file: string; base: string; csv: boolean } } | undefined {
    const dataset = this.dataset();
    if (!dataset || !isRemoteIndex(dataset.spec.url)) return undefined;
    return {
      url: posix.join(outputDir, 'data', stage, String(round), 'index.txt'),
      write: { file: join(hostPath(this.ctx.config, outputDir), 'data', stage, String(round), 'index.txt'), base: remoteBase(dataset.spec.url), csv: indexFormatOf(dataset.spec.format) === 'csv' },
    };
  }

  protected manual(stage: 'Train' | 'Eval' | 'Deploy'): string | undefined {
    const manual = manualTrigger(this.job as RoundJob, this.ctx.now().getTime());
    if (!manual || manual.stage !== stage) return undefined;
    return (this.state as JobState).data.manualDone.includes(manual.value) ? undefined : manual.value;
  }

  /** The base model of the next round: the train-format output of the round that produced `lastGoodModel`, else the initial Model. */
  protected baseModel(): ModelInfo | undefined {
    const job = this.job as unknown as IncrementalLearningJob;
    const initial = this.model(job.spec.initialModel.name);
    const lastGood = job.status?.lastGoodModel;
    if (lastGood?.url) {
      const outputs = trainOutputWith(job, lastGood.url);
      if (outputs) return bareModel(pickModel(outputs, initial?.spec.format));
    }
    return modelInfoOf(initial);
  }

  /** The model the new one is compared with: `initialEvalModel`, else `lastGoodModel`, else the deploy Model. */
  protected baselineModel(): ModelInfo | undefined {
    const job = this.job as unknown as IncrementalLearningJob;
    const initialEval = job.spec.evalSpec.initialEvalModel?.name;
    if (initialEval) return modelInfoOf(this.model(initialEval));
    if (job.status?.lastGoodModel?.url) return bareModel(job.status.lastGoodModel as ModelInfo);
    return modelInfoOf(this.model(job.spec.deploySpec.model.name));
  }

  /** The model trained for `round` (or the last one before, for a manual eval or deploy) in the deploy model's format. */
  protected roundModel(round: number, stageInput?: ModelInfo[]): ModelInfo | undefined {
    const job = this.job as unknown as IncrementalLearningJob;
    const format = this.model(job.spec.deploySpec.model.name)?.spec.format;
    if (stageInput && stageInput.length > 0) return bareModel(pickModel(stageInput, format));
    const trained = lastTrainOutput(job, round);
    return trained ? bareModel(pickModel(trained.models, format)) : undefined;
  }

  protected missingModel(): string | undefined {
    const job = this.job as unknown as IncrementalLearningJob;
    const names = [job.spec.initialModel.name, job.spec.deploySpec.model.name, job.spec.evalSpec.initialEvalModel?.name].filter((n): n is string => !!n);
    const missing = names.find((n) => !this.model(n));
    return missing ? `Model ${this.options.namespace}/${missing} not found` : undefined;
  }

  /** The models a round trains from (the base model), or why it waits. */
  protected trainModels(): ModelInfo[] | string {
    const missing = this.missingModel();
    const base = this.baseModel();
    if (missing || !base) return missing ?? 'no base model';
    return [base];
  }

  private async maybeCutTrain(): Promise<void> {
    const job = this.job as unknown as IncrementalLearningJob;
    const state = this.state as JobState;
    const round = jobRound(job) + 1;
    const key = `Train/Ready/${round}`;
    if (state.done(key)) return;
    const manual = this.manual('Train');
    let cause = 'manual';
    if (manual && state.data.train.lines === 0) {
      // A round without a single new sample would train on nothing: a manual train waits for the first
      // sample (the annotation stays until the stage leaves Waiting, so it fires as soon as one arrives).
      await this.reportWaiting(`manual trigger: the train pool is empty, round ${round} starts with the first new sample`);
      return this.warnOnce('manual', `manual train trigger ${manual}: the train pool is empty; round ${round} starts with the first new sample`);
    }
    if (!manual) {
      // After failed rounds the GM says when the next may start (a manual trigger does not wait).
      const notBefore = latestCondition(job)?.data.notBefore;
      if (typeof notBefore === 'string' && Date.parse(notBefore) > this.ctx.now().getTime()) {
        return this.warnOnce('backoff', `round ${round} starts no earlier than ${notBefore}: the rounds before it failed`);
      }
      const now = this.ctx.now();
      const result = evaluateTrigger(job.spec.trainSpec.trigger, { num_of_samples: state.data.train.lines }, now, this.ctx.config.timeZone);
      this.ctx.metrics.triggerChecks.inc({ stage: 'train', result: result.fire ? 'fire' : 'wait' });
      if (!result.fire) {
        const blocked = this.ctx.datasets?.blocked(this.options.namespace, job.spec.dataset.name);
        const wait = waitingFor(job.spec.trainSpec.trigger, result, now, this.ctx.config.timeZone);
        return this.reportWaiting(blocked && !result.condition.pass ? `${blocked}; ${wait}` : wait);
      }
      cause = 'trigger';
      this.logger.info({ round, reason: result.reason }, 'train trigger fired');
    }
    const outputDir = this.outputDir();
    if (!outputDir) return;
    const models = this.trainModels();
    if (typeof models === 'string') {
      await this.reportWaiting(`${models}: round ${round} waits for it`);
      return this.warnOnce('model', `${models}: round ${round} waits for it`);
    }
    const access = await this.cutAccess(outputDir, round);
    if (!access) return;
    const message: UpstreamJobMessage = {
      phase: 'Train',
      status: 'Ready',
      round,
      input: {
        ...(models.length > 0 ? { models } : {}),
        dataURL: posix.join(outputDir, 'data', 'train', String(round), 'data.txt'),
        outputDir: posix.join(outputDir, 'train', String(round)),
      },
    };
    const dataIndex = this.dataIndex(outputDir, 'train', round);
    if (dataIndex && message.input) message.input.dataIndexURL = dataIndex.url;
    const intent: Intent = {
      kind: 'cutTrain',
      key,
      round,
      frame: this.frame(message),
      pool: { ...state.data.train },
      roundFile: join(hostPath(this.ctx.config, outputDir), 'data', 'train', String(round), 'data.txt'),
      cause,
      ...(dataIndex ? { dataIndex: dataIndex.write } : {}),
      access,
    };
    const header = this.datasetHeader();
    if (header) intent.headerBytes = header.toString('base64');
    if (manual) intent.manual = manual;
    state.data.intent = intent;
    await state.commit();
    await this.execute(intent);
  }

  /** The models the eval of `round` takes (the new one, then the one it is compared with), or why it waits. */
  protected evalModels(round: number): ModelInfo[] | string {
    const job = this.job as unknown as IncrementalLearningJob;
    const waiting = lastConditionOf(job, 'Eval', round, 'Waiting');
    const missing = this.missingModel();
    const newModel = this.roundModel(round, waiting ? modelsOf(waiting.data, 'input') : undefined);
    const baseline = this.baselineModel();
    if (missing || !newModel || !baseline) return missing ?? (newModel ? 'no model to compare with' : `no trained model for round ${round}`);
    return [newModel, baseline];
  }

  protected async cutEval(round: number): Promise<void> {
    const state = this.state as JobState;
    const key = `Eval/Ready/${round}`;
    if (state.done(key)) return;
    const outputDir = this.outputDir();
    if (!outputDir) return;
    const models = this.evalModels(round);
    if (typeof models === 'string') return this.warnOnce('model', `${models}: the eval of round ${round} waits`);
    const access = await this.cutAccess(outputDir, round);
    if (!access) return;
    const open = state.data.evalOpen;
    const versions: EvalVersion[] = [...state.data.evalVersions];
    if (open.lines > 0) versions.push({ ...open, round });
    const window = versions.slice(-EVAL_VERSIONS);
    const message: UpstreamJobMessage = {
      phase: 'Eval',
      status: 'Ready',
      round,
      input: { models, dataURL: posix.join(outputDir, 'data', 'eval', String(round), 'data.txt') },
    };
    const dataIndex = this.dataIndex(outputDir, 'eval', round);
    if (dataIndex && message.input) message.input.dataIndexURL = dataIndex.url;
    const intent: Intent = {
      kind: 'cutEval',
      key,
      round,
      frame: this.frame(message),
      versions: window,
      roundFile: join(hostPath(this.ctx.config, outputDir), 'data', 'eval', String(round), 'data.txt'),
      ...(dataIndex ? { dataIndex: dataIndex.write } : {}),
      access,
    };
    const header = this.datasetHeader();
    if (header) intent.headerBytes = header.toString('base64');
    const manual = this.manual('Eval');
    if (manual) intent.manual = manual;
    state.data.intent = intent;
    await state.commit();
    await this.execute(intent);
  }

  protected async gate(round: number): Promise<void> {
    const job = this.job as unknown as IncrementalLearningJob;
    const state = this.state as JobState;
    const key = `Deploy/Gate/${round}`;
    if (state.done(key)) return;
    const rollback = lastConditionOf(job, 'Deploy', round, 'Waiting');
    if (rollback?.data.rollback) return this.rollbackGate(round, key, rollback.data);
    const manual = this.manual('Deploy');
    const evalCompleted = lastConditionOf(job, 'Eval', round, 'Completed');
    const evalModels = evalCompleted ? modelsOf(evalCompleted.data) : [];
    const outcome = decideDeploy({
      trigger: job.spec.deploySpec.trigger,
      evalModels,
      round,
      now: this.ctx.now(),
      timeZone: this.ctx.config.timeZone,
      manual: !!manual,
    });
    this.ctx.metrics.triggerChecks.inc({ stage: 'deploy', result: outcome.status === 'wait' ? 'wait' : 'fire' });
    if (outcome.status === 'wait') {
      this.logger.debug({ round, reason: outcome.reason }, 'deploy gate waits for its timer window');
      return;
    }
    const decision = outcome.decision;
    const evalReady = lastConditionOf(job, 'Eval', round, 'Ready');
    const readyInput = evalReady ? modelsOf(evalReady.data, 'input') : [];
    const deployWaiting = lastConditionOf(job, 'Deploy', round, 'Waiting');
    const newModel = bareModel(readyInput[0]) ?? bareModel(evalModels[0]) ?? this.roundModel(round, deployWaiting ? modelsOf(deployWaiting.data, 'input') : undefined);
    const deployed = bareModel(readyInput[1]) ?? this.baselineModel();
    if (decision.decision !== 'Keep' && !newModel) {
      decision.decision = 'Keep';
      decision.reason = `no trained model to deploy for round ${round}`;
    }
    const message: UpstreamJobMessage =
      decision.decision === 'Keep'
        ? { phase: 'Deploy', status: 'Completed', round, decision, reason: decision.reason }
        : { phase: 'Deploy', status: 'Ready', round, input: { models: [newModel as ModelInfo, ...(deployed ? [deployed] : [])] }, decision };
    this.logger.info({ round, decision: decision.decision, reason: decision.reason, compared: decision.compared }, 'deploy gate decided');
    this.ctx.metrics.deployDecisions.inc({ decision: decisionLabel(decision.decision) });
    const intent: Intent = { kind: 'report', key, round, frame: this.frame(message), detail: decision.decision };
    if (manual) intent.manual = manual;
    state.data.intent = intent;
    await state.commit();
    await this.execute(intent);
  }

  /**
   * The gate of a rollback round (`sedna rollback`): no eval, no verdict to reach; the target's files are
   * checked (there, readable where the LC may read, and the same bytes when the record has their sha256)
   * and the round goes to (Deploy, Ready) with [target, serving], or ends Keep naming what is wrong.
   */
  protected async rollbackGate(round: number, key: string, data: IncrementalCondData): Promise<void> {
    const job = this.job as unknown as IncrementalLearningJob;
    const state = this.state as JobState;
    const rollback = data.rollback as RollbackData;
    const [target, serving] = modelsOf(data, 'input');
    const problem = target ? await this.rollbackProblem(target, rollback.to) : 'the rollback names no model';
    const condition = job.spec.deploySpec.trigger.condition;
    const base = { round, metric: condition?.metric ?? '', operator: condition?.operator ?? '>', threshold: condition?.threshold ?? 0, compared: {}, time: this.ctx.now().toISOString() };
    let message: UpstreamJobMessage;
    if (problem || !target) {
      const reason = `rollback to round ${rollback.to} refused: ${problem ?? 'no model'}`;
      message = { phase: 'Deploy', status: 'Completed', round, decision: { ...base, decision: 'Keep', reason }, reason };
      this.logger.warn({ round, requested: rollback.requested }, reason);
    } else {
      const which = rollback.to === 0 ? 'the initial model' : `the model of round ${rollback.to}`;
      const decision: DeployDecision = { ...base, decision: 'Rollback', reason: `sedna rollback: ${which} serves again instead of round ${rollback.from}'s`, to: { round: rollback.to, url: target.url } };
      if (serving) decision.from = { round: rollback.from, url: serving.url };
      message = { phase: 'Deploy', status: 'Ready', round, input: { models: serving ? [target, serving] : [target] }, decision };
      this.logger.info({ round, requested: rollback.requested, model: target.url }, 'rollback: the target model is there; deploying it');
    }
    this.ctx.metrics.deployDecisions.inc({ decision: decisionLabel(message.decision?.decision ?? 'Keep') });
    const intent: Intent = { kind: 'report', key, round, frame: this.frame(message), detail: message.decision?.decision ?? 'Keep' };
    state.data.intent = intent;
    await state.commit();
    await this.execute(intent);
  }

  /** Why the model a rollback targets cannot serve again, or undefined when it can. */
  protected async rollbackProblem(model: ModelInfo, toRound: number): Promise<string | undefined> {
    if (isUrl(model.url)) return undefined; // object storage: the deploy's download checks it
    const path = hostPath(this.ctx.config, model.url);
    const refused = await folderRefusal(this.ctx.config, dirname(path), `the model of round ${toRound} (${JSON.stringify(model.url)})`);
    if (refused) return refused;
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      return `model file ${model.url} is gone (${code})`;
    }
    if (!info.isFile() && !info.isDirectory()) return `model file ${model.url} is not a file`;
    if (info.isFile() && model.sha256) {
      const actual = await sha256File(path);
      if (actual !== model.sha256) return `model file ${model.url} changed since it served (sha256 ${actual}, was ${model.sha256})`;
    }
    return undefined;
  }

  protected async publish(round: number, attempt: number): Promise<void> {
    const job = this.job as unknown as IncrementalLearningJob;
    const state = this.state as JobState;
    const key = `Deploy/Publish/${round}/${attempt}`;
    if (state.done(key)) return;
    const template = job.spec.deploySpec.template;
    if (template && !job.spec.deploySpec.model.hotUpdateEnabled) return;
    const ready = lastConditionOf(job, 'Deploy', round, 'Ready');
    const model = ready ? modelsOf(ready.data, 'input')[0] : undefined;
    if (!model) return this.warnOnce('publish', `no model in the (Deploy, Ready) input of round ${round}: nothing to publish`);
    let message: UpstreamJobMessage | undefined;
    try {
      const subject = `the model of round ${round} (${JSON.stringify(model.url)})`;
      // Workers run as host processes (sedna up): model_path is the host path, valid as it is for them.
      const base = this.ctx.config.localImages ? this.options.hotUpdateDir : undefined;
      const published = await publishModel(this.options.hotUpdateDir, hostPath(this.ctx.config, model.url), round, this.ctx.now(), (path) => folderRefusal(this.ctx.config, path, subject), base);
      this.logger.info({ round, attempt, model: model.url, config: published.config.model_config }, 'model published for hot update');
      if (!template) {
        const output: ModelInfo = { ...bareModel(model), url: model.url } as ModelInfo;
        if (published.config.model_config.model_sha256) output.sha256 = published.config.model_config.model_sha256;
        if (published.config.model_config.model_size !== undefined) output.size = published.config.model_config.model_size;
        message = { phase: 'Deploy', status: 'Completed', round, attempt, output: { models: [output], ownerInfo: { model_version: String(round), published: 'no inference worker' } } };
      }
    } catch (error) {
      const reason = `model ${model.url} of round ${round} cannot be published: ${(error as Error).message}`;
      this.logger.error({ round, attempt }, reason);
      message = { phase: 'Deploy', status: 'Failed', round, attempt, reason };
    }
    if (!message) {
      state.markDone(key, { at: this.ctx.now().toISOString(), detail: 'published' }, round);
      await state.commit();
      return;
    }
    const intent: Intent = { kind: 'report', key, round, frame: this.frame(message), detail: message.status };
    state.data.intent = intent;
    await state.commit();
    await this.execute(intent);
  }

  /**
   * Put the samples of rounds the GM ended as `RoundFailed` back into the pools, once per round; and
   * those of the last cut when the GM went past its round without taking it (a manual eval or deploy
   * started that round number first, so the (Train, Ready) was ignored).
   */
  private async returnFailedRounds(): Promise<void> {
    const job = this.job as unknown as IncrementalLearningJob;
    const state = this.state as JobState;
    const all = conditionsOf(job);
    for (const c of all) {
      if (c.stage !== 'Train' || c.type !== 'Waiting' || c.reason !== 'RoundFailed') continue;
      const failed = typeof c.data.failedRound === 'number' ? c.data.failedRound : c.round;
      const key = `Train/Return/${failed}`;
      if (state.done(key) || !state.done(`Train/Ready/${failed}`)) continue;
      await this.returnRound(failed, key);
    }
    const cuts = Object.keys(state.data.actions)
      .filter((k) => k.startsWith('Train/Ready/'))
      .map((k) => Number(k.split('/')[2]));
    const last = cuts.length > 0 ? Math.max(...cuts) : undefined;
    if (last === undefined || jobRound(job) < last || state.done(`Train/Return/${last}`)) return;
    const messageId = state.data.actions[`Train/Ready/${last}`]?.messageId;
    if (messageId && this.ctx.outbox.isPending(messageId)) return;
    if (all.some((c) => c.stage === 'Train' && c.round === last)) return;
    this.logger.warn({ round: last }, 'the GM started this round without the (Train, Ready) of this LC; its samples go back to the pools');
    await this.returnRound(last, `Train/Return/${last}`);
  }

  private async returnRound(round: number, key: string): Promise<void> {
    const state = this.state as JobState;
    const outputDir = this.outputDir();
    if (!outputDir) return;
    const header = this.datasetHeader();
    const roundFile = join(hostPath(this.ctx.config, outputDir), 'data', 'train', String(round), 'data.txt');
    const oldTrain = state.data.train;
    const oldOpen = state.data.evalOpen;
    // The round file is in a folder the user chose: read back only if it is still one the LC may read.
    const opened = await openChecked(this.ctx.config, roundFile, `${this.subject}: round file ${JSON.stringify(roundFile)}`);
    if (opened.kind === 'refused') this.warnOnce('return', `${opened.message}: the train samples of round ${round} are not taken back`);
    const handle = opened.kind === 'open' ? opened.handle : undefined;
    const trainLines = (async function* () {
      if (!handle) return;
      let skippedHeader = header === undefined;
      for await (const batch of splitLines(handle.createReadStream({ autoClose: false }))) {
        for (const line of batch) {
          if (line.length === 0) continue;
          if (!skippedHeader) {
            skippedHeader = true;
            continue;
          }
          yield line;
        }
      }
    })();
    let newTrain: PoolFile;
    try {
      newTrain = await state.mergedPool('train', trainLines, oldTrain);
    } finally {
      await handle?.close();
    }
    const returnedTrain = newTrain.lines - oldTrain.lines;
    const version = state.data.evalVersions.find((v) => v.round === round);
    let newOpen = oldOpen;
    if (version) newOpen = await state.mergedPool('eval', state.readLines(version), oldOpen);
    state.data.train = newTrain;
    state.data.evalOpen = newOpen;
    state.data.evalVersions = state.data.evalVersions.filter((v) => v !== version);
    state.markDone(key, { at: this.ctx.now().toISOString(), detail: `${returnedTrain} train and ${version?.lines ?? 0} eval samples returned` }, round);
    await state.commit();
    await state.removePools([oldTrain, oldOpen, ...(version ? [version] : [])]);
    const returned = returnedTrain + (version?.lines ?? 0);
    this.ctx.metrics.samplesReturned.inc({ namespace: this.options.namespace, sedna_job: this.options.name }, returned);
    this.logger.info({ round, train: returnedTrain, eval: version?.lines ?? 0 }, 'samples of the failed round returned to the pools');
  }

  /** Carry out an intent to the end; safe to run again after a crash at any point. */
  protected async execute(intent: Intent): Promise<void> {
    const state = this.state as JobState;
    const at = this.ctx.now().toISOString();
    switch (intent.kind) {
      case 'cutTrain': {
        const lines = await this.writeRound(intent, [intent.pool]);
        await this.ctx.outbox.append(intent.frame);
        if (state.data.train.file === intent.pool.file) state.data.train = state.newPool('train');
        state.markDone(intent.key, { at, messageId: intent.frame.header.messageId, detail: `${lines} samples` }, intent.round);
        state.markManual(intent.manual);
        state.data.intent = undefined;
        await state.commit();
        await state.removePools([intent.pool]);
        this.ctx.metrics.triggersFired.inc({ stage: 'train', cause: intent.cause });
        this.logger.info({ round: intent.round, samples: lines, file: intent.roundFile }, 'train round cut; (Train, Ready) reported');
        await this.applyRetention(intent.round);
        return;
      }
      case 'cutEval': {
        const lines = await this.writeRound(intent, intent.versions);
        await this.ctx.outbox.append(intent.frame);
        if (intent.versions.some((v) => v.file === state.data.evalOpen.file)) state.data.evalOpen = state.newPool('eval');
        const dropped = state.data.evalVersions.filter((v) => !intent.versions.some((w) => w.file === v.file));
        state.data.evalVersions = intent.versions;
        state.markDone(intent.key, { at, messageId: intent.frame.header.messageId, detail: `${lines} samples` }, intent.round);
        state.markManual(intent.manual);
        state.data.intent = undefined;
        await state.commit();
        await state.removePools(dropped);
        this.ctx.metrics.triggersFired.inc({ stage: 'eval', cause: intent.manual ? 'manual' : 'trigger' });
        this.logger.info({ round: intent.round, samples: lines, file: intent.roundFile }, 'eval round cut; (Eval, Ready) reported');
        return;
      }
      case 'report': {
        await this.ctx.outbox.append(intent.frame);
        state.markDone(intent.key, { at, messageId: intent.frame.header.messageId, ...(intent.detail ? { detail: intent.detail } : {}) }, intent.round);
        state.markManual(intent.manual);
        state.data.intent = undefined;
        await state.commit();
        return;
      }
    }
  }

  /** Keep the round files of the last `roundRetention` rounds; models under `outputDir/train` stay. */
  private async applyRetention(round: number): Promise<void> {
    const outputDir = this.outputDir();
    if (!outputDir) return;
    const oldest = round - this.ctx.config.roundRetention;
    if (oldest < 1) return;
    for (const part of ['train', 'eval']) {
      const dir = join(hostPath(this.ctx.config, outputDir), 'data', part);
      try {
        // Removed through the checked folder: a symlink swapped into outputDir cannot aim the removal elsewhere.
        await inCheckedFolder(this.ctx.config, dir, `${this.outputSubject(outputDir)}: folder ${JSON.stringify(dir)}`, false, async (checked) => {
          for (const entry of await readdir(checked)) {
            if (/^\d+$/.test(entry) && Number(entry) <= oldest) await rm(join(checked, entry), { recursive: true, force: true });
          }
        });
      } catch (error) {
        this.warnOnce('retention', `round files of rounds up to ${oldest} not removed: ${(error as Error).message}`);
      }
    }
  }
}
