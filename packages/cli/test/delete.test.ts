import { DATASET, JOB, MODELS, SECRET, tempTree } from './helpers.js';
import { eventually, startTestServer, type TestServer } from './server.js';

let t: TestServer;
/** The line delete prints first: which context and server it acts on (a KUBECONFIG left in a shell would not go unseen). */
const actingOn = () => `sedna: delete on context "sedna-embedded" at ${t.client.server} (from --kubeconfig)\n`;
let tree: ReturnType<typeof tempTree> | undefined;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});
afterEach(() => {
  tree?.cleanup();
  tree = undefined;
});

test('delete -f deletes the objects of the files and says so; a second time they are not found (exit 3)', async () => {
  tree = tempTree({ 'dataset.yaml': DATASET, 'models.yaml': MODELS, 'job.yaml': JOB, 'secret.yaml': SECRET });
  expect((await t.sedna(['apply', '-f', tree.dir])).code).toBe(0);
  const r = await t.sedna(['delete', '-f', tree.dir]);
  expect(r).toEqual({
    code: 0,
    // The job first, what it refers to after.
    stdout: [
      'incrementallearningjob.sedna.io/helmet deleted',
      'dataset.sedna.io/helmet deleted',
      'model.sedna.io/initial-model deleted',
      'model.sedna.io/deploy-model deleted',
      'secret/s3-credentials deleted',
      '',
    ].join('\n'),
    stderr: actingOn(),
  });
  expect((await t.sedna(['get', 'ij'])).stderr).toBe('No resources found in default namespace.\n');
  const again = await t.sedna(['delete', '-f', `${tree.dir}/dataset.yaml`]);
  expect(again).toEqual({ code: 3, stdout: '', stderr: `${actingOn()}sedna: dataset.sedna.io/helmet not found in namespace default\n` });
  expect((await t.sedna(['delete', '-f', `${tree.dir}/dataset.yaml`, '--ignore-not-found'])).code).toBe(0);
});

test('delete KIND NAME deletes by name; a name that does not exist exits 3 after the others are deleted', async () => {
  expect((await t.sedna(['apply', '-f', '-'], { stdin: MODELS })).code).toBe(0);
  const r = await t.sedna(['delete', 'model', 'initial-model', 'missing', 'deploy-model']);
  expect(r).toEqual({
    code: 3,
    stdout: 'model.sedna.io/initial-model deleted\nmodel.sedna.io/deploy-model deleted\n',
    stderr: `${actingOn()}sedna: model.sedna.io/missing not found in namespace default\n`,
  });
});

test('delete KIND/NAME..., of several kinds, as kubectl takes them; mixed with a bare name it is refused', async () => {
  expect((await t.sedna(['apply', '-f', '-'], { stdin: [DATASET, MODELS].join('---\n') })).code).toBe(0);
  expect(await t.sedna(['delete', 'model/initial-model', 'ds/helmet', 'models/deploy-model'])).toEqual({
    code: 0,
    stdout: 'model.sedna.io/initial-model deleted\ndataset.sedna.io/helmet deleted\nmodel.sedna.io/deploy-model deleted\n',
    stderr: actingOn(),
  });
  const mixed = await t.sedna(['delete', 'model/initial-model', 'deploy-model']);
  expect(mixed.code).toBe(2);
  expect(mixed.stderr).toContain('there is no need to specify a resource type as a separate argument');
});

test('delete waits for finalizers unless --no-wait', async () => {
  const DS = '/apis/sedna.io/v1alpha1/namespaces/default/datasets/helmet';
  const held = DATASET.replace('  name: helmet\n', '  name: helmet\n  finalizers: [example.com/hold]\n');
  const terminating = async () => (await t.client.get<{ metadata: { deletionTimestamp?: string } }>(DS)).metadata.deletionTimestamp !== undefined;
  const release = () => t.client.request('PATCH', DS, { contentType: 'application/merge-patch+json', body: { metadata: { finalizers: null } } });

  expect((await t.sedna(['apply', '-f', '-'], { stdin: held })).code).toBe(0);
  expect(await t.sedna(['delete', 'dataset', 'helmet', '--no-wait'])).toEqual({ code: 0, stdout: 'dataset.sedna.io/helmet deleted\n', stderr: actingOn() });
  // Still there, terminating, until its finalizer goes.
  expect(await terminating()).toBe(true);
  await release();

  expect((await t.sedna(['apply', '-f', '-'], { stdin: held })).code).toBe(0);
  const waiting = t.sedna(['delete', 'dataset', 'helmet']);
  await eventually(async () => expect(await terminating()).toBe(true));
  await release();
  expect(await waiting).toEqual({ code: 0, stdout: 'dataset.sedna.io/helmet deleted\n', stderr: actingOn() });
});

