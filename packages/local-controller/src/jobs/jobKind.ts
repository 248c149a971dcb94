/**
 * Kinds of learning job on the LC, as plug-ins (the original's feature managers): a kind says which
 * Dataset a job reads, where its inference worker runs, where its state is kept, how its objects are
 * checked, and makes one `LcJobManager` per job. The LC keeps its objects, datasets, outbox, worker API
 * and hard-example stores for every kind alike and hands each job's events to its manager. The kinds are
 * listed in `kinds/index.ts`, one line each, or given as `startLocalController({ kinds })`.
 */
import type { Dataset, JobCondition, ObjectMeta, WorkerReport } from '@sedna-ts/api-types';
import type { LcContext } from '../context.js';
import type { DatasetChange } from '../datasets/datasetMonitor.js';
import type { ReportRouting } from '../workers/workerReport.js';

/** The parts of a learning job the LC itself reads (its conditions, for routing worker reports). */
export interface LcJob {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: unknown;
  status?: { round?: number; conditions?: JobCondition[] };
}

/** What a manager is made with. */
export interface LcJobManagerOptions {
  ctx: LcContext;
  namespace: string;
  name: string;
  /** Folder of the job's persisted state. */
  stateDir: string;
  /** The job's hot-update folder (as the LC sees it). */
  hotUpdateDir: string;
}

/** The LC's part of one job: everything it does between the job's dataset, its triggers and the GM. */
export interface LcJobManager<J extends LcJob = LcJob> {
  /** A new version of the job object (from the GM, or from the store at start-up). */
  update(job: J): Promise<void>;
  /** The job's dataset changed (new samples, a recount). */
  datasetChanged(change?: DatasetChange): Promise<void>;
  /** Check the triggers and pending actions now. */
  check(): Promise<void>;
  /** Stop the periodic work and wait for the action in progress. */
  stop(): Promise<void>;
  /** The job was deleted: stop, then remove its state. */
  remove(): Promise<void>;
  /** The inference worker's folder (hard examples, unseen samples) holds `count` samples now (kinds that report it). */
  samplesKept?(count: number): Promise<void>;
}

/** A kind of learning job as the LC takes it. */
export interface LcJobKind<J extends LcJob = LcJob> {
  /** Kind, e.g. `IncrementalLearningJob`. */
  readonly kind: string;
  /** Lower-case kind: the `resourceKind` of its GM frames and the `ownerKind` of its reports. */
  readonly resourceKind: string;
  /** Problems of an object the GM sent (each naming the field path and value); none: it is taken. */
  validate(job: J): string[];
  /** Name of the job's Dataset. */
  datasetName(job: J): string;
  /** The node the job's inference worker runs on (its hard examples are kept there), or undefined when it has none. */
  inferenceNode(job: J, dataset: Dataset | undefined): string | undefined;
  /** The folder of a job's state under the LC's data dir. */
  stateDir(dataDir: string, namespace: string, name: string): string;
  /** The manager of one job. */
  createManager(options: LcJobManagerOptions): LcJobManager<J>;
  /** The upstream message of a worker report about `job` (the report's worker is already bound to it). */
  routeReport(job: J, report: WorkerReport): ReportRouting;
}
