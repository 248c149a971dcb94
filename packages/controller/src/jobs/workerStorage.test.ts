import type { V1Container, V1Pod, V1Secret } from '@kubernetes/client-node';
import type { Dataset, IncrementalLearningJob, Model } from '@sedna-ts/api-types';
import { NODE, makeDataset, makeJob, makeModel } from '../../test/fixtures.js';
import { ControllerError } from '../errors.js';
import { incrementalLearningPolicy } from '../kinds/incrementalLearningJob/index.js';
import type { WorkerPodRequest } from './stateMachine.js';
import { buildWorkerPod, DEFAULT_WORKER_POD_SETTINGS, type LcInfo, type WorkerPodContext } from './workerPod.js';
import { credentialEnv, WorkerStorage } from './workerStorage.js';

const lc: LcInfo = { nodeName: NODE, lcServer: 'http://127.0.0.1:9100' };
const ACCESS = 'AKIA-very-secret-id';
const SECRET = 'wJalr-very-secret-key';

function secret(name: string, annotations: Record<string, string> = { 's3-endpoint': 'minio.local:9000' }, keys: string[] = ['ACCESS_KEY_ID', 'SECRET_ACCESS_KEY']): V1Secret {
  const values: Record<string, string> = { ACCESS_KEY_ID: ACCESS, SECRET_ACCESS_KEY: SECRET };
  return {
    metadata: { name, namespace: 'default', annotations },
    data: Object.fromEntries(keys.map((k) => [k, Buffer.from(values[k] ?? '').toString('base64')])),
  };
}

/** A job whose dataset, models and outputs are all on S3, each with its own Secret. */
function s3World(): { job: IncrementalLearningJob; dataset: Dataset; models: Map<string, Model>; secrets: Map<string, V1Secret> } {
  const job = makeJob();
  job.spec.outputDir = 's3://outputs/helmet';
  job.spec.credentialName = 'job-s3';
  const dataset = makeDataset();
  dataset.spec.url = 's3://datasets/helmet/index.txt';
  dataset.spec.credentialName = 'dataset-s3';
  const initial = makeModel('initial-model', 's3://models/initial/model.json', 'tfjs');
  initial.spec.credentialName = 'model-s3';
  const deploy = makeModel('deploy-model', 'https://models.example.com:8443/deploy/model.onnx', 'onnx');
  return {
    job,
    dataset,
    models: new Map([
      ['initial-model', initial],
      ['deploy-model', deploy],
    ]),
    secrets: new Map([
      ['job-s3', secret('job-s3', { 's3-endpoint': 'minio.local:9000', 's3-usehttps': '0' })],
      ['dataset-s3', secret('dataset-s3')],
      ['model-s3', secret('model-s3', { 's3-endpoint': 'https://models-s3.example.com' })],
    ]),
  };
}

function build(job: IncrementalLearningJob, request: Partial<WorkerPodRequest> & Pick<WorkerPodRequest, 'workerType'>, context: Partial<WorkerPodContext>): V1Pod {
  const full: WorkerPodRequest = { round: 1, attempt: 1, nodeName: NODE, name: `helmet-${request.workerType}-abcde`, ...request };
  return buildWorkerPod(job, full, incrementalLearningPolicy, { dataset: makeDataset(), lc, ...context });
}

function envOf(container: V1Container | undefined): Record<string, unknown> {
  return Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
}

const keyRefs = (name: string): Record<string, unknown> => ({
  ACCESS_KEY_ID: { secretKeyRef: { name, key: 'ACCESS_KEY_ID' } },
  SECRET_ACCESS_KEY: { secretKeyRef: { name, key: 'SECRET_ACCESS_KEY' } },
});

