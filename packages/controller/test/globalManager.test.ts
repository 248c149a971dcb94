/**
 * The Global Manager against a real API server (@sedna-ts/embedded, started here) and a real ws client
 * standing in for the Local Controller of node edge-1. The test plays the node agent by writing pod
 * statuses through the API, as a kubelet would.
 */
import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import type { IncrementalLearningJob } from '@sedna-ts/api-types';
import { conditionData, latestCondition } from '../src/jobs/conditions.js';
import { startGlobalManager, type GlobalManager } from '../src/gm/globalManager.js';
import type { GlobalManagerConfig } from '../src/config.js';
import { verifyWorkerToken } from '@sedna-ts/api-types/tokens';
import { reportRefusalMessage } from '@sedna-ts/api-types/contract';
import { createSedna, eventually, getJob, jobPods, setPodStatus, startCluster, testLogger, trail, type TestCluster } from './cluster.js';
import { NODE, TRAIN_INPUT, makeJob } from './fixtures.js';
import { FakeLc } from './lcClient.js';

const SECRET = 'integration-test-secret-0123456789';
const LC_SERVER = 'http://127.0.0.1:39100';

let cluster: TestCluster;
let gm: GlobalManager;
let lc: FakeLc;
const gmLog = testLogger('gm');

function gmConfig(): GlobalManagerConfig {
  return {
    kubeConfig: cluster.kc,
    secret: SECRET,
    websocket: { address: '127.0.0.1', port: 0 },
    retry: { initialBackoffSeconds: 0.2, maxBackoffSeconds: 1 },
    backoff: { initialMs: 50, maxMs: 500 },
    watchBackoff: { initialMs: 50, maxMs: 500 },
    reportGraceSeconds: 2,
    logger: gmLog,
  };
}

async function connectLc(): Promise<FakeLc> {
  const client = await FakeLc.connect(gm.wsUrl, NODE, gm.nodeToken(NODE));
  client.hello(LC_SERVER);
  await client.until((r) => r.some((f) => f.header.operation === 'hello'), 'the GM hello');
  return client;
}

function manifest(name: string, mutate: (job: IncrementalLearningJob) => void = () => undefined): IncrementalLearningJob {
  const job = makeJob({ name });
  job.metadata = { name, namespace: 'default' };
  mutate(job);
  return job;
}

/** Sends an upstream status frame and resolves with its ack payload. */
async function report(kind: string, name: string, payload: unknown, messageId: string): Promise<unknown> {
  lc.send({ namespace: 'default', resourceKind: kind, resourceName: name, operation: 'status', messageId }, payload);
  await lc.until((r) => r.some((f) => f.header.operation === 'ack' && f.header.messageId === messageId), `the ack of ${messageId}`);
  return lc.received.find((f) => f.header.operation === 'ack' && f.header.messageId === messageId)?.payload;
}

function env(pod: V1Pod): Record<string, string> {
  return Object.fromEntries((pod.spec?.containers[0]?.env ?? []).filter((e) => !e.valueFrom).map((e) => [e.name, e.value ?? '']));
}

/**
 * The worker token of `pod` as its container gets it: from the pod's own Secret (never a value in the
 * pod spec), checked with the node token, with the claims it carries.
 */
async function tokenClaimsOf(pod: V1Pod): Promise<unknown> {
  const entry = pod.spec?.containers[0]?.env?.find((e) => e.name === 'SEDNA_WORKER_TOKEN');
  expect(entry).toEqual({ name: 'SEDNA_WORKER_TOKEN', valueFrom: { secretKeyRef: { name: pod.metadata?.name, key: 'token' } } });
  const secret = await cluster.core.readNamespacedSecret({ namespace: 'default', name: pod.metadata!.name! });
  const token = Buffer.from(secret.data?.token ?? '', 'base64').toString('utf8');
  expect(JSON.stringify(pod)).not.toContain(token);
  const check = verifyWorkerToken(gm.nodeToken(NODE), token);
  return check.ok ? check.claims : check.reason;
}

/** Names of the worker-token Secrets in the namespace. */
async function workerSecrets(): Promise<string[]> {
  const list = await cluster.core.listNamespacedSecret({ namespace: 'default', labelSelector: 'sedna.io/worker-token=true' });
  return list.items.map((s) => s.metadata?.name ?? '');
}

async function podsOf(job: string, type: string): Promise<V1Pod[]> {
  return (await jobPods(cluster, job)).filter((p) => p.metadata?.labels?.['incrementallearningjob.sedna.io/worker-type'] === type && !p.metadata?.deletionTimestamp);
}

async function jobAt(name: string, expected: string): Promise<IncrementalLearningJob> {
  return eventually(`job ${name} at ${expected}`, async () => {
    const job = await getJob(cluster, name);
    return trail(job).includes(expected) ? job : undefined;
  });
}

