/**
 * The LifelongLearningJob kind on the LC (docs/design/lifelong-learning.md#local-controller): the shared
 * round manager (dataset monitor, pools split by `trainProb`, the train trigger as the AND of its timer
 * and condition at `checkPeriodSeconds`, round files, eval versions without duplicates, a failed round's
 * samples returned, the durable outbox), with the lifelong-learning stages:
 * - eval: the input is the KB index the round's train worker wrote;
 * - deploy (on the dataset's node): no gate; the index the eval wrote (with its dropped tasks) is copied
 *   to `<outputDir>/deploy/index.json` and (Deploy, Ready) sent when a task group changed, else the stage
 *   completes with the serving index kept;
 * - the inference worker's confirmation (`ownerInfo.create_time`) is routed to the deploy whose index has
 *   that create_time;
 * - the unseen samples the inference worker keeps in its folder are counted and sent as statistics.
 * State under `<dataDir>/kinds/lifelonglearningjob/<namespace>/<name>`.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { formatIssue, validateDocument, type DeployDecision, type IncrementalCondData, type LifelongLearningJob, type ModelInfo, type RollbackData, type UpstreamJobMessage, type WorkerReport } from '@sedna-ts/api-types';
import { compareKbCreateTimes, KB_CREATE_TIME_KEY, KB_INDEX_FILE, kbIndexModels, parseKbIndex, readKbSummary, type KbIndex } from '@sedna-ts/api-types/contract';
import { writeFileAtomic } from '@sedna-ts/internal';
import { hostPath, isUrl } from '../context.js';
import { inCheckedFolder, openChecked } from '../datasets/dataRoots.js';
import type { LcJobKind } from '../jobs/jobKind.js';
import { JobManager, type JobManagerOptions } from '../jobs/jobManager.js';
import { conditionsOf, lastConditionOf, lastTrainOutput, modelsOf } from '../jobs/jobView.js';
import type { Intent, JobState } from '../jobs/jobState.js';
import { accessOf } from '../storage/files.js';
import { routeReport } from '../workers/workerReport.js';

const RESOURCE_KIND = 'lifelonglearningjob';
/** Key of the unseen-sample count in a statistics message (the GM's lifelong-learning policy reads it). */
const UNSEEN_COUNT_KEY = 'numberOfUnseenSample';

function bare(model: ModelInfo): ModelInfo {
  const { metrics: _metrics, ...rest } = model;
  return rest;
}

/** The round manager of one LifelongLearningJob (see the module comment). */
export class LifelongJobManager extends JobManager {
  private unseenSent: number | undefined;

  constructor(options: JobManagerOptions) {
    super(options, { kind: 'LifelongLearningJob', resourceKind: RESOURCE_KIND });
  }

  protected override checkPeriods(): Array<number | undefined> {
    return [(this.job as unknown as LifelongLearningJob).spec.trainSpec.trigger.checkPeriodSeconds];
  }

  /** A lifelong round trains from the KB (CLOUD_KB_INDEX, which the GM gives), not from a Model. */
  protected override trainModels(): ModelInfo[] {
    return [];
  }

  /** The index the round's train worker wrote (its (Train, Completed) output). */
  protected override evalModels(round: number): ModelInfo[] | string {
    const waiting = lastConditionOf(this.job as LifelongLearningJob, 'Eval', round, 'Waiting');
    const input = waiting ? modelsOf(waiting.data, 'input') : [];
    if (input.length > 0) return input.map(bare);
    const trained = lastTrainOutput(this.job as LifelongLearningJob, round);
    if (!trained || trained.models.length === 0) return `no KB index trained for round ${round}`;
    return trained.models.map(bare);
  }

  /** Lifelong inference workers poll the deployed index themselves: nothing to publish. */
  protected override async publish(): Promise<void> {}