describe('remote inputs and outputs of a train pod', () => {
  const world = s3World();
  const input = { models: [{ format: 'tfjs', url: 's3://models/initial/model.json' }], dataURL: 's3://outputs/helmet/data/train/1/data.txt', outputDir: 's3://outputs/helmet/train/1' };
  const pod = build(world.job, { workerType: 'train', input }, world);
  const worker = pod.spec?.containers[0];
  const inits = pod.spec?.initContainers ?? [];

  test('inputs are fetched into /downloads/<host><path> and the workers read them there; the output stays an S3 URL', () => {
    expect(envOf(worker)).toMatchObject({
      BASE_MODEL_URL: '/downloads/models/initial/model.json',
      TRAIN_DATASET_URL: '/downloads/outputs/helmet/data/train/1/data.txt',
      ORIGINAL_DATASET_URL: '/downloads/datasets/helmet/index.txt',
      MODEL_URL: 's3://outputs/helmet/train/1',
    });
    expect(envOf(worker).DATA_PATH_PREFIX).toBeUndefined();
  });

  test('the writing worker gets the S3 settings of the job Secret, keys by secretKeyRef', () => {
    expect(envOf(worker)).toMatchObject({ S3_ENDPOINT_URL: 'http://minio.local:9000', ...keyRefs('job-s3') });
  });

  test('one init container per Secret, each with its downloads as [src, dst] pairs and that Secret\'s settings', () => {
    expect(inits.map((c) => c.name)).toEqual(['storage-initializer', 'storage-initializer-2', 'storage-initializer-3']);
    expect(inits.map((c) => c.args)).toEqual([
      ['s3://models/initial/model.json', '/downloads/models/initial'],
      ['s3://outputs/helmet/data/train/1/data.txt', '/downloads/outputs/helmet/data/train/1'],
      ['s3://datasets/helmet/index.txt', '/downloads/datasets/helmet'],
    ]);
    expect(envOf(inits[0])).toEqual({ S3_ENDPOINT_URL: 'https://models-s3.example.com', ...keyRefs('model-s3'), INDIRECT_URL_MARK: '@' });
    expect(envOf(inits[1])).toEqual({ S3_ENDPOINT_URL: 'http://minio.local:9000', ...keyRefs('job-s3'), INDIRECT_URL_MARK: '@' });
    expect(envOf(inits[2])).toEqual({ S3_ENDPOINT_URL: 'https://minio.local:9000', ...keyRefs('dataset-s3'), INDIRECT_URL_MARK: '@' });
  });

  test('the init container is the original\'s: image from the settings, IfNotPresent, cpu 1 / 1Gi, logs as termination message', () => {
    expect(inits[0]).toMatchObject({
      image: 'sedna-ts/storage-initializer:0.1',
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePolicy: 'FallbackToLogsOnError',
      resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
    });
  });

  test('the emptyDir is read-write at /downloads in the init containers and read-only in every worker container', () => {
    expect(pod.spec?.volumes).toContainEqual({ name: 'sedna-storage-initializer', emptyDir: {} });
    for (const init of inits) expect(init.volumeMounts).toEqual([{ name: 'sedna-storage-initializer', mountPath: '/downloads' }]);
    expect(worker?.volumeMounts).toEqual([{ name: 'sedna-storage-initializer', mountPath: '/downloads', readOnly: true }]);
  });

  test('no credential value appears anywhere in the pod', () => {
    const text = JSON.stringify(pod);
    for (const value of [ACCESS, SECRET, Buffer.from(ACCESS).toString('base64'), Buffer.from(SECRET).toString('base64')]) expect(text).not.toContain(value);
  });
});

test('eval: each model URL with its own Secret (a trained one with the job\'s), http(s) fetched without credentials', () => {
  const world = s3World();
  const input = {
    models: [
      { format: 'onnx', url: 's3://outputs/helmet/train/1/model.onnx' },
      { format: 'onnx', url: 'https://models.example.com:8443/deploy/model.onnx' },
    ],
    dataURL: 's3://outputs/helmet/data/eval/1/data.txt',
  };
  const pod = build(world.job, { workerType: 'eval', input }, world);
  expect(envOf(pod.spec?.containers[0])).toMatchObject({
    MODEL_URLS: '/downloads/outputs/helmet/train/1/model.onnx;/downloads/models.example.com:8443/deploy/model.onnx',
    TEST_DATASET_URL: '/downloads/outputs/helmet/data/eval/1/data.txt',
    MODEL_URL: 's3://outputs/helmet/eval/1',
  });
  const inits = pod.spec?.initContainers ?? [];
  // The http download needs no Secret: it joins the first init container.
  expect(inits.map((c) => c.args)).toEqual([
    ['https://models.example.com:8443/deploy/model.onnx', '/downloads/models.example.com:8443/deploy', 's3://outputs/helmet/train/1/model.onnx', '/downloads/outputs/helmet/train/1', 's3://outputs/helmet/data/eval/1/data.txt', '/downloads/outputs/helmet/data/eval/1'],
    ['s3://datasets/helmet/index.txt', '/downloads/datasets/helmet'],
  ]);
  expect(envOf(inits[0])).toMatchObject(keyRefs('job-s3'));
  expect(envOf(inits[1])).toMatchObject(keyRefs('dataset-s3'));
});

