import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { removeDir, startTestServer, type TestServer } from '../support/apiserver.js';

const run = promisify(execFile);
const generated = fileURLToPath(new URL('../../../api-types/crds/datasets.sedna.io.yaml', import.meta.url));
const crdFile = existsSync(generated) ? generated : fileURLToPath(new URL('../fixtures/datasets.crd.yaml', import.meta.url));

// kubectl is on the development image, maybe not in CI: without it these tests are skipped, loudly.
const kubectlPath = (process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'kubectl')).find((p) => existsSync(p));
if (!kubectlPath) console.warn('kubectl is not on PATH: skipping the kubectl tests of the embedded API server');
const maybe = kubectlPath ? describe : describe.skip;

let t: TestServer;
let kubeconfig: string;

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(kubectlPath as string, ['--kubeconfig', kubeconfig, '--cache-dir', path.join(t.dir, 'kube-cache'), ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: t.dir },
    timeout: 30000,
  });
  return stdout;
}

/** The stderr of a kubectl command that must fail. */
async function kubectlFailure(...args: string[]): Promise<string> {
  const stdout = await kubectl(...args).catch((e: { stderr?: string }) => ({ stderr: e.stderr ?? '' }));
  if (typeof stdout === 'string') throw new Error(`kubectl ${args.join(' ')} succeeded: ${stdout}`);
  return stdout.stderr;
}

function dataset(format: string): string {
  const file = path.join(t.dir, 'dataset.yaml');
  writeFileSync(
    file,
    ['apiVersion: sedna.io/v1alpha1', 'kind: Dataset', 'metadata:', '  name: helmet', 'spec:', '  url: /data/helmet/index.txt', `  format: ${format}`, '  nodeName: edge-1', ''].join('\n'),
  );
  return file;
}

