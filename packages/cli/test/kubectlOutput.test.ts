// `sedna get` with -o jsonpath / custom-columns, --no-headers and --sort-by prints what kubectl prints
// on the same embedded API server. The expected texts are kubectl 1.32's, recorded on these objects;
// when kubectl is on PATH it is also run live on the same server and must print the same.
import { execFile } from 'node:child_process';
import fs, { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { run } from './helpers.js';
import { startTestServer, type TestServer } from './server.js';

const exec = promisify(execFile);
const kubectlPath = (process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'kubectl')).find((p) => existsSync(p));
if (!kubectlPath) console.warn('kubectl is not on PATH: sedna is compared with the recorded kubectl output only');

const OBJECTS = `apiVersion: sedna.io/v1alpha1
kind: Dataset
metadata: {name: helmet-10, labels: {tier: b}}
spec: {url: /data/index.txt, format: txt, nodeName: edge-node}
---
apiVersion: sedna.io/v1alpha1
kind: Dataset
metadata: {name: helmet-9, labels: {tier: a}}
spec: {url: /data/b.txt, format: txt, nodeName: edge-2}
---
apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: initial-model}
spec: {url: /models/initial/model.json, format: tfjs}
---
apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: deploy-model}
spec: {url: /models/deploy/model.onnx, format: onnx}
`;

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  expect((await t.sedna(['apply', '-f', '-'], { stdin: OBJECTS })).code).toBe(0);
  await t.client.request('PATCH', '/apis/sedna.io/v1alpha1/namespaces/default/datasets/helmet-10/status', {
    contentType: 'application/merge-patch+json',
    body: { status: { numberOfSamples: 12 } },
  });
});
afterAll(async () => {
  await t.close();
});

/** A table's AGE cells (the last column) as `<age>`: the only text that depends on when it runs. */
const ages = (text: string) => text.replace(/ \d+[smhdy]\w*$/gm, ' <age>');

