/**
 * The IncrementalLearningJob kind: train, eval and deploy rounds with a deploy gate on the LC, the
 * model served by one inference worker (hot, cold, or published without one), `lastGoodModel` and
 * `lastDecision` in status (docs/design/incremental-learning.md).
 */
import { formatIssue, validateDocument, type IncrementalLearningJob } from '@sedna-ts/api-types';
import type { JobKind, JobPolicy } from '../../jobs/jobPolicy.js';
import { incrementalLearningModelNames, incrementalLearningWorkerEnv } from './env.js';
import { initialStatus, recordRoundEnd } from './status.js';

/** The policy of IncrementalLearningJob. */
export const incrementalLearningPolicy: JobPolicy<IncrementalLearningJob> = {
  kind: 'IncrementalLearningJob',
  resourceKind: 'incrementallearningjob',
  plural: 'incrementallearningjobs',
  datasetName: (job) => job.spec.dataset.name,
  modelNames: incrementalLearningModelNames,
  template: (job, workerType) => {
    if (workerType === 'train') return job.spec.trainSpec.template;
    if (workerType === 'eval') return job.spec.evalSpec.template;
    return job.spec.deploySpec.template;
  },
  deployMode: (job) => {
    if (!job.spec.deploySpec.template) return 'publish';
    return job.spec.deploySpec.model.hotUpdateEnabled ? 'hot' : 'cold';
  },
  validate: (job) => {
    // A bad sedna.io/deadlines does not stop a job: the GM warns and keeps its own settings.
    const result = validateDocument(job, { annotations: false });
    return result.valid ? [] : result.issues.map(formatIssue);
  },
  maxRounds: (job) => job.spec.maxRounds,
  initialStatus,
  servingModel: (_job, status) => status.lastGoodModel,
  roundEnded: recordRoundEnd,
  outputDir: (job) => job.spec.outputDir,
  credentialName: (job) => job.spec.credentialName,
  // The original runs every IL worker with hostNetwork, so LC_SERVER on localhost reaches the node's LC.
  hostNetwork: () => true,
  workerEnv: incrementalLearningWorkerEnv,
};

/** The IncrementalLearningJob kind (it has no GM settings of its own). */
export const incrementalLearningJobKind: JobKind<IncrementalLearningJob> = {
  kind: incrementalLearningPolicy.kind,
  resourceKind: incrementalLearningPolicy.resourceKind,
  plural: incrementalLearningPolicy.plural,
  policy: () => incrementalLearningPolicy,
};