  /** Deploy: the eval's index to `<outputDir>/deploy/index.json` when a task group changed (see the module comment). */
  protected override async gate(round: number): Promise<void> {
    const state = this.state;
    if (!state) return;
    const key = `Deploy/Gate/${round}`;
    if (state.done(key)) return;
    const outputDir = this.outputDir();
    if (!outputDir) return;
    const rollback = lastConditionOf(this.job as LifelongLearningJob, 'Deploy', round, 'Waiting');
    if (rollback?.data.rollback) return this.rollbackGate(round, key, rollback.data);
    // A manual deploy (`sedna trigger deploy`) starts a round at Deploy: it deploys the last evaluated index.
    const evaluated =
      lastConditionOf(this.job as LifelongLearningJob, 'Eval', round, 'Completed') ??
      conditionsOf(this.job as LifelongLearningJob)
        .filter((c) => c.stage === 'Eval' && c.type === 'Completed' && c.round < round)
        .at(-1);
    const index = evaluated ? modelsOf(evaluated.data)[0] : undefined;
    const summary = evaluated ? readKbSummary(evaluated.data.output?.ownerInfo) : undefined;
    let message: UpstreamJobMessage;
    const serving = (this.job as LifelongLearningJob).status?.servingIndex;
    const keep = (why: string): UpstreamJobMessage => {
      const reason = serving ? why : why.replace(/; the serving index stays$/, '; nothing is deployed yet');
      return { phase: 'Deploy', status: 'Completed', round, reason, output: { ownerInfo: { reason } } };
    };
    if (!index?.url) {
      message = keep(`the eval of round ${round} reported no KB index; the serving index stays`);
    } else {
      const dropped = new Set((summary?.dropped ?? []).map((d) => d.task));
      const changed = (summary?.changed ?? []).filter((task) => !dropped.has(task));
      const firstDeploy = !serving;
      if (serving && index.create_time !== undefined && index.create_time === serving.createTime) {
        message = keep(`the index evaluated in round ${evaluated?.round ?? round} (create_time ${index.create_time}) is the one serving`);
      } else if (summary && changed.length === 0 && !firstDeploy) {
        message = keep(`no task group changed in round ${round}${dropped.size > 0 ? ` (dropped: ${[...dropped].join(', ')})` : ''}; the serving index stays`);
      } else {
        const deployed = await this.deployIndex(outputDir, index, round);
        message =
          typeof deployed === 'string'
            ? keep(`${deployed}; the serving index stays`)
            : { phase: 'Deploy', status: 'Ready', round, input: { models: deployed } };
      }
    }
    this.logger.info({ round, status: message.status, reason: message.reason }, 'lifelong deploy decided');
    const intent: Intent = { kind: 'report', key, round, frame: this.frame(message), detail: message.status === 'Ready' ? 'Deploy' : 'Keep' };
    const manual = this.manual('Deploy');
    if (manual) intent.manual = manual;
    state.data.intent = intent;
    await state.commit();
    await this.execute(intent);
  }

  /**
   * Copy the eval's index (checked: a KB index of this job) to the deploy folder, with the eval file's
   * owner and mode: [the deployed index, the round's own copy], or why it was not deployed. Safe to repeat.
   */
  private async deployIndex(outputDir: string, index: ModelInfo, round: number): Promise<ModelInfo[] | string> {
    const read = await this.readIndexOf(index.url, `the KB index of round ${round}`);
    if (typeof read === 'string') return read;
    if (read.index.seen_task.task_groups.length === 0 && !read.index.global_model) {
      return `the KB index of round ${round} (${JSON.stringify(index.url)}) has no task model to serve (the eval dropped every new model, or none was trained)`;
    }
    return this.writeDeployed(outputDir, read.text, read.mode, round, read.index.create_time);
  }

