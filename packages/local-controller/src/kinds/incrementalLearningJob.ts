/**
 * The IncrementalLearningJob kind on the LC: the job manager of jobManager.ts (pools, triggers, round
 * files, the deploy gate, hot-update publishing), its state under `<dataDir>/jobs/<namespace>/<name>`
 * (the layout of the first release, kept so a data dir carries over), and an inference worker on the
 * node its deploy template names (else the Dataset's) when it has a deploy template.
 */
import { join } from 'node:path';
import { formatIssue, validateDocument, type IncrementalLearningJob } from '@sedna-ts/api-types';
import type { LcJobKind } from '../jobs/jobKind.js';
import { JobManager } from '../jobs/jobManager.js';
import { routeReport } from '../workers/workerReport.js';

const RESOURCE_KIND = 'incrementallearningjob';

/** See the module comment. */
export const incrementalLearningJobLcKind: LcJobKind<IncrementalLearningJob> = {
  kind: 'IncrementalLearningJob',
  resourceKind: RESOURCE_KIND,
  validate: (job) => {
    // A bad sedna.io/deadlines does not stop a job: the GM warns and keeps its own settings.
    const result = validateDocument(job, { annotations: false });
    return result.valid ? [] : result.issues.map(formatIssue);
  },
  datasetName: (job) => job.spec.dataset.name,
  inferenceNode: (job, dataset) => {
    const template = job.spec.deploySpec.template;
    if (!template) return undefined;
    return (template.spec as { nodeName?: string } | undefined)?.nodeName ?? dataset?.spec.nodeName;
  },
  stateDir: (dataDir, namespace, name) => join(dataDir, 'jobs', namespace, name),
  createManager: (options) => new JobManager(options),
  routeReport: (job, report) => routeReport(job, report, RESOURCE_KIND),
};
