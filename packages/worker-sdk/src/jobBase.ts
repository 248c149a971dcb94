import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { type ModelInfo, type WorkerKind, type WorkerReport, type WorkerReportStatus } from '@sedna-ts/api-types';
import { ClassFactory, ClassType } from './classFactory.js';
import { BaseConfig, type ReportDestination, type SednaConfig } from './config.js';
import { SednaContext } from './context.js';
import { type Estimator, type EstimatorSource } from './estimator.js';
import { WorkerSdkError } from './errors.js';
import { LCClient, type DeliveryOutcome, type RetryPolicy } from './lcClient.js';
import { createConsoleLogger, type Logger } from './logger.js';

/** Options common to every job feature. */
export interface JobBaseOptions {
  /** Where settings come from (default `BaseConfig`, i.e. `process.env`). */
  config?: SednaConfig;
  /** The LC client (default: one built from LC_SERVER, SEDNA_WORKER_TOKEN and SEDNA_REPORT_SPOOL_DIR); unused in local mode. */
  lcClient?: LCClient;
  /** Retry policy of the default LC client. */
  retry?: RetryPolicy;
  logger?: Logger;
  /** Lower-case kind of the owning job, sent as `ownerKind` (set by each feature). */
  jobKind?: string;
}

/** A post-processing step: a function, or the name of one registered under `ClassType.CALLBACK`. */
export type PostProcess<I, O> = ((value: I) => O | Promise<O>) | string;

/** Resolve a `PostProcess` given by name through ClassFactory. */
export function resolvePostProcess<I, O>(postProcess: PostProcess<I, O> | undefined): ((value: I) => O | Promise<O>) | undefined {
  if (postProcess === undefined) return undefined;
  if (typeof postProcess === 'function') return postProcess;
  return ClassFactory.getCls(ClassType.CALLBACK, postProcess) as (value: I) => O | Promise<O>;
}

