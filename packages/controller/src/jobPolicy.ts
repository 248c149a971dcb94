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
import type { WorkerEnvValues } from '@sedna-ts/api-types/contract';
import { joinUrl } from './hostPathMounts.js';
import type { WorkerType } from './observedPod.js';
import type { WorkerPodRequest } from './stateMachine.js';
import type { Credential, UrlUse, WorkerStorage } from './workerStorage.js';

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
  /** `spec.maxRounds`, or undefined for rounds without end. */
  maxRounds(job: J): number | undefined;
  /** The model the inference worker serves before any round deploys (the start of `lastGoodModel`). */
  initialServingModel(job: J, models: ReadonlyMap<string, Model>): ModelInfo | undefined;
  /** The deploy trigger's condition (recorded in `lastDecision` when the LC did not send a decision). */
  deployCondition(job: J): TriggerCondition | undefined;
  /** `spec.credentialName`: the Secret for the job's outputs and the models it trained. */
  credentialName(job: J): string | undefined;
  /** Whether the worker runs in the node's network namespace (the original's `hostNetwork`). */
  hostNetwork(workerType: WorkerType): boolean;
  /**
   * The stage env of a worker beyond the shared ones (NAMESPACE, JOB_NAME, WORKER_NAME, LC_SERVER,
   * SEDNA_WORKER_TOKEN): model and dataset URLs, made available through `storage` with the credential
   * that applies to each, and the kind's own settings.
   */
  workerEnv(job: J, request: WorkerPodRequest, context: WorkerEnvContext): WorkerEnvValues;
}

function credential(secretName: string | undefined, usedBy: string): Credential | undefined {
  return secretName ? { secretName, usedBy } : undefined;
}

/** Whether `url` is `folder` or inside it. */
function isUnder(url: string, folder: string): boolean {
  const base = folder.replace(/\/+$/, '');
  return url === base || url.startsWith(`${base}/`);
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
  credentialName: (job) => job.spec.credentialName,
  // The original runs every IL worker with hostNetwork, so LC_SERVER on localhost reaches the node's LC.
  hostNetwork: () => true,
  workerEnv: (job, request, { dataset, models, storage }) => {
    const namespace = job.metadata.namespace ?? 'default';
    const input = request.input ?? {};
    const inputModels = input.models ?? (input.model ? [input.model] : []);
    // Which Secret applies (docs/original/worker-contract.md#credentials): the Dataset's for its URL and index, the job's for what
    // it writes under outputDir (round files, trained models), each Model's for that Model's URL.
    const jobCredential = credential(job.spec.credentialName, `IncrementalLearningJob ${namespace}/${job.metadata.name ?? ''}`);
    const datasetCredential = credential(dataset.spec.credentialName, `Dataset ${namespace}/${dataset.metadata.name ?? ''}`);
    const modelUse = (url: string): UrlUse => {
      for (const name of incrementalLearningPolicy.modelNames(job)) {
        const model = models.get(name);
        if (model?.spec.url === url) return { credential: credential(model.spec.credentialName, `Model ${namespace}/${name}`) };
      }
      return { credential: jobCredential };
    };
    const dataUse = (url: string): UrlUse => ({ credential: isUnder(url, job.spec.outputDir) ? jobCredential : datasetCredential });
    // An original LC hands over the index of a remote dataset it fetched (dataIndexURL): the init
    // container reads it and fetches what it lists (indirect), as the original (sedna issue #35).
    const originalDataset = (): string =>
      input.dataIndexURL
        ? storage.envValue(input.dataIndexURL, { indirect: true, credential: datasetCredential })
        : storage.envValue(dataset.spec.url, { credential: datasetCredential });
    const output = (stage: 'train' | 'eval'): string => joinUrl(job.spec.outputDir, stage, String(request.round));
    const env: WorkerEnvValues = {};
    if (request.workerType === 'train') {
      const base = inputModels[0];
      if (base) env.BASE_MODEL_URL = storage.envValue(base.url, modelUse(base.url));
      env.MODEL_URL = storage.envValue(input.outputDir ?? output('train'), { writable: true, credential: jobCredential });
      if (input.dataURL) env.TRAIN_DATASET_URL = storage.envValue(input.dataURL, dataUse(input.dataURL));
      env.ORIGINAL_DATASET_URL = originalDataset();
    } else if (request.workerType === 'eval') {
      env.MODEL_URLS = storage.envValues(
        inputModels.map((m) => m.url),
        modelUse,
      );
      if (input.dataURL) env.TEST_DATASET_URL = storage.envValue(input.dataURL, dataUse(input.dataURL));
      env.ORIGINAL_DATASET_URL = originalDataset();
      env.MODEL_URL = storage.envValue(output('eval'), { writable: true, credential: jobCredential });
    } else {
      if (request.modelUrl) env.MODEL_URL = storage.envValue(request.modelUrl, modelUse(request.modelUrl));
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
