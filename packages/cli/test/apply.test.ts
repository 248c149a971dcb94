import fs from 'node:fs';
import path from 'node:path';
import { BAD_JOB, DATASET, JOB, MODELS, SECRET, repoRoot, tempTree } from './helpers.js';
import { startTestServer, type TestServer } from './server.js';

let t: TestServer;
let tree: ReturnType<typeof tempTree> | undefined;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});
afterEach(async () => {
  tree?.cleanup();
  tree = undefined;
  // Each test starts from an empty namespace.
  for (const kind of ['ij', 'datasets', 'models', 'secrets', 'configmaps']) await t.sedna(['delete', kind, '--all']);
});

test('apply of a folder creates every object, then reports them unchanged, then configured after an edit', async () => {
  tree = tempTree({ 'a-job.yaml': JOB, 'b-dataset.yaml': DATASET, 'c-models.yaml': MODELS, 'd-secret.yaml': SECRET, 'notes.md': '# not a manifest' });
  const first = await t.sedna(['apply', '-f', tree.dir]);
  expect(first).toEqual({
    code: 0,
    // What others refer to first, the job last.
    stdout: [
      'secret/s3-credentials created',
      'dataset.sedna.io/helmet created',
      'model.sedna.io/initial-model created',
      'model.sedna.io/deploy-model created',
      'incrementallearningjob.sedna.io/helmet created',
      '',
    ].join('\n'),
    // No GM's Lease on this server: the job is stored, nothing acts on it.
    stderr: 'warning: IncrementalLearningJob default/helmet is stored but no global manager is running\n',
  });
  tree.cleanup();
  tree = tempTree({ 'a-dataset.yaml': DATASET, 'b-models.yaml': MODELS, 'c-job.yaml': JOB.replace('trainProb: 0.8', 'trainProb: 0.7') });
  const second = await t.sedna(['apply', '-f', tree.dir]);
  expect(second.code).toBe(0);
  expect(second.stdout.split('\n')).toEqual([
    'dataset.sedna.io/helmet unchanged',
    'model.sedna.io/initial-model unchanged',
    'model.sedna.io/deploy-model unchanged',
    'incrementallearningjob.sedna.io/helmet configured',
    '',
  ]);
  const job = JSON.parse((await t.sedna(['get', 'ij', 'helmet', '-o', 'json'])).stdout) as { spec: { dataset: { trainProb: number } } };
  expect(job.spec.dataset.trainProb).toBe(0.7);
});

test('a field dropped from the file is removed, fields others set stay', async () => {
  const withLabel = DATASET.replace('  name: helmet\n', '  name: helmet\n  labels: {team: vision}\n');
  expect((await t.sedna(['apply', '-f', '-'], { stdin: withLabel })).stdout).toBe('dataset.sedna.io/helmet created\n');
  // Someone else (a controller) adds an annotation.
  await t.client.request('PATCH', '/apis/sedna.io/v1alpha1/namespaces/default/datasets/helmet', {
    body: { metadata: { annotations: { 'example.com/owner': 'gm' } } },
    contentType: 'application/merge-patch+json',
  });
  expect((await t.sedna(['apply', '-f', '-'], { stdin: DATASET })).stdout).toBe('dataset.sedna.io/helmet configured\n');
  const live = JSON.parse((await t.sedna(['get', 'dataset', 'helmet', '-o', 'json'])).stdout) as { metadata: { labels?: object; annotations: object } };
  expect(live.metadata.labels ?? {}).toEqual({});
  expect(live.metadata.annotations).toMatchObject({ 'example.com/owner': 'gm' });
});

test('an invalid object: exit 1, the validate lines on stderr, and nothing applied', async () => {
  tree = tempTree({ 'dataset.yaml': DATASET, 'job.yaml': BAD_JOB, 'secret.yaml': SECRET });
  const r = await t.sedna(['apply', '-f', tree.dir]);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n')).toEqual([
    `${tree.dir}/job.yaml: IncrementalLearningJob default/helmet: spec.dataset.trainProb: 1.5 must be between 0 and 1`,
    `${tree.dir}/job.yaml: IncrementalLearningJob default/helmet: spec.trainSpec.trigger.timer.start: "25:00" is not HH:MM between 00:00 and 24:00`,
    'sedna: nothing done: 1 of 3 objects is invalid',
    '',
  ]);
  expect((await t.sedna(['get', 'datasets'])).stderr).toBe('No resources found in default namespace.\n');
  expect((await t.sedna(['get', 'secrets'])).stderr).toBe('No resources found in default namespace.\n');
});

