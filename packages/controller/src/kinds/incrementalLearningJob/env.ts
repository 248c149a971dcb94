/**
 * The stage environment of IncrementalLearningJob workers beyond the shared one: the models and data
 * of the round, made available through `storage` with the credential that applies to each URL, and the
 * inference worker's hard-example and hot-update settings (docs/design/incremental-learning.md section 4).
 */
import type { IncrementalLearningJob } from '@sedna-ts/api-types';
import type { WorkerEnvValues } from '@sedna-ts/api-types/contract';
import { joinUrl } from '../../jobs/hostPathMounts.js';
import type { WorkerEnvContext } from '../../jobs/jobPolicy.js';
import type { WorkerPodRequest } from '../../jobs/stateMachine.js';
import type { Credential, UrlUse } from '../../jobs/workerStorage.js';

/** The Models an IncrementalLearningJob references: its initial, deploy and initial eval Models. */
export function incrementalLearningModelNames(job: IncrementalLearningJob): string[] {
  const names = [job.spec.initialModel.name, job.spec.deploySpec.model.name];
  if (job.spec.evalSpec.initialEvalModel) names.push(job.spec.evalSpec.initialEvalModel.name);
  return [...new Set(names)];
}

function credential(secretName: string | undefined, usedBy: string): Credential | undefined {
  return secretName ? { secretName, usedBy } : undefined;
}

/** Whether `url` is `folder` or inside it. */
function isUnder(url: string, folder: string): boolean {
  const base = folder.replace(/\/+$/, '');
  return url === base || url.startsWith(`${base}/`);
}

/** The env of a worker of `job` as `request` asks (see the module comment). */
export function incrementalLearningWorkerEnv(job: IncrementalLearningJob, request: WorkerPodRequest, { dataset, models, storage }: WorkerEnvContext): WorkerEnvValues {
  const namespace = job.metadata.namespace ?? 'default';
  const input = request.input ?? {};
  const inputModels = input.models ?? (input.model ? [input.model] : []);
  // Which Secret applies (docs/original/worker-contract.md#credentials): the Dataset's for its URL and index, the job's for what
  // it writes under outputDir (round files, trained models), each Model's for that Model's URL.
  const jobCredential = credential(job.spec.credentialName, `IncrementalLearningJob ${namespace}/${job.metadata.name ?? ''}`);
  const datasetCredential = credential(dataset.spec.credentialName, `Dataset ${namespace}/${dataset.metadata.name ?? ''}`);
  const modelUse = (url: string): UrlUse => {
    for (const name of incrementalLearningModelNames(job)) {
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
}
