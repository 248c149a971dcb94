/**
 * The stage environment of LifelongLearningJob workers beyond the shared one, with the original's names
 * (docs/design/lifelong-learning.md#worker-environment):
 * - every worker: `KB_SERVER` (the GM's `knowledgeBaseServer`), when one is configured;
 * - train: `OUTPUT_URL` (`<outputDir>/train/<round>`), `TRAIN_DATASET_URL`, `ORIGINAL_DATASET_URL`,
 *   `HAS_COMPLETED_INITIAL_TRAINING` and `CLOUD_KB_INDEX` (the last evaluated index, which the round updates);
 * - eval: `MODEL_URLS` (the index the train worker wrote), `OUTPUT_URL` (`<outputDir>/eval/<round>`),
 *   `TEST_DATASET_URL`, `ORIGINAL_DATASET_URL`;
 * - inference: `MODEL_URLS` (`<outputDir>/deploy/index.json`, which the LC writes at each deploy),
 *   `OUTPUT_URL` (`outputDir`), `MODEL_HOT_UPDATE=true` and `unseen_save_url` (the job's hard-example folder,
 *   where the LC counts and trims what is saved).
 */
import { HARD_EXAMPLES_MOUNT_PATH, KB_INDEX_FILE, type WorkerEnvValues } from '@sedna-ts/api-types/contract';
import { JobConditionType, JobStage, type LifelongLearningJob } from '@sedna-ts/api-types';
import { conditionData, conditionRound, findLastCondition } from '../../jobs/conditions.js';
import { joinUrl } from '../../jobs/hostPathMounts.js';
import type { KindSettings, WorkerEnvContext } from '../../jobs/jobPolicy.js';
import type { WorkerPodRequest } from '../../jobs/stateMachine.js';
import type { Credential, UrlUse } from '../../jobs/workerStorage.js';

/** The deployed index of a job: `<outputDir>/deploy/index.json`. */
export function deployedIndexUrl(job: LifelongLearningJob): string {
  return joinUrl(job.spec.outputDir, 'deploy', KB_INDEX_FILE);
}

/**
 * The index a round starts from: the output of the last completed eval before `round` (the index with
 * the eval's decisions; a round that failed after its training does not become the base). Undefined
 * before the first evaluated round: the train worker then trains from scratch.
 */
export function lastEvaluatedIndex(job: LifelongLearningJob, round: number): string | undefined {
  // The last evaluated index, unless a later rollback deployed an earlier one: then that one (its copy
  // the rollback round deployed), so the next round updates the KB the job serves.
  const evaluated = findLastCondition(
    job.status?.conditions ?? [],
    (c) =>
      conditionRound(c, 0) < round &&
      ((c.stage === JobStage.Eval && c.type === JobConditionType.Completed) ||
        (c.stage === JobStage.Deploy && c.type === JobConditionType.Ready && conditionData(c).decision?.decision === 'Rollback')),
  );
  if (evaluated?.stage === JobStage.Deploy) {
    const models = conditionData(evaluated).input?.models ?? [];
    return (models[1] ?? models[0])?.url;
  }
  const output = evaluated ? conditionData(evaluated).output : undefined;
  return output?.models?.[0]?.url ?? output?.model?.url;
}

function credential(secretName: string | undefined, usedBy: string): Credential | undefined {
  return secretName ? { secretName, usedBy } : undefined;
}

/** The env of a worker of `job` as `request` asks (see the module comment). */
export function lifelongLearningWorkerEnv(
  job: LifelongLearningJob,
  request: WorkerPodRequest,
  { dataset, storage }: WorkerEnvContext,
  settings: KindSettings,
): WorkerEnvValues {
  const namespace = job.metadata.namespace ?? 'default';
  const input = request.input ?? {};
  const jobCredential = credential(job.spec.credentialName, `LifelongLearningJob ${namespace}/${job.metadata.name ?? ''}`);
  const datasetCredential = credential(dataset.spec.credentialName, `Dataset ${namespace}/${dataset.metadata.name ?? ''}`);
  const outputDir = job.spec.outputDir.replace(/\/+$/, '');
  const dataUse = (url: string): UrlUse => ({ credential: url === outputDir || url.startsWith(`${outputDir}/`) ? jobCredential : datasetCredential });
  const originalDataset = (): string =>
    input.dataIndexURL
      ? storage.envValue(input.dataIndexURL, { indirect: true, credential: datasetCredential })
      : storage.envValue(dataset.spec.url, { credential: datasetCredential });
  const env: WorkerEnvValues = {};
  const kbServer = settings.knowledgeBaseServer;
  if (typeof kbServer === 'string' && kbServer !== '') env.KB_SERVER = kbServer;
  if (request.workerType === 'train') {
    env.OUTPUT_URL = storage.envValue(input.outputDir ?? joinUrl(job.spec.outputDir, 'train', String(request.round)), { writable: true, credential: jobCredential });
    if (input.dataURL) env.TRAIN_DATASET_URL = storage.envValue(input.dataURL, dataUse(input.dataURL));
    env.ORIGINAL_DATASET_URL = originalDataset();
    const base = lastEvaluatedIndex(job, request.round);
    env.HAS_COMPLETED_INITIAL_TRAINING = base ? 'true' : 'false';
    if (base) env.CLOUD_KB_INDEX = storage.envValue(base, { credential: jobCredential });
  } else if (request.workerType === 'eval') {
    const models = input.models ?? (input.model ? [input.model] : []);
    env.MODEL_URLS = storage.envValues(
      models.map((m) => m.url),
      () => ({ credential: jobCredential }),
    );
    env.OUTPUT_URL = storage.envValue(joinUrl(job.spec.outputDir, 'eval', String(request.round)), { writable: true, credential: jobCredential });
    if (input.dataURL) env.TEST_DATASET_URL = storage.envValue(input.dataURL, dataUse(input.dataURL));
    env.ORIGINAL_DATASET_URL = originalDataset();
  } else {
    env.MODEL_URLS = storage.envValue(deployedIndexUrl(job), { credential: jobCredential });
    env.OUTPUT_URL = storage.envValue(job.spec.outputDir, { credential: jobCredential });
    env.MODEL_HOT_UPDATE = 'true';
    env.unseen_save_url = HARD_EXAMPLES_MOUNT_PATH;
  }
  return env;
}
