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
import { basename, join } from 'node:path';
import { formatIssue, validateDocument, type LifelongLearningJob, type ModelInfo, type UpstreamJobMessage, type WorkerReport } from '@sedna-ts/api-types';
import { KB_CREATE_TIME_KEY, KB_INDEX_FILE, parseKbIndex, readKbSummary } from '@sedna-ts/api-types/contract';
import { writeFileAtomic } from '@sedna-ts/internal';
import { hostPath } from '../context.js';
import { inCheckedFolder, openChecked } from '../datasets/dataRoots.js';
import type { LcJobKind } from '../jobs/jobKind.js';
import { JobManager, type JobManagerOptions } from '../jobs/jobManager.js';
import { conditionsOf, lastConditionOf, lastTrainOutput, modelsOf } from '../jobs/jobView.js';
import type { Intent } from '../jobs/jobState.js';
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
            : { phase: 'Deploy', status: 'Ready', round, input: { models: [deployed] } };
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
   * owner and mode; the deployed index as a model, or why it was not deployed. Safe to repeat.
   */
  private async deployIndex(outputDir: string, index: ModelInfo, round: number): Promise<ModelInfo | string> {
    const { config } = this.ctx;
    const source = hostPath(config, index.url);
    const opened = await openChecked(config, source, `${this.subject}: the KB index of round ${round} (${JSON.stringify(index.url)})`);
    if (opened.kind === 'missing') return `the KB index of round ${round} (${JSON.stringify(index.url)}) does not exist`;
    if (opened.kind === 'refused') return opened.message;
    let text: string;
    let access;
    try {
      access = accessOf(await opened.handle.stat());
      text = await opened.handle.readFile('utf8');
    } finally {
      await opened.handle.close();
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return `the KB index of round ${round} (${JSON.stringify(index.url)}) is not JSON: ${(error as Error).message}`;
    }
    const checked = parseKbIndex(parsed);
    if (!checked.ok) return `the KB index of round ${round} (${JSON.stringify(index.url)}): ${checked.problem.path}: ${checked.problem.message}`;
    const kb = checked.index;
    if (kb.seen_task.task_groups.length === 0 && !kb.global_model) {
      return `the KB index of round ${round} (${JSON.stringify(index.url)}) has no task model to serve (the eval dropped every new model, or none was trained)`;
    }
    if (kb.namespace !== this.options.namespace || kb.job !== this.options.name) {
      return `the KB index of round ${round} (${JSON.stringify(index.url)}) belongs to job ${kb.namespace}/${kb.job}, not ${this.options.namespace}/${this.options.name}`;
    }
    const url = `${outputDir.replace(/\/+$/, '')}/deploy/${KB_INDEX_FILE}`;
    const folder = join(hostPath(config, outputDir), 'deploy');
    const written = await inCheckedFolder(config, folder, `${this.subject}: deploy folder ${JSON.stringify(folder)}`, true, async (dir) => {
      await writeFileAtomic(join(dir, basename(url)), text, { mode: access.mode });
      return true;
    });
    if (!written) return `${this.subject}: deploy folder ${JSON.stringify(folder)} cannot be written`;
    this.logger.info({ round, index: url, createTime: kb.create_time, groups: kb.seen_task.task_groups.length }, 'KB index deployed');
    return { format: 'json', url, create_time: kb.create_time };
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
