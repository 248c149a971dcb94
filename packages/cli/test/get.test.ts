import { parse } from 'yaml';
import { DATASET, JOB, MODELS } from './helpers.js';
import { eventually, startTestServer, type TestServer } from './server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await t.client.request('POST', '/api/v1/namespaces', { body: { metadata: { name: 'factory' } } });
  const apply = await t.sedna(['apply', '-f', '-'], { stdin: [DATASET, MODELS, JOB].join('---\n') });
  expect(apply.code).toBe(0);
  expect((await t.sedna(['apply', '-f', '-', '-n', 'factory'], { stdin: JOB.replace('name: helmet\n', 'name: hardhat\n') })).code).toBe(0);
  // The state a GM would have recorded: round 2, training.
  await t.client.request('PATCH', '/apis/sedna.io/v1alpha1/namespaces/default/incrementallearningjobs/helmet/status', {
    contentType: 'application/merge-patch+json',
    body: { status: { round: 2, conditions: [{ type: 'Running', status: 'True', stage: 'Train', round: 2, lastTransitionTime: '2025-01-01T00:00:00Z' }] } },
  });
});
afterAll(async () => {
  await t.close();
});

/** The cells of a printed table, split on runs of 3+ spaces (kubectl's padding). */
function cells(stdout: string): string[][] {
  return stdout
    .trimEnd()
    .split('\n')
    .map((line) => line.split(/ {3,}/));
}

test.each(['ij', 'il', 'incrementaljob', 'incrementallearningjob', 'incrementallearningjobs', 'IncrementalLearningJob', 'incrementallearningjobs.sedna.io', 'ij.v1alpha1.sedna.io'])(
  'the kind %s names incremental learning jobs; the table has stage, status, round and age',
  async (kind) => {
    const r = await t.sedna(['get', kind]);
    expect(r.code).toBe(0);
    const [header, row] = cells(r.stdout);
    expect(header).toEqual(['NAME', 'STAGE', 'STATUS', 'ROUND', 'AGE']);
    expect(row?.slice(0, 4)).toEqual(['helmet', 'Train', 'Running', '2']);
    expect(row?.[4]).toMatch(/^\d+s$/);
  },
);

test('columns are aligned as kubectl aligns them', async () => {
  const r = await t.sedna(['get', 'models']);
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^NAME {3,}FORMAT {3}AGE$/);
  // Every line starts its second column at the same place.
  const starts = lines.map((l) => /^\S+ +/.exec(l)?.[0].length);
  expect(new Set(starts).size).toBe(1);
  expect(lines.slice(1).map((l) => l.split(/ +/).slice(0, 2))).toEqual([
    ['deploy-model', 'onnx'],
    ['initial-model', 'tfjs'],
  ]);
});

test('-A adds the namespace column and lists every namespace', async () => {
  const r = await t.sedna(['get', 'ij', '-A']);
  expect(r.code).toBe(0);
  const rows = cells(r.stdout);
  expect(rows[0]).toEqual(['NAMESPACE', 'NAME', 'STAGE', 'STATUS', 'ROUND', 'AGE']);
  expect(rows.slice(1).map((row) => row.slice(0, 2))).toEqual([
    ['default', 'helmet'],
    ['factory', 'hardhat'],
  ]);
});

test('-o json prints one object, or a v1 List for several', async () => {
  const one = await t.sedna(['get', 'ij', 'helmet', '-o', 'json']);
  expect(one.code).toBe(0);
  expect(JSON.parse(one.stdout)).toMatchObject({ apiVersion: 'sedna.io/v1alpha1', kind: 'IncrementalLearningJob', metadata: { name: 'helmet' }, status: { round: 2 } });
  const list = JSON.parse((await t.sedna(['get', 'models', '-o', 'json'])).stdout) as { kind: string; items: Array<{ kind: string; metadata: { name: string } }> };
  expect(list.kind).toBe('List');
  expect(list.items.map((i) => [i.kind, i.metadata.name])).toEqual([
    ['Model', 'deploy-model'],
    ['Model', 'initial-model'],
  ]);
});

