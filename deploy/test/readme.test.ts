/**
 * The root README's guide "On a Kubernetes cluster" cannot be run here; its commands are checked
 * against what they act on: the images it builds and loads are the ones the manifests and the demo job
 * use, the Secret and the node label are the ones the workloads expect, the job and the pods it applies
 * are valid and use the folders the LC and the job use, and the tests it cites exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import type { V1DaemonSet, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { validateText } from '@sedna-ts/api-types';
import { jobFolder } from '@sedna-ts/api-types/contract';
import { parseAllDocuments } from 'yaml';
import { IMAGES } from '../src/images.js';
import { loadKustomization, validateObject, type KubeObject } from '../src/manifests.js';
import { DEPLOY_DIR, REPO_ROOT } from '../src/repo.js';

const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
const start = readme.indexOf('## On a Kubernetes cluster');
const guide = readme.slice(start, readme.indexOf('\n## ', start + 1));
const blocks = [...guide.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => (m[1] as string).replace(/^ {3}/gm, ''));
const commands = blocks.flatMap((b) => b.split('\n')).filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
const { objects } = loadKustomization(DEPLOY_DIR);
const deployment = objects.find((o) => o.object.kind === 'Deployment')?.object as unknown as V1Deployment;
const daemonSet = objects.find((o) => o.object.kind === 'DaemonSet')?.object as unknown as V1DaemonSet;
const JOB_FILE = 'examples/helmet-detection/jobs/kubernetes/helmet-detection.yaml';
const NODE = 'node-1';

/** The pods the guide applies through heredocs, with $NODE filled in. */
const heredocPods: V1Pod[] = blocks.flatMap((b) => [...b.matchAll(/<<EOF\n([\s\S]*?)\nEOF/g)].map((m) => parseAllDocuments((m[1] as string).replaceAll('$NODE', NODE))[0]?.toJS() as V1Pod));
const built = commands.map((c) => /^docker build -f (\S+) -t (\S+) \.$/.exec(c)).filter((m): m is RegExpExecArray => m !== null);
const builtImages = built.map((m) => m[2] as string);

function imagesOf(spec: V1Pod['spec']): string[] {
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].map((c) => c.image as string);
}

test('the guide says it has not been run here, and why', () => {
  expect(guide).toContain('**Not run here.**');
  expect(guide).toContain('no cluster and no Docker engine');
});

test('every test file the guide cites exists', () => {
  const cited = [...guide.matchAll(/`(?:deploy\/test\/)?([a-z]+\.test\.ts)`/g)].map((m) => m[1] as string);
  expect(cited.length).toBeGreaterThan(4);
  for (const file of cited) expect([file, existsSync(path.join(DEPLOY_DIR, 'test', file))]).toEqual([file, true]);
});

describe('the images', () => {
  test('each one is built from a Dockerfile of the repository, with the tag deploy/ knows for it', () => {
    expect(built.length).toBeGreaterThanOrEqual(4);
    for (const [, file, image] of built) {
      expect([file, existsSync(path.join(REPO_ROOT, file as string))]).toEqual([file, true]);
      const known = IMAGES.find((i) => `deploy/docker/${i.dockerfile}` === file);
      if (known) expect(image).toBe(known.image);
    }
  });

  test('every image the manifests, the GM (storage initializer) and the demo job run is built and loaded into the nodes', () => {
    const job = parseAllDocuments(readFileSync(path.join(REPO_ROOT, JOB_FILE), 'utf8')).map((d) => d.toJS() as { kind: string; spec?: Record<string, { template?: { spec?: V1Pod['spec'] } }> });
    const jobImages = job.filter((o) => o.kind === 'IncrementalLearningJob').flatMap((o) => ['trainSpec', 'evalSpec', 'deploySpec'].flatMap((s) => imagesOf(o.spec?.[s]?.template?.spec)));
    const needed = new Set([
      ...objects.flatMap((o) => imagesOf((o.object as { spec?: { template?: { spec?: V1Pod['spec'] } } }).spec?.template?.spec)),
      deployment.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === 'SEDNA_GM_STORAGE_INITIALIZER_IMAGE')?.value as string,
      ...jobImages,
      ...heredocPods.flatMap((p) => imagesOf(p.spec)),
    ]);
    const loaded = commands.find((c) => c.startsWith('kind load docker-image'))?.split(/\s+/).filter((w) => w.includes(':')) ?? [];
    for (const image of needed) expect([image, builtImages.includes(image), loaded.includes(image)]).toEqual([image, true, true]);
  });
});

