/** Builders of the objects the GM sends the LC, with the status the GM would give them. */
import { mintWorkerToken, type WorkerRole } from '@sedna-ts/api-types/tokens';
import { type Dataset, type IncrementalCondData, type IncrementalLearningJob, type JobCondition, type Model } from '@sedna-ts/api-types';

export function dataset(name: string, url: string, nodeName: string, format = 'txt'): Dataset {
  return {
    apiVersion: 'sedna.io/v1alpha1',
    kind: 'Dataset',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { url, format, nodeName },
  };
}

export function model(name: string, url: string, format: string): Model {
  return { apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name, namespace: 'default', uid: `uid-${name}` }, spec: { url, format } };
}

const container = { name: 'w', image: 'sedna-ts/worker-node:0.1' };

export interface JobOptions {
  name?: string;
  dataset: string;
  outputDir: string;
  trainProb?: number;
  threshold?: number;
  deployMetric?: string;
  deployOperator?: '>' | '>=';
  deployThreshold?: number;
  inferenceWorker?: boolean;
  nodeName?: string;
  checkPeriodSeconds?: number;
}

export function job(options: JobOptions): IncrementalLearningJob {
  const name = options.name ?? 'helmet';
  const template = { spec: { nodeName: options.nodeName ?? 'edge-1', containers: [container] } };
  const result: IncrementalLearningJob = {
    apiVersion: 'sedna.io/v1alpha1',
    kind: 'IncrementalLearningJob',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      dataset: { name: options.dataset, trainProb: options.trainProb ?? 0.8 },
      initialModel: { name: 'initial-model' },
      trainSpec: {
        template,
        trigger: { checkPeriodSeconds: options.checkPeriodSeconds ?? 1, condition: { operator: '>=', threshold: options.threshold ?? 10, metric: 'num_of_samples' } },
      },
      evalSpec: { template },
      deploySpec: {
        model: { name: 'deploy-model', hotUpdateEnabled: true },
        trigger: { condition: { operator: options.deployOperator ?? '>', threshold: options.deployThreshold ?? 0.05, metric: options.deployMetric ?? 'precision_delta' } },
      },
      outputDir: options.outputDir,
    },
  };
  if (options.inferenceWorker) result.spec.deploySpec.template = template;
  return result;
}

const T = '2025-06-01T10:00:00Z';

export function condition(stage: 'Train' | 'Eval' | 'Deploy', type: JobCondition['type'], round: number, data: IncrementalCondData = {}, reason?: string): JobCondition {
  const c: JobCondition = { type, status: 'True', stage, round, lastHeartbeatTime: T, lastTransitionTime: T, data: JSON.stringify({ round, attempt: 1, ...data }) };
  if (reason) c.reason = reason;
  return c;
}

/** The job with these conditions appended and `status.round` set. */
export function withConditions(base: IncrementalLearningJob, round: number, conditions: JobCondition[], extra: Partial<NonNullable<IncrementalLearningJob['status']>> = {}): IncrementalLearningJob {
  return { ...base, status: { ...(base.status ?? {}), startTime: T, round, conditions: [...(base.status?.conditions ?? []), ...conditions], ...extra } };
}

/** The SEDNA_WORKER_TOKEN the GM gives pod `pod` of job `job` (default `helmet` in `default`) on node `node` (default `edge-1`). */
export function tokenOf(nodeToken: string, pod: string, role: WorkerRole, options: { job?: string; namespace?: string; node?: string; kind?: string } = {}): string {
  return mintWorkerToken(nodeToken, {
    namespace: options.namespace ?? 'default',
    kind: options.kind ?? 'incrementallearningjob',
    job: options.job ?? 'helmet',
    pod,
    node: options.node ?? 'edge-1',
    role,
  });
}
