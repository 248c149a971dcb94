/**
 * The same round with its dataset and models in S3 on one machine, through `sedna up` itself: its API
 * server plays the cluster, its node agent runs the storage initializer through the image map `sedna up`
 * builds, its LC reads the index in the bucket with the S3 settings of its environment, and the worker
 * pods use hostPath volumes, an init container and the Secret's keys exactly as on a cluster.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { CliIo } from '@sedna-ts/cli';
import { startSedna } from '@sedna-ts/up';
import { jobFolder } from '@sedna-ts/api-types/contract';
import { createS3Job, expectS3Round, startObjectStore, type ObjectStore } from './support/s3Round.js';

let root: string;
let store: ObjectStore;
let sedna: Awaited<ReturnType<typeof startSedna>> | undefined;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'sedna-up-s3-'));
  store = await startObjectStore(path.join(root, 's3'));
  const quiet = { write: () => true };
  const io: CliIo = { stdout: quiet, stderr: quiet, readStdin: async () => '', cwd: root, env: { ...process.env, ...store.env } };
  sedna = await startSedna({ dataDir: path.join(root, 'sedna'), node: 'edge-1', io });
}, 120_000);

afterAll(async () => {
  await sedna?.stop();
  await store?.close();
  rmSync(root, { recursive: true, force: true });
});

test('sedna up runs a round whose dataset and models are fetched from S3 by the storage initializer, with the keys of a Secret', async () => {
  const kc = new KubeConfig();
  kc.loadFromFile(sedna?.kubeconfigPath as string);
  const api = { core: kc.makeApiClient(CoreV1Api), custom: kc.makeApiClient(CustomObjectsApi) };
  const outputDir = path.join(root, 'output');
  await createS3Job(api, store, { node: 'edge-1', outputDir });
  const pods = await expectS3Round(api, { outputDir, hotUpdateDir: jobFolder(path.join(root, 'sedna', 'lc', 'model-hot-update'), 'default', 'incrementallearningjob', 'cluster-job') });
  // The node agent ran the init container as sedna up mapped its image: the initializer's own launcher.
  for (const pod of pods) expect(pod.status?.initContainerStatuses?.[0]?.image).toBe('sedna-ts/storage-initializer:0.1');
});
