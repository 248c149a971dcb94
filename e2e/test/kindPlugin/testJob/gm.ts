// The GM's side of TestLearningJob: a JobKind whose policy gives the shared state machine and pod
// builder the job's templates and Dataset, no Models, deploy by publishing (no inference worker), and
// records the end of each round as `status.lastRoundEnded`.
import type { WorkerEnvValues } from '@sedna-ts/api-types/contract';
import type { JobKind, JobPolicy } from '@sedna-ts/controller';
import { KIND, PLURAL, RESOURCE_KIND, validateTestLearningJob, type TestLearningJob } from './schema.js';

/** The policy of TestLearningJob. */
export const testLearningPolicy: JobPolicy<TestLearningJob> = {
  kind: KIND,
  resourceKind: RESOURCE_KIND,
  plural: PLURAL,
  datasetName: (job) => job.spec.dataset.name,
  modelNames: () => [],
  template: (job, workerType) => {
    if (workerType === 'train') return job.spec.trainSpec.template;
    if (workerType === 'eval') return job.spec.evalSpec.template;
    return undefined;
  },
  deployMode: () => 'publish',
  validate: validateTestLearningJob,
  maxRounds: () => undefined,
  initialStatus: () => undefined,
  servingModel: () => undefined,
  roundEnded: (_job, status, _conditions, round) => {
    status.lastRoundEnded = round;
  },
  credentialName: () => undefined,
  // LC_SERVER is the LC on the node's loopback, as for IncrementalLearningJob.
  hostNetwork: () => true,
  // The contract's names (WorkerEnvValues takes no others): MODEL_URL is where the worker writes, the
  // train worker reads the Dataset's index (ORIGINAL_DATASET_URL), the eval worker the trained model
  // (MODEL_URLS). Host paths go through `storage`, which mounts them.
  workerEnv: (job, request, { dataset, storage }) => {
    const env: WorkerEnvValues = { MODEL_URL: storage.envValue(`${job.spec.outputDir}/${request.workerType}/${request.round}`, { writable: true }) };
    if (request.workerType === 'train') env.ORIGINAL_DATASET_URL = storage.envValue(dataset.spec.url);
    const models = request.input?.models ?? [];
    if (request.workerType === 'eval') env.MODEL_URLS = storage.envValues(models.map((m) => m.url));
    return env;
  },
};

/** The TestLearningJob kind for `startGlobalManager({ kinds })`. */
export const testLearningJobKind: JobKind<TestLearningJob> = {
  kind: KIND,
  resourceKind: RESOURCE_KIND,
  plural: PLURAL,
  policy: () => testLearningPolicy,
};
