/**
 * A worker pod as the GM builds it for a cluster (hostPath volumes, the storage-initializer init
 * container with its emptyDir, credentials by secretKeyRef, hostNetwork) runs unchanged on one machine:
 * the embedded API server stores it and the embedded node agent runs it, with the initializer's image
 * mapped to a stand-in script that records what it was given and writes what a download would.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { V1Pod, V1Secret } from '@kubernetes/client-node';
import type { Model } from '@sedna-ts/api-types';
import { startNodeAgent, type NodeAgent } from '@sedna-ts/embedded';
import { incrementalLearningPolicy } from '../src/kinds/incrementalLearningJob/index.js';
import { buildWorkerPod, buildWorkerTokenSecret } from '../src/jobs/workerPod.js';
import type { WorkerPodRequest } from '../src/jobs/stateMachine.js';
import { describePodFailure, observePod } from '../src/jobs/observedPod.js';
import { eventually, startCluster, type TestCluster } from './cluster.js';
import { NODE, makeDataset, makeJob, makeModel } from './fixtures.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

// Stands in for sedna-storage-initializer: same arguments and env, "downloads" by writing files.
const INITIALIZER = `
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
const seen = [];
for (let i = 0; i < args.length; i += 2) {
  const source = args[i];
  let destination = args[i + 1];
  const indirect = destination.startsWith(process.env.INDIRECT_URL_MARK);
  if (indirect) destination = destination.slice(process.env.INDIRECT_URL_MARK.length);
  fs.mkdirSync(destination, { recursive: true });
  if (indirect) {
    const lines = fs.readFileSync(source, 'utf8').split('\\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    fs.copyFileSync(source, path.join(destination, path.basename(source)));
    for (const file of lines.slice(1)) fs.writeFileSync(path.join(destination, file), 'from ' + lines[0] + '/' + file);
  } else {
    fs.writeFileSync(path.join(destination, path.basename(new URL(source).pathname)), 'from ' + source);
  }
  seen.push({ source, destination, indirect });
}
fs.writeFileSync(process.env.RECORD, JSON.stringify({ seen, endpoint: process.env.S3_ENDPOINT_URL, keyId: process.env.ACCESS_KEY_ID, key: process.env.SECRET_ACCESS_KEY }));
`;

// The worker: reads what its env names and writes what it saw into its output folder.
const WORKER = `
const fs = require('node:fs');
const path = require('node:path');
const e = process.env;
const indexFolder = path.dirname(e.ORIGINAL_DATASET_URL);
// MODEL_URL is the round's folder: its parent is mounted (DirectoryOrCreate), the worker creates it.
fs.mkdirSync(e.MODEL_URL, { recursive: true });
fs.writeFileSync(path.join(e.MODEL_URL, 'seen.json'), JSON.stringify({
  baseModel: fs.readFileSync(e.BASE_MODEL_URL, 'utf8'),
  trainData: fs.readFileSync(e.TRAIN_DATASET_URL, 'utf8'),
  datasetFiles: fs.readdirSync(indexFolder).sort(),
  image: fs.readFileSync(path.join(indexFolder, 'a.jpg'), 'utf8'),
  prefix: e.DATA_PATH_PREFIX,
  token: e.SEDNA_WORKER_TOKEN,
}));
`;

let cluster: TestCluster;
let agent: NodeAgent;
let host: string;

beforeAll(async () => {
  cluster = await startCluster();
  host = path.join(cluster.dir, 'host');
  for (const dir of ['code', 'output/helmet/data/train/1', 'lc/index']) mkdirSync(path.join(host, dir), { recursive: true });
  writeFileSync(path.join(host, 'code/initializer.cjs'), INITIALIZER);
  writeFileSync(path.join(host, 'code/worker.cjs'), WORKER);
  writeFileSync(path.join(host, 'output/helmet/data/train/1/data.txt'), 'a.jpg 1\n');
  writeFileSync(path.join(host, 'lc/index/index.txt'), '# fetched by an original LC\ns3://datasets/helmet\na.jpg\nb.jpg\n');
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && e[0] !== 'NODE_OPTIONS'));
  agent = await startNodeAgent({
    kubeConfig: cluster.kc,
    nodeName: NODE,
    dataDir: cluster.dir,
    logger: quiet,
    env: { ...env, RECORD: path.join(host, 'initializer.json') },
    imageCommands: { 'sedna-ts/storage-initializer': [process.execPath, path.join(host, 'code/initializer.cjs')] },
  });
});

afterAll(async () => {
  await agent?.stop();
  await cluster?.close();
});

/** The pod and token Secret the GM would create for `request`, created in the API server for the node agent. */
async function createWorkerPod(
  job: ReturnType<typeof makeJob>,
  request: WorkerPodRequest,
  context: Parameters<typeof buildWorkerPod>[3],
): Promise<{ pod: V1Pod; tokenSecret: V1Secret }> {
  const pod: V1Pod = buildWorkerPod(job, request, incrementalLearningPolicy, context);
  const tokenSecret = buildWorkerTokenSecret(job, request, incrementalLearningPolicy, 'node-token');
  // The job does not exist in this API server: the pod and its token Secret stand alone.
  delete pod.metadata!.ownerReferences;
  delete tokenSecret.metadata!.ownerReferences;
  await cluster.core.createNamespacedSecret({ namespace: 'default', body: tokenSecret });
  await cluster.core.createNamespacedPod({ namespace: 'default', body: pod });
  return { pod, tokenSecret };
}