test('inference: the deploy model is fetched with its Model\'s Secret; with none, anonymously', () => {
  const world = s3World();
  world.models.get('deploy-model')!.spec.url = 's3://models/deploy/model.onnx';
  world.models.get('deploy-model')!.spec.credentialName = 'model-s3';
  const pod = build(world.job, { workerType: 'inference', round: 0, attempt: 0, modelUrl: 's3://models/deploy/model.onnx' }, world);
  expect(envOf(pod.spec?.containers[0]).MODEL_URL).toBe('/downloads/models/deploy/model.onnx');
  expect(pod.spec?.initContainers?.map((c) => envOf(c))).toEqual([{ S3_ENDPOINT_URL: 'https://models-s3.example.com', ...keyRefs('model-s3'), INDIRECT_URL_MARK: '@' }]);

  delete world.models.get('deploy-model')!.spec.credentialName;
  const anonymous = build(world.job, { workerType: 'inference', round: 0, attempt: 0, modelUrl: 's3://models/deploy/model.onnx' }, world);
  expect(anonymous.spec?.initContainers?.map((c) => envOf(c))).toEqual([{ INDIRECT_URL_MARK: '@' }]);
});

test('an index an original LC fetched (dataIndexURL): indirect, a host-path index mounted into the init container only', () => {
  const world = s3World();
  const input = { models: [{ format: 'tfjs', url: '/models/initial/model.json' }], dataURL: '/output/helmet/data/train/1/data.txt', dataIndexURL: '/var/lib/sedna/index/helmet/index.txt' };
  const job = makeJob();
  const dataset = { ...world.dataset, spec: { ...world.dataset.spec } };
  const pod = build(job, { workerType: 'train', input }, { dataset, secrets: world.secrets });
  const [init] = pod.spec?.initContainers ?? [];
  expect(envOf(pod.spec?.containers[0]).ORIGINAL_DATASET_URL).toBe('/downloads/var/lib/sedna/index/helmet/index.txt');
  expect(init?.args).toEqual(['/home/data/var/lib/sedna/index/helmet/index.txt', '@/downloads/var/lib/sedna/index/helmet']);
  expect(envOf(init)).toMatchObject(keyRefs('dataset-s3'));
  expect(init?.volumeMounts).toEqual([
    { name: 'sedna-storage-initializer', mountPath: '/downloads' },
    { name: 'var-lib-sedna-index-helmet', mountPath: '/home/data/var/lib/sedna/index/helmet', readOnly: true },
  ]);
  const workerMounts = pod.spec?.containers[0]?.volumeMounts?.map((m) => m.mountPath) ?? [];
  expect(workerMounts).not.toContain('/home/data/var/lib/sedna/index/helmet');
  expect(workerMounts).toContain('/downloads');
  expect(envOf(pod.spec?.containers[0]).DATA_PATH_PREFIX).toBe('/home/data');

  const remote = build(job, { workerType: 'train', input: { ...input, dataIndexURL: 's3://datasets/helmet/index.txt' } }, { dataset, secrets: world.secrets });
  expect(remote.spec?.initContainers?.[0]?.args?.slice(-2)).toEqual(['s3://datasets/helmet/index.txt', '@/downloads/datasets/helmet']);
});

test('host paths need no init container; a host path and an S3 URL mix in one pod', () => {
  const world = s3World();
  const job = makeJob();
  job.spec.credentialName = 'job-s3';
  const pod = build(job, { workerType: 'inference', modelUrl: 's3://models/initial/model.json' }, world);
  expect(pod.spec?.initContainers).toHaveLength(1);
  expect(envOf(pod.spec?.containers[0]).MODEL_URL).toBe('/downloads/models/initial/model.json');
  const local = build(job, { workerType: 'inference', modelUrl: '/models/deploy/model.onnx' }, world);
  expect(local.spec?.initContainers).toBeUndefined();
  expect(local.spec?.volumes?.some((v) => v.name === 'sedna-storage-initializer')).toBe(false);
});