test('delete --all and -l delete several; usage errors exit 2', async () => {
  expect((await t.sedna(['apply', '-f', '-'], { stdin: MODELS })).code).toBe(0);
  expect((await t.sedna(['delete', 'models', '--all'])).stdout).toBe('model.sedna.io/deploy-model deleted\nmodel.sedna.io/initial-model deleted\n');
  expect((await t.sedna(['delete', 'models'])).code).toBe(2);
  expect((await t.sedna(['delete'])).code).toBe(2);
  expect((await t.sedna(['delete', 'models', 'x', '--all'])).code).toBe(2);
  expect((await t.sedna(['delete', 'models', '-f', '-'], { stdin: MODELS })).code).toBe(2);
});

test('names that are no path segment (\'\', ., .., with / or %) are refused before any request, naming the value; nothing is deleted', async () => {
  expect((await t.sedna(['apply', '-f', '-'], { stdin: MODELS })).code).toBe(0);
  const models = async () => (await t.sedna(['get', 'models', '-o', 'name'])).stdout;
  const before = await models();
  for (const [name, problem] of [['', 'may not be empty'], ['.', "may not be '.'"], ['..', "may not be '..'"], ['x/..', "may not contain '/'"], ['x%2F..', "may not contain '%'"]] as const) {
    const r = await t.sedna(['delete', 'models', 'initial-model', name]);
    expect(r).toEqual({ code: 2, stdout: '', stderr: `sedna: models NAME ${JSON.stringify(name)}: invalid resource name: ${problem}\n` });
    for (const verb of ['get', 'describe']) expect((await t.sedna([verb, 'models', name])).code).toBe(2);
  }
  expect((await t.sedna(['delete', '-n', '..', 'models', 'initial-model'])).stderr).toContain('namespace "..": invalid resource name');
  expect(await models()).toBe(before);
  expect((await t.client.get<{ metadata?: { name?: string } }>('/api/v1/namespaces/default')).metadata?.name).toBe('default');
  // The same from a file: the object, field and value named; nothing done.
  for (const name of ['..', '.', '"a/b"']) {
    const r = await t.sedna(['delete', '-f', '-'], { stdin: SECRET.replace('name: s3-credentials', `name: ${name}`) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`: metadata.name: ${JSON.stringify(JSON.parse(name.startsWith('"') ? name : `"${name}"`))}`);
  }
  expect(await models()).toBe(before);
  // Nor can a path built in code climb.
  await expect(t.client.get('/api/v1/namespaces/default/%2e%2e')).rejects.toThrow(/is not a name/);
  await t.sedna(['delete', 'models', '--all']);
});

test('the wait after a delete has a deadline: --timeout, exit 5 naming the finalizers left', async () => {
  const DS = '/apis/sedna.io/v1alpha1/namespaces/default/datasets/helmet';
  const held = DATASET.replace('  name: helmet\n', '  name: helmet\n  finalizers: [example.com/hold]\n');
  expect((await t.sedna(['apply', '-f', '-'], { stdin: held })).code).toBe(0);
  const r = await t.sedna(['delete', 'dataset', 'helmet', '--timeout', '1s']);
  expect(r).toEqual({ code: 5, stdout: '', stderr: `${actingOn()}sedna: dataset.sedna.io/helmet: deletion accepted, but still there after --timeout 1s (finalizers left: example.com/hold)\n` });
  await t.client.request('PATCH', DS, { contentType: 'application/merge-patch+json', body: { metadata: { finalizers: null } } });
});

test('durations past the longest timer Node keeps are refused, naming the flag and value', async () => {
  for (const argv of [['delete', 'models', 'x', '--timeout=600h'], ['get', 'models', '--request-timeout=600h'], ['wait', 'x', '--for=delete', '--timeout', '600h']]) {
    const r = await t.sedna(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^sedna: --(request-)?timeout "600h": at most 596h/m);
  }
});