  /** A KB index of this job, read where the LC may read and checked; or why not. */
  private async readIndexOf(url: string, what: string): Promise<{ text: string; index: KbIndex; mode: number } | string> {
    const { config } = this.ctx;
    const opened = await openChecked(config, hostPath(config, url), `${this.subject}: ${what} (${JSON.stringify(url)})`);
    if (opened.kind === 'missing') return `${what} (${JSON.stringify(url)}) does not exist`;
    if (opened.kind === 'refused') return opened.message;
    let text: string;
    let mode: number;
    try {
      mode = accessOf(await opened.handle.stat()).mode;
      text = await opened.handle.readFile('utf8');
    } finally {
      await opened.handle.close();
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return `${what} (${JSON.stringify(url)}) is not JSON: ${(error as Error).message}`;
    }
    const checked = parseKbIndex(parsed);
    if (!checked.ok) return `${what} (${JSON.stringify(url)}): ${checked.problem.path}: ${checked.problem.message}`;
    if (checked.index.namespace !== this.options.namespace || checked.index.job !== this.options.name) {
      return `${what} (${JSON.stringify(url)}) belongs to job ${checked.index.namespace}/${checked.index.job}, not ${this.options.namespace}/${this.options.name}`;
    }
    return { text, index: checked.index, mode };
  }

  /**
   * `<outputDir>/deploy/rounds/<round>/index.json` (the round's own copy, which a rollback can serve again)
   * then `<outputDir>/deploy/index.json` (what the inference worker reads), both atomic.
   */
  private async writeDeployed(outputDir: string, text: string, mode: number, round: number, createTime: string): Promise<ModelInfo[] | string> {
    const { config } = this.ctx;
    const base = outputDir.replace(/\/+$/, '');
    const copyUrl = `${base}/deploy/rounds/${round}/${KB_INDEX_FILE}`;
    const url = `${base}/deploy/${KB_INDEX_FILE}`;
    for (const target of [copyUrl, url]) {
      const folder = hostPath(config, target.slice(0, target.lastIndexOf('/')));
      const written = await inCheckedFolder(config, folder, `${this.subject}: deploy folder ${JSON.stringify(folder)}`, true, async (dir) => {
        await writeFileAtomic(join(dir, KB_INDEX_FILE), text, { mode });
        return true;
      });
      if (!written) return `${this.subject}: deploy folder ${JSON.stringify(folder)} cannot be written`;
    }
    this.logger.info({ round, index: url, copy: copyUrl, createTime }, 'KB index deployed');
    return [
      { format: 'json', url, create_time: createTime },
      { format: 'json', url: copyUrl, create_time: createTime },
    ];
  }

  /**
   * The gate of a rollback round (`sedna rollback`): the target is the copy of the index an earlier round
   * deployed; checked (there, of this job, its task models' files there), then deployed again with a new
   * create_time (the inference worker swaps to a newer index only, and routes its confirmation by it).
   */
  protected override async rollbackGate(round: number, key: string, data: IncrementalCondData): Promise<void> {
    const state = this.state as JobState;
    const outputDir = this.outputDir() as string;
    const rollback = data.rollback as RollbackData;
    const [target, serving] = modelsOf(data, 'input');
    const refuse = (why: string): UpstreamJobMessage => {
      const reason = `rollback to round ${rollback.to} refused: ${why}`;
      return { phase: 'Deploy', status: 'Completed', round, reason, output: { ownerInfo: { reason } } };
    };
    let message: UpstreamJobMessage;
    const read = target ? await this.readIndexOf(target.url, `the KB index round ${rollback.to} deployed`) : 'the rollback names no index';
    const missing = typeof read === 'string' ? undefined : await this.missingModelFiles(read.index);
    if (typeof read === 'string') message = refuse(read);
    else if (missing) message = refuse(missing);
    else {
      const servingTime = (this.job as LifelongLearningJob).status?.servingIndex?.createTime;
      let createTime = this.ctx.now().toISOString();
      if (servingTime && compareKbCreateTimes(createTime, servingTime) <= 0) createTime = new Date(Date.parse(servingTime) + 1).toISOString();
      const text = JSON.stringify({ ...(JSON.parse(read.text) as object), [KB_CREATE_TIME_KEY]: createTime, round });
      const written = await this.writeDeployed(outputDir, text, read.mode, round, createTime);
      if (typeof written === 'string') message = refuse(written);
      else {
        const decision: DeployDecision = {
          round,
          decision: 'Rollback',
          reason: `sedna rollback: the index round ${rollback.to} deployed serves again (create_time ${createTime}) instead of round ${rollback.from}'s`,
          metric: '',
          operator: '>',
          threshold: 0,
          compared: {},
          time: this.ctx.now().toISOString(),
          to: { round: rollback.to, url: (target as ModelInfo).url },
        };
        if (serving) decision.from = { round: rollback.from, url: serving.url };
        message = { phase: 'Deploy', status: 'Ready', round, input: { models: written }, decision };
      }
    }
    this.logger.info({ round, status: message.status, reason: message.reason, requested: rollback.requested }, 'lifelong rollback decided');
    const intent: Intent = { kind: 'report', key, round, frame: this.frame(message), detail: message.status === 'Ready' ? 'Rollback' : 'Keep' };
    state.data.intent = intent;
    await state.commit();
    await this.execute(intent);
  }

