import type { V1Pod } from '@kubernetes/client-node';
import { EVAL_INPUT, NODE, TRAIN_INPUT, makeDataset, makeJob } from '../../test/fixtures.js';
import { volumeNameForPath } from './hostPathMounts.js';
import { incrementalLearningPolicy } from '../kinds/incrementalLearningJob/index.js';
import type { WorkerPodRequest } from './stateMachine.js';
import { nodeToken, verifyWorkerToken } from '@sedna-ts/api-types/tokens';
import { buildWorkerPod, buildWorkerTokenSecret, isWorkerTokenSecret, type LcInfo } from './workerPod.js';
import { WorkerStorage } from './workerStorage.js';

const lc: LcInfo = {
  nodeName: NODE,
  lcServer: 'http://127.0.0.1:9100',
  hotUpdateRoot: '/var/lib/sedna-ts/model-hot-update',
  hardExampleRoot: '/var/lib/sedna-ts/hard-examples',
};
const token = nodeToken('gm-secret', NODE);
const context = { dataset: makeDataset(), lc };

function env(pod: V1Pod, container = 0): Record<string, string> {
  return Object.fromEntries((pod.spec?.containers[container]?.env ?? []).filter((e) => !e.valueFrom).map((e) => [e.name, e.value ?? '']));
}

function request(overrides: Partial<WorkerPodRequest> & Pick<WorkerPodRequest, 'workerType' | 'name'>): WorkerPodRequest {
  return { round: 1, attempt: 1, nodeName: NODE, ...overrides };
}

test('a train pod: name, generateName, labels, owner, node, restartPolicy Never and the worker env', () => {
  const job = makeJob();
  const pod = buildWorkerPod(job, request({ workerType: 'train', name: 'helmet-train-x7k2q', round: 3, attempt: 2, input: TRAIN_INPUT }), incrementalLearningPolicy, context);
  expect(pod.metadata).toMatchObject({
    name: 'helmet-train-x7k2q',
    generateName: 'helmet-train-',
    namespace: 'default',
    labels: {
      'incrementallearningjob.sedna.io/name': 'helmet',
      'incrementallearningjob.sedna.io/uid': 'uid-1',
      'incrementallearningjob.sedna.io/worker-type': 'train',
      'sedna.io/round': '3',
      'sedna.io/attempt': '2',
    },
    ownerReferences: [{ apiVersion: 'sedna.io/v1alpha1', kind: 'IncrementalLearningJob', name: 'helmet', uid: 'uid-1', controller: true, blockOwnerDeletion: true }],
  });
  expect(pod.spec?.nodeName).toBe(NODE);
  expect(pod.spec?.restartPolicy).toBe('Never');
  expect(pod.spec?.initContainers).toBeUndefined();
  expect(env(pod)).toEqual({
    epochs: '2',
    NAMESPACE: 'default',
    JOB_NAME: 'helmet',
    WORKER_NAME: 'helmet-train-x7k2q',
    LC_SERVER: 'http://127.0.0.1:9100',
    BASE_MODEL_URL: '/home/data/models/initial/model.json',
    MODEL_URL: '/home/data/output/helmet/train/1',
    TRAIN_DATASET_URL: '/home/data/output/helmet/data/train/1/data.txt',
    ORIGINAL_DATASET_URL: '/home/data/data/helmet/index.txt',
    DATA_PATH_PREFIX: '/home/data',
  });
});

