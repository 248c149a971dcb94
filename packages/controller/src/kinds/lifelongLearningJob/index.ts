/**
 * The LifelongLearningJob kind: train, eval and deploy rounds on the shared state machine, with the
 * models kept in a knowledge base (docs/design/lifelong-learning.md). No deploy gate, as in the original:
 * the eval worker drops the task models that fail its threshold, and the LC deploys the merged index when
 * a task changed. The inference worker, started at the first deploy, takes each index hot and confirms
 * it by its `create_time`; one that does not is restarted once (state machine `deployConfirmMs`).
 */
import { formatIssue, validateDocument, type LifelongLearningJob } from '@sedna-ts/api-types';
import type { JobKind, JobPolicy, KindSettings } from '../../jobs/jobPolicy.js';
import { deployedIndexUrl, lifelongLearningWorkerEnv } from './env.js';
import { initialStatus, knowledgeBaseFromConditions, recordRoundEnd, recordStatistics } from './status.js';

/** The policy of LifelongLearningJob, given the GM's settings of the kind (`knowledgeBaseServer`). */
export function lifelongLearningPolicy(settings: KindSettings): JobPolicy<LifelongLearningJob> {
  return {
    kind: 'LifelongLearningJob',
    resourceKind: 'lifelonglearningjob',
    plural: 'lifelonglearningjobs',
    datasetName: (job) => job.spec.dataset.name,
    // A lifelong-learning job references no Model: its models are in the knowledge base.
    modelNames: () => [],
    template: (job, workerType) => {
      if (workerType === 'train') return job.spec.trainSpec.template;
      if (workerType === 'eval') return job.spec.evalSpec.template;
      return job.spec.deploySpec.template;
    },
    deployMode: () => 'hot',
    validate: (job) => {
      // A bad sedna.io/deadlines does not stop a job: the GM warns and keeps its own settings.
      const result = validateDocument(job, { annotations: false });
      return result.valid ? [] : result.issues.map(formatIssue);
    },
    maxRounds: (job) => job.spec.maxRounds,
    initialStatus,
    servingModel: (job, status) => (status.servingIndex ? { format: 'json', url: deployedIndexUrl(job), create_time: status.servingIndex.createTime } : undefined),
    servesBeforeDeploy: (_job, status) => status.servingIndex !== undefined,
    statusFromConditions: knowledgeBaseFromConditions,
    statistics: recordStatistics,
    // input [deployed (the fixed path the inference worker reads), the round's own copy]: the copy is what served.
    servedModel: (input) => input[1] ?? input[0],
    roundEnded: recordRoundEnd,
    outputDir: (job) => job.spec.outputDir,
    credentialName: (job) => job.spec.credentialName,
    // As the original: every worker in the node's network, so LC_SERVER on localhost reaches the node's LC.
    hostNetwork: () => true,
    workerEnv: (job, request, context) => lifelongLearningWorkerEnv(job, request, context, settings),
  };
}

/** The LifelongLearningJob kind; its GM settings: `knowledgeBaseServer` (KB_SERVER of its workers). */
export const lifelongLearningJobKind: JobKind<LifelongLearningJob> = {
  kind: 'LifelongLearningJob',
  resourceKind: 'lifelonglearningjob',
  plural: 'lifelonglearningjobs',
  policy: lifelongLearningPolicy,
};