maybe(`kubectl against the server (${path.basename(path.dirname(crdFile)) === 'crds' ? 'generated' : 'fixture'} Dataset CRD)`, () => {
  beforeAll(async () => {
    t = await startTestServer();
    kubeconfig = path.join(t.dir, 'kubeconfig');
    await t.server.writeKubeconfig(kubeconfig);
  });
  afterAll(async () => {
    await t.close();
    removeDir(t.dir);
  });

  test('registers the CRD and waits for it to be Established', async () => {
    expect(await kubectl('apply', '-f', crdFile)).toContain('customresourcedefinition.apiextensions.k8s.io/datasets.sedna.io created');
    expect(await kubectl('wait', '--for=condition=Established', 'crd/datasets.sedna.io', '--timeout=20s')).toContain('condition met');
  });

  test('apply creates a custom resource; get prints the printer columns', async () => {
    expect(await kubectl('apply', '-f', dataset('txt'))).toContain('dataset.sedna.io/helmet created');
    await kubectl('patch', 'dataset', 'helmet', '--subresource=status', '--type=merge', '-p', '{"status":{"numberOfSamples":42}}');
    const table = (await kubectl('get', 'datasets')).trim().split('\n');
    expect(table[0]?.split(/\s+/)).toEqual(['NAME', 'SAMPLES', 'NODE', 'AGE']);
    expect(table[1]?.split(/\s+/).slice(0, 3)).toEqual(['helmet', '42', 'edge-1']);
  });

  test('get -o yaml and describe show the object', async () => {
    const yaml = await kubectl('get', 'dataset', 'helmet', '-o', 'yaml');
    expect(yaml).toContain('nodeName: edge-1');
    expect(yaml).toContain('numberOfSamples: 42');
    expect(yaml).toMatch(/resourceVersion: "\d+"/);
    const described = await kubectl('describe', 'dataset', 'helmet');
    expect(described).toMatch(/Name:\s+helmet/);
    expect(described).toMatch(/Node Name:\s+edge-1/);
    expect(described).toMatch(/Number Of Samples:\s+42/);
  });

  test('apply of a changed file updates the object (client-side apply, merge patch)', async () => {
    expect(await kubectl('apply', '-f', dataset('csv'))).toContain('dataset.sedna.io/helmet configured');
    expect(await kubectl('get', 'dataset', 'helmet', '-o', 'jsonpath={.spec.format} {.status.numberOfSamples} {.metadata.generation}')).toBe('csv 42 2');
    expect(await kubectl('apply', '-f', dataset('csv'))).toContain('dataset.sedna.io/helmet unchanged');
  });

  test('delete removes it', async () => {
    expect(await kubectl('delete', '-f', dataset('csv'))).toContain('dataset.sedna.io "helmet" deleted');
    const { stderr } = await run(kubectlPath as string, ['--kubeconfig', kubeconfig, '--cache-dir', path.join(t.dir, 'kube-cache'), 'get', 'datasets'], { env: { PATH: process.env.PATH ?? '', HOME: t.dir } });
    expect(stderr).toContain('No resources found in default namespace.');
  });

  // kubectl's typed clients send these bodies as application/vnd.kubernetes.protobuf.
  test('create configmap from a literal and from a text and a binary file: get -o json shows data and binaryData', async () => {
    writeFileSync(path.join(t.dir, 'settings.txt'), 'threshold=0.5\n');
    writeFileSync(path.join(t.dir, 'model.bin'), Buffer.from([0x00, 0x01, 0x80, 0xff, 0xfe]));
    expect(await kubectl('create', 'configmap', 'literal', '--from-literal=a=b', '--from-literal=c=d')).toContain('configmap/literal created');
    expect(await kubectl('create', 'configmap', 'files', `--from-file=${path.join(t.dir, 'settings.txt')}`, `--from-file=${path.join(t.dir, 'model.bin')}`)).toContain('configmap/files created');
    expect(JSON.parse(await kubectl('get', 'configmap', 'literal', '-o', 'json')).data).toEqual({ a: 'b', c: 'd' });
    const files = JSON.parse(await kubectl('get', 'configmap', 'files', '-o', 'json'));
    expect(files.data).toEqual({ 'settings.txt': 'threshold=0.5\n' });
    expect(files.binaryData).toEqual({ 'model.bin': Buffer.from([0x00, 0x01, 0x80, 0xff, 0xfe]).toString('base64') });
  });

  test('create secret generic and docker-registry: get -o json shows the data in base64 and the type', async () => {
    expect(await kubectl('create', 'secret', 'generic', 's3-creds', '--from-literal=ACCESS_KEY_ID=minio', '--from-literal=SECRET_ACCESS_KEY=minio123')).toContain('secret/s3-creds created');
    const secret = JSON.parse(await kubectl('get', 'secret', 's3-creds', '-o', 'json'));
    expect(secret.type).toBe('Opaque');
    expect(secret.data).toEqual({ ACCESS_KEY_ID: Buffer.from('minio').toString('base64'), SECRET_ACCESS_KEY: Buffer.from('minio123').toString('base64') });
    expect(await kubectl('create', 'secret', 'docker-registry', 'registry', '--docker-server=registry.example', '--docker-username=u', '--docker-password=p')).toContain('secret/registry created');
    expect(await kubectl('get', 'secret', 'registry', '-o', 'jsonpath={.type}')).toBe('kubernetes.io/dockerconfigjson');
  });

  test('create namespace, create serviceaccount in it, create token for it', async () => {
    expect(await kubectl('create', 'namespace', 'edge')).toContain('namespace/edge created');
    expect(await kubectl('get', 'namespace', 'edge', '-o', 'jsonpath={.status.phase}')).toBe('Active');
    expect(await kubectl('create', 'serviceaccount', 'sedna-lc', '-n', 'edge')).toContain('serviceaccount/sedna-lc created');
    const token = (await kubectl('create', 'token', 'sedna-lc', '-n', 'edge', '--audience=sedna-gm', '--duration=20m')).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ sub: 'system:serviceaccount:edge:sedna-lc', aud: ['sedna-gm'] });
    expect(claims.exp - claims.iat).toBe(1200);
  });

  test('create clusterrole, clusterrolebinding, role and rolebinding (protobuf bodies, as the dashboard README has users do)', async () => {
    expect(await kubectl('create', 'clusterrole', 'sedna-viewer', '--verb=list,watch', '--resource=datasets.sedna.io,configmaps')).toContain('clusterrole.rbac.authorization.k8s.io/sedna-viewer created');
    expect(await kubectl('create', 'clusterrolebinding', 'sedna-viewer', '--clusterrole=sedna-viewer', '--serviceaccount=default:alice')).toContain('clusterrolebinding.rbac.authorization.k8s.io/sedna-viewer created');
    expect(await kubectl('create', 'role', 'labeller', '-n', 'default', '--verb=get,update', '--resource=datasets.sedna.io', '--resource-name=helmet')).toContain('role.rbac.authorization.k8s.io/labeller created');
    expect(await kubectl('create', 'rolebinding', 'labeller', '-n', 'default', '--role=labeller', '--user=bob')).toContain('rolebinding.rbac.authorization.k8s.io/labeller created');
    const role = JSON.parse(await kubectl('get', 'clusterrole', 'sedna-viewer', '-o', 'json')) as { rules: unknown[] };
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], verbs: ['list', 'watch'] }, { apiGroups: ['sedna.io'], resources: ['datasets'], verbs: ['list', 'watch'] }]);
    const binding = JSON.parse(await kubectl('get', 'clusterrolebinding', 'sedna-viewer', '-o', 'json')) as { subjects: unknown[]; roleRef: unknown };
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'alice', namespace: 'default' }]);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'sedna-viewer' });
    const labeller = JSON.parse(await kubectl('get', 'role', 'labeller', '-n', 'default', '-o', 'json')) as { rules: unknown[] };
    expect(labeller.rules).toEqual([{ apiGroups: ['sedna.io'], resourceNames: ['helmet'], resources: ['datasets'], verbs: ['get', 'update'] }]);
    const user = JSON.parse(await kubectl('get', 'rolebinding', 'labeller', '-n', 'default', '-o', 'json')) as { subjects: unknown[] };
    expect(user.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }]);
  });

  test('drain deletes the pods of a node (its DeleteOptions are protobuf); debug, whose Pod is protobuf, is refused naming the Pod', async () => {
    const file = path.join(t.dir, 'node.yaml');
    writeFileSync(
      file,
      ['apiVersion: v1', 'kind: Node', 'metadata: {name: edge-1}', '---', 'apiVersion: v1', 'kind: Pod', 'metadata: {name: worker, namespace: default}', 'spec: {nodeName: edge-1, containers: [{name: c, image: busybox}]}', ''].join('\n'),
    );
    await kubectl('apply', '-f', file);
    const drained = await kubectl('drain', 'edge-1', '--force', '--grace-period=0', '--ignore-daemonsets', '--timeout=30s');
    expect(drained).toContain('pod/worker deleted');
    expect(drained).toContain('node/edge-1 drained');
    const debug = await kubectlFailure('debug', 'node/edge-1', '--image=busybox', '--profile=general');
    expect(debug).toContain('Pod v1 was sent as application/vnd.kubernetes.protobuf');
    expect(debug).toContain('accepted media types for Pod include: application/json, application/yaml');
  });

  test('auth can-i answers yes for resources and paths (no RBAC here), and --list shows every verb on everything', async () => {
    expect((await kubectl('auth', 'can-i', 'create', 'pods')).trim()).toBe('yes');
    expect((await kubectl('auth', 'can-i', 'delete', 'datasets.sedna.io', '-n', 'default')).trim()).toBe('yes');
    expect((await kubectl('auth', 'can-i', 'get', '/healthz')).trim()).toBe('yes');
    const list = await kubectl('auth', 'can-i', '--list');
    expect(list).toMatch(/^\*\.\* +\[\] +\[\] +\[\*\]$/m);
  });
});
