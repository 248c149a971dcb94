import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import {
  KB_CREATE_TIME_KEY,
  KB_INDEX_FILE,
  KB_INDEX_FORMAT,
  KB_SUMMARY_KEY,
  kbIndexModels,
  kbSummaryOf,
  parseKbIndex,
  type KbIndex,
  type KbModel,
  type KbSummary,
  type KbTaskGroup,
  type UnseenSampleMeta,
} from '@sedna-ts/api-types/contract';
import { type MetricValue, type ModelInfo } from '@sedna-ts/api-types';
import { ensurePrivateDirSync } from '@sedna-ts/internal';
import { ClassFactory, ClassType } from './classFactory.js';
import { SednaContext } from './context.js';
import { BaseDataSource, writeFileAtomic } from './dataSource.js';
import { type DataSource, type Estimator, type EstimatorOptions, type EstimatorSource } from './estimator.js';
import { WorkerSdkError, toWorkerSdkError } from './errors.js';
import { writeSampleWithMeta, type SavedHardExample } from './hardExamples.js';
import { JobBase, type JobBaseOptions } from './jobBase.js';
import { KBClient } from './kbClient.js';
import { folderName, mirrorModel } from './kbMirror.js';
import {
  parseModuleParam,
  type Allocation,
  type InferenceIntegrate,
  type LlTaskGroup,
  type ModuleSpec,
  type TaskAllocation,
  type TaskDefinition,
  type TaskRelationDiscover,
  type TaskRemodeling,
} from './lifelongTasks.js';
import { metricFunctions, numericMetrics, weightedMean, type LifelongMetrics } from './lifelongMetrics.js';
import { sha256File, stripDataPathPrefix } from './modelFiles.js';
import { dropOperatorOf, dropReason, removeTaskGroup, type TaskUpdateDecision } from './taskUpdate.js';
import { type UnseenSampleRecognition, type UnseenVerdict } from './unseenRecognition.js';

/** A module of a stage: `{method, param}` resolved through ClassFactory, or an instance. */
export type ModuleChoice<T> = ModuleSpec | T;

/** Options of `LifelongLearning`: the modules of each stage (the original's keyword arguments) and the job settings. */
export interface LifelongLearningOptions extends Omit<JobBaseOptions, 'jobKind'> {
  /** Default `TaskDefinitionByDataAttr` (its param `attribute` is required then). */
  task_definition?: ModuleChoice<TaskDefinition>;
  /** Default `DefaultTaskRelationDiscover`. */
  task_relationship_discovery?: ModuleChoice<TaskRelationDiscover>;
  /** Default: the pair of the task definition (`TaskAllocationByDataAttr`, `TaskAllocationByOrigin`), else `TaskAllocationDefault`. */
  task_allocation?: ModuleChoice<TaskAllocation>;
  /** Default `DefaultTaskRemodeling`. */
  task_remodeling?: ModuleChoice<TaskRemodeling>;
  /** Default `DefaultInferenceIntegrate`. */
  inference_integrate?: ModuleChoice<InferenceIntegrate>;
  /** Default `UpdateStrategyDefault` (fine-tune known tasks, create new ones). */
  task_update_decision?: ModuleChoice<TaskUpdateDecision>;
  /** Default `SampleRegonitionByAttribute` (unknown task key = unseen). */
  unseen_sample_recognition?: ModuleChoice<UnseenSampleRecognition>;
  /** The KB client; default one on KB_SERVER when set, none otherwise (`null`: none whatever the env). */
  kbClient?: KBClient | null;
  /** How long a KB call retries before the worker fails (default 60 s). */
  kbDeadlineMs?: number;
  /** Follow new deployed indexes (default: on unless MODEL_HOT_UPDATE is `false`). */
  hotUpdate?: boolean;
  /**
   * The file an inference estimator loads for a model, given its mirrored path (default: that path, the
   * first file the train estimator saved). E.g. to serve a KB trained by `TfjsEstimator` with
   * `OnnxEstimator`: `(model, path) => join(dirname(path), 'model.onnx')`.
   */
  loadPath?: (model: KbModel, path: string) => string;
}

/** Options of `train`: `base_model` (a path the new groups start from) and options for `Estimator.train`. */
export type LifelongTrainOptions = EstimatorOptions & { base_model?: string };

/** Options of `evaluate`: `metrics` (default: the estimator's own `evaluate`) and options for the estimator. */
export type LifelongEvaluateOptions = EstimatorOptions & { metrics?: LifelongMetrics };

/** The task group that served a sample at inference. */
export interface InferenceTask {
  /** The sample's task key. */
  key: string;
  /** The group whose model served it (the fallback's for an unseen sample). */
  entry: string;
  /** The model that served it. */
  model: string;
  /** Why it is unseen, when it is. */
  unseen?: UnseenVerdict;
}

/** What `inference` returns: the original's `(res, is_unseen, tasks)`. */
export interface LifelongInferenceResult<P = unknown> {
  result: P;
  isUnseen: boolean;
  tasks: InferenceTask[];
  /** Where the unseen sample was saved, when it was. */
  saved?: SavedHardExample;
}

/** Counters of a lifelong inference worker. */
export interface LifelongInferenceStats {
  inferences: number;
  unseen: number;
  unseenByReason: { attribute: number; confidence: number };
  savedUnseen: number;
  failedUnseenSaves: number;
  indexLoads: number;
  failedIndexLoads: number;
  /** `create_time` of the index serving. */
  indexVersion: string | undefined;
  round: number | undefined;
}

/** What the eval dropped. */
type Dropped = NonNullable<KbSummary['dropped']>[number];

interface IndexSlot<X, P> {
  index: KbIndex;
  estimators: Map<string, Estimator<X, P>>;
  folder: string;
  inFlight: number;
  retired: boolean;
  drained: (() => void) | undefined;
}

interface TrainedModel {
  model: KbModel;
  files: string[];
}

