/**
 * One incremental-learning round whose dataset and models live in an S3-compatible server (s3rver),
 * with the keys in a Secret: what the cluster scenario and the `sedna up` scenario both run. The
 * workers (fixtures/workers) refuse a model or samples that did not come from the bucket.
 */
import { readFileSync } from 'node:fs';
import { type AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from '@jest/globals';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { CoreV1Api, CustomObjectsApi, V1Pod } from '@kubernetes/client-node';
import type { IncrementalLearningJob } from '@sedna-ts/api-types';
import { STORAGE_INITIALIZER_IMAGE } from '@sedna-ts/storage-initializer/contract';
import S3rver from 's3rver';
import Account from 's3rver/lib/models/account.js';

export const ACCESS_KEY_ID = 'AKIDSEDNACLUSTER01';
export const SECRET_ACCESS_KEY = 'sedna-cluster-test-secret-key';
Account.DUMMY_ACCOUNT.createKeyPair(ACCESS_KEY_ID, SECRET_ACCESS_KEY);

const WORKERS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'workers');
const SEDNA = { group: 'sedna.io', version: 'v1alpha1', namespace: 'default' };
const JOB_LABEL = 'incrementallearningjob.sedna.io/name';

/** Polls `probe` until it gives a value; fails after `timeoutMs` naming `what`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** s3rver with the bucket `models` (the base model) and `datasets` (an empty index and four samples). */
export interface ObjectStore {
  /** `host:port`, as the Secret annotation `s3-endpoint` takes it. */
  endpoint: string;
  /** The S3 settings the LC reads the index with. */
  env: Record<string, string>;
  putIndex(body: string): Promise<unknown>;
  close(): Promise<void>;
}

export async function startObjectStore(directory: string): Promise<ObjectStore> {
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: 'models' }, { name: 'datasets' }] });
  const { port } = (await server.run()) as AddressInfo;
  const endpoint = `127.0.0.1:${port}`;
  const client = new S3Client({ endpoint: `http://${endpoint}`, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY } });
  const put = (Bucket: string, Key: string, Body: string) => client.send(new PutObjectCommand({ Bucket, Key, Body }));
  await put('models', 'base/model.json', JSON.stringify({ source: 's3rver', generation: 0 }));
  for (let i = 1; i <= 4; i++) await put('datasets', `tabular/samples/${i}.txt`, `sample ${i}\n`);
  await put('datasets', 'tabular/index.txt', '\n');
  return {
    endpoint,
    env: { S3_ENDPOINT_URL: `http://${endpoint}`, ACCESS_KEY_ID, SECRET_ACCESS_KEY },
    putIndex: (body) => put('datasets', 'tabular/index.txt', body),
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
}

/**
 * Puts four samples into the index, then creates the Secret `object-store`, a Dataset whose index is in
 * the bucket, the two Models in the bucket and a one-round job on `node` (train and eval workers, the
 * LC publishes the deployed model).
 */
export async function createS3Job(api: { core: CoreV1Api; custom: CustomObjectsApi }, store: ObjectStore, options: { node: string; outputDir: string }): Promise<void> {
  await api.core.createNamespacedSecret({
    namespace: 'default',
    body: { metadata: { name: 'object-store', annotations: { 's3-endpoint': store.endpoint, 's3-usehttps': '0' } }, stringData: { ACCESS_KEY_ID, SECRET_ACCESS_KEY } },
  });
  // The samples are in the bucket before the Dataset: the LC counts them when it first reads the index,
  // and the job, created next, takes them as new (as the original).
  await store.putIndex(['samples/1.txt a', 'samples/2.txt b', 'samples/3.txt a', 'samples/4.txt b', ''].join('\n'));
  const create = (plural: string, body: object) => api.custom.createNamespacedCustomObject({ ...SEDNA, plural, body });
  await create('datasets', {
    apiVersion: 'sedna.io/v1alpha1',
    kind: 'Dataset',
    metadata: { name: 'cluster-data' },
    spec: { url: 's3://datasets/tabular/index.txt', format: 'txt', nodeName: options.node, credentialName: 'object-store' },
  });
  for (const name of ['cluster-initial', 'cluster-deploy']) {
    await create('models', { apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name }, spec: { url: 's3://models/base/model.json', format: 'json', credentialName: 'object-store' } });
  }
  const worker = (script: string) => ({ spec: { nodeName: options.node, containers: [{ name: `${script}-worker`, workingDir: WORKERS, args: [`${script}.mjs`] }] } });
  await create('incrementallearningjobs', {
    apiVersion: 'sedna.io/v1alpha1',
    kind: 'IncrementalLearningJob',
    metadata: { name: 'cluster-job' },
    spec: {
      dataset: { name: 'cluster-data', trainProb: 0.5 },
      initialModel: { name: 'cluster-initial' },
      outputDir: options.outputDir,
      maxRounds: 1,
      trainSpec: { template: worker('train'), trigger: { checkPeriodSeconds: 1, timer: { start: '00:00', end: '24:00' }, condition: { operator: '>=', threshold: 2, metric: 'num_of_samples' } } },
      evalSpec: { template: worker('eval') },
      deploySpec: { model: { name: 'cluster-deploy', hotUpdateEnabled: true, pollPeriodSeconds: 1 }, trigger: { condition: { operator: '>', threshold: 0, metric: 'accuracy_delta' } } },
    },
  });
}