test("the worker token is not in the pod spec: SEDNA_WORKER_TOKEN comes from the pod's own Secret", () => {
  const job = makeJob();
  const req = request({ workerType: 'train', name: 'helmet-train-x7k2q', round: 3, attempt: 2, input: TRAIN_INPUT });
  const pod = buildWorkerPod(job, req, incrementalLearningPolicy, context);
  const secret = buildWorkerTokenSecret(job, req, incrementalLearningPolicy, token);
  const value = Buffer.from(secret.data?.token ?? '', 'base64').toString('utf8');
  expect(JSON.stringify(pod)).not.toContain(value);
  for (const container of pod.spec?.containers ?? []) {
    expect(container.env?.find((e) => e.name === 'SEDNA_WORKER_TOKEN')).toEqual({ name: 'SEDNA_WORKER_TOKEN', valueFrom: { secretKeyRef: { name: 'helmet-train-x7k2q', key: 'token' } } });
  }
  expect(secret.metadata).toEqual({
    name: 'helmet-train-x7k2q',
    namespace: 'default',
    labels: { 'incrementallearningjob.sedna.io/name': 'helmet', 'incrementallearningjob.sedna.io/uid': 'uid-1', 'sedna.io/worker-token': 'true' },
    ownerReferences: [{ apiVersion: 'sedna.io/v1alpha1', kind: 'IncrementalLearningJob', name: 'helmet', uid: 'uid-1', controller: false, blockOwnerDeletion: true }],
  });
  // The token names the job, the pod, its node and its role, and only this node's token makes it.
  expect(verifyWorkerToken(token, value)).toEqual({
    ok: true,
    claims: { namespace: 'default', kind: 'incrementallearningjob', job: 'helmet', pod: 'helmet-train-x7k2q', node: NODE, role: 'train' },
  });
  expect(verifyWorkerToken(nodeToken('gm-secret', 'edge-other'), value).ok).toBe(false);
  expect(isWorkerTokenSecret(secret, 'uid-1')).toBe(true);
  expect(isWorkerTokenSecret(secret, 'uid-2')).toBe(false);
  expect(isWorkerTokenSecret({ ...secret, metadata: { ...secret.metadata, labels: {} } }, 'uid-1')).toBe(false);
});

test('host paths: the parent folder is a hostPath volume mounted under /home/data in every container', () => {
  const job = makeJob();
  job.spec.trainSpec.template.spec!.containers.push({ name: 'sidecar', image: 'busybox' });
  const pod = buildWorkerPod(job, request({ workerType: 'train', name: 'helmet-train-x7k2q', input: TRAIN_INPUT }), incrementalLearningPolicy, context);
  expect(pod.spec?.volumes).toEqual([
    { name: 'models-initial', hostPath: { path: '/models/initial', type: 'Directory' } },
    { name: 'output-helmet-train', hostPath: { path: '/output/helmet/train', type: 'DirectoryOrCreate' } },
    { name: 'output-helmet-data-train-1', hostPath: { path: '/output/helmet/data/train/1', type: 'Directory' } },
    { name: 'data-helmet', hostPath: { path: '/data/helmet', type: 'Directory' } },
  ]);
  for (const container of pod.spec?.containers ?? []) {
    expect(container.volumeMounts?.map((m) => `${m.name}:${m.mountPath}`)).toEqual([
      'models-initial:/home/data/models/initial',
      'output-helmet-train:/home/data/output/helmet/train',
      'output-helmet-data-train-1:/home/data/output/helmet/data/train/1',
      'data-helmet:/home/data/data/helmet',
    ]);
  }
  expect(env(pod, 1).WORKER_NAME).toBe('helmet-train-x7k2q');
});

test('an eval pod: MODEL_URLS joined with ";" (new model first), TEST_DATASET_URL, its own MODEL_URL', () => {
  const pod = buildWorkerPod(makeJob(), request({ workerType: 'eval', name: 'helmet-eval-abcde', input: EVAL_INPUT }), incrementalLearningPolicy, context);
  expect(env(pod)).toMatchObject({
    MODEL_URLS: '/home/data/output/helmet/train/1/model.onnx;/home/data/models/deploy/model.onnx',
    TEST_DATASET_URL: '/home/data/output/helmet/data/eval/1/data.txt',
    ORIGINAL_DATASET_URL: '/home/data/data/helmet/index.txt',
    MODEL_URL: '/home/data/output/helmet/eval/1',
  });
  expect(pod.spec?.restartPolicy).toBe('Never');
});