beforeAll(async () => {
  cluster = await startCluster();
  await createSedna(cluster, 'datasets', { apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', metadata: { name: 'helmet-data' }, spec: { url: '/data/helmet/index.txt', format: 'txt', nodeName: NODE } });
  for (const [name, url, format] of [
    ['initial-model', '/models/initial/model.json', 'tfjs'],
    ['deploy-model', '/models/deploy/model.onnx', 'onnx'],
  ]) {
    await createSedna(cluster, 'models', { apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name }, spec: { url, format } });
  }
  gm = await startGlobalManager(gmConfig());
  lc = await connectLc();
});

afterAll(async () => {
  lc?.close();
  await gm?.stop();
  await cluster?.close();
});

describe('one job through the Global Manager', () => {
  const name = 'helmet';
  let trainPod: string;

  test('a job applied: (Train, Waiting), the cleanup finalizer, the inference pod, and the job with its objects on the LC', async () => {
    await createSedna(cluster, 'incrementallearningjobs', manifest(name));
    const job = await jobAt(name, 'Train/Waiting/0');
    expect(job.status?.startTime).toBeDefined();
    expect(job.status?.round).toBe(0);
    expect(job.status?.lastGoodModel).toEqual({ format: 'onnx', url: '/models/deploy/model.onnx' });
    expect(job.metadata.finalizers).toContain('sedna.io/cleanup');
    // Listed from its creation (a dashboard's job list), before any round ended.
    const scraped = await (await fetch(`${gm.wsUrl.replace('ws:', 'http:')}metrics`)).text();
    // The kind in one form on every series (lower case): the info's and the reconciles'.
    expect(scraped).toContain(`sedna_gm_job_info{namespace="default",sedna_job="${name}",kind="incrementallearningjob"} 1`);
    expect(scraped).toMatch(/sedna_gm_reconciles_total\{kind="incrementallearningjob",result="ok"\} [1-9]/);

    const [infer] = await eventually('the inference pod', async () => {
      const pods = await podsOf(name, 'inference');
      return pods.length > 0 ? pods : undefined;
    });
    const podName = infer!.metadata!.name!;
    expect(podName).toMatch(/^helmet-infer-[a-z0-9]{5}$/);
    expect(infer!.metadata?.generateName).toBe('helmet-infer-');
    expect(infer!.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'IncrementalLearningJob', name, uid: job.metadata.uid, controller: true });
    expect(infer!.spec?.nodeName).toBe(NODE);
    expect(env(infer!)).toMatchObject({
      WORKER_NAME: podName,
      JOB_NAME: name,
      NAMESPACE: 'default',
      LC_SERVER,
      MODEL_URL: '/home/data/models/deploy/model.onnx',
      MODEL_HOT_UPDATE_CONFIG: '/model-hot-update/model_config.json',
      HE_SAVED_URL: '/sedna/hard-examples',
      HEM_NAME: 'IBT',
    });
    expect(await tokenClaimsOf(infer!)).toEqual({ namespace: 'default', kind: 'incrementallearningjob', job: name, pod: podName, node: NODE, role: 'inference' });

    await lc.until((r) => ['dataset/helmet-data', 'model/initial-model', 'model/deploy-model', `incrementallearningjob/${name}`].every((k) => r.some((f) => f.header.operation === 'insert' && `${f.header.resourceKind}/${f.header.resourceName}` === k)), 'the job and its objects');

    // Settled: the GM's own writes do not make it write again.
    const settled = (await getJob(cluster, name)).metadata.resourceVersion;
    await new Promise((r) => setTimeout(r, 300));
    expect((await getJob(cluster, name)).metadata.resourceVersion).toBe(settled);
  });

  test('a dataset count from the LC is in Dataset status when its ack arrives', async () => {
    expect(await report('dataset', 'helmet-data', { numberOfSamples: 120 }, 'ds-1')).toEqual({ ok: true });
    const dataset = (await cluster.custom.getNamespacedCustomObject({ group: 'sedna.io', version: 'v1alpha1', namespace: 'default', plural: 'datasets', name: 'helmet-data' })) as { status?: { numberOfSamples?: number; updateTime?: string } };
    expect(dataset.status?.numberOfSamples).toBe(120);
    expect(dataset.status?.updateTime).toBeDefined();
    expect(await report('dataset', 'helmet-data', { numberOfSamples: -1 }, 'ds-2')).toMatchObject({ ok: false });
  });

  test("an LC's refusal of the index lands in Dataset status.conditions, and its acceptance sets it True; the count stays", async () => {
    const message = 'Dataset default/helmet-data: spec.url: "/data/helmet/index.txt" resolves to "/etc/shadow", outside the allowed roots ["/var/lib/sedna"]';
    const refused = { type: 'IndexReadable', status: 'False', reason: 'PathNotAllowed', message };
    expect(await report('dataset', 'helmet-data', { conditions: [refused] }, 'ds-3')).toEqual({ ok: true });
    const read = async () =>
      ((await cluster.custom.getNamespacedCustomObject({ group: 'sedna.io', version: 'v1alpha1', namespace: 'default', plural: 'datasets', name: 'helmet-data' })) as { status?: { numberOfSamples?: number; conditions?: Array<Record<string, string>> } }).status;
    const first = await read();
    expect(first?.numberOfSamples).toBe(120);
    expect(first?.conditions).toEqual([{ ...refused, lastTransitionTime: expect.any(String) }]);
    expect(await report('dataset', 'helmet-data', { conditions: [{ type: 'IndexReadable', status: 'Maybe' }] }, 'ds-4')).toMatchObject({ ok: false, error: expect.stringContaining('conditions[0].status: "Maybe"') });
    expect(await report('dataset', 'helmet-data', {}, 'ds-5')).toMatchObject({ ok: false });
    expect(await report('dataset', 'helmet-data', { numberOfSamples: 130, conditions: [{ type: 'IndexReadable', status: 'True', reason: 'PathAllowed' }] }, 'ds-6')).toEqual({ ok: true });
    const second = await read();
    expect(second?.numberOfSamples).toBe(130);
    expect(second?.conditions).toEqual([{ type: 'IndexReadable', status: 'True', reason: 'PathAllowed', lastTransitionTime: expect.any(String) }]);
  });

  test("an LC's events about a Dataset (a line put in quarantine) become Events of the Dataset; a malformed one is rejected naming the field", async () => {
    const message = 'Dataset default/helmet-data: spec.url: "/data/helmet/index.txt": line 7 "../../etc/passwd" is not a sample: its sample path resolves outside the dataset folder';
    expect(await report('dataset', 'helmet-data', { events: [{ type: 'Warning', reason: 'LineQuarantined', message }] }, 'ds-7')).toEqual({ ok: true });
    await eventually('the LineQuarantined event', async () => {
      const events = await cluster.core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=helmet-data' });
      return events.items.some((e) => e.type === 'Warning' && e.reason === 'LineQuarantined' && e.message === message) ? true : undefined;
    });
    expect(await report('dataset', 'helmet-data', { events: [{ type: 'Bad', reason: 'LineQuarantined', message }] }, 'ds-8')).toMatchObject({ ok: false, error: expect.stringContaining('events[0].type: "Bad"') });
  });

  test('(Train, Ready) from the LC: recorded before the ack, then a train pod with the worker env, labels and mounts', async () => {
    expect(await report('incrementallearningjob', name, { phase: 'Train', status: 'Ready', round: 1, input: TRAIN_INPUT }, 'train-ready-1')).toEqual({ ok: true });
    expect(trail(await getJob(cluster, name))).toContain('Train/Ready/1');
    const job = await jobAt(name, 'Train/Starting/1');
    expect(job.status?.round).toBe(1);
    const [pod] = await podsOf(name, 'train');
    trainPod = pod!.metadata!.name!;
    expect(conditionData(latestCondition(job.status?.conditions))).toMatchObject({ worker: trainPod, round: 1, attempt: 1 });
    expect(pod!.metadata?.labels).toMatchObject({
      'incrementallearningjob.sedna.io/name': name,
      'incrementallearningjob.sedna.io/uid': job.metadata.uid,
      'incrementallearningjob.sedna.io/worker-type': 'train',
      'sedna.io/round': '1',
      'sedna.io/attempt': '1',
    });
    expect(pod!.spec?.restartPolicy).toBe('Never');
    expect(env(pod!)).toMatchObject({
      WORKER_NAME: trainPod,
      LC_SERVER,
      BASE_MODEL_URL: '/home/data/models/initial/model.json',
      MODEL_URL: '/home/data/output/helmet/train/1',
      TRAIN_DATASET_URL: '/home/data/output/helmet/data/train/1/data.txt',
      ORIGINAL_DATASET_URL: '/home/data/data/helmet/index.txt',
      DATA_PATH_PREFIX: '/home/data',
    });
    expect(await tokenClaimsOf(pod!)).toEqual({ namespace: 'default', kind: 'incrementallearningjob', job: name, pod: trainPod, node: NODE, role: 'train' });
    expect(pod!.spec?.volumes).toEqual(expect.arrayContaining([{ name: 'output-helmet-train', hostPath: { path: '/output/helmet/train', type: 'DirectoryOrCreate' } }]));
    expect(pod!.spec?.containers[0]?.volumeMounts).toEqual(expect.arrayContaining([{ name: 'output-helmet-train', mountPath: '/home/data/output/helmet/train' }]));
    // The LC got the job again with the new conditions.
    await lc.until((r) => r.some((f) => f.header.operation === 'insert' && f.header.resourceName === name && trail(f.payload as IncrementalLearningJob).includes('Train/Starting/1')), 'the job at (Train, Starting)');
  });

  test('the train pod fails: (Train, Failed) with the exit reason, then a retry pod after the backoff', async () => {
    await setPodStatus(cluster, trainPod, 'Running');
    await jobAt(name, 'Train/Running/1');
    await setPodStatus(cluster, trainPod, 'Failed', { exitCode: 137, reason: 'Error' });
    const failed = await jobAt(name, 'Train/Failed/1/PodFailed');
    const condition = failed.status!.conditions!.find((c) => c.type === 'Failed')!;
    expect(condition.message).toContain(`worker pod ${trainPod} failed: container train-worker exited with code 137 (signal 9 SIGKILL)`);
    const retried = await jobAt(name, 'Train/Ready/1/Retry');
    expect(trail(retried).slice(-2)).toEqual(['Train/Ready/1/Retry', 'Train/Starting/1']);
    const pods = await podsOf(name, 'train');
    const retry = pods.find((p) => p.metadata?.labels?.['sedna.io/attempt'] === '2');
    expect(retry).toBeDefined();
    expect(pods).toHaveLength(2);
    const failedPod = trainPod;
    trainPod = retry!.metadata!.name!;

    // A worker pod deleted (here by hand) takes its token Secret with it; the retry's stays.
    await cluster.core.deleteNamespacedPod({ namespace: 'default', name: failedPod, gracePeriodSeconds: 0 });
    await eventually(`the token Secret of ${failedPod} to be deleted`, async () => ((await workerSecrets()).includes(failedPod) ? undefined : true));
    expect(await workerSecrets()).toContain(trainPod);
  });

  test('Succeeded and the report: (Train, Completed), then (Eval, Waiting)', async () => {
    await setPodStatus(cluster, trainPod, 'Running');
    await jobAt(name, 'Train/Running/1');
    const output = { models: [{ format: 'onnx', url: '/output/helmet/train/1/model.onnx', metrics: { loss: 0.2 } }] };
    expect(await report('incrementallearningjob', name, { phase: 'train', status: 'completed', round: 1, attempt: 2, output }, 'train-done-1')).toEqual({ ok: true });
    await setPodStatus(cluster, trainPod, 'Succeeded');
    const job = await jobAt(name, 'Eval/Waiting/1');
    const completed = job.status!.conditions!.find((c) => c.stage === 'Train' && c.type === 'Completed')!;
    expect(conditionData(completed)).toMatchObject({ output, attempt: 2, worker: trainPod });
    // A replay of the same report is acknowledged and changes nothing.
    expect(await report('incrementallearningjob', name, { phase: 'train', status: 'completed', round: 1, attempt: 2, output }, 'train-done-1')).toEqual({ ok: true });
    expect(trail(await getJob(cluster, name))).toEqual(trail(job));

    const metrics = await (await fetch(`${gm.wsUrl.replace('ws:', 'http:')}metrics`)).text();
    // Stage and outcome labels in one form, lower case, as the LC's and the workers' (METRIC_LABEL_VALUES).
    expect(metrics).toContain('sedna_gm_trigger_decisions_total{stage="train",decision="fire"} 1');
    expect(metrics).toContain('sedna_gm_stage_duration_seconds_count{stage="train",result="failed"} 1');
    expect(metrics).toContain('sedna_gm_stage_duration_seconds_count{stage="train",result="completed"} 1');
    expect(metrics).toMatch(/sedna_gm_trigger_latency_seconds_count\{stage="train"\} [1-9]/);
    expect(metrics).not.toMatch(/stage="[A-Z]|result="[A-Z]|decision="[A-Z]/);
    expect(metrics).toContain(`sedna_gm_job_info{namespace="default",sedna_job="${name}",kind="incrementallearningjob"} 1`);
    expect(metrics).toContain('sedna_gm_upstream_messages_total{kind="incrementallearningjob",result="duplicate"} 1');
    expect(metrics).toContain('sedna_gm_connected_local_controllers 1');
  });

  test('a GM restarted after a lost status write adopts the pod it had created: no duplicate pod', async () => {
    await report('incrementallearningjob', name, { phase: 'eval', status: 'ready', round: 1, input: { models: [{ format: 'onnx', url: '/output/helmet/train/1/model.onnx' }, { format: 'onnx', url: '/models/deploy/model.onnx' }], dataURL: '/output/helmet/data/eval/1/data.txt' } }, 'eval-ready-1');
    const started = await jobAt(name, 'Eval/Starting/1');
    const evalPod = conditionData(latestCondition(started.status?.conditions)).worker;
    expect((await podsOf(name, 'eval')).map((p) => p.metadata?.name)).toEqual([evalPod]);

    lc.close();
    await gm.stop();
    // As if the GM died between creating the eval pod and writing (Eval, Starting).
    const lost = await getJob(cluster, name);
    lost.status!.conditions = lost.status!.conditions!.slice(0, -1);
    await cluster.custom.replaceNamespacedCustomObjectStatus({ group: 'sedna.io', version: 'v1alpha1', namespace: 'default', plural: 'incrementallearningjobs', name, body: lost });
    expect(trail(await getJob(cluster, name)).at(-1)).toBe('Eval/Ready/1');

    gm = await startGlobalManager(gmConfig());
    lc = await connectLc();
    const again = await jobAt(name, 'Eval/Starting/1');
    expect(conditionData(latestCondition(again.status?.conditions)).worker).toBe(evalPod);
    expect((await podsOf(name, 'eval')).map((p) => p.metadata?.name)).toEqual([evalPod]);
    expect(await podsOf(name, 'inference')).toHaveLength(1);
  });

  test('deleting the job: through the finalizer its pods go, the LC gets a delete, then the job is gone', async () => {
    const before = lc.received.length;
    await cluster.custom.deleteNamespacedCustomObject({ group: 'sedna.io', version: 'v1alpha1', namespace: 'default', plural: 'incrementallearningjobs', name });
    await lc.until((r) => r.slice(before).some((f) => f.header.operation === 'delete' && f.header.resourceKind === 'incrementallearningjob' && f.header.resourceName === name), 'the delete frame');
    await eventually('the job to be gone', async () => {
      try {
        await getJob(cluster, name);
        return undefined;
      } catch (error) {
        return (error as { code?: number }).code === 404 ? true : undefined;
      }
    });
    const left = await jobPods(cluster, name);
    expect(left.every((p) => p.metadata?.deletionTimestamp)).toBe(true);
    // The token Secrets are owned by the job: they go with it.
    await eventually('the token Secrets of the job to be collected', async () => ((await workerSecrets()).length === 0 ? true : undefined));
    // And its series: a deleted job is not listed by the dashboards any more.
    const metrics = await (await fetch(`${gm.wsUrl.replace('ws:', 'http:')}metrics`)).text();
    expect(metrics).not.toContain(`sedna_job="${name}"`);
  });
});

describe('objects a job references', () => {
  test('a missing Model is named in the condition message; the job goes on once it exists', async () => {
    await createSedna(
      cluster,
      'incrementallearningjobs',
      manifest('needs-model', (job) => {
        job.spec.deploySpec.model.name = 'late-model';
      }),
    );
    const blocked = await eventually('the missing model message', async () => {
      const job = await getJob(cluster, 'needs-model');
      return latestCondition(job.status?.conditions)?.message === 'Model default/late-model not found' ? job : undefined;
    });
    expect(trail(blocked)).toEqual(['Train/Waiting/0']);
    expect(await podsOf('needs-model', 'inference')).toHaveLength(0);

    await createSedna(cluster, 'models', { apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name: 'late-model' }, spec: { url: '/models/late/model.onnx', format: 'onnx' } });
    const [pod] = await eventually('the inference pod', async () => {
      const pods = await podsOf('needs-model', 'inference');
      return pods.length > 0 ? pods : undefined;
    });
    expect(env(pod!).MODEL_URL).toBe('/home/data/models/late/model.onnx');
    const job = await eventually('the message cleared', async () => {
      const j = await getJob(cluster, 'needs-model');
      return latestCondition(j.status?.conditions)?.message === undefined ? j : undefined;
    });
    expect(trail(job)).toEqual(['Train/Waiting/0']);
  });

  test('a missing credential Secret is named in the message; once created, the pod fetches the S3 model with it', async () => {
    await createSedna(cluster, 'models', { apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name: 's3-model' }, spec: { url: 's3://models/deploy/model.onnx', format: 'onnx', credentialName: 's3-creds' } });
    await createSedna(
      cluster,
      'incrementallearningjobs',
      manifest('s3-job', (job) => {
        job.spec.deploySpec.model.name = 's3-model';
      }),
    );
    const message = 'Secret default/s3-creds (credentialName of Model default/s3-model) not found';
    await eventually('the missing Secret message', async () => (latestCondition((await getJob(cluster, 's3-job')).status?.conditions)?.message === message ? true : undefined));
    expect(await podsOf('s3-job', 'inference')).toHaveLength(0);

    await cluster.core.createNamespacedSecret({
      namespace: 'default',
      body: { metadata: { name: 's3-creds', annotations: { 's3-endpoint': '127.0.0.1:9000', 's3-usehttps': '0' } }, stringData: { ACCESS_KEY_ID: 'id-0123', SECRET_ACCESS_KEY: 'key-0123456789' } },
    });
    const [pod] = await eventually('the inference pod', async () => {
      const pods = await podsOf('s3-job', 'inference');
      return pods.length > 0 ? pods : undefined;
    });
    expect(env(pod!).MODEL_URL).toBe('/downloads/models/deploy/model.onnx');
    const [init] = pod!.spec?.initContainers ?? [];
    expect(init).toMatchObject({ name: 'storage-initializer', image: 'sedna-ts/storage-initializer:0.1', args: ['s3://models/deploy/model.onnx', '/downloads/models/deploy'] });
    expect(init?.env).toEqual([
      { name: 'S3_ENDPOINT_URL', value: 'http://127.0.0.1:9000' },
      { name: 'ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 's3-creds', key: 'ACCESS_KEY_ID' } } },
      { name: 'SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 's3-creds', key: 'SECRET_ACCESS_KEY' } } },
      { name: 'INDIRECT_URL_MARK', value: '@' },
    ]);
    expect(pod!.spec).toMatchObject({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' });
    expect(JSON.stringify(pod)).not.toContain('key-0123456789');
    await eventually('the message cleared', async () => (latestCondition((await getJob(cluster, 's3-job')).status?.conditions)?.message === undefined ? true : undefined));
  });

  test('a report from a node that is not the job\'s is rejected', async () => {
    const other = await FakeLc.connect(gm.wsUrl, 'edge-9', gm.nodeToken('edge-9'));
    other.hello('http://127.0.0.1:1');
    await other.until((r) => r.length > 0);
    other.send({ namespace: 'default', resourceKind: 'incrementallearningjob', resourceName: 'needs-model', operation: 'status', messageId: 'x1' }, { phase: 'Train', status: 'Ready' });
    await other.until((r) => r.some((f) => f.header.operation === 'ack'));
    expect(other.frames('ack')[0]?.payload).toEqual({ ok: false, error: 'IncrementalLearningJob default/needs-model: node edge-9 is not a node of this job' });
    other.close();
  });
});

describe('a job whose spec is invalid', () => {
  test('gets one (Train, Failed, InvalidSpec) condition and a Warning event naming the field and value, no pod, no LC frame, no retry; a valid new generation starts at (Train, Waiting)', async () => {
    const name = 'bad-spec';
    const before = lc.received.length;
    // Two containers of the train template share a name: the CRD schema cannot say so, api-types' rules do.
    await createSedna(cluster, 'incrementallearningjobs', manifest(name, (job) => {
      job.spec.trainSpec.template.spec!.containers.push({ name: 'train-worker', image: 'other:1' });
    }));
    const failed = await jobAt(name, 'Train/Failed/0/InvalidSpec');
    const condition = latestCondition(failed.status?.conditions)!;
    expect(condition.message).toBe('IncrementalLearningJob default/bad-spec: spec.trainSpec.template.spec.containers[1].name: "train-worker" is the name of another container of the pod');
    expect(conditionData(condition)).toMatchObject({ generation: failed.metadata.generation });
    const events = await cluster.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${name}` });
    expect(events.items.map((e) => [e.type, e.reason, e.message])).toEqual([['Warning', 'InvalidSpec', condition.message]]);
    // Nothing more happens while the generation stays: no pod, no frame to the LC, no new condition.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await jobPods(cluster, name)).toEqual([]);
    expect(lc.received.slice(before).filter((f) => f.header.resourceName === name)).toEqual([]);
    expect(trail(await getJob(cluster, name))).toEqual(trail(failed));

    // Fixed: a new generation, valid, starts at (Train, Waiting) and goes on (its inference pod, the LC).
    const fixed = await getJob(cluster, name);
    fixed.spec.trainSpec.template.spec!.containers = fixed.spec.trainSpec.template.spec!.containers.slice(0, 1);
    await cluster.custom.replaceNamespacedCustomObject({ group: 'sedna.io', version: 'v1alpha1', namespace: 'default', plural: 'incrementallearningjobs', name, body: fixed });
    const waiting = await jobAt(name, 'Train/Waiting/0/SpecFixed');
    expect(trail(waiting).slice(-2)).toEqual(['Train/Failed/0/InvalidSpec', 'Train/Waiting/0/SpecFixed']);
    await eventually('the inference pod', async () => ((await podsOf(name, 'inference')).length === 1 ? true : undefined));
    await lc.until((r) => r.some((f) => f.header.operation === 'insert' && f.header.resourceName === name), 'the job on the LC');
  });
});

describe('two jobs with one outputDir', () => {
  test('the later is refused with InvalidSpec naming the earlier and the folder; once the earlier is gone it starts', async () => {
    await createSedna(cluster, 'incrementallearningjobs', manifest('first-owner', (job) => (job.spec.outputDir = '/output/shared')));
    await jobAt('first-owner', 'Train/Waiting/0');
    await createSedna(cluster, 'incrementallearningjobs', manifest('second-owner', (job) => (job.spec.outputDir = '/output/shared/')));
    const refused = await jobAt('second-owner', 'Train/Failed/0/InvalidSpec');
    expect(latestCondition(refused.status?.conditions)?.message).toBe(
      'IncrementalLearningJob default/second-owner: spec.outputDir: "/output/shared/" is also the outputDir of IncrementalLearningJob default/first-owner, created earlier: two jobs would overwrite each other\'s round files and models; give this job a folder of its own',
    );
    expect(await jobPods(cluster, 'second-owner')).toEqual([]);
    await cluster.custom.deleteNamespacedCustomObject({ group: 'sedna.io', version: 'v1alpha1', namespace: 'default', plural: 'incrementallearningjobs', name: 'first-owner' });
    await jobAt('second-owner', 'Train/Waiting/0/SpecFixed');
  });
});

describe('deadlines of a job (sedna.io/deadlines)', () => {
  const patchAnnotations = (name: string, annotations: Record<string, string>) =>
    cluster.custom.patchNamespacedCustomObject(
      { group: 'sedna.io', version: 'v1alpha1', namespace: 'default', plural: 'incrementallearningjobs', name, body: { metadata: { annotations } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  /** A job with `deadlines` in its annotation, its round 1 reported Ready by the LC: its train pod, once Starting. */
  const trainPodStarting = async (name: string, deadlines: string): Promise<V1Pod> => {
    await createSedna(cluster, 'incrementallearningjobs', manifest(name, (job) => (job.metadata.annotations = { 'sedna.io/deadlines': deadlines })));
    await jobAt(name, 'Train/Waiting/0');
    expect(await report('incrementallearningjob', name, { phase: 'Train', status: 'Ready', round: 1, input: TRAIN_INPUT }, `${name}-ready`)).toEqual({ ok: true });
    await jobAt(name, 'Train/Starting/1');
    return (await podsOf(name, 'train'))[0]!;
  };

  test("a train pod that does not start, said only in its events (a kubelet's FailedMount of a missing Model folder): StartTimeout at the job's deadline names it; a bad deadline gets one Warning event", async () => {
    const name = 'slow-start';
    const pod = await trainPodStarting(name, '{"starting":"none","deployConfirmation":"5x"}');
    const podName = pod.metadata!.name!;
    pod.status = { phase: 'Pending', containerStatuses: [{ name: 'train-worker', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] };
    await cluster.core.replaceNamespacedPodStatus({ name: podName, namespace: 'default', body: pod });
    const mount = 'MountVolume.SetUp failed for volume "sedna-model-0": hostPath type check failed: /models/initial is not a directory';
    await cluster.core.createNamespacedEvent({
      namespace: 'default',
      body: { metadata: { generateName: `${podName}.` }, involvedObject: { kind: 'Pod', name: podName, namespace: 'default', uid: pod.metadata!.uid }, type: 'Warning', reason: 'FailedMount', message: mount, count: 1, lastTimestamp: new Date() },
    });
    // Only now a deadline: the events it reads are there.
    await patchAnnotations(name, { 'sedna.io/deadlines': '{"starting":"1s","deployConfirmation":"5x"}' });
    const failed = await jobAt(name, 'Train/Failed/1/StartTimeout');
    const timedOut = failed.status!.conditions!.find((c) => c.reason === 'StartTimeout')!;
    expect(timedOut.message).toBe(`worker pod ${podName} did not start within 1s (sedna.io/deadlines starting): container train-worker: ContainerCreating; events: FailedMount: ${mount}`);
    const events = await cluster.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${name},reason=InvalidDeadlines` });
    expect(events.items.map((e) => [e.type, e.message])).toEqual([
      [
        'Warning',
        'IncrementalLearningJob default/slow-start: metadata.annotations["sedna.io/deadlines"].deployConfirmation: "5x" is not a duration: a number of seconds, a Go-style duration such as "90s", "5m" or "1h30m", or "none"; the GM\'s setting (600s) applies',
      ],
    ]);
  });

  test("the LC refused the train worker's report: the refusal is an event on the job and on the pod, and NoReport says it was refused, with the code and reason", async () => {
    const name = 'refused-report';
    const podName = (await trainPodStarting(name, '{"reportAfterPodEnded":"1s"}')).metadata!.name!;
    await setPodStatus(cluster, podName, 'Running');
    await jobAt(name, 'Train/Running/1');
    const message = reportRefusalMessage({ node: NODE, reportKind: 'train', worker: podName, code: 401, reason: 'no-token', detail: `worker ${podName}: no Authorization: Bearer <SEDNA_WORKER_TOKEN> header` });
    expect(await report('incrementallearningjob', name, { phase: 'Event', status: 'Warning', events: [{ type: 'Warning', reason: 'WorkerReportRefused', message, pod: podName }] }, `${name}-refused`)).toEqual({ ok: true });
    await eventually('the refusal on the pod', async () => {
      const events = await cluster.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${podName},reason=WorkerReportRefused` });
      return events.items.length === 1 ? true : undefined;
    });
    await setPodStatus(cluster, podName, 'Succeeded');
    const failed = await jobAt(name, 'Train/Failed/1/NoReport');
    expect(failed.status!.conditions!.find((c) => c.reason === 'NoReport')!.message).toMatch(
      new RegExp(`^worker pod ${podName} succeeded at \\S+ but its report was refused and none was taken within 1s \\(sedna.io/deadlines reportAfterPodEnded\\): the LC of node ${NODE} refused its train report \\(401 no-token\\): worker ${podName}: no Authorization`),
    );
    const onJob = await cluster.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${name},reason=WorkerReportRefused` });
    expect(onJob.items.map((e) => e.message)).toEqual([message]);
    // A pod that is not the job's is not written to.
    expect(await report('incrementallearningjob', name, { phase: 'Event', status: 'Warning', events: [{ type: 'Warning', reason: 'WorkerReportRefused', message, pod: 'someone-else' }] }, `${name}-other`)).toEqual({ ok: true });
    expect(await report('incrementallearningjob', name, { phase: 'Event', status: 'Warning', events: [{ type: 'Warning', reason: 'WorkerReportRefused', message, pod: 7 }] }, `${name}-bad`)).toMatchObject({ ok: false, error: expect.stringContaining('events[0].pod: 7 is not a pod name') });
  });

  test('the LC goes away after the train pod ended: past reportAfterPodEnded the job still waits for it, and the report it replays on reconnecting completes the stage', async () => {
    const name = 'late-report';
    const podName = (await trainPodStarting(name, '{"reportAfterPodEnded":"1s"}')).metadata!.name!;
    await setPodStatus(cluster, podName, 'Running');
    await jobAt(name, 'Train/Running/1');

    lc.close();
    const lcAway = 'waiting for the local controller of node edge-1 to connect';
    await eventually('the GM sees the LC go', async () => (latestCondition((await getJob(cluster, name)).status?.conditions)?.message?.startsWith(lcAway) ? true : undefined));
    await setPodStatus(cluster, podName, 'Succeeded');
    const ended = await eventually('the job waiting for the outbox', async () => {
      const job = await getJob(cluster, name);
      return latestCondition(job.status?.conditions)?.message?.includes("the report of its stage may be in that controller's outbox") ? job : undefined;
    });
    expect(latestCondition(ended.status?.conditions)?.message).toMatch(new RegExp(`^${lcAway}: worker pod ${podName} succeeded at \\S+ and the report of its stage may be in that controller's outbox`));
    // Well past the job's 1 s, the stage has not failed.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(trail(await getJob(cluster, name)).at(-1)).toBe('Train/Running/1');

    // The LC comes back and replays its outbox (a longer deadline now, so a slow test machine does not race it).
    await patchAnnotations(name, { 'sedna.io/deadlines': '{"reportAfterPodEnded":"5m"}' });
    lc = await connectLc();
    expect(await report('incrementallearningjob', name, { phase: 'Train', status: 'Completed', round: 1, attempt: 1, output: { models: [{ format: 'tfjs', url: '/output/late-report/train/1/model.json' }] } }, `${name}-done`)).toEqual({ ok: true });
    expect(trail(await jobAt(name, 'Eval/Waiting/1')).slice(-4)).toEqual(['Train/Starting/1', 'Train/Running/1', 'Train/Completed/1', 'Eval/Waiting/1']);
  });
});

describe('the API server goes away and comes back', () => {
  test('the GM watches again (with backoff) and handles a job created afterwards', async () => {
    await cluster.restart(1500);
    await createSedna(cluster, 'incrementallearningjobs', manifest('after-restart'));
    await jobAt('after-restart', 'Train/Waiting/0');
    const pods = await eventually('the inference pod', async () => {
      const p = await podsOf('after-restart', 'inference');
      return p.length > 0 ? p : undefined;
    });
    expect(pods).toHaveLength(1);
    expect((await fetch(`${gm.wsUrl.replace('ws:', 'http:')}readyz`)).status).toBe(200);
    // The watches failed while the server was down and were restarted with backoff.
    expect(gmLog.entries.some((e) => e.level === 'warn' && e.msg === 'list/watch failed; restarting')).toBe(true);
  });
});