const CASES: Array<[string[], string]> = [
  [['ds', '-o', 'jsonpath={.items[*].metadata.name}'], 'helmet-10 helmet-9'],
  [['ds', '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.nodeName}{"\\t"}{.status.numberOfSamples}{"\\n"}{end}'], 'helmet-10\tedge-node\t12\nhelmet-9\tedge-2\t\n'],
  [['ds', 'helmet-9', '-o', 'jsonpath={.spec}'], '{"format":"txt","nodeName":"edge-2","url":"/data/b.txt"}'],
  [['ds,models', '-o', 'jsonpath={range .items[*]}{.kind}/{.metadata.name} {end}'], 'Dataset/helmet-10 Dataset/helmet-9 Model/deploy-model Model/initial-model '],
  [['ds', '-o', 'jsonpath={.items[?(@.spec.nodeName=="edge-2")].metadata.labels.tier}'], 'a'],
  [['ds', 'helmet-10', 'helmet-9', '-o', 'jsonpath={.kind}: {.items[*].status}'], 'List: {"numberOfSamples":12}'],
  [
    ['ds', '-o', 'custom-columns=NAME:.metadata.name,SAMPLES:.status.numberOfSamples,LABELS:.metadata.labels,NODE:{.spec.nodeName}'],
    'NAME        SAMPLES   LABELS        NODE\nhelmet-10   12        map[tier:b]   edge-node\nhelmet-9    <none>    map[tier:a]   edge-2\n',
  ],
  [['ds', '-o', 'custom-columns=NAME:.metadata.name', '--no-headers', '--sort-by=.spec.nodeName'], 'helmet-9\nhelmet-10\n'],
  [['ds', '-l', 'tier=zzz', '-o', 'custom-columns=N:.metadata.name'], 'N\n'],
  // No object: an empty List for json and yaml (nothing on stderr), nothing for -o name.
  [['ds', '-l', 'tier=zzz', '-o', 'json'], '{\n    "apiVersion": "v1",\n    "items": [],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n'],
  [['ds', '-l', 'tier=zzz', '-o', 'yaml'], 'apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: ""\n'],
  [['ds', '-l', 'tier=zzz', '-o', 'name'], ''],
  [['ds', '-l', 'tier=zzz', '-o', 'jsonpath={.kind} {.items[*].metadata.name}'], 'List '],
  [['ds,models', '-l', 'tier=zzz', '-o', 'json'], '{\n    "apiVersion": "v1",\n    "items": [],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n'],
  [['ds,models', '-l', 'tier=zzz', '-o', 'name'], ''],
  [['models', '--sort-by=.spec.format'], 'NAME            FORMAT   AGE\ndeploy-model    onnx     <age>\ninitial-model   tfjs     <age>\n'],
  [['models', '-o', 'wide', '--no-headers', '--sort-by={.spec.url}'], 'deploy-model    onnx   /models/deploy/model.onnx    <age>\ninitial-model   tfjs   /models/initial/model.json   <age>\n'],
  [['ds', '--sort-by=.status.numberOfSamples', '-o', 'name'], 'dataset.sedna.io/helmet-9\ndataset.sedna.io/helmet-10\n'],  [['ds', '--sort-by=.metadata.name', '-o', 'name'], 'dataset.sedna.io/helmet-10\ndataset.sedna.io/helmet-9\n'],
  // Several names: one table; TYPE/NAME arguments: a table per run of one kind, kind/name when several kinds.
  [['ds', 'helmet-10', 'helmet-9'], 'NAME        SAMPLES   NODE        AGE\nhelmet-10   12        edge-node   <age>\nhelmet-9              edge-2      <age>\n'],
  [['ds/helmet-9', 'dataset/helmet-10'], 'NAME        SAMPLES   NODE        AGE\nhelmet-9              edge-2      <age>\nhelmet-10   12        edge-node   <age>\n'],
  [
    ['ds/helmet-9', 'models/deploy-model', 'ds/helmet-10'],
    'NAME                        SAMPLES   NODE     AGE\ndataset.sedna.io/helmet-9             edge-2   <age>\n\nNAME                          FORMAT   AGE\nmodel.sedna.io/deploy-model   onnx     <age>\n\nNAME                         SAMPLES   NODE        AGE\ndataset.sedna.io/helmet-10   12        edge-node   <age>\n',
  ],
  [['ds/helmet-9', 'models/deploy-model', '--no-headers'], 'dataset.sedna.io/helmet-9         edge-2   <age>\nmodel.sedna.io/deploy-model   onnx   <age>\n'],
  [['ds/helmet-9', 'models/deploy-model', '-o', 'name'], 'dataset.sedna.io/helmet-9\nmodel.sedna.io/deploy-model\n'],
  [['ds/helmet-9', 'models/deploy-model', '-o', 'jsonpath={.kind} {.items[*].kind}'], 'List Dataset Model'],
  [['ds/helmet-9', '-o', 'jsonpath={.kind}'], 'Dataset'],
  // Several kinds: sorted across them, and no blank line between kinds without headers.
  [['ds,models', '--sort-by=.metadata.name', '-o', 'name'], 'model.sedna.io/deploy-model\ndataset.sedna.io/helmet-10\ndataset.sedna.io/helmet-9\nmodel.sedna.io/initial-model\n'],
  [['ds,models', '--no-headers'], 'dataset.sedna.io/helmet-10   12    edge-node   <age>\ndataset.sedna.io/helmet-9          edge-2      <age>\nmodel.sedna.io/deploy-model    onnx   <age>\nmodel.sedna.io/initial-model   tfjs   <age>\n'],
];

test.each(CASES)('get %j prints what kubectl prints', async (args, expected) => {
  const r = await t.sedna(['get', ...args]);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(ages(r.stdout)).toBe(expected);
  if (kubectlPath) {
    const live = await exec(kubectlPath, ['--kubeconfig', t.kubeconfig, '--cache-dir', path.join(t.dir, 'kube-cache'), 'get', ...args], { env: { PATH: process.env.PATH ?? '', HOME: t.dir } });
    expect(ages(live.stdout)).toBe(ages(r.stdout));
  }
});