test('an inference pod with hot update: MODEL_URL, HEM, the hot-update and hard-example folders of the job', () => {
  const pod = buildWorkerPod(makeJob(), request({ workerType: 'inference', name: 'helmet-infer-abcde', round: 0, attempt: 0, modelUrl: '/models/deploy/model.onnx' }), incrementalLearningPolicy, context);
  expect(pod.metadata?.generateName).toBe('helmet-infer-');
  expect(pod.metadata?.labels?.['incrementallearningjob.sedna.io/worker-type']).toBe('inference');
  expect(pod.spec?.restartPolicy).toBe('Always');
  expect(env(pod)).toMatchObject({
    MODEL_URL: '/home/data/models/deploy/model.onnx',
    HEM_NAME: 'IBT',
    HEM_PARAMETERS: '[{"key":"threshold_img","value":"0.9"}]',
    MODEL_HOT_UPDATE: 'true',
    MODEL_POLL_PERIOD_SECONDS: '30',
    MODEL_HOT_UPDATE_CONFIG: '/model-hot-update/model_config.json',
    HE_SAVED_URL: '/sedna/hard-examples',
    SEDNA_REPORT_SPOOL_DIR: '/sedna/report-spool',
  });
  expect(pod.spec?.volumes).toEqual(
    expect.arrayContaining([
      { name: 'sedna-report-spool', emptyDir: {} },
      { name: 'sedna-model-hot-update-volume', hostPath: { path: '/var/lib/sedna-ts/model-hot-update/default/incrementallearningjob/helmet', type: 'DirectoryOrCreate' } },
      { name: 'sedna-hard-examples-volume', hostPath: { path: '/var/lib/sedna-ts/hard-examples/default/incrementallearningjob/helmet', type: 'DirectoryOrCreate' } },
    ]),
  );
  expect(pod.spec?.containers[0]?.volumeMounts).toEqual(
    expect.arrayContaining([
      { name: 'sedna-model-hot-update-volume', mountPath: '/model-hot-update' },
      { name: 'sedna-hard-examples-volume', mountPath: '/sedna/hard-examples' },
      { name: 'sedna-report-spool', mountPath: '/sedna/report-spool' },
    ]),
  );
});

test("a template's own HE_SAVED_URL and its volume are kept (the original's helmet example): no hard-example folder of ours", () => {
  const job = makeJob();
  const t = job.spec.deploySpec.template!;
  t.spec!.volumes = [{ name: 'hesavedurl', hostPath: { path: '/data/helmet/he', type: 'DirectoryOrCreate' } }];
  t.spec!.containers[0]!.volumeMounts = [{ name: 'hesavedurl', mountPath: '/he_saved_url' }];
  t.spec!.containers[0]!.env = [{ name: 'HE_SAVED_URL', value: '/he_saved_url' }];
  const pod = buildWorkerPod(job, request({ workerType: 'inference', name: 'helmet-infer-abcde', modelUrl: '/models/deploy/model.onnx' }), incrementalLearningPolicy, context);
  expect(env(pod).HE_SAVED_URL).toBe('/he_saved_url');
  expect(pod.spec?.containers[0]?.env?.filter((e) => e.name === 'HE_SAVED_URL')).toHaveLength(1);
  expect(pod.spec?.volumes?.map((v) => v.name)).not.toContain('sedna-hard-examples-volume');
  expect(pod.spec?.volumes).toContainEqual({ name: 'hesavedurl', hostPath: { path: '/data/helmet/he', type: 'DirectoryOrCreate' } });
  expect(pod.spec?.containers[0]?.volumeMounts).toContainEqual({ name: 'hesavedurl', mountPath: '/he_saved_url' });
  expect(env(pod).MODEL_HOT_UPDATE_CONFIG).toBe('/model-hot-update/model_config.json');
});

