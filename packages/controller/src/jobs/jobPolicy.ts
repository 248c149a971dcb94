/**
 * What differs between the kinds of learning job that share the state machine, the job controller and
 * the pod builder: where the pod templates are, which objects the job references, how the deploy stage
 * delivers a model, which model serves, what the end of a round records. The shared machinery asks the
 * policy instead of branching on the kind. A kind is a `JobKind` (one folder under `kinds/`), listed in
 * `kinds/index.ts`; the GM builds its informers, reconcilers and upstream handlers from that list.
 */
import type { Dataset, JobCondition, Model, ModelInfo, ObjectMeta, PodTemplateSpec, UpstreamJobMessage } from '@sedna-ts/api-types';
import type { WorkerEnvValues } from '@sedna-ts/api-types/contract';
import type { WorkerType } from './observedPod.js';
import type { WorkerPodRequest } from './stateMachine.js';
import type { WorkerStorage } from './workerStorage.js';

/**
 * How the deploy stage delivers a passing model:
 * - `hot`: the LC publishes it into the running inference worker's hot-update folder;
 * - `cold`: the inference pod is replaced by one whose MODEL_URL is the new model;
 * - `publish`: there is no inference worker; the LC publishes the model and completes the stage.
 */
export type DeployMode = 'hot' | 'cold' | 'publish';

/**
 * The status fields every learning job has and the state machine writes; a kind's own fields (the
 * serving model, the last decision, a knowledge base) are its policy's to write.
 */
export interface LearningJobStatus {
  conditions?: JobCondition[];
  round?: number;
  startTime?: string;
  completionTime?: string;
}

/** The parts of a learning job every kind has; the state machine reads nothing else directly. */
export interface LearningJob<S extends LearningJobStatus = LearningJobStatus> {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: unknown;
  status?: S;
}

/** The status type of a job type. */
export type StatusOf<J extends LearningJob> = NonNullable<J['status']>;

/** What a policy's `workerEnv` may use. */
export interface WorkerEnvContext {
  /** The job's Dataset. */
  dataset: Dataset;
  /** The Models the job references, by name. */
  models: ReadonlyMap<string, Model>;
  /** Gives the env value of a URL and records what the pod needs for it (mounts, downloads, credentials). */
  storage: WorkerStorage;
}

/** Kind specifics of a learning job for the shared state machine, the pod builder and the controller. */
export interface JobPolicy<J extends LearningJob = LearningJob> {
  /** Kind, e.g. `IncrementalLearningJob`. */
  readonly kind: string;
  /** Lower-case kind: label prefix and frame `resourceKind`, e.g. `incrementallearningjob`. */
  readonly resourceKind: string;
  /** Plural resource name, e.g. `incrementallearningjobs`. */
  readonly plural: string;
  /** Name of the job's Dataset. */
  datasetName(job: J): string;
  /** Names of the Models the job references (each must exist before a worker pod is created). */
  modelNames(job: J): string[];
  /** Pod template of a worker type, or undefined when the job runs no such worker. */
  template(job: J, workerType: WorkerType): PodTemplateSpec | undefined;
  /** How the deploy stage delivers a model. */
  deployMode(job: J): DeployMode;
  /**
   * The problems of a job's spec, each naming the kind, the job, the field path and the value (the GM
   * refuses the generation with `InvalidSpec`); absent: the API server's schema is all there is.
   */
  validate?(job: J): string[];
  /** `spec.maxRounds`, or undefined for rounds without end. */
  maxRounds(job: J): number | undefined;
  /** At the first sync, the kind's own status fields (e.g. the model serving before any round). */
  initialStatus(job: J, status: StatusOf<J>, models: ReadonlyMap<string, Model>): void;
  /** The model an inference pod the GM (re)creates serves (MODEL_URL), from the status. */
  servingModel(job: J, status: StatusOf<J>): ModelInfo | undefined;
  /**
   * Whether the job runs an inference worker outside a deploy stage now (absent: always, from the first
   * sync). A lifelong-learning job has none until its first deploy (the original's behaviour).
   */
  servesBeforeDeploy?(job: J, status: StatusOf<J>): boolean;
  /**
   * At the end of each decision, the kind's status fields that follow from the conditions (e.g. the
   * knowledge base reported by the last train or eval worker).
   */
  statusFromConditions?(job: J, status: StatusOf<J>, conditions: readonly JobCondition[]): void;
  /**
   * An upstream message with phase `Inference` (statistics of the inference worker, counted by the LC,
   * e.g. unseen samples): records them; returns whether the kind takes such messages.
   */
  statistics?(job: J, status: StatusOf<J>, message: UpstreamJobMessage): boolean;
  /**
   * Of a (Deploy, Ready)'s input models, the one a deployment record keeps (what `sedna rollback` can
   * serve again); absent: the first. A lifelong job deploys to a fixed path and keeps each round's copy.
   */
  servedModel?(input: readonly ModelInfo[]): ModelInfo | undefined;
  /** A round ended (its deploy stage completed): what the kind records of it in its status. */
  roundEnded(job: J, status: StatusOf<J>, conditions: readonly JobCondition[], round: number, now: string): void;
  /** `spec.outputDir`: the folder no other job may share (absent: the kind writes no folder). */
  outputDir?(job: J): string | undefined;
  /** `spec.credentialName`: the Secret for the job's outputs and the models it trained. */
  credentialName(job: J): string | undefined;
  /** Whether the worker runs in the node's network namespace (the original's `hostNetwork`). */
  hostNetwork(workerType: WorkerType): boolean;
  /**
   * The stage env of a worker beyond the shared ones (NAMESPACE, JOB_NAME, WORKER_NAME, LC_SERVER,
   * SEDNA_WORKER_TOKEN): model and dataset URLs, made available through `storage` with the credential
   * that applies to each, and the kind's own settings; every name is in the contract's WORKER_ENV table (add a kind's own there).
   */
  workerEnv(job: J, request: WorkerPodRequest, context: WorkerEnvContext): WorkerEnvValues;
}

/** The GM's settings of one kind (GM config `kindSettings.<resourceKind>`), e.g. a knowledge-base server. */
export type KindSettings = Readonly<Record<string, unknown>>;

/**
 * A kind of learning job as the GM takes it: its names, and its policy for the GM's settings of it.
 * One folder under `kinds/` and one line in `kinds/index.ts` (or the `kinds` option of
 * `startGlobalManager`) add a kind.
 *
 * @example
 * const myKind: JobKind<MyJob> = { kind: 'MyJob', resourceKind: 'myjob', plural: 'myjobs', policy: () => myPolicy };
 * await startGlobalManager({ kinds: [...BUILT_IN_KINDS, myKind] });
 */
export interface JobKind<J extends LearningJob = LearningJob> {
  /** Kind, e.g. `IncrementalLearningJob`. */
  readonly kind: string;
  /** Lower-case kind, e.g. `incrementallearningjob`. */
  readonly resourceKind: string;
  /** Plural resource name, e.g. `incrementallearningjobs`. */
  readonly plural: string;
  /** The policy, given the GM's settings of this kind (`{}` when it has none). */
  policy(settings: KindSettings): JobPolicy<J>;
}