function concatData(dataType: DataSource['dataType'], parts: readonly DataSource[]): BaseDataSource {
  const data = new BaseDataSource(dataType);
  for (const part of parts) {
    data.x.push(...part.x);
    data.y.push(...part.y);
  }
  return data;
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * Sedna's `LifelongLearning`: the train, eval and inference workers of a LifelongLearningJob over a
 * knowledge base (KB) of task models, indexed by a JSON `KbIndex`.
 *
 * - `train` defines tasks (by data attribute, by origin), trains one model per task group (groups under
 *   MIN_TRAIN_SAMPLE samples are served by a global model), writes the models and `index.json` under
 *   OUTPUT_URL, publishes them to the KB service (KB_SERVER) and reports. With
 *   HAS_COMPLETED_INITIAL_TRAINING=true it updates the index of CLOUD_KB_INDEX instead: known tasks are
 *   fine-tuned, new tasks become new groups (from `base_model`, else the global model, else from scratch).
 * - `evaluate` scores each group the round changed and drops a new model when ANY score satisfies
 *   `score <operator> model_threshold` (defaults `<` and 0: nothing is dropped); a dropped group keeps its
 *   previous model, a new one is removed.
 * - `inference` serves the deployed index (MODEL_URLS), mirrored to the edge, swapped when a new one
 *   appears; unseen samples are served by the fallback, saved and counted.
 *
 * @example
 * // train.ts
 * const data = await new CSVDataParse('train').parse(BaseConfig.trainDatasetUrl!, { label: 'pref' });
 * const ll = new LifelongLearning(() => new TfjsTabularEstimator({ numClasses: 3 }), {
 *   task_definition: { method: 'TaskDefinitionByDataAttr', param: { attribute: ['season', 'cooling'] } },
 * });
 * await ll.train(data, { epochs: 40 });
 *
 * // inference.ts
 * const { result, isUnseen } = await ll.inference({ season: 'Spring', cooling: 'NV', airTemp: 24, ... });
 */
export class LifelongLearning<X = unknown, P = unknown> extends JobBase<X, P> {
  readonly taskDefinition: TaskDefinition;
  readonly taskRelationDiscover: TaskRelationDiscover;
  readonly taskAllocation: TaskAllocation;
  readonly taskRemodeling: TaskRemodeling;
  readonly inferenceIntegrate: InferenceIntegrate;
  readonly taskUpdateDecision: TaskUpdateDecision;
  readonly unseenSampleRecognition: UnseenSampleRecognition;
  /** The KB service client, when KB_SERVER is set (or one was given). */
  readonly kb: KBClient | undefined;
  private readonly context: SednaContext;
  private readonly hotUpdate: boolean;
  private readonly loadPath: (model: KbModel, path: string) => string;
  private current: IndexSlot<X, P> | undefined;
  private loading: Promise<IndexSlot<X, P>> | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private failedVersion: string | undefined;
  private unseenSeq = 0;
  private closed = false;
  private readonly counters = { inferences: 0, unseen: 0, attribute: 0, confidence: 0, savedUnseen: 0, failedUnseenSaves: 0, indexLoads: 0, failedIndexLoads: 0 };

  /**
   * @param estimator a class or factory: every task group gets its own instance (an instance cannot be
   *   shared by the groups, so it is refused).
   */
  constructor(estimator: EstimatorSource<X, P>, options: LifelongLearningOptions = {}) {
    super(estimator, { ...options, jobKind: 'lifelonglearningjob' });
    if (!this.makesEstimators) {
      throw new WorkerSdkError('CONFIG_INVALID', 'LifelongLearning: estimator: give a class or a factory (each task group trains and serves its own instance), not an instance');
    }
    this.context = new SednaContext(() => this.config.env);
    const definitionSpec = options.task_definition ?? { method: 'TaskDefinitionByDataAttr' };
    this.taskDefinition = this.module('task_definition', ClassType.STP, definitionSpec);
    this.taskRelationDiscover = this.module('task_relationship_discovery', ClassType.STP, options.task_relationship_discovery ?? { method: 'DefaultTaskRelationDiscover' });
    this.taskAllocation = this.module('task_allocation', ClassType.STP, options.task_allocation ?? { method: pairedAllocation(definitionSpec), param: isSpec(definitionSpec) ? definitionSpec.param : undefined });
    this.taskRemodeling = this.module('task_remodeling', ClassType.STP, options.task_remodeling ?? { method: 'DefaultTaskRemodeling' });
    this.inferenceIntegrate = this.module('inference_integrate', ClassType.STP, options.inference_integrate ?? { method: 'DefaultInferenceIntegrate' });
    this.taskUpdateDecision = this.module('task_update_decision', ClassType.KM, options.task_update_decision ?? { method: 'UpdateStrategyDefault' });
    this.unseenSampleRecognition = this.module('unseen_sample_recognition', ClassType.UTD, options.unseen_sample_recognition ?? { method: 'SampleRegonitionByAttribute' });
    const server = this.getParameters('KB_SERVER');
    this.kb =
      options.kbClient === null
        ? undefined
        : (options.kbClient ?? (server ? new KBClient({ server, token: this.config.workerToken, deadlineMs: options.kbDeadlineMs, logger: this.logger }) : undefined));
    this.loadPath = options.loadPath ?? ((_model, path) => path);
    this.hotUpdate = options.hotUpdate ?? (this.getParameters('MODEL_HOT_UPDATE') ?? '').trim().toLowerCase() !== 'false';
    // Deploy reports an earlier run could not deliver go out first, in order.
    this.resumeReports();
  }

  private module<T>(stage: string, type: string, choice: ModuleChoice<T>): T {
    if (!isSpec(choice)) return choice;
    const param = parseModuleParam(stage, choice);
    const Cls = ClassFactory.getCls<new (param: Record<string, unknown>) => T>(type, choice.method);
    try {
      return new Cls(param);
    } catch (error) {
      throw toWorkerSdkError(error, 'CONFIG_INVALID', `LifelongLearning: ${stage} ${choice.method}`);
    }
  }

  // ---------------------------------------------------------------- env

  private requiredEnv(name: string, what: string, purpose: string): string {
    const value = this.getParameters(name);
    if (!value) throw new WorkerSdkError('CONFIG_INVALID', `LifelongLearning.${what}: env ${name} is not set (${purpose})`);
    return value;
  }

  /** A path as this process sees it: as given when it exists, else under DATA_PATH_PREFIX when that exists. */
  private async localPath(path: string): Promise<string> {
    if (await stat(path).catch(() => undefined)) return path;
    const prefix = this.config.dataPathPrefix;
    if (prefix && isAbsolute(path)) {
      const prefixed = join(prefix, path);
      if (await stat(prefixed).catch(() => undefined)) return prefixed;
    }
    return path;
  }

  private async readIndex(path: string, what: string): Promise<KbIndex> {
    const local = await this.localPath(path);
    let value: unknown;
    try {
      value = JSON.parse(await readFile(local, 'utf8'));
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
      throw new WorkerSdkError('KB_FAILED', `LifelongLearning.${what}: KB index ${path}: ${reason}`, { cause: error });
    }
    const parsed = parseKbIndex(value);
    if (!parsed.ok) throw new WorkerSdkError('KB_FAILED', `LifelongLearning.${what}: KB index ${path}: ${parsed.problem.path}: ${parsed.problem.message}`);
    return parsed.index;
  }

  private minTrainSample(): number {
    const value = this.context.getInt('MIN_TRAIN_SAMPLE', 10);
    if (value < 1) throw new WorkerSdkError('CONFIG_INVALID', `LifelongLearning: env MIN_TRAIN_SAMPLE: ${value} is not a positive integer`);
    return value;
  }

  /** The round of an output folder: its last path segment when numeric, else 0. */
  static roundOf(outputDir: string): number {
    const last = basename(outputDir.replace(/\/+$/, ''));
    return /^\d+$/.test(last) ? Number(last) : 0;
  }

  // ---------------------------------------------------------------- train

  private async trainModel(entry: string, data: DataSource, outputDir: string, round: number, start: KbModel | string | undefined, options: EstimatorOptions): Promise<TrainedModel> {
    const estimator = await this.newEstimator();
    try {
      if (start !== undefined) {
        const path = await this.localPath(typeof start === 'string' ? start : start.url);
        try {
          await estimator.load(path);
        } catch (error) {
          throw new WorkerSdkError('MODEL_INVALID', `LifelongLearning.train: group ${entry}: cannot load the model it starts from (${typeof start === 'string' ? start : start.id}, ${path}): ${(error as Error).message}`, { cause: error });
        }
      }
      const metrics = await estimator.train(data, undefined, options);
      const dir = join(outputDir, folderName(entry));
      await mkdir(dir, { recursive: true });
      const saved = await estimator.save(dir);
      if (!Array.isArray(saved) || saved.length === 0) throw new WorkerSdkError('MODEL_INVALID', `LifelongLearning.train: group ${entry}: Estimator.save(${dir}) returned no files`);
      const files = saved.map((f) => (isAbsolute(f.path) ? f.path : resolve(dir, f.path)));
      const primary = files[0] as string;
      const model: KbModel = {
        id: `${entry}@r${round}`,
        index: 0,
        entry,
        url: stripDataPathPrefix(primary, this.config.dataPathPrefix),
        format: (saved[0] as { format: string }).format,
        sha256: await sha256File(primary),
        result: numericMetrics(metrics),
        round,
        numberOfTrainSamples: data.numExamples(),
        files: files.map((f) => relative(dir, f)),
      };
      if (typeof start === 'object') model.base = start.id;
      this.logger.info({ group: entry, samples: data.numExamples(), from: typeof start === 'object' ? start.id : (start ?? 'scratch'), metrics: model.result }, `trained the model of ${entry}`);
      return { model, files };
    } finally {
      await Promise.resolve(estimator.dispose?.()).catch(() => undefined);
    }
  }

  /**
   * Train the KB on `trainData` (a `DataSource` of rows with the task attributes, e.g. `CSVDataParse`
   * with the label split off), or update it when HAS_COMPLETED_INITIAL_TRAINING is `true`. Writes the
   * models and `index.json` under OUTPUT_URL, publishes them to KB_SERVER when set, reports kind
   * `train`. Returns the index. A failure is reported (`failed`) and thrown.
   */
  async train(trainData: DataSource, options: LifelongTrainOptions = {}): Promise<KbIndex> {
    try {
      const update = (this.getParameters('HAS_COMPLETED_INITIAL_TRAINING') ?? '').trim().toLowerCase() === 'true';
      const outputDir = this.requiredEnv('OUTPUT_URL', 'train', "the round's output folder");
      await mkdir(outputDir, { recursive: true });
      const { index, changed, files } = update ? await this.updateIndex(trainData, outputDir, options) : await this.trainIndex(trainData, outputDir, options);
      const published = await this.publish(index, outputDir, files, 'train');
      const metrics = weightedMean(index.seen_task.task_groups.filter((g) => changed.includes(g.entry)).map((g) => ({ metrics: g.model.result, weight: g.model.numberOfTrainSamples })));
      await this.reportIndex('train', published, metrics, { changed });
      return index;
    } catch (error) {
      return this.failAndReport('train', error);
    }
  }

  private emptyIndex(round: number): KbIndex {
    return {
      format: KB_INDEX_FORMAT,
      namespace: this.namespace,
      job: this.jobName,
      create_time: new Date().toISOString(),
      round,
      seen_task: { task_groups: [], extractor: null },
      unseen_task: { task_groups: [], extractor: null },
    };
  }

  private groupOf(position: number, group: LlTaskGroup, model: KbModel, learntFromUnseen: boolean): KbTaskGroup {
    return {
      entry: group.entry,
      tasks: group.tasks.map((t) => ({ entry: t.entry, meta_attr: t.meta_attr, sample_num: t.samples.numExamples(), ...(learntFromUnseen ? { learnt_from_unseen: true } : {}) })),
      model: { ...model, index: position },
      sample_num: group.samples.numExamples(),
      deploy: true,
    };
  }

  private async trainIndex(trainData: DataSource, outputDir: string, options: LifelongTrainOptions): Promise<{ index: KbIndex; changed: string[]; files: string[] }> {
    const { base_model, ...rest } = options;
    const base = base_model ?? this.getParameters('base_model');
    const round = LifelongLearning.roundOf(outputDir);
    const min = this.minTrainSample();
    const { tasks, extractor } = this.taskDefinition.define(trainData);
    if (tasks.length === 0) throw new WorkerSdkError('DATASET_INVALID', 'LifelongLearning.train: the train data defines no task (no samples)');
    const groups = this.taskRelationDiscover.discover(tasks);
    const index = this.emptyIndex(round);
    index.seen_task.extractor = { ...extractor, keys: {} };
    const files: string[] = [];
    const rare: number[] = [];
    for (const [position, group] of groups.entries()) {
      for (const task of group.tasks) index.seen_task.extractor.keys[task.entry] = position;
      if (group.samples.numExamples() < min) {
        rare.push(position);
        // A placeholder until the global model exists (replaced below).
        index.seen_task.task_groups.push(this.groupOf(position, group, { id: 'pending', index: position, entry: group.entry, url: 'pending', format: '', result: {}, round, numberOfTrainSamples: 0 }, false));
        continue;
      }
      const trained = await this.trainModel(group.entry, group.samples, outputDir, round, base, rest);
      files.push(...trained.files);
      index.seen_task.task_groups.push(this.groupOf(position, group, trained.model, false));
    }
    if (rare.length > 0) {
      const all = concatData(trainData.dataType, tasks.map((t) => t.samples));
      this.logger.info({ groups: rare.map((p) => groups[p]?.entry), min }, `groups under MIN_TRAIN_SAMPLE=${min} samples are served by a global model trained on all ${all.numExamples()} samples`);
      const global = await this.trainModel('global', all, outputDir, round, base, rest);
      global.model.global = true;
      files.push(...global.files);
      index.global_model = global.model;
      for (const position of rare) {
        const group = index.seen_task.task_groups[position] as KbTaskGroup;
        group.model = { ...global.model, index: position };
      }
    }
    return { index, changed: index.seen_task.task_groups.map((g) => g.entry), files };
  }

  private async updateIndex(trainData: DataSource, outputDir: string, options: LifelongTrainOptions): Promise<{ index: KbIndex; changed: string[]; files: string[] }> {
    const { base_model, ...rest } = options;
    const base = base_model ?? this.getParameters('base_model');
    const previousPath = this.requiredEnv('CLOUD_KB_INDEX', 'train', 'the KB index this update starts from; set with HAS_COMPLETED_INITIAL_TRAINING=true');
    const previous = await this.readIndex(previousPath, 'train');
    const round = LifelongLearning.roundOf(outputDir);
    const min = this.minTrainSample();
    const index: KbIndex = structuredClone(previous);
    index.round = round;
    index.create_time = new Date().toISOString();
    index.namespace = this.namespace;
    index.job = this.jobName;
    // Carried-over groups were not replaced by this round.
    for (const group of index.seen_task.task_groups) delete group.previous_model;
    const { tasks } = this.taskDefinition.define(trainData);
    const plan = this.taskUpdateDecision.decide(previous, tasks);
    for (const { task, reason } of plan.skipped) this.logger.warn({ task: task.entry, samples: task.samples.numExamples() }, `task ${task.entry} left out: ${reason}`);
    const files: string[] = [];
    const changed: string[] = [];
    const replace = (position: number, model: KbModel, addedSamples: number) => {
      const group = index.seen_task.task_groups[position] as KbTaskGroup;
      group.previous_model = group.model;
      group.model = { ...model, index: position };
      group.sample_num += addedSamples;
      group.deploy = true;
      changed.push(group.entry);
    };

    for (const [position, groupTasks] of plan.finetune) {
      const group = index.seen_task.task_groups[position];
      if (!group) throw new WorkerSdkError('KB_FAILED', `LifelongLearning.train: KB index ${previousPath}: extractor points at group ${position}, which does not exist`);
      const data = concatData(trainData.dataType, groupTasks.map((t) => t.samples));
      if (data.numExamples() < min) {
        this.logger.info({ group: group.entry, samples: data.numExamples(), min }, `group ${group.entry}: ${data.numExamples()} new samples, under MIN_TRAIN_SAMPLE; its model carries over`);
        continue;
      }
      const trained = await this.trainModel(group.entry, data, outputDir, round, group.model, rest);
      trained.model.numberOfTrainSamples += group.model.numberOfTrainSamples;
      files.push(...trained.files);
      for (const t of groupTasks) {
        const known = group.tasks.find((k) => k.entry === t.entry);
        if (known) known.sample_num += t.samples.numExamples();
        else group.tasks.push({ entry: t.entry, meta_attr: t.meta_attr, sample_num: t.samples.numExamples() });
      }
      replace(position, trained.model, data.numExamples());
    }

    const created = this.taskRelationDiscover.discover(plan.create);
    const extractor = (index.seen_task.extractor ??= { ...this.taskDefinition.define(new BaseDataSource(trainData.dataType)).extractor, keys: {} });
    const rare: number[] = [];
    let learntUnseen = 0;
    for (const group of created) {
      const position = index.seen_task.task_groups.length;
      for (const task of group.tasks) extractor.keys[task.entry] = position;
      learntUnseen += group.samples.numExamples();
      if (group.samples.numExamples() < min) {
        rare.push(position);
        index.seen_task.task_groups.push(this.groupOf(position, group, { id: 'pending', index: position, entry: group.entry, url: 'pending', format: '', result: {}, round, numberOfTrainSamples: 0 }, true));
        continue;
      }
      // A new task starts from base_model, else from the global model, else from scratch.
      const start = base ?? index.global_model;
      const trained = await this.trainModel(group.entry, group.samples, outputDir, round, start, rest);
      files.push(...trained.files);
      index.seen_task.task_groups.push(this.groupOf(position, group, trained.model, true));
      changed.push(group.entry);
    }
    if (rare.length > 0) {
      const all = concatData(trainData.dataType, tasks.map((t) => t.samples));
      const previousGlobal = index.global_model;
      const global = await this.trainModel('global', all, outputDir, round, previousGlobal ?? base, rest);
      global.model.global = true;
      if (previousGlobal) global.model.numberOfTrainSamples += previousGlobal.numberOfTrainSamples;
      files.push(...global.files);
      index.global_model = global.model;
      // Every group the global model serves now gets the new one: the new small groups and the old ones.
      for (const [position, group] of index.seen_task.task_groups.entries()) {
        if (rare.includes(position)) {
          group.model = { ...global.model, index: position };
          changed.push(group.entry);
        } else if (group.model.global && !changed.includes(group.entry)) {
          replace(position, global.model, 0);
        }
      }
    }
    if (learntUnseen > 0) index.numberOfLabeledUnseenSample = (index.numberOfLabeledUnseenSample ?? 0) + learntUnseen;
    this.logger.info(
      { finetuned: [...plan.finetune.keys()].length, created: created.map((g) => g.entry), changed, groups: index.seen_task.task_groups.length },
      `updated the KB of round ${previous.round} into round ${round}`,
    );
    return { index, changed, files };
  }

  // ---------------------------------------------------------------- publish and report

  /** Writes the index under `outputDir`; with a KB, uploads `files` (setting `kb_url`) and the index first. */
  private async publish(index: KbIndex, outputDir: string, files: readonly string[], what: string): Promise<{ index: KbIndex; path: string; indexUrl?: string }> {
    const path = join(outputDir, KB_INDEX_FILE);
    let indexUrl: string | undefined;
    if (this.kb) {
      const uploaded = new Map<string, string>();
      for (const file of files) {
        const relative = file.startsWith(`${outputDir}/`) ? file.slice(outputDir.length + 1) : basename(file);
        uploaded.set(stripDataPathPrefix(file, this.config.dataPathPrefix), await this.kb.uploadFile(file, `r${index.round}/${relative}`));
      }
      const models = [...index.seen_task.task_groups.map((g) => g.model), ...(index.global_model ? [index.global_model] : [])];
      for (const model of models) {
        const kbUrl = uploaded.get(model.url);
        if (kbUrl) model.kb_url = kbUrl;
      }
      indexUrl = await this.kb.update(index);
    } else {
      this.logger.warn({ index: path }, `LifelongLearning.${what}: env KB_SERVER is not set: the KB index and models stay local (${path})`);
    }
    await writeFileAtomic(path, `${JSON.stringify(index, null, 2)}\n`);
    return indexUrl === undefined ? { index, path } : { index, path, indexUrl };
  }

  private async reportIndex(kind: 'train' | 'eval', published: { index: KbIndex; path: string; indexUrl?: string }, metrics: Record<string, MetricValue>, extra: Pick<KbSummary, 'changed' | 'dropped'>): Promise<void> {
    const result: ModelInfo = { format: 'json', url: stripDataPathPrefix(published.path, this.config.dataPathPrefix), create_time: published.index.create_time, metrics };
    if (published.index.numberOfLabeledUnseenSample !== undefined) result.number_of_labeled_unseen_sample = published.index.numberOfLabeledUnseenSample;
    const summary = kbSummaryOf(published.index, { ...extra, ...(published.indexUrl ? { index_url: published.indexUrl } : {}) });
    await this.reportTaskInfo({ [KB_SUMMARY_KEY]: summary }, 'completed', [result], kind);
  }

  private async failAndReport(kind: 'train' | 'eval', error: unknown): Promise<never> {
    const wrapped = toWorkerSdkError(error, 'ESTIMATOR_FAILED', `LifelongLearning.${kind === 'eval' ? 'evaluate' : 'train'}`);
    if (wrapped.code !== 'REPORT_UNDELIVERABLE') {
      try {
        await this.reportTaskInfo({ error: wrapped.message }, 'failed', undefined, kind);
      } catch (reportError) {
        this.logger.error({ error: (reportError as Error).message }, `could not report the ${kind} failure`);
      }
    }
    throw wrapped;
  }

  // ---------------------------------------------------------------- evaluate

  private async score(model: KbModel, data: DataSource, options: LifelongEvaluateOptions): Promise<Record<string, number>> {
    const { metrics, ...rest } = options;
    const estimator = await this.newEstimator();
    const path = await this.localPath(model.url);
    try {
      if (metrics === undefined) return numericMetrics(await estimator.evaluate(data, { ...rest, modelPath: path }));
      await estimator.load(path);
      const predictions: unknown[] = [];
      for (const x of data.x) predictions.push(await estimator.predict(x as X, rest));
      const functions = metricFunctions(metrics);
      return Object.fromEntries(Object.entries(functions).map(([name, fn]) => [name, fn(data.y, predictions)]));
    } finally {
      await Promise.resolve(estimator.dispose?.()).catch(() => undefined);
    }
  }

  /**
   * Evaluate the groups the round changed (MODEL_URLS: the train worker's index) on their test samples
   * (allocated by the extractor), drop a new model when ANY score satisfies `score <operator>
   * model_threshold` (env `operator`, default `<`; `model_threshold`, default 0: nothing is dropped; the
   * original's `>` and 0.1 dropped every useful model), write the index under OUTPUT_URL, publish it
   * (`update`) and report kind `eval`. Returns the index.
   */
  async evaluate(testData: DataSource, options: LifelongEvaluateOptions = {}): Promise<KbIndex> {
    try {
      const indexPath = this.requiredEnv('MODEL_URLS', 'evaluate', "the train worker's KB index").split(';')[0]?.trim() as string;
      const outputDir = this.requiredEnv('OUTPUT_URL', 'evaluate', "the round's eval output folder");
      const operator = dropOperatorOf(this.getParameters('operator'));
      const threshold = this.context.getFloat('model_threshold', 0);
      const index: KbIndex = structuredClone(await this.readIndex(indexPath, 'evaluate'));
      const allocations = this.taskAllocation.allocate(testData.x, index.seen_task.extractor);
      const slices = new Map(this.taskRemodeling.remodel(allocations).map((s) => [s.group, s]));
      const dropped: Dropped[] = [];
      const drops: Array<{ position: number; reason: string; scores: Record<string, number> }> = [];
      const scored: Array<{ metrics: Record<string, number>; weight: number }> = [];
      const changed: string[] = [];
      for (const [position, group] of index.seen_task.task_groups.entries()) {
        if (group.model.round !== index.round) continue;
        changed.push(group.entry);
        const slice = slices.get(position);
        if (!slice || slice.x.length === 0) {
          this.logger.warn({ group: group.entry }, `group ${group.entry}: no test samples; its new model is kept unscored`);
          continue;
        }
        const data = new BaseDataSource(testData.dataType === 'test' ? 'eval' : testData.dataType);
        data.x = slice.x;
        data.y = slice.inx.map((i) => testData.y[i]);
        const scores = await this.score(group.model, data, options);
        for (const task of group.tasks) task.scores = scores;
        scored.push({ metrics: scores, weight: data.numExamples() });
        const reason = dropReason(scores, operator, threshold);
        this.logger.info({ group: group.entry, model: group.model.id, samples: data.numExamples(), scores, dropped: reason ?? false }, `evaluated ${group.model.id}`);
        if (reason) drops.push({ position, reason: `drop rule: ${reason}`, scores });
      }
      // Highest position first, so removing a group does not move the ones still to handle.
      for (const { position, reason, scores } of drops.sort((a, b) => b.position - a.position)) {
        const group = index.seen_task.task_groups[position] as KbTaskGroup;
        const model = group.model;
        dropped.push({ task: group.entry, modelID: model.id, scores, reason });
        if (group.previous_model) {
          group.model = group.previous_model;
          delete group.previous_model;
          group.dropped = { round: index.round, model: model.id, scores, reason };
          group.deploy = false;
        } else {
          const unseen = group.tasks.filter((t) => t.learnt_from_unseen).reduce((n, t) => n + t.sample_num, 0);
          if (unseen > 0 && index.numberOfLabeledUnseenSample !== undefined) index.numberOfLabeledUnseenSample = Math.max(0, index.numberOfLabeledUnseenSample - unseen);
          removeTaskGroup(index, position);
        }
      }
      // A global model of this round that serves no group any more gives way to the one the groups kept.
      const global = index.global_model;
      if (global && global.round === index.round && !index.seen_task.task_groups.some((g) => g.model.id === global.id)) {
        const older = index.seen_task.task_groups.map((g) => g.model).find((m) => m.global);
        if (older) index.global_model = { ...older, index: 0 };
        else delete index.global_model;
      }
      index.create_time = new Date().toISOString();
      // The published index carries `deploy: false` on the dropped groups, so no `update/status` call is
      // needed (the KB refuses one naming a group the index no longer has, as a removed new group).
      const published = await this.publish(index, outputDir, [], 'evaluate');
      await this.reportIndex('eval', published, weightedMean(scored), { changed: changed.filter((c) => !dropped.some((d) => d.task === c)), dropped: dropped.reverse() });
      return index;
    } catch (error) {
      return this.failAndReport('eval', error);
    }
  }

  // ---------------------------------------------------------------- inference

  private edgeDir(): string {
    return this.getParameters('edge_output_url') ?? join(this.edgeRoot(), this.namespace, this.jobName, this.workerName);
  }

  /** `sedna-kb-edge` in the OS temp folder: TMPDIR of the worker's env (its config, as every variable), else `os.tmpdir()`. */
  private edgeRoot(): string {
    return join(this.getParameters('TMPDIR') || tmpdir(), 'sedna-kb-edge');
  }

  /**
   * Makes the edge cache folder private (0700, made or tightened) and refuses one of another user: it
   * holds the models this worker serves. Under the OS temp folder (the default), every folder from
   * `sedna-kb-edge` down is checked, since whoever owns one of them could swap what is below.
   */
  private ensureEdgeDir(): string {
    const dir = this.edgeDir();
    const levels = [dir];
    if (!this.getParameters('edge_output_url')) {
      levels.length = 0;
      let level = this.edgeRoot();
      for (const part of ['', this.namespace, this.jobName, this.workerName]) levels.push((level = join(level, part)));
    }
    try {
      for (const level of levels) ensurePrivateDirSync(level, { logger: this.logger });
    } catch (error) {
      throw new WorkerSdkError('CONFIG_INVALID', `LifelongLearning.inference: edge cache folder ${dir}: ${(error as Error).message}; set env edge_output_url to a folder of this user's`, { cause: error });
    }
    return dir;
  }

  /**
   * Refuses an index of another job than this worker's (env NAMESPACE and JOB_NAME, when set): two jobs
   * sharing a folder must not serve each other's models.
   */
  private checkIndexJob(index: KbIndex, indexPath: string): void {
    const namespace = this.getParameters('NAMESPACE');
    const job = this.getParameters('JOB_NAME');
    if ((namespace && index.namespace !== namespace) || (job && index.job !== job)) {
      throw new WorkerSdkError(
        'MODEL_INVALID',
        `LifelongLearning.inference: KB index ${indexPath} (create_time ${index.create_time}) belongs to job ${index.namespace}/${index.job}, not to this worker's job ${namespace ?? index.namespace}/${job ?? index.job} (env NAMESPACE, JOB_NAME): refused`,
      );
    }
  }

  private pollPeriodMs(): number {
    const raw = this.getParameters('MODEL_POLL_PERIOD_SECONDS');
    if (raw === undefined) return 30_000;
    const value = Number(raw.trim());
    if (!Number.isFinite(value)) throw new WorkerSdkError('CONFIG_INVALID', `LifelongLearning: env MODEL_POLL_PERIOD_SECONDS: ${JSON.stringify(raw)} is not a number`);
    // As the original: a value under 1 s means the default.
    return (value < 1 ? 30 : value) * 1000;
  }

  private async loadIndex(indexPath: string): Promise<IndexSlot<X, P>> {
    const index = await this.readIndex(indexPath, 'inference');
    // Before anything is removed: another job's index may share this one's create_time.
    this.checkIndexJob(index, indexPath);
    const folder = join(this.ensureEdgeDir(), 'models', folderName(index.create_time));
    await rm(folder, { recursive: true, force: true });
    const estimators = new Map<string, Estimator<X, P>>();
    try {
      const mirrored: KbIndex = structuredClone(index);
      const localOf = new Map<string, string>();
      for (const model of kbIndexModels(index)) {
        const local = await mirrorModel(model, join(folder, folderName(model.id)), { localPath: (p) => this.localPath(p), kb: this.kb });
        localOf.set(model.id, local);
        const estimator = await this.newEstimator();
        estimators.set(model.id, estimator);
        const path = this.loadPath(model, local);
        try {
          await estimator.load(path);
        } catch (error) {
          throw new WorkerSdkError('MODEL_INVALID', `LifelongLearning: model ${model.id} (${path}): load failed: ${(error as Error).message}`, { cause: error });
        }
      }
      for (const group of mirrored.seen_task.task_groups) group.model.url = localOf.get(group.model.id) ?? group.model.url;
      if (mirrored.global_model) mirrored.global_model.url = localOf.get(mirrored.global_model.id) ?? mirrored.global_model.url;
      await writeFileAtomic(join(this.edgeDir(), KB_INDEX_FILE), `${JSON.stringify(mirrored, null, 2)}\n`);
      this.counters.indexLoads++;
      this.logger.info({ index: indexPath, create_time: index.create_time, round: index.round, groups: index.seen_task.task_groups.length, edge: folder }, 'KB index loaded');
      return { index, estimators, folder, inFlight: 0, retired: false, drained: undefined };
    } catch (error) {
      for (const estimator of estimators.values()) await Promise.resolve(estimator.dispose?.()).catch(() => undefined);
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
  }

  private async reportDeploy(index: KbIndex): Promise<void> {
    try {
      await this.reportTaskInfo({ [KB_CREATE_TIME_KEY]: index.create_time, model_version: String(index.round) }, 'completed', undefined, 'deploy');
    } catch (error) {
      this.logger.error({ error: (error as Error).message }, 'could not record the deploy report');
    }
  }

  /** The first index: waits for MODEL_URLS to exist (no deadline: the deploy stage writes it), logging what it waits for. */
  private async firstIndex(): Promise<IndexSlot<X, P>> {
    const indexPath = this.requiredEnv('MODEL_URLS', 'inference', 'the deployed KB index, <outputDir>/deploy/index.json');
    const period = Math.min(this.pollPeriodMs(), 5_000);
    let lastLog = 0;
    for (;;) {
      if (this.closed) throw new WorkerSdkError('CONFIG_INVALID', 'LifelongLearning.inference: closed while waiting for the KB index');
      if (await stat(await this.localPath(indexPath)).catch(() => undefined)) break;
      if (Date.now() - lastLog >= 60_000) {
        this.logger.info({ index: indexPath, pollSeconds: period / 1000 }, `waiting for the deployed KB index ${indexPath} (written by the job's first deploy)`);
        lastLog = Date.now();
      }
      await sleep(period);
    }
    const slot = await this.loadIndex(indexPath);
    void this.reportDeploy(slot.index);
    if (this.hotUpdate) this.startPolling(indexPath);
    return slot;
  }

  private async ensureIndex(): Promise<IndexSlot<X, P>> {
    if (this.current) return this.current;
    this.loading ??= this.firstIndex().then(
      (slot) => {
        this.current = slot;
        this.loading = undefined;
        return slot;
      },
      (error: unknown) => {
        this.loading = undefined;
        this.counters.failedIndexLoads++;
        this.logger.error({ index: this.getParameters('MODEL_URLS'), error: (error as Error).message }, 'KB index not usable; nothing deployed');
        throw error;
      },
    );
    return this.loading;
  }

  private startPolling(indexPath: string): void {
    const period = this.pollPeriodMs();
    const tick = async () => {
      this.pollTimer = undefined;
      if (this.closed) return;
      await this.checkIndexUpdate(indexPath).catch((error: unknown) => this.logger.error({ error: (error as Error).message }, 'KB index poll failed'));
      if (!this.closed) this.pollTimer = setTimeout(() => void tick(), period).unref();
    };
    this.pollTimer = setTimeout(() => void tick(), period).unref();
  }

  /**
   * Check MODEL_URLS now (the poll calls this every MODEL_POLL_PERIOD_SECONDS): a new `create_time` is
   * mirrored, loaded and swapped in; calls in flight finish on the old models. Resolves to whether it swapped.
   */
  async checkIndexUpdate(indexPath = this.getParameters('MODEL_URLS') ?? ''): Promise<boolean> {
    const current = this.current;
    let version: string;
    try {
      version = (await this.readIndex(indexPath, 'inference')).create_time;
    } catch (error) {
      this.logger.warn({ index: indexPath, error: (error as Error).message }, 'KB index unreadable; serving the current one');
      return false;
    }
    if (!current || version === current.index.create_time || version === this.failedVersion) return false;
    let slot: IndexSlot<X, P>;
    try {
      slot = await this.loadIndex(indexPath);
    } catch (error) {
      this.failedVersion = version;
      this.counters.failedIndexLoads++;
      this.logger.error({ index: indexPath, create_time: version, error: (error as Error).message }, 'new KB index not usable; serving the current one');
      return false;
    }
    if (this.closed) {
      await this.retire(slot);
      return false;
    }
    this.current = slot;
    void this.retire(current);
    this.logger.info({ create_time: slot.index.create_time, previous: current.index.create_time }, 'KB index swapped');
    await this.reportDeploy(slot.index);
    return true;
  }

  private async retire(slot: IndexSlot<X, P>): Promise<void> {
    slot.retired = true;
    if (slot.inFlight > 0) await new Promise<void>((done) => (slot.drained = done));
    for (const estimator of slot.estimators.values()) await Promise.resolve(estimator.dispose?.()).catch(() => undefined);
    await rm(slot.folder, { recursive: true, force: true });
  }

  /**
   * The model serving unseen samples: the index's global model when it has one, else the group sharing
   * most attribute values with the sample (ties: the group with most samples).
   */
  private fallbackFor(index: KbIndex, allocation: Allocation): { entry: string; model: KbModel } {
    if (index.global_model) return { entry: 'global', model: index.global_model };
    let best: KbTaskGroup | undefined;
    let bestScore = -1;
    for (const group of index.seen_task.task_groups) {
      const shared = Math.max(0, ...group.tasks.map((t) => Object.entries(allocation.meta_attr).filter(([k, v]) => t.meta_attr[k] === v).length));
      if (shared > bestScore || (shared === bestScore && best !== undefined && group.sample_num > best.sample_num)) {
        best = group;
        bestScore = shared;
      }
    }
    if (!best) throw new WorkerSdkError('MODEL_INVALID', 'LifelongLearning.inference: the KB index has no task group and no global model to serve the sample');
    return { entry: best.entry, model: best.model };
  }

  /**
   * Wait for the deployed index (MODEL_URLS; no deadline, it logs what it waits for), mirror and load it,
   * report the deploy, and start following new ones. `inference` does this on its first call; an
   * inference worker calls it at start so the deploy is reported before any sample arrives.
   */
  async ready(): Promise<KbIndex> {
    return (await this.ensureIndex()).index;
  }

  /**
   * Infer a batch: allocate each sample to its task group, predict with the group's model, recognise
   * unseen samples (by attribute before, by confidence after), serve those with the fallback, save them
   * into `unseen_save_url` and integrate the results in input order.
   */
  async inferenceBatch(samples: readonly X[], options: EstimatorOptions = {}): Promise<Array<LifelongInferenceResult<P>>> {
    if (this.closed) throw new WorkerSdkError('CONFIG_INVALID', 'LifelongLearning.inference: called after close()');
    const slot = this.current ?? (await this.ensureIndex());
    slot.inFlight++;
    let out: Array<LifelongInferenceResult<P>>;
    const index = slot.index;
    const allocations = this.taskAllocation.allocate(samples, index.seen_task.extractor);
    try {
      const verdicts = allocations.map((a) => this.unseenSampleRecognition.beforePredict(a));
      const seen = allocations.map((a, i) => (verdicts[i]?.unseen ? { ...a, group: undefined } : a));
      const predict = async (model: KbModel, x: unknown) => {
        const estimator = slot.estimators.get(model.id);
        if (!estimator) throw new WorkerSdkError('INTERNAL', `LifelongLearning.inference: model ${model.id} is not loaded`);
        try {
          return await estimator.predict(x as X, options);
        } catch (error) {
          throw toWorkerSdkError(error, 'ESTIMATOR_FAILED', `LifelongLearning.inference: model ${model.id}: predict failed`);
        }
      };
      const slices = this.taskRemodeling.remodel(seen);
      const served: Array<{ inx: number[]; results: InferenceTask[] }> = [];
      const predictions: Array<{ inx: number[]; results: P[] }> = [];
      for (const slice of slices) {
        const group = index.seen_task.task_groups[slice.group] as KbTaskGroup;
        const results: P[] = [];
        for (const x of slice.x) results.push(await predict(group.model, x));
        predictions.push({ inx: slice.inx, results });
        served.push({ inx: slice.inx, results: slice.inx.map((i) => ({ key: allocations[i]?.key ?? '', entry: group.entry, model: group.model.id })) });
      }
      const results = this.inferenceIntegrate.integrate(samples.length, predictions);
      const tasks = this.inferenceIntegrate.integrate(samples.length, served);
      out = [];
      for (const [i, allocation] of allocations.entries()) {
        let verdict = verdicts[i] as UnseenVerdict;
        let result = results[i] as P;
        let task = tasks[i];
        if (!verdict.unseen) verdict = this.unseenSampleRecognition.afterPredict(allocation, result);
        if (verdict.unseen) {
          const fallback = this.fallbackFor(index, allocation);
          // A confident-enough fallback is not better than the sample's own model when they are the same.
          if (!task || fallback.model.id !== task.model) result = await predict(fallback.model, allocation.x);
          task = { key: allocation.key, entry: fallback.entry, model: fallback.model.id, unseen: verdict };
        }
        out.push({ result, isUnseen: verdict.unseen, tasks: [task as InferenceTask] });
      }
    } finally {
      slot.inFlight--;
      if (slot.retired && slot.inFlight === 0) slot.drained?.();
    }
    for (const [i, item] of out.entries()) {
      this.counters.inferences++;
      if (!item.isUnseen) continue;
      const verdict = item.tasks[0]?.unseen as UnseenVerdict;
      this.counters.unseen++;
      if (verdict.reason === 'confidence') this.counters.confidence++;
      else this.counters.attribute++;
      const saved = await this.saveUnseenSample(samples[i], item, allocations[i] as Allocation, index, verdict);
      if (saved) item.saved = saved;
    }
    return out;
  }

  /**
   * Infer one sample; the original's `inference(data)` returning `(res, is_unseen, tasks)`. Waits for the
   * deployed index on the first call.
   *
   * @example
   * const { result, isUnseen, tasks } = await ll.inference(row);
   */
  async inference(sample: X, options: EstimatorOptions = {}): Promise<LifelongInferenceResult<P>> {
    return (await this.inferenceBatch([sample], options))[0] as LifelongInferenceResult<P>;
  }

  /** unseen_save_url, else `<edge_output_url>/unseen_samples` (the original's edge layout). */
  get unseenSaveDir(): string {
    return this.getParameters('unseen_save_url') ?? join(this.edgeDir(), 'unseen_samples');
  }

  private async saveUnseenSample(sample: X | undefined, item: LifelongInferenceResult<P>, allocation: Allocation, index: KbIndex, verdict: UnseenVerdict): Promise<SavedHardExample | undefined> {
    const now = new Date();
    const task = item.tasks[0];
    const meta: UnseenSampleMeta = {
      reason: verdict.reason ?? 'attribute',
      result: item.result,
      modelVersion: index.create_time,
      time: now.toISOString(),
    };
    if (task?.key) meta.task = task.key;
    if (Object.keys(allocation.meta_attr).length > 0) meta.meta_attr = allocation.meta_attr;
    if (verdict.confidence !== undefined) meta.confidence = verdict.confidence;
    const id = `${now.getTime()}-${String(this.unseenSeq++).padStart(6, '0')}`;
    try {
      const saved = await writeSampleWithMeta(this.unseenSaveDir, id, sample, meta, 'LifelongLearning: saving an unseen sample');
      this.counters.savedUnseen++;
      return saved;
    } catch (error) {
      this.counters.failedUnseenSaves++;
      this.logger.error({ dir: this.unseenSaveDir, error: (error as Error).message }, 'could not save an unseen sample');
      return undefined;
    }
  }

  /** The index serving now, once loaded. */
  get index(): KbIndex | undefined {
    return this.current?.index;
  }

  /** Counters since start. */
  stats(): LifelongInferenceStats {
    const c = this.counters;
    return {
      inferences: c.inferences,
      unseen: c.unseen,
      unseenByReason: { attribute: c.attribute, confidence: c.confidence },
      savedUnseen: c.savedUnseen,
      failedUnseenSaves: c.failedUnseenSaves,
      indexLoads: c.indexLoads,
      failedIndexLoads: c.failedIndexLoads,
      indexVersion: this.current?.index.create_time,
      round: this.current?.index.round,
    };
  }

  /** Stop polling and report replays; dispose the models once their calls in flight are done. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.lcClient.close();
    const slot = this.current;
    this.current = undefined;
    if (slot) await this.retire(slot);
  }
}

function isSpec(choice: unknown): choice is ModuleSpec {
  return choice !== null && typeof choice === 'object' && typeof (choice as ModuleSpec).method === 'string';
}

/** The original's `_method_pair`: the allocation that reads what a task definition wrote. */
function pairedAllocation(definition: ModuleChoice<TaskDefinition>): string {
  const method = isSpec(definition) ? definition.method : definition.constructor.name;
  if (method === 'TaskDefinitionByDataAttr') return 'TaskAllocationByDataAttr';
  if (method === 'TaskDefinitionByOrigin') return 'TaskAllocationByOrigin';
  return 'TaskAllocationDefault';
}