test('a cold inference pod has no hot-update folder; an LC without roots gets the original hot-update root', () => {
  const cold = buildWorkerPod(makeJob({ hot: false }), request({ workerType: 'inference', name: 'helmet-infer-abcde', modelUrl: '/output/helmet/train/1/model.onnx' }), incrementalLearningPolicy, context);
  expect(env(cold).MODEL_HOT_UPDATE_CONFIG).toBeUndefined();
  expect(env(cold).MODEL_URL).toBe('/home/data/output/helmet/train/1/model.onnx');
  const bare = buildWorkerPod(makeJob(), request({ workerType: 'inference', name: 'helmet-infer-abcde' }), incrementalLearningPolicy, { ...context, lc: { nodeName: NODE, lcServer: 'http://x:9100' } });
  expect(bare.spec?.volumes?.find((v) => v.name === 'sedna-model-hot-update-volume')?.hostPath?.path).toBe('/var/lib/sedna/model-hot-update/default/incrementallearningjob/helmet');
  expect(env(bare).HE_SAVED_URL).toBeUndefined();
});

test('the template keeps its own volumes, mounts, labels and restartPolicy of the inference worker; our env wins over a same-named user value', () => {
  const job = makeJob();
  const t = job.spec.deploySpec.template!;
  t.metadata = { labels: { app: 'helmet' }, annotations: { team: 'edge' } };
  t.spec!.restartPolicy = 'OnFailure';
  t.spec!.volumes = [{ name: 'models-deploy', hostPath: { path: '/frames' } }];
  t.spec!.containers[0]!.volumeMounts = [{ name: 'models-deploy', mountPath: '/frames' }];
  t.spec!.containers[0]!.env = [{ name: 'MODEL_URL', value: 'mine' }, { name: 'input_shape', value: '128,128' }];
  const pod = buildWorkerPod(job, request({ workerType: 'inference', name: 'helmet-infer-abcde', modelUrl: '/models/deploy/model.onnx' }), incrementalLearningPolicy, context);
  expect(pod.metadata?.labels?.app).toBe('helmet');
  expect(pod.metadata?.annotations).toEqual({ team: 'edge' });
  expect(pod.spec?.restartPolicy).toBe('OnFailure');
  const names = pod.spec?.volumes?.map((v) => v.name) ?? [];
  expect(names[0]).toBe('models-deploy');
  expect(names).toContain('models-deploy-2');
  const containerEnv = pod.spec?.containers[0]?.env ?? [];
  expect(containerEnv.filter((e) => e.name === 'MODEL_URL')).toEqual([{ name: 'MODEL_URL', value: '/home/data/models/deploy/model.onnx' }]);
  expect(containerEnv[0]).toEqual({ name: 'input_shape', value: '128,128' });
  // The template object itself is not modified.
  expect(t.spec!.containers[0]!.env).toHaveLength(2);
});

test('a long job name is cut so the generated name stays within 63 characters', () => {
  const job = makeJob({ name: 'a'.repeat(60) });
  const pod = buildWorkerPod(job, request({ workerType: 'train', name: `${'a'.repeat(58)}x7k2q`, input: TRAIN_INPUT }), incrementalLearningPolicy, context);
  expect(pod.metadata?.generateName).toHaveLength(58);
});

test('volume names follow the original: lower case, [a-z0-9-], 63 characters at most, no trailing dash', () => {
  expect(volumeNameForPath('/Data/My_Set')).toBe('data-my-set');
  expect(volumeNameForPath(`/${'x'.repeat(62)}/`)).toBe('x'.repeat(62) + 'z');
  expect(volumeNameForPath('/')).toBe('root');
  const storage = new WorkerStorage();
  expect(storage.envValue('/a/b/c.txt')).toBe('/home/data/a/b/c.txt');
  expect(storage.envValue('/a/b/d.txt', { writable: true })).toBe('/home/data/a/b/d.txt');
  expect(storage.volumes()).toEqual([{ name: 'a-b', hostPath: { path: '/a/b', type: 'DirectoryOrCreate' } }]);
});
