import { FRAMEWORK_IMAGES, NODE_WORKER_IMAGE, PYTHON_WORKER_IMAGE } from './frameworks.js';
import { isLegacyObject, normalizeLegacyIncrementalLearningJob, workerSpecToPodTemplate } from './legacy.js';
import { normalizeLegacyObject } from './normalize.js';
import type { LegacyIncrementalLearningJob } from './schemas/legacy.js';
import { ApiTypesError } from './errors.js';
import { validateDocument } from './validate.js';

const trigger = { condition: { operator: '>' as const, threshold: 1, metric: 'num_of_samples' } };
const legacy: LegacyIncrementalLearningJob = {
  apiVersion: 'edgeai.io/v1alpha1',
  kind: 'IncrementalLearningJob',
  metadata: { name: 'j', namespace: 'factory' },
  spec: {
    dataset: { name: 'd', trainProb: 0.5 },
    nodeName: 'edge1',
    outputDir: '/out',
    initialModel: { name: 'm0' },
    trainSpec: {
      workerSpec: { scriptDir: '/w', scriptBootFile: 'train.mjs', frameworkType: 'tfjs', parameters: [{ key: 'epochs', value: '2' }] },
      trigger,
    },
    evalSpec: { workerSpec: { scriptDir: '/w', scriptBootFile: 'eval.py', frameworkType: 'pytorch' } },
    deploySpec: {
      model: { name: 'm1', hotUpdateEnabled: true },
      trigger,
      hardExampleMining: { name: 'IBT' },
      workerSpec: { scriptDir: '/w', scriptBootFile: 'infer.mjs', frameworkType: 'onnx' },
    },
    maxRounds: 3,
  },
};

test('a worker becomes one container running scriptBootFile in scriptDir on the job node', () => {
  expect(workerSpecToPodTemplate(legacy.spec.trainSpec.workerSpec, 'train-worker', 'edge1')).toEqual({
    metadata: { annotations: { 'sedna.io/framework-type': 'tfjs' } },
    spec: {
      nodeName: 'edge1',
      containers: [
        {
          name: 'train-worker',
          image: NODE_WORKER_IMAGE,
          imagePullPolicy: 'IfNotPresent',
          workingDir: '/w',
          args: ['train.mjs'],
          env: [{ name: 'epochs', value: '2' }],
        },
      ],
    },
  });
});

test('the image follows frameworkType: Node.js for tfjs/onnx/tensorflow, Python for pytorch', () => {
  const job = normalizeLegacyIncrementalLearningJob(legacy);
  expect(job.spec.trainSpec.template.spec?.containers[0]?.image).toBe(NODE_WORKER_IMAGE);
  expect(job.spec.evalSpec.template.spec?.containers[0]?.image).toBe(PYTHON_WORKER_IMAGE);
  expect(job.spec.deploySpec.template?.spec?.containers[0]?.image).toBe(NODE_WORKER_IMAGE);
  expect(FRAMEWORK_IMAGES.tensorflow).toBe(NODE_WORKER_IMAGE);
});

test('a deploy workerSpec becomes the inference template; every other field is kept', () => {
  const job = normalizeLegacyIncrementalLearningJob(legacy);
  expect(job.apiVersion).toBe('sedna.io/v1alpha1');
  expect(job.metadata).toEqual({ name: 'j', namespace: 'factory' });
  expect(job.spec.deploySpec.template?.spec?.containers[0]).toMatchObject({ name: 'infer-worker', args: ['infer.mjs'] });
  expect(job.spec.deploySpec).toMatchObject({ model: { name: 'm1', hotUpdateEnabled: true }, hardExampleMining: { name: 'IBT' } });
  expect(job.spec).toMatchObject({ maxRounds: 3, outputDir: '/out', dataset: { name: 'd', trainProb: 0.5 } });
  expect(JSON.stringify(job)).not.toMatch(/workerSpec|"nodeName":"edge1".*"nodeName":"edge1".*"nodeName":"edge1".*"nodeName":"edge1"/);
  expect(validateDocument(job).valid).toBe(true);
});

test('normalisation is pure: the input is unchanged and shares nothing with the output', () => {
  const input = structuredClone(legacy);
  const out = normalizeLegacyIncrementalLearningJob(input);
  expect(input).toEqual(legacy);
  out.spec.dataset.name = 'changed';
  out.metadata.name = 'changed';
  expect(input).toEqual(legacy);
});

test('a job without a node gets templates without nodeName', () => {
  const { nodeName: _, ...spec } = legacy.spec;
  const job = normalizeLegacyIncrementalLearningJob({ ...legacy, spec });
  expect(job.spec.trainSpec.template.spec?.nodeName).toBeUndefined();
});

test('normalizeLegacyObject: other kinds only change apiVersion; sedna.io documents pass through untouched', () => {
  const dataset = { apiVersion: 'edgeai.io/v1alpha1', kind: 'Dataset', metadata: { name: 'd' }, spec: { url: '/d.txt', format: 'txt', nodeName: 'n' } };
  expect(normalizeLegacyObject(dataset)).toEqual({ ...dataset, apiVersion: 'sedna.io/v1alpha1' });
  const modern = { apiVersion: 'sedna.io/v1alpha1', kind: 'Model' };
  expect(normalizeLegacyObject(modern)).toBe(modern);
  expect(isLegacyObject(dataset)).toBe(true);
  expect(isLegacyObject(modern)).toBe(false);
});

test('normalizeLegacyObject refuses an invalid document of the older form with its issues', () => {
  const broken = structuredClone(legacy) as unknown as { spec: { trainSpec: Record<string, unknown> } };
  delete broken.spec.trainSpec.workerSpec;
  let error: unknown;
  try {
    normalizeLegacyObject(broken);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ApiTypesError);
  expect((error as ApiTypesError).code).toBe('INVALID_OBJECT');
  expect((error as ApiTypesError).message).toBe('IncrementalLearningJob factory/j: spec.trainSpec.workerSpec: is required');
});

test('a document nested past 500 levels is refused naming where, even in the older form (its copy overflowed the stack)', () => {
  // Found by the fault suite's mutated documents: `edgeai.io/v1alpha1` on a Dataset with a value nested
  // 10,000 deep gave an `internal` issue, "Maximum call stack size exceeded", naming no field.
  let deep: unknown = 'x';
  for (let i = 0; i < 10_000; i++) deep = i % 2 ? [deep] : { a: deep };
  const result = validateDocument({ apiVersion: 'edgeai.io/v1alpha1', kind: 'Dataset', metadata: { name: 'd' }, spec: { url: deep, format: 'txt', nodeName: 'n' } });
  expect(result.valid).toBe(false);
  expect(result.issues).toEqual([expect.objectContaining({ code: 'too-large', path: 'spec.url[0].a[0].a[0].a', message: 'nests deeper than 500 levels' })]);
});
