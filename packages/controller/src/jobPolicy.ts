/**
 * What differs between the kinds of learning job that share the state machine (IncrementalLearningJob
 * now, LifelongLearningJob later): where the pod templates are, which objects the job references, how
 * the deploy stage delivers a model, and which model serves before the first deploy. The state machine
 * asks the policy instead of branching on the kind.
 */
import type {
  Dataset,
  IncrementalLearningJob,
  IncrementalLearningJobStatus,
  Model,
  ModelInfo,
  ObjectMeta,
  PodTemplateSpec,
  TriggerCondition,
} from '@sedna-ts/api-types';
import { joinUrl, type HostPathMounts } from './hostPathMounts.js';
import type { WorkerType } from './observedPod.js';
import type { WorkerPodRequest } from './stateMachine.js';

/**
 * How the deploy stage delivers a passing model:
 * - `hot`: the LC publishes it into the running inference worker's hot-update folder;
 * - `cold`: the inference pod is replaced by one whose MODEL_URL is the new model;
 * - `publish`: there is no inference worker; the LC publishes the model and completes the stage.
 */
export type DeployMode = 'hot' | 'cold' | 'publish';

/** The parts of a learning job every kind has; the state machine reads nothing else directly. */
export interface LearningJob {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: unknown;
  status?: LearningJobStatus;
}

/** Status of a learning job as the state machine writes it (the IncrementalLearningJob status shape). */
export type LearningJobStatus = IncrementalLearningJobStatus;

/** What a policy's `workerEnv` may use. */
export interface WorkerEnvContext {
  /** The job's Dataset. */
  dataset: Dataset;
  /** Mounts host paths and gives their env values. */
  mounts: HostPathMounts;
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
  /** `spec.maxRounds`, or undefined for rounds without end. */
  maxRounds(job: J): number | undefined;
  /** The model the inference worker serves before any round deploys (the start of `lastGoodModel`). */
  initialServingModel(job: J, models: ReadonlyMap<string, Model>): ModelInfo | undefined;
  /** The deploy trigger's condition (recorded in `lastDecision` when the LC did not send a decision). */
  deployCondition(job: J): TriggerCondition | undefined;
  /**
   * The stage env of a worker beyond the shared ones (NAMESPACE, JOB_NAME, WORKER_NAME, LC_SERVER,
   * SEDNA_WORKER_TOKEN): model and dataset URLs, mounted through `mounts`, and the kind's own settings.
   */
  workerEnv(job: J, request: WorkerPodRequest, context: WorkerEnvContext): Record<string, string>;
}

function modelInfoOf(model: Model | undefined): ModelInfo | undefined {
  if (!model) return undefined;
  const info: ModelInfo = { format: model.spec.format, url: model.spec.url };
  if (model.spec.device_soc_versions) info.device_soc_versions = model.spec.device_soc_versions;
  return info;
}

/** The policy of IncrementalLearningJob. */
export const incrementalLearningPolicy: JobPolicy<IncrementalLearningJob> = {
  kind: 'IncrementalLearningJob',
  resourceKind: 'incrementallearningjob',
  plural: 'incrementallearningjobs',
  datasetName: (job) => job.spec.dataset.name,
  modelNames: (job) => {
    const names = [job.spec.initialModel.name, job.spec.deploySpec.model.name];
    if (job.spec.evalSpec.initialEvalModel) names.push(job.spec.evalSpec.initialEvalModel.name);
    return [...new Set(names)];
  },
  template: (job, workerType) => {
    if (workerType === 'train') return job.spec.trainSpec.template;
    if (workerType === 'eval') return job.spec.evalSpec.template;
    return job.spec.deploySpec.template;
  },
  deployMode: (job) => {
    if (!job.spec.deploySpec.template) return 'publish';
    return job.spec.deploySpec.model.hotUpdateEnabled ? 'hot' : 'cold';
  },
  maxRounds: (job) => job.spec.maxRounds,
  initialServingModel: (job, models) => modelInfoOf(models.get(job.spec.deploySpec.model.name)),
  deployCondition: (job) => job.spec.deploySpec.trigger.condition,
  workerEnv: (job, request, { dataset, mounts }) => {
    const input = request.input ?? {};
    const inputModels = input.models ?? (input.model ? [input.model] : []);
    const env: Record<string, string> = {};
    if (request.workerType === 'train') {
      const base = inputModels[0];
      if (base) env.BASE_MODEL_URL = mounts.envValue(base.url);
      env.MODEL_URL = mounts.envValue(input.outputDir ?? joinUrl(job.spec.outputDir, 'train', String(request.round)), { writable: true });
      if (input.dataURL) env.TRAIN_DATASET_URL = mounts.envValue(input.dataURL);
      env.ORIGINAL_DATASET_URL = mounts.envValue(dataset.spec.url);
    } else if (request.workerType === 'eval') {
      env.MODEL_URLS = mounts.envValues(inputModels.map((m) => m.url));
      if (input.dataURL) env.TEST_DATASET_URL = mounts.envValue(input.dataURL);
      env.ORIGINAL_DATASET_URL = mounts.envValue(dataset.spec.url);
      env.MODEL_URL = mounts.envValue(joinUrl(job.spec.outputDir, 'eval', String(request.round)), { writable: true });
    } else {
      if (request.modelUrl) env.MODEL_URL = mounts.envValue(request.modelUrl);
      const hem = job.spec.deploySpec.hardExampleMining;
      if (hem) {
        env.HEM_NAME = hem.name;
        env.HEM_PARAMETERS = JSON.stringify(hem.parameters ?? []);
      }
      if (job.spec.deploySpec.model.hotUpdateEnabled) {
        env.MODEL_HOT_UPDATE = 'true';
        env.MODEL_POLL_PERIOD_SECONDS = String(job.spec.deploySpec.model.pollPeriodSeconds ?? 60);
      }
    }
    return env;
  },
};