describe('installing', () => {
  test('kubectl apply -k deploy/, then the Secret the GM reads, in its namespace', () => {
    expect(commands).toContain('kubectl apply -k deploy/');
    const ref = deployment.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === 'SEDNA_GM_SECRET')?.valueFrom?.secretKeyRef;
    const secret = commands.find((c) => c.includes('create secret generic'));
    expect(secret).toBe(`kubectl -n ${deployment.metadata?.namespace} create secret generic ${ref?.name} --from-literal=${ref?.key}="$(openssl rand -hex 32)"`);
  });

  test('the node label is the one the LC DaemonSet selects', () => {
    const [key, value] = Object.entries(daemonSet.spec?.template.spec?.nodeSelector ?? {})[0] as [string, string];
    expect(commands).toContain(`kubectl label node "$NODE" ${key}=${value}`);
  });

  test('the rollouts waited for are the workloads of deploy/', () => {
    const waited = commands.map((c) => /rollout status (\w+)\/(\S+)/.exec(c)).filter((m): m is RegExpExecArray => m !== null);
    expect(waited.map((m) => `${m[1]}/${m[2]}`)).toEqual(['deployment/sedna-gm', 'deployment/sedna-kb', 'daemonset/sedna-lc']);
    for (const [, kind, name] of waited) expect(objects.some((o) => o.object.kind.toLowerCase() === kind && o.object.metadata.name === name)).toBe(true);
  });
});

describe('the demo job', () => {
  const text = readFileSync(path.join(REPO_ROOT, JOB_FILE), 'utf8');

  test('the job file is valid, and the node it names is the one the guide replaces', () => {
    const checked = validateText(text.replaceAll('edge-node', NODE));
    expect(checked.issues).toEqual([]);
    expect(checked.objects.map((o) => o.kind).sort()).toEqual(['Dataset', 'IncrementalLearningJob', 'Model', 'Model']);
    expect(text).toContain('nodeName: edge-node');
    expect(commands).toContain(`sed "s/edge-node/$NODE/g" ${JOB_FILE} | kubectl apply -f -`);
  });

  test('the data the guide copies to the node lands where the job reads it', () => {
    const dataset = validateText(text).objects.find((o) => o.kind === 'Dataset') as unknown as { spec: { url: string } };
    const copy = commands.find((c) => c.startsWith('docker cp')) as string;
    const target = /:(\S+)$/.exec(copy)?.[1] as string;
    expect(dataset.spec.url.startsWith(`${target}/`)).toBe(true);
  });

  test('the camera and labeller pods are valid, on the node, and use the folders of the job and of the LC', async () => {
    expect(heredocPods.map((p) => p.metadata?.name)).toEqual(['helmet-camera', 'helmet-labeller']);
    for (const pod of heredocPods) {
      expect(await validateObject(pod as unknown as KubeObject)).toEqual([]);
      expect(pod.spec?.nodeName).toBe(NODE);
    }
    // In the host's terms: a container path under a hostPath mount.
    const onHost = (pod: V1Pod, p: string): string => {
      const mount = pod.spec?.containers[0]?.volumeMounts?.find((m) => p === m.mountPath || p.startsWith(`${m.mountPath}/`));
      const volume = pod.spec?.volumes?.find((v) => v.name === mount?.name);
      return path.posix.join(volume?.hostPath?.path as string, path.posix.relative(mount?.mountPath as string, p));
    };
    const arg = (pod: V1Pod, flag: string) => pod.spec?.containers[0]?.args?.[(pod.spec?.containers[0]?.args?.indexOf(flag) ?? -2) + 1] as string;
    const [camera, labeller] = heredocPods as [V1Pod, V1Pod];
    const objectsOf = validateText(text).objects as unknown as { kind: string; metadata: { name: string }; spec: Record<string, unknown> }[];
    const job = objectsOf.find((o) => o.kind === 'IncrementalLearningJob') as unknown as { metadata: { name: string }; spec: { deploySpec: { template: { spec: V1Pod['spec'] } } } };
    const framesVolume = job.spec.deploySpec.template.spec?.volumes?.find((v) => v.name === 'frames');
    expect(onHost(camera, arg(camera, '--out'))).toBe(framesVolume?.hostPath?.path);
    const lcEnv = (name: string) => daemonSet.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === name)?.value as string;
    expect(onHost(labeller, arg(labeller, '--from'))).toBe(jobFolder(lcEnv('SEDNA_LC_HARD_EXAMPLE_ROOT'), 'default', 'incrementallearningjob', job.metadata.name));
    const dataset = objectsOf.find((o) => o.kind === 'Dataset') as unknown as { spec: { url: string } };
    expect(onHost(labeller, arg(labeller, '--dataset'))).toBe(path.posix.dirname(dataset.spec.url));
    // The LC reads the index and writes the round files there: inside its data roots, outside its data dir.
    const roots = lcEnv('SEDNA_LC_DATA_ROOTS').split(/[:,]/);
    const within = (p: string, folder: string) => p.startsWith(`${folder}/`);
    const outputDir = (objectsOf.find((o) => o.kind === 'IncrementalLearningJob')?.spec as { outputDir: string }).outputDir;
    for (const p of [dataset.spec.url, outputDir]) expect([p, roots.some((r) => within(p, r)), within(p, lcEnv('SEDNA_LC_DATA_DIR'))]).toEqual([p, true, false]);
  });
});