describe('credential Secrets', () => {
  const credential = { secretName: 'creds', usedBy: 'Dataset default/helmet-data' };

  test('a missing Secret is NOT_FOUND, naming it and who uses it', () => {
    const world = s3World();
    world.secrets.delete('dataset-s3');
    const error = (() => {
      try {
        build(world.job, { workerType: 'train', input: { models: [{ format: 'tfjs', url: '/m/x.json' }] } }, world);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ControllerError);
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'Secret default/dataset-s3 (credentialName of Dataset default/helmet-data) not found' });
  });

  test('one S3 key without the other is INVALID_CREDENTIAL; neither key means anonymous access to the endpoint', () => {
    expect(() => credentialEnv(credential, secret('creds', undefined, ['ACCESS_KEY_ID']), 'default')).toThrow(
      'Secret default/creds (credentialName of Dataset default/helmet-data): data.SECRET_ACCESS_KEY is missing (give both S3 keys, or neither for anonymous access)',
    );
    expect(credentialEnv(credential, secret('creds', undefined, []), 'default')).toEqual([{ name: 'S3_ENDPOINT_URL', value: 'https://minio.local:9000' }]);
  });

  test('without s3-endpoint there is no S3_ENDPOINT_URL (AWS S3 itself); s3-usehttps "0" means http', () => {
    expect(credentialEnv(credential, secret('creds', {}), 'default').map((e) => e.name)).toEqual(['ACCESS_KEY_ID', 'SECRET_ACCESS_KEY']);
    expect(credentialEnv(credential, secret('creds', { 's3-endpoint': '10.0.0.5:9000', 's3-usehttps': '0' }), 'default')[0]).toEqual({ name: 'S3_ENDPOINT_URL', value: 'http://10.0.0.5:9000' });
  });

  test('a worker writing with two Secrets is refused (one set of S3 variables per worker)', () => {
    const storage = new WorkerStorage();
    storage.envValue('s3://a/out', { writable: true, credential: { secretName: 'one', usedBy: 'A' } });
    storage.envValue('s3://b/out', { writable: true, credential: { secretName: 'two', usedBy: 'B' } });
    expect(() => storage.workerEnv(new Map([['one', secret('one')], ['two', secret('two')]]), 'default')).toThrow(
      'Secret default/one (credentialName of A) and Secret default/two (credentialName of B): the worker writes to S3 with two credentials',
    );
  });
});

describe('network and resources', () => {
  test('every IL worker runs with hostNetwork and ClusterFirstWithHostNet, unless the template picks a dnsPolicy', () => {
    for (const workerType of ['train', 'eval', 'inference'] as const) {
      const pod = build(makeJob(), { workerType, input: { models: [] } }, {});
      expect(pod.spec).toMatchObject({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' });
    }
    const job = makeJob();
    job.spec.trainSpec.template.spec!.dnsPolicy = 'Default';
    expect(build(job, { workerType: 'train', input: {} }, {}).spec?.dnsPolicy).toBe('Default');
  });

  test('a worker container without requests gets the default ones; what the user set stays, a limit counts as set', () => {
    const job = makeJob();
    const containers = job.spec.trainSpec.template.spec!.containers;
    containers.push({ name: 'limited', image: 'x', resources: { limits: { memory: '2Gi' } } });
    containers.push({ name: 'sized', image: 'x', resources: { requests: { cpu: '2', 'nvidia.com/gpu': '1' } } });
    job.spec.trainSpec.template.spec!.initContainers = [{ name: 'prepare', image: 'x' }];
    const pod = build(job, { workerType: 'train', input: { models: [{ format: 'tfjs', url: 's3://models/m.json' }] } }, {});
    const byName = Object.fromEntries([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => [c.name, c.resources]));
    expect(byName).toEqual({
      prepare: { requests: { cpu: '100m', memory: '256Mi' } },
      'storage-initializer': DEFAULT_WORKER_POD_SETTINGS.storageInitializer.resources,
      'train-worker': { requests: { cpu: '100m', memory: '256Mi' } },
      limited: { limits: { memory: '2Gi' }, requests: { cpu: '100m' } },
      sized: { requests: { cpu: '2', 'nvidia.com/gpu': '1', memory: '256Mi' } },
    });
    // The user's init container runs before ours.
    expect(pod.spec?.initContainers?.map((c) => c.name)).toEqual(['prepare', 'storage-initializer']);
  });

  test('the init container image and resources, and the worker defaults, come from the settings', () => {
    const settings = { storageInitializer: { image: 'registry.local/si:2', resources: { limits: { cpu: '500m' } } }, workerDefaultRequests: { cpu: '50m' } };
    const pod = build(makeJob(), { workerType: 'train', input: { models: [{ format: 'tfjs', url: 'http://h/m.json' }] } }, { settings });
    expect(pod.spec?.initContainers?.[0]).toMatchObject({ image: 'registry.local/si:2', resources: { limits: { cpu: '500m' } } });
    expect(pod.spec?.containers[0]?.resources).toEqual({ requests: { cpu: '50m' } });
  });
});