/**
 * Waits for the round to end and checks what it took: each worker pod ran the storage initializer first
 * (the models and the round's samples from S3, the Secret's keys by reference only), the round deployed,
 * and the model the LC published was trained from the one in the bucket. Resolves to the worker pods.
 */
export async function expectS3Round(api: { core: CoreV1Api; custom: CustomObjectsApi }, options: { outputDir: string; hotUpdateDir: string }): Promise<V1Pod[]> {
  const job = await eventually('the round to end', async () => {
    const j = (await api.custom.getNamespacedCustomObject({ ...SEDNA, plural: 'incrementallearningjobs', name: 'cluster-job' })) as IncrementalLearningJob;
    return j.status?.completionTime ? j : undefined;
  });
  expect((job.status?.conditions ?? []).map((c) => `${c.stage}/${c.type}`)).toEqual(expect.arrayContaining(['Train/Completed', 'Eval/Completed', 'Deploy/Completed']));
  expect(job.status?.lastDecision?.decision).toBe('Deploy');
  // (A worker reports before its process ends: its pod is Succeeded a moment after the stage.)
  const pods = await eventually('the worker pods to succeed', async () => {
    const list = (await api.core.listNamespacedPod({ namespace: 'default', labelSelector: `${JOB_LABEL}=cluster-job` })).items;
    return list.length === 2 && list.every((p) => p.status?.phase === 'Succeeded') ? list : undefined;
  });
  expect(pods.map((p) => p.metadata?.labels?.['incrementallearningjob.sedna.io/worker-type']).sort()).toEqual(['eval', 'train']);
  for (const pod of pods) {
    const init = pod.spec?.initContainers?.[0];
    expect(init?.image).toBe(STORAGE_INITIALIZER_IMAGE);
    expect(init?.args).toContain('s3://models/base/model.json');
    // The round's data index (the samples to fetch from S3) is an indirect download.
    const stage = pod.metadata?.labels?.['incrementallearningjob.sedna.io/worker-type'] as string;
    expect(readFileSync(path.join(options.outputDir, 'data', stage, '1', 'index.txt'), 'utf8').split('\n')[0]).toBe('s3://datasets/tabular');
    expect(init?.args?.some((a) => a.startsWith('@/downloads'))).toBe(true);
    const keys = (init?.env ?? []).filter((e) => e.name === 'ACCESS_KEY_ID' || e.name === 'SECRET_ACCESS_KEY');
    expect(keys.map((e) => [e.name, e.value, e.valueFrom?.secretKeyRef?.name])).toEqual([
      ['ACCESS_KEY_ID', undefined, 'object-store'],
      ['SECRET_ACCESS_KEY', undefined, 'object-store'],
    ]);
    expect(JSON.stringify(pod)).not.toContain(SECRET_ACCESS_KEY);
    expect(pod.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
    expect(pod.spec?.volumes?.some((v) => v.name === 'sedna-storage-initializer' && v.emptyDir)).toBe(true);
    // The round files are host paths, mounted under /home/data.
    expect(pod.spec?.volumes?.some((v) => v.hostPath?.path === path.join(options.outputDir, 'data', stage, '1'))).toBe(true);
  }
  const train = pods.find((p) => p.metadata?.labels?.['incrementallearningjob.sedna.io/worker-type'] === 'train') as V1Pod;
  expect(train.spec?.containers[0]?.env?.find((e) => e.name === 'BASE_MODEL_URL')?.value).toBe('/downloads/models/base/model.json');
  // The model the LC published is the one trained from the model in the bucket.
  const published = JSON.parse(readFileSync(path.join(options.hotUpdateDir, 'model_config.json'), 'utf8')) as { model_config?: { model_path?: string }; model_path?: string };
  const modelPath = String(published.model_config?.model_path ?? published.model_path);
  // In the pod's mount on a cluster; the host path itself where workers are host processes (sedna up).
  const modelFile = modelPath.startsWith('/model-hot-update/') ? path.join(options.hotUpdateDir, modelPath.slice('/model-hot-update/'.length)) : modelPath;
  const trained = JSON.parse(readFileSync(modelFile, 'utf8')) as { source: string; generation: number };
  expect(trained).toMatchObject({ source: 's3rver', generation: 1 });
  return pods;
}
