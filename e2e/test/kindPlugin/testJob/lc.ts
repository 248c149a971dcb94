// The LC's side of TestLearningJob: a LcJobKind and its job manager. The manager counts the Dataset's
// samples (the monitor's hand-over, else by reading the index) and answers each stage once, through the
// LC's outbox: (Train, Ready) once `threshold` new samples are in, (Eval, Ready) on (Eval, Waiting),
// (Deploy, Ready) on (Deploy, Waiting), and (Deploy, Completed) on (Deploy, Running), as the LC
// publishes the model itself when there is no inference worker. What it has sent is kept in its state
// folder, so a restarted LC does not send it again.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dataset, JobCondition, ModelInfo, UpstreamJobMessage } from '@sedna-ts/api-types';
import { jobFrame, routeReport, type DatasetChange, type LcJobKind, type LcJobManager, type LcJobManagerOptions } from '@sedna-ts/local-controller';
import { KIND, RESOURCE_KIND, validateTestLearningJob, type TestLearningJob } from './schema.js';

/** What the manager keeps across restarts. */
interface TestJobState {
  /** Keys of the reports sent (`train/ready/1`). */
  sent: string[];
  /** The sample count the last round started at. */
  consumed: number;
}

/** Samples in an index: its lines that are not empty or comments. */
async function countSamples(indexPath: string): Promise<number> {
  const text = await readFile(indexPath, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#')).length;
}

/** The output models of the last (stage, Completed) of `round`. */
function outputModels(conditions: readonly JobCondition[], stage: string, round: number): ModelInfo[] {
  const done = conditions.filter((c) => c.stage === stage && c.type === 'Completed' && c.round === round).at(-1);
  const data = done?.data ? (JSON.parse(done.data) as { output?: { models?: ModelInfo[] } }) : {};
  return data.output?.models ?? [];
}

/** The LC's part of one TestLearningJob. */
class TestJobManager implements LcJobManager<TestLearningJob> {
  private job: TestLearningJob | undefined;
  private count: number | undefined;
  private state: TestJobState = { sent: [], consumed: 0 };
  private loaded = false;
  private chain: Promise<void> = Promise.resolve();
  private readonly stateFile: string;

  constructor(private readonly options: LcJobManagerOptions) {
    this.stateFile = join(options.stateDir, 'state.json');
  }

  update(job: TestLearningJob): Promise<void> {
    return this.serial(async () => {
      this.job = job;
      if (this.count === undefined) await this.recount();
      await this.reconcile();
    });
  }

  datasetChanged(change?: DatasetChange): Promise<void> {
    return this.serial(async () => {
      if (change) this.count = change.count;
      else await this.recount();
      await this.reconcile();
    });
  }

  check(): Promise<void> {
    return this.serial(() => this.reconcile());
  }

  async stop(): Promise<void> {
    await this.chain;
  }

  async remove(): Promise<void> {
    await this.stop();
    await rm(this.options.stateDir, { recursive: true, force: true });
  }

  /** One action at a time, in order: updates, dataset changes and checks do not interleave. */
  private serial(action: () => Promise<void>): Promise<void> {
    const run = this.chain.then(action);
    this.chain = run.catch((error: unknown) => this.options.ctx.logger.error({ err: error, job: this.options.name }, 'TestLearningJob manager failed'));
    return run;
  }

  private dataset(): Dataset | undefined {
    return this.job ? this.options.ctx.store.get<Dataset>('dataset', this.options.namespace, this.job.spec.dataset.name) : undefined;
  }

  private async recount(): Promise<void> {
    const dataset = this.dataset();
    if (dataset) this.count = await countSamples(dataset.spec.url);
  }

  /** The report the job's last condition calls for, if it was not sent yet. */
  private async reconcile(): Promise<void> {
    const job = this.job;
    if (!job) return;
    if (!this.loaded) {
      this.state = JSON.parse(await readFile(this.stateFile, 'utf8').catch(() => JSON.stringify(this.state))) as TestJobState;
      this.loaded = true;
    }
    const conditions = job.status?.conditions ?? [];
    const last = conditions.at(-1);
    if (!last) return;
    const round = job.status?.round ?? 0;
    const count = this.count ?? 0;
    if (last.stage === 'Train' && last.type === 'Waiting' && count - this.state.consumed >= job.spec.threshold) {
      const dataset = this.dataset();
      await this.report(`train/ready/${round + 1}`, { phase: 'train', status: 'ready', round: round + 1, input: { dataURL: dataset?.spec.url, outputDir: `${job.spec.outputDir}/train/${round + 1}` } }, count);
    } else if (last.stage === 'Eval' && last.type === 'Waiting') {
      await this.report(`eval/ready/${round}`, { phase: 'eval', status: 'ready', round, input: { models: outputModels(conditions, 'Train', round) } });
    } else if (last.stage === 'Deploy' && last.type === 'Waiting') {
      await this.report(`deploy/ready/${round}`, { phase: 'deploy', status: 'ready', round, input: { models: outputModels(conditions, 'Train', round) } });
    } else if (last.stage === 'Deploy' && last.type === 'Running') {
      await this.report(`deploy/completed/${round}`, { phase: 'deploy', status: 'completed', round });
    }
  }

  /** Sends `message` once (by `key`) through the outbox; a round's start also records the count it took. */
  private async report(key: string, message: UpstreamJobMessage, consumed?: number): Promise<void> {
    if (this.state.sent.includes(key)) return;
    const { ctx, namespace, name } = this.options;
    await ctx.outbox.append(jobFrame(RESOURCE_KIND, namespace, name, message));
    this.state = { sent: [...this.state.sent, key], consumed: consumed ?? this.state.consumed };
    await mkdir(this.options.stateDir, { recursive: true });
    await writeFile(this.stateFile, JSON.stringify(this.state));
    ctx.logger.info({ job: `${namespace}/${name}`, report: key }, 'TestLearningJob report sent');
  }
}

/** The TestLearningJob kind for `startLocalController({ kinds })`. */
export const testLearningJobLcKind: LcJobKind<TestLearningJob> = {
  kind: KIND,
  resourceKind: RESOURCE_KIND,
  validate: validateTestLearningJob,
  datasetName: (job) => job.spec.dataset.name,
  // No inference worker: the LC publishes the model itself.
  inferenceNode: () => undefined,
  stateDir: (dataDir, namespace, name) => join(dataDir, 'kinds', RESOURCE_KIND, namespace, name),
  createManager: (options) => new TestJobManager(options),
  routeReport: (job, report) => routeReport(job, report, RESOURCE_KIND),
};