  /** The first task model of `index` whose file is not on this node (host paths only), named; else undefined. */
  private async missingModelFiles(index: KbIndex): Promise<string | undefined> {
    for (const model of kbIndexModels(index)) {
      if (!model.url || isUrl(model.url)) continue;
      const path = hostPath(this.ctx.config, model.url);
      try {
        await stat(path);
      } catch (error) {
        return `model file ${model.url} of task model ${model.id} is gone (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
      }
    }
    return undefined;
  }

  /** The inference worker's folder of unseen samples holds `count` now: sent once per change, through the outbox. */
  samplesKept(count: number): Promise<void> {
    return this.serial(async () => {
      if (count === this.unseenSent) return;
      const message: UpstreamJobMessage = { phase: 'Inference', status: 'Running', output: { ownerInfo: { [UNSEEN_COUNT_KEY]: count } } };
      await this.ctx.outbox.append(this.frame(message));
      this.unseenSent = count;
    });
  }
}

/**
 * A lifelong inference worker's confirmation names the index it serves by `create_time`: routed to the
 * round whose (Deploy, Ready) deployed that index. Other reports are routed as for every kind.
 */
export function routeLifelongReport(job: LifelongLearningJob, report: WorkerReport) {
  if (report.kind === 'deploy') {
    const createTime = report.ownerInfo?.[KB_CREATE_TIME_KEY];
    if (typeof createTime === 'string' && createTime !== '') {
      const deploy = conditionsOf(job)
        .filter((c) => c.stage === 'Deploy' && c.type === 'Ready')
        .reverse()
        .find((c) => modelsOf(c.data, 'input').some((m) => m.create_time === createTime));
      if (!deploy) {
        // The LC sent (Deploy, Ready) for this index and the job as the GM recorded it is still on its way.
        const latest = conditionsOf(job).at(-1);
        const lagging = latest?.stage === 'Deploy' && latest.type === 'Waiting';
        return { forward: false as const, reason: `create_time ${JSON.stringify(createTime)} is not the index of any deploy of this job${lagging ? ' yet' : ''}`, retry: lagging };
      }
      return routeReport(job, { ...report, ownerInfo: { ...report.ownerInfo, model_version: String(deploy.round) } }, RESOURCE_KIND);
    }
  }
  return routeReport(job, report, RESOURCE_KIND);
}

/** See the module comment. */
export const lifelongLearningJobLcKind: LcJobKind<LifelongLearningJob> = {
  kind: 'LifelongLearningJob',
  resourceKind: RESOURCE_KIND,
  validate: (job) => {
    // A bad sedna.io/deadlines does not stop a job: the GM warns and keeps its own settings.
    const result = validateDocument(job, { annotations: false });
    return result.valid ? [] : result.issues.map(formatIssue);
  },
  datasetName: (job) => job.spec.dataset.name,
  inferenceNode: (job, dataset) => (job.spec.deploySpec.template.spec as { nodeName?: string } | undefined)?.nodeName ?? dataset?.spec.nodeName,
  stateDir: (dataDir, namespace, name) => join(dataDir, 'kinds', RESOURCE_KIND, namespace, name),
  createManager: (options) => new LifelongJobManager(options),
  routeReport: routeLifelongReport,
};