test('-o json and -o yaml print every object with its keys sorted, as kubectl (Go maps)', async () => {
  for (const args of [['ds', '-o', 'json'], ['ds', 'helmet-9', '-o', 'yaml'], ['ds,models', '-o', 'yaml']]) {
    const r = await t.sedna(['get', ...args]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const value = args.includes('json') ? JSON.parse(r.stdout) : parse(r.stdout);
    const unsorted: string[] = [];
    const walk = (v: unknown, at: string): void => {
      if (Array.isArray(v)) v.forEach((item, i) => walk(item, `${at}[${i}]`));
      else if (v && typeof v === 'object') {
        const keys = Object.keys(v);
        if (keys.join() !== [...keys].sort().join()) unsorted.push(at || '.');
        for (const key of keys) walk((v as Record<string, unknown>)[key], `${at}.${key}`);
      }
    };
    walk(value, '');
    expect(unsorted).toEqual([]);
    if (kubectlPath) {
      const live = await exec(kubectlPath, ['--kubeconfig', t.kubeconfig, '--cache-dir', path.join(t.dir, 'kube-cache'), 'get', ...args], { env: { PATH: process.env.PATH ?? '', HOME: t.dir } });
      expect(r.stdout).toBe(live.stdout);
    }
  }
});

test('bad templates, columns and sort paths: a usage error naming them, nothing printed', async () => {
  expect(await t.sedna(['get', 'ds', '-o', 'jsonpath={.items[*].metadata.name'])).toEqual({ code: 2, stdout: '', stderr: 'sedna: -o jsonpath "{.items[*].metadata.name": unclosed action\n' });
  expect(await t.sedna(['get', 'ds', '-o', 'custom-columns=NAME'])).toEqual({ code: 2, stdout: '', stderr: 'sedna: -o custom-columns: "NAME": expected HEADER:PATH, e.g. NAME:.metadata.name\n' });
  expect(await t.sedna(['get', 'ds', '--sort-by', '{.a}{.b}'])).toEqual({ code: 2, stdout: '', stderr: 'sedna: --sort-by "{.a}{.b}": expected a path such as .metadata.name or {.metadata.name}\n' });
  // kubectl prints "No resources found" for a field no object has; sedna says which field.
  expect(await t.sedna(['get', 'ds', '--sort-by', '.nope'])).toEqual({ code: 1, stdout: '', stderr: 'sedna: --sort-by ".nope": none of the 2 objects has that field\n' });
  expect(await t.sedna(['get', 'ds', '-o', 'jsonpath={.items[5].metadata.name}'])).toEqual({
    code: 1,
    stdout: '',
    stderr: 'sedna: error executing jsonpath "{.items[5].metadata.name}": array index out of bounds: index 5, length 2\n',
  });
});

test('usage errors of commander carry the one prefix too', async () => {
  const r = await t.sedna(['get', 'ds', '--bogus']);
  expect(r.code).toBe(2);
  expect(r.stderr.split('\n')[0]).toBe("sedna: unknown option '--bogus'");
  // Every line, commander's suggestion and the hint to --help too.
  const typo = await t.sedna(['log']);
  expect(typo.code).toBe(2);
  expect(typo.stderr).toBe("sedna: unknown command 'log'\nsedna: (Did you mean logs?)\nsedna: run sedna --help for usage\n");
});

test('a kubeconfig that is no YAML: one line, without echoing its bytes', async () => {
  const file = path.join(t.dir, 'binary-kubeconfig');
  fs.writeFileSync(file, Buffer.from([0x7b, 0x0a, 0x00, 0x01, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0x3a, 0x3a, 0x0a, 0x5d]));
  const r = await run(['get', 'ds', '--kubeconfig', file]);
  expect(r.code).toBe(1);
  expect(r.stderr.split('\n')).toHaveLength(2);
  expect(r.stderr).toMatch(/^sedna: .*binary-kubeconfig: not a kubeconfig: /);
  expect(r.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\uffff]/);
});

test('TYPE/NAME arguments refused as kubectl refuses them', async () => {
  const mixed = "sedna: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'sedna get resource/<resource_name>' instead of 'sedna get resource resource/<resource_name>')\n";
  expect(await t.sedna(['get', 'ds/helmet-9', 'helmet-10'])).toEqual({ code: 2, stdout: '', stderr: mixed });
  expect(await t.sedna(['get', 'ds', 'a/b'])).toEqual({ code: 2, stdout: '', stderr: mixed });
  expect(await t.sedna(['get', 'ds/a/b'])).toEqual({ code: 2, stdout: '', stderr: 'sedna: "ds/a/b": arguments in resource/name form may not have more than one slash\n' });
  expect(await t.sedna(['get', '/a'])).toEqual({ code: 2, stdout: '', stderr: 'sedna: "/a": arguments in resource/name form must have a single resource and name\n' });
  expect(await t.sedna(['get', 'ds/helmet-9', '-l', 'tier=a'])).toEqual({ code: 2, stdout: '', stderr: 'sedna: selectors cannot be used when passing resource/name arguments\n' });
  // A name not found: the others printed, the error after them, exit 3.
  const r = await t.sedna(['get', 'ds/helmet-9', 'models/nope', '-o', 'name']);
  expect(r).toEqual({ code: 3, stdout: 'dataset.sedna.io/helmet-9\n', stderr: 'sedna: models.sedna.io "nope" not found\n' });
});
