/** Objects shared by the controller's tests: a job, its Dataset and Models, conditions and pods. */
import type { Dataset, IncrementalLearningJob, JobCondition, Model, PodTemplateSpec } from '@sedna-ts/api-types';
import { makeCondition, type ConditionData } from '../src/jobs/conditions.js';
import type { ObservedPod } from '../src/jobs/observedPod.js';
import type { JobWorld } from '../src/jobs/stateMachine.js';

export const NOW = new Date('2025-06-01T12:00:00.000Z');
export const NODE = 'edge-1';

/** `NOW` shifted by `seconds` (negative: earlier), as RFC 3339. */
export function at(seconds: number): string {
  return new Date(NOW.getTime() + seconds * 1000).toISOString();
}

export function template(container: string, extra: Partial<PodTemplateSpec['spec']> = {}): PodTemplateSpec {
  return {
    spec: {
      containers: [{ name: container, image: 'sedna-ts/worker-node:0.1', args: [`${container}.mjs`], env: [{ name: 'epochs', value: '2' }] }],
      ...extra,
    },
  } as PodTemplateSpec;
}

export interface JobOptions {
  name?: string;
  namespace?: string;
  hot?: boolean;
  inference?: boolean;
  maxRounds?: number;
  annotations?: Record<string, string>;
  conditions?: JobCondition[];
  round?: number;
  status?: IncrementalLearningJob['status'];
  initialEvalModel?: string;
}

export function makeJob(options: JobOptions = {}): IncrementalLearningJob {
  const job: IncrementalLearningJob = {
    apiVersion: 'sedna.io/v1alpha1',
    kind: 'IncrementalLearningJob',
    metadata: { name: options.name ?? 'helmet', namespace: options.namespace ?? 'default', uid: 'uid-1', resourceVersion: '7' },
    spec: {
      dataset: { name: 'helmet-data', trainProb: 0.8 },
      initialModel: { name: 'initial-model' },
      outputDir: `/output/${options.name ?? 'helmet'}`,
      trainSpec: {
        template: template('train-worker'),
        trigger: { checkPeriodSeconds: 10, condition: { operator: '>', threshold: 100, metric: 'num_of_samples' } },
      },
      evalSpec: { template: template('eval-worker') },
      deploySpec: {
        model: { name: 'deploy-model', hotUpdateEnabled: options.hot ?? true, pollPeriodSeconds: 30 },
        trigger: { condition: { operator: '>', threshold: 0.1, metric: 'precision_delta' } },
        hardExampleMining: { name: 'IBT', parameters: [{ key: 'threshold_img', value: '0.9' }] },
      },
    },
  };
  if (options.inference !== false) job.spec.deploySpec.template = template('infer-worker');
  if (options.maxRounds !== undefined) job.spec.maxRounds = options.maxRounds;
  if (options.initialEvalModel) job.spec.evalSpec.initialEvalModel = { name: options.initialEvalModel };
  if (options.annotations) job.metadata.annotations = options.annotations;
  if (options.status) job.status = options.status;
  else if (options.conditions) {
    job.status = {
      startTime: at(-3600),
      round: options.round ?? 0,
      lastGoodModel: { format: 'onnx', url: '/models/deploy/model.onnx' },
      conditions: options.conditions,
      deployments: [{ round: 0, trainedIn: 0, decision: 'Initial', model: { format: 'onnx', url: '/models/deploy/model.onnx' }, since: at(-3600) }],
    };
  }
  return job;
}

export function makeDataset(name = 'helmet-data'): Dataset {
  return {
    apiVersion: 'sedna.io/v1alpha1',
    kind: 'Dataset',
    metadata: { name, namespace: 'default', uid: 'uid-ds' },
    spec: { url: '/data/helmet/index.txt', format: 'txt', nodeName: NODE },
  };
}

export function makeModel(name: string, url: string, format: string): Model {
  return { apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name, namespace: 'default' }, spec: { url, format } };
}

export function allModels(): Map<string, Model> {
  return new Map([
    ['initial-model', makeModel('initial-model', '/models/initial/model.json', 'tfjs')],
    ['deploy-model', makeModel('deploy-model', '/models/deploy/model.onnx', 'onnx')],
  ]);
}

/** A condition of `stage`/`type` in `round`, appended `secondsAgo` before NOW. */
export function cond(
  stage: JobCondition['stage'],
  type: JobCondition['type'],
  round: number,
  options: { ago?: number; reason?: string; message?: string; data?: ConditionData } = {},
): JobCondition {
  const spec = { stage, type, round, data: { attempt: 1, ...options.data } } as Parameters<typeof makeCondition>[0];
  if (options.reason) spec.reason = options.reason;
  if (options.message) spec.message = options.message;
  return makeCondition(spec, at(-(options.ago ?? 60)));
}

export function pod(overrides: Partial<ObservedPod> & Pick<ObservedPod, 'name' | 'workerType'>): ObservedPod {
  return { round: 1, attempt: 1, phase: 'Running', deleting: false, nodeName: NODE, ...overrides };
}

export function makeWorld(overrides: Partial<JobWorld> = {}): JobWorld {
  return {
    now: NOW,
    pods: [pod({ name: 'helmet-infer-aaaaa', workerType: 'inference', round: 0, attempt: 0 })],
    dataset: makeDataset(),
    models: allModels(),
    connectedNodes: new Set([NODE]),
    reports: [],
    nameSuffix: 'x7k2q',
    ...overrides,
  };
}

export const TRAIN_INPUT = {
  models: [{ format: 'tfjs', url: '/models/initial/model.json' }],
  dataURL: '/output/helmet/data/train/1/data.txt',
  outputDir: '/output/helmet/train/1',
};
export const EVAL_INPUT = {
  models: [
    { format: 'onnx', url: '/output/helmet/train/1/model.onnx' },
    { format: 'onnx', url: '/models/deploy/model.onnx' },
  ],
  dataURL: '/output/helmet/data/eval/1/data.txt',
};
export const DEPLOY_DECISION = {
  round: 1,
  decision: 'Deploy' as const,
  reason: 'precision_delta 0.15 > 0.1',
  metric: 'precision_delta',
  operator: '>' as const,
  threshold: 0.1,
  compared: { precision: 0.9, precision_delta: 0.15 },
  time: at(-30),
};