test('a train pod with an S3 base model and an indirect index runs on the node agent: init container first, then the worker reads /downloads and /home/data', async () => {
  const job = makeJob();
  job.spec.outputDir = path.join(host, 'output/helmet');
  job.spec.trainSpec.template.spec!.containers[0] = { name: 'train-worker', image: 'sedna-ts/worker-node:0.1', command: [process.execPath, path.join(host, 'code/worker.cjs')] };
  const dataset = makeDataset();
  dataset.spec.credentialName = 's3-creds';
  const initial: Model = makeModel('initial-model', 's3://models/initial/model.json', 'tfjs');
  initial.spec.credentialName = 's3-creds';
  await cluster.core.createNamespacedSecret({
    namespace: 'default',
    body: { metadata: { name: 's3-creds', annotations: { 's3-endpoint': '127.0.0.1:9000', 's3-usehttps': '0' } }, data: { ACCESS_KEY_ID: Buffer.from('id-1').toString('base64'), SECRET_ACCESS_KEY: Buffer.from('key-1').toString('base64') } },
  });
  const secret = await cluster.core.readNamespacedSecret({ namespace: 'default', name: 's3-creds' });
  const request = {
    workerType: 'train' as const,
      name: 'helmet-train-x7k2q',
      round: 1,
      attempt: 1,
      nodeName: NODE,
      input: {
        models: [{ format: 'tfjs', url: 's3://models/initial/model.json' }],
        dataURL: path.join(host, 'output/helmet/data/train/1/data.txt'),
        dataIndexURL: path.join(host, 'lc/index/index.txt'),
      },
  };
  const { tokenSecret } = await createWorkerPod(job, request, {
    dataset,
    models: new Map([['initial-model', initial]]),
    secrets: new Map([['s3-creds', secret]]),
    lc: { nodeName: NODE, lcServer: 'http://127.0.0.1:9100' },
  });

  const done = await eventually('the pod to end', async () => {
    const p = await cluster.core.readNamespacedPod({ namespace: 'default', name: 'helmet-train-x7k2q' });
    return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p : undefined;
  });
  const logs = (container: string): string => readFileSync(path.join(cluster.dir, 'pods/default/helmet-train-x7k2q', `${container}.log`), 'utf8');
  const failure = done.status?.phase === 'Succeeded' ? '' : `${logs('storage-initializer')}${logs('train-worker')}`;
  expect({ phase: done.status?.phase, failure }).toEqual({ phase: 'Succeeded', failure: '' });
  expect(done.spec?.containers[0]?.resources?.requests).toEqual({ cpu: '100m', memory: '256Mi' });
  expect(done.status?.initContainerStatuses?.map((s) => [s.name, s.state?.terminated?.exitCode])).toEqual([['storage-initializer', 0]]);

  const record = JSON.parse(readFileSync(path.join(host, 'initializer.json'), 'utf8')) as { seen: { source: string; destination: string; indirect: boolean }[]; endpoint: string; keyId: string; key: string };
  // The credentials reached the initializer through secretKeyRef; its paths were mapped to the emptyDir on disk.
  expect({ endpoint: record.endpoint, keyId: record.keyId, key: record.key }).toEqual({ endpoint: 'http://127.0.0.1:9000', keyId: 'id-1', key: 'key-1' });
  const emptyDir = path.join(cluster.dir, 'pods/default/helmet-train-x7k2q/volumes/sedna-storage-initializer');
  expect(record.seen).toEqual([
    { source: 's3://models/initial/model.json', destination: path.join(emptyDir, 'models/initial'), indirect: false },
    { source: path.join(host, 'lc/index/index.txt'), destination: path.join(emptyDir, host, 'lc/index'), indirect: true },
  ]);

  const seen = JSON.parse(readFileSync(path.join(host, 'output/helmet/train/1/seen.json'), 'utf8')) as Record<string, unknown>;
  expect(seen).toEqual({
    baseModel: 'from s3://models/initial/model.json',
    trainData: 'a.jpg 1\n',
    datasetFiles: ['a.jpg', 'b.jpg', 'index.txt'],
    image: 'from s3://datasets/helmet/a.jpg',
    prefix: '/home/data',
    // SEDNA_WORKER_TOKEN through secretKeyRef, resolved by the node agent as the kubelet does.
    token: Buffer.from(tokenSecret.data!.token!, 'base64').toString('utf8'),
  });
  expect(existsSync(path.join(host, 'output/helmet/train/1'))).toBe(true);
});