test('-o yaml and -o name', async () => {
  const yaml = await t.sedna(['get', 'dataset', 'helmet', '-o', 'yaml']);
  expect(parse(yaml.stdout)).toMatchObject({ apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', spec: { nodeName: 'edge-node' } });
  expect((await t.sedna(['get', 'models', '-o', 'name'])).stdout).toBe('model.sedna.io/deploy-model\nmodel.sedna.io/initial-model\n');
});

test('built-in kinds work the same way (namespaces, events, pods, nodes)', async () => {
  const ns = await t.sedna(['get', 'ns']);
  expect(cells(ns.stdout)[0]).toEqual(['NAME', 'STATUS', 'AGE']);
  expect(ns.stdout).toContain('factory');
  const pods = await t.sedna(['get', 'po']);
  expect(pods).toEqual({ code: 0, stdout: '', stderr: 'No resources found in default namespace.\n' });
  expect((await t.sedna(['get', 'nodes'])).stderr).toBe('No resources found\n');
});

test('an object that does not exist: exit 3; a kind that is not served: exit 1 with a suggestion', async () => {
  expect(await t.sedna(['get', 'ij', 'nope'])).toEqual({ code: 3, stdout: '', stderr: 'sedna: incrementallearningjobs.sedna.io "nope" not found\n' });
  const kind = await t.sedna(['get', 'incrementallearningjbos']);
  expect(kind.code).toBe(1);
  expect(kind.stderr).toBe('sedna: the server doesn\'t have a resource type "incrementallearningjbos": did you mean "incrementallearningjobs"?\n');
});

test('usage errors exit 2', async () => {
  expect((await t.sedna(['get'])).code).toBe(2);
  expect((await t.sedna(['get', 'ij', '-o', 'xml'])).stderr).toBe('sedna: --output "xml": expected table, wide, json, yaml, name, jsonpath=TEMPLATE, custom-columns=HEADER:PATH,...\n');
  expect((await t.sedna(['get', 'ij', '-n', 'a', '-A'])).code).toBe(2);
  expect((await t.sedna(['get', 'ij', 'helmet', '-A'])).code).toBe(2);
});

test('get -w prints the list, then a row for each change, until interrupted', async () => {
  const controller = new AbortController();
  const patchStatus = (conditions: object[]) =>
    t.client.request('PATCH', '/apis/sedna.io/v1alpha1/namespaces/default/incrementallearningjobs/helmet/status', {
      contentType: 'application/merge-patch+json',
      body: { status: { conditions } },
    });
  let seen = '';
  const watching = t.sedna(['get', 'ij', '-w'], { signal: controller.signal, onStdout: (all) => (seen = all) });
  await eventually(() => expect(seen).toContain('Running'));
  const running = { type: 'Running', status: 'True', stage: 'Train', round: 2 };
  await patchStatus([running, { type: 'Completed', status: 'True', stage: 'Train', round: 2 }]);
  await eventually(() => expect(seen).toMatch(/helmet +Train +Completed +2/));
  controller.abort();
  const r = await watching;
  expect(r.code).toBe(0);
  const rows = cells(r.stdout);
  expect(rows[0]).toEqual(['NAME', 'STAGE', 'STATUS', 'ROUND', 'AGE']);
  expect(rows.slice(1).map((row) => row.slice(0, 4))).toEqual([
    ['helmet', 'Train', 'Running', '2'],
    ['helmet', 'Train', 'Completed', '2'],
  ]);
  await patchStatus([running]);
});

test('get -w -o yaml prints each change as a YAML document', async () => {
  const controller = new AbortController();
  let seen = '';
  const watching = t.sedna(['get', 'model', 'deploy-model', '-w', '-o', 'yaml'], { signal: controller.signal, onStdout: (all) => (seen = all) });
  await eventually(() => expect(seen).toContain('deploy-model'));
  await t.client.request('PATCH', '/apis/sedna.io/v1alpha1/namespaces/default/models/deploy-model', {
    contentType: 'application/merge-patch+json',
    body: { metadata: { labels: { watched: 'yes' } } },
  });
  await eventually(() => expect(seen).toContain('watched: "yes"'));
  controller.abort();
  const docs = (await watching).stdout.split(/^---$/m).map((d) => parse(d) as { metadata: { labels?: object } });
  expect(docs.map((d) => d.metadata.labels ?? {})).toEqual([{}, { watched: 'yes' }]);
});

test('several kinds at once: a table per kind with kind/name, as kubectl prints them; one List for json', async () => {
  const r = await t.sedna(['get', 'datasets,models']);
  expect(r.code).toBe(0);
  const [datasets, models] = r.stdout.split('\n\n');
  expect(cells(datasets!)).toEqual([
    ['NAME', 'SAMPLES', 'NODE', 'AGE'],
    ['dataset.sedna.io/helmet', 'edge-node', expect.stringMatching(/^\d+[sm]/)],
  ]);
  expect(cells(models!).map((row) => row.slice(0, 2))).toEqual([
    ['NAME', 'FORMAT'],
    ['model.sedna.io/deploy-model', 'onnx'],
    ['model.sedna.io/initial-model', 'tfjs'],
  ]);
  const list = JSON.parse((await t.sedna(['get', 'dataset,model', '-o', 'json'])).stdout) as { items: Array<{ kind: string }> };
  expect(list.items.map((i) => i.kind)).toEqual(['Dataset', 'Model', 'Model']);
  expect((await t.sedna(['get', 'ij,pods', '-w'])).code).toBe(2);
});

test('values from the server with terminal escapes: tables, custom-columns and describe escape them; -o yaml double-quotes tabs and escapes', async () => {
  const note = 'x\x1b]8;;http://evil\x07link\x1b]8;;\x07\x1b[2J\ty';
  await t.client.request('POST', '/apis/sedna.io/v1alpha1/namespaces/default/models', {
    body: { apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name: 'hostile', annotations: { note } }, spec: { url: '/m/\x1b[31mred.onnx', format: 'onnx' } },
  });
  try {
    const escaped = 'x\\x1b]8;;http://evil\\x07link\\x1b]8;;\\x07\\x1b[2J\ty';
    for (const args of [['models', 'hostile', '-o', 'wide'], ['models', 'hostile', '-o', 'custom-columns=NOTE:.metadata.annotations.note'], ['models', 'hostile', '-o', 'jsonpath={.spec.url}']]) {
      const r = await t.sedna(['get', ...args]);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/);
      expect(r.stdout).toContain(args[3]!.startsWith('custom') ? escaped : '/m/\\x1b[31mred.onnx');
    }
    // Widths are measured on the escaped text: the escaped row lines up with the others.
    const wide = (await t.sedna(['get', 'models', '-o', 'wide'])).stdout.trimEnd().split('\n');
    expect(wide).toHaveLength(4);
    const lastStart = (line: string) => line.length - (/\S+$/.exec(line)?.[0].length ?? 0);
    expect(new Set(wide.map(lastStart)).size).toBe(1);
    const described = await t.sedna(['describe', 'model', 'hostile']);
    expect(described.stdout).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/);
    const yaml = await t.sedna(['get', 'model', 'hostile', '-o', 'yaml']);
    expect(yaml.stdout).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/);
    expect(yaml.stdout).toContain('note: "x\\e]8;;http://evil\\alink\\e]8;;\\a\\e[2J\\ty"');
    expect((parse(yaml.stdout) as { metadata: { annotations: { note: string } } }).metadata.annotations.note).toBe(note);
  } finally {
    await t.client.request('DELETE', '/apis/sedna.io/v1alpha1/namespaces/default/models/hostile');
  }
});