function isClass(fn: object): boolean {
  if (/^class[\s{]/.test(Function.prototype.toString.call(fn))) return true;
  const proto = (fn as { prototype?: Record<string, unknown> }).prototype;
  return !!proto && ['predict', 'train', 'load', 'evaluate'].some((m) => typeof proto[m] === 'function');
}

/**
 * Sedna's `JobBase`: what every feature shares. It resolves the worker's identity from the environment
 * as the original (job name = JOB_NAME or SERVICE_NAME; worker name = WORKER_NAME or the job name;
 * namespace = NAMESPACE or the job name), owns the estimator and reports to the Local Controller, or,
 * in local mode (`SEDNA_REPORT=stdout`, the default when neither WORKER_NAME nor LC_SERVER is set),
 * prints each report as one JSON line on stdout.
 */
export class JobBase<X = unknown, P = unknown> {
  readonly config: SednaConfig;
  readonly jobName: string;
  readonly workerName: string;
  readonly namespace: string;
  /** Lower-case kind of the owning job (`ownerKind` of reports). */
  readonly jobKind: string;
  readonly lcClient: LCClient;
  /** Where reports go (SEDNA_REPORT, validated at construction): the LC, or stdout in local mode. */
  readonly reportTo: ReportDestination;
  readonly logger: Logger;
  protected readonly estimatorSource: EstimatorSource<X, P>;
  /** Whether the source makes new instances (a class or a factory) rather than being one. */
  protected readonly makesEstimators: boolean;
  private sharedEstimator: Promise<Estimator<X, P>> | undefined;

  constructor(estimator: EstimatorSource<X, P>, options: JobBaseOptions = {}) {
    if (estimator === null || (typeof estimator !== 'object' && typeof estimator !== 'function')) {
      throw new WorkerSdkError('CONFIG_INVALID', `JobBase: estimator: expected an Estimator instance, class or factory, got ${String(estimator)}`);
    }
    this.estimatorSource = estimator;
    this.makesEstimators = typeof estimator === 'function';
    this.config = options.config ?? BaseConfig;
    this.jobName = this.config.jobName || this.config.serviceName;
    this.workerName = this.config.workerName || this.jobName;
    this.namespace = this.config.namespace || this.jobName;
    this.jobKind = options.jobKind ?? '';
    this.reportTo = this.config.reportTo;
    this.logger = options.logger ?? createConsoleLogger(this.config.logLevel, { job: this.jobName, worker: this.workerName });
    this.lcClient =
      options.lcClient ??
      new LCClient({
        lcServer: this.config.lcServer,
        token: this.config.workerToken,
        retry: options.retry,
        spoolDir: this.config.reportSpoolDir ?? join(tmpdir(), 'sedna-report-spool', this.namespace, this.jobName, this.workerName),
        logger: this.logger,
      });
    this.logger.debug({ config: this.config.toJSON() }, `${this.constructor.name} configured`);
  }

  /** Replays the reports an earlier run could not deliver (none in local mode: nothing is sent). */
  protected resumeReports(): void {
    if (this.reportTo === 'lc') this.lcClient.resume();
  }

  /** LC_SERVER. */
  get lcServer(): string {
    return this.lcClient.lcServer;
  }

  /** MODEL_URL: the round's output folder (train) or the model to serve (inference). */
  get modelPath(): string | undefined {
    return this.config.modelUrl;
  }

  /** The original's `get_parameters`: the env value (exact name, then upper case), or `fallback`. */
  getParameters(name: string): string | undefined;
  getParameters<D>(name: string, fallback: D): string | D;
  getParameters<D>(name: string, fallback?: D): string | D | undefined {
    return new SednaContext(() => this.config.env).getParameters(name, fallback);
  }

  /**
   * A fresh estimator from a class or factory, or the instance itself. Throws `CONFIG_INVALID` when the
   * result does not look like an estimator.
   */
  protected async newEstimator(): Promise<Estimator<X, P>> {
    const source = this.estimatorSource;
    let made: unknown;
    if (typeof source === 'function') {
      made = isClass(source) ? new (source as new () => Estimator<X, P>)() : await (source as () => Estimator<X, P> | Promise<Estimator<X, P>>)();
    } else {
      made = source;
    }
    if (made === null || typeof made !== 'object') {
      throw new WorkerSdkError('CONFIG_INVALID', `${this.constructor.name}: the estimator factory returned ${String(made)}, not an Estimator`);
    }
    return made as Estimator<X, P>;
  }

  /** The one estimator used for training (made once). */
  protected estimator(): Promise<Estimator<X, P>> {
    this.sharedEstimator ??= this.newEstimator();
    return this.sharedEstimator;
  }

  /**
   * The original's `report_task_info`: send `{name, namespace, ownerName, ownerKind, kind, status,
   * results?, ownerInfo?}` to the LC. Train and eval reports must arrive: they are retried, then throw
   * `REPORT_UNDELIVERABLE` (let it end the script with a non-zero exit). Deploy and inference reports
   * come from a serving worker: they are spooled on disk and replayed until delivered, never thrown.
   * In local mode (`reportTo` `stdout`) the report, with its `reportId`, is printed as one JSON line on
   * stdout instead, and nothing is sent.
   */
  async reportTaskInfo(
    taskInfo: Record<string, unknown> | undefined,
    status: WorkerReportStatus,
    results?: ModelInfo[],
    kind: WorkerKind = 'train',
  ): Promise<DeliveryOutcome> {
    const report: WorkerReport = {
      name: this.workerName,
      namespace: this.namespace,
      ownerName: this.jobName,
      ownerKind: this.jobKind,
      kind,
      status,
    };
    if (results !== undefined) report.results = results;
    if (taskInfo !== undefined) report.ownerInfo = taskInfo;
    if (this.reportTo === 'stdout') {
      const reportId = randomUUID();
      process.stdout.write(`${JSON.stringify({ ...report, reportId })}\n`);
      this.logger.info({ kind, status, reportId, to: 'stdout' }, `reported ${kind} ${status} on stdout (local mode)`);
      return { delivered: false, printed: true, reportId, attempts: 0 };
    }
    const mode = kind === 'train' || kind === 'eval' ? 'required' : 'spool';
    const outcome = await this.lcClient.send(report, mode);
    this.logger.info({ kind, status, reportId: outcome.reportId, delivered: outcome.delivered }, `reported ${kind} ${status}`);
    return outcome;
  }
}