test('a worker whose image the node agent does not map: an ImageNotMapped event says what runs instead, and its failure carries that and the last 80 log lines into the Failed condition', async () => {
  const job = makeJob();
  job.spec.outputDir = path.join(host, 'output/helmet');
  const script = path.join(host, 'code/fails.cjs');
  writeFileSync(script, "for (let i = 1; i <= 100; i++) console.log('line ' + i);\nconsole.error('cannot open /models/initial: no such file');\nprocess.exit(3);\n");
  const image = 'kubeedge/sedna-example-incremental-learning-helmet-detection:v0.4.0';
  job.spec.trainSpec.template.spec!.containers[0] = { name: 'train-worker', image, args: [script] };
  const request = {
    workerType: 'train' as const,
    name: 'helmet-train-unmapped',
    round: 1,
    attempt: 1,
    nodeName: NODE,
    input: { models: [], dataURL: path.join(host, 'output/helmet/data/train/1/data.txt') },
  };
  const dataset = makeDataset();
  dataset.spec.url = path.join(host, 'lc/index/index.txt');
  const { pod } = await createWorkerPod(job, request, { dataset, models: new Map(), lc: { nodeName: NODE, lcServer: 'http://127.0.0.1:9100' } });
  expect(pod.spec?.containers[0]?.terminationMessagePolicy).toBe('FallbackToLogsOnError');

  const done = await eventually('the pod to fail', async () => {
    const p = await cluster.core.readNamespacedPod({ namespace: 'default', name: request.name });
    return p.status?.phase === 'Failed' ? p : undefined;
  });
  const instead = `image "${image}" has no local command on this node (the node agent's imageCommands, --image-command IMAGE=COMMAND, map one); running "${process.execPath} ${script}" instead`;
  const events = await eventually('the ImageNotMapped event', async () => {
    const list = await cluster.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${request.name}` });
    return list.items.some((e) => e.reason === 'ImageNotMapped') ? list.items : undefined;
  });
  expect(events.find((e) => e.reason === 'ImageNotMapped')).toMatchObject({ type: 'Warning', message: `Container train-worker: ${instead}` });

  const message = done.status?.containerStatuses?.[0]?.state?.terminated?.message ?? '';
  const lines = message.split('\n');
  expect(lines[0]).toBe(`${instead}.`);
  // The log's end, as the kubelet keeps it: the last 80 lines (stdout and stderr), at most 2048 bytes.
  expect(lines.at(-1)).toBe('cannot open /models/initial: no such file');
  expect(lines.at(-2)).toBe('line 100');
  expect(lines).not.toContain('line 21');
  expect(Buffer.byteLength(lines.slice(1).join('\n'))).toBeLessThanOrEqual(2048);
  // The pod's condition says it too, which the GM puts in the stage's Running condition.
  expect(done.status?.conditions?.find((c) => c.type === 'sedna.io/ImageNotMapped')).toMatchObject({ status: 'True', reason: 'ImageNotMapped', message: `container train-worker: ${instead}` });
  expect(observePod(done, 'incrementallearningjob')?.substitution).toBe(`container train-worker: ${instead}`);
  // What the GM writes into the stage's Failed condition.
  const failure = describePodFailure(done);
  expect(failure).toContain(`container train-worker exited with code 3, reason Error: ${instead}.\n`);
  expect(failure).toMatch(/line 100\ncannot open \/models\/initial: no such file$/);
});
