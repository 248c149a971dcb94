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
});