test('an object the server rejects stops the whole batch before anything is written', async () => {
  const badConfigMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Not_A_Name}\ndata: {a: "1"}\n';
  const r = await t.sedna(['apply', '-f', '-'], { stdin: `${DATASET}---\n${badConfigMap}` });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^<stdin>: ConfigMap default\/Not_A_Name: .*Not_A_Name/m);
  expect(r.stderr).toContain('sedna: nothing applied: the API server rejected 1 of 2 objects');
  expect((await t.sedna(['get', 'datasets'])).stderr).toBe('No resources found in default namespace.\n');
});

test('a kind the server does not serve: exit 1, nothing applied', async () => {
  const r = await t.sedna(['apply', '-f', '-'], { stdin: `${DATASET}---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n` });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`<stdin>: Widget default/w: kind Widget of example.com/v1 is not served by the API server at ${t.server.url}`);
  expect((await t.sedna(['get', 'datasets'])).stderr).toBe('No resources found in default namespace.\n');
});

test('the seed\'s edgeai.io form is applied as a sedna.io object with pod templates', async () => {
  const seed = fs.readFileSync(path.join(repoRoot, 'examples/objects/incremental-learning-job.edgeai.yaml'), 'utf8');
  const r = await t.sedna(['apply', '-f', '-'], { stdin: seed });
  expect(r).toEqual({
    code: 0,
    stdout: 'incrementallearningjob.sedna.io/helmet-detection-classic created\n',
    stderr: 'warning: IncrementalLearningJob default/helmet-detection-classic is stored but no global manager is running\n',
  });
  const job = JSON.parse((await t.sedna(['get', 'ij', 'helmet-detection-classic', '-o', 'json'])).stdout) as {
    apiVersion: string;
    spec: { trainSpec: { template: { spec: { nodeName: string; containers: Array<{ args: string[]; workingDir: string }> } } } };
  };
  expect(job.apiVersion).toBe('sedna.io/v1alpha1');
  expect(job.spec.trainSpec.template.spec.nodeName).toBe('edge-node');
  expect(job.spec.trainSpec.template.spec.containers[0]).toMatchObject({ args: ['train.mjs'], workingDir: '/opt/sedna/examples/helmet-detection' });
  // Applying the same file again changes nothing.
  expect((await t.sedna(['apply', '-f', '-'], { stdin: seed })).stdout).toBe('incrementallearningjob.sedna.io/helmet-detection-classic unchanged\n');
});

test('-n puts objects without a namespace there; an object naming another namespace is refused', async () => {
  await t.client.request('POST', '/api/v1/namespaces', { body: { metadata: { name: 'factory' } } });
  expect((await t.sedna(['apply', '-f', '-', '-n', 'factory'], { stdin: DATASET })).stdout).toBe('dataset.sedna.io/helmet created\n');
  expect((await t.sedna(['get', 'dataset', 'helmet', '-n', 'factory', '-o', 'name'])).stdout).toBe('dataset.sedna.io/helmet\n');
  const other = await t.sedna(['apply', '-f', '-', '-n', 'default'], { stdin: DATASET.replace('  name: helmet\n', '  name: helmet\n  namespace: factory\n') });
  expect(other.code).toBe(1);
  expect(other.stderr).toContain('metadata.namespace: "factory" is not the namespace given with -n ("default")');
  expect((await t.sedna(['delete', 'dataset', 'helmet', '-n', 'factory'])).code).toBe(0);
});

test('--dry-run server checks every object and writes nothing', async () => {
  const r = await t.sedna(['apply', '-f', '-', '--dry-run', 'server'], { stdin: DATASET });
  expect(r).toEqual({ code: 0, stdout: 'dataset.sedna.io/helmet created (server dry run)\n', stderr: '' });
  expect((await t.sedna(['get', 'datasets'])).stderr).toBe('No resources found in default namespace.\n');
});

test('apply without -f is a usage error; a missing file is not found', async () => {
  expect(await t.sedna(['apply'])).toMatchObject({ code: 2, stderr: 'sedna: apply needs at least one -f PATH (a file, a folder, or - for stdin)\n' });
  expect((await t.sedna(['apply', '-f', '/does/not/exist.yaml'])).code).toBe(3);
});
