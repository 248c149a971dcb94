import { crdsToYaml, sednaCustomResourceDefinitions } from '@sedna-ts/api-types';
import { parseAllDocuments } from 'yaml';
import { run } from './helpers.js';

test('sedna crds prints the six CRDs as one YAML stream', async () => {
  const r = await run(['crds']);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(crdsToYaml());
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
  expect(docs.map((d) => d.metadata.name)).toEqual([
    'datasets.sedna.io',
    'models.sedna.io',
    'incrementallearningjobs.sedna.io',
    'lifelonglearningjobs.sedna.io',
    'jointinferenceservices.sedna.io',
    'federatedlearningjobs.sedna.io',
  ]);
  expect(docs.every((d) => d.kind === 'CustomResourceDefinition')).toBe(true);
});

test('sedna crds -o json prints a v1 List of the same objects', async () => {
  const r = await run(['crds', '-o', 'json']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ apiVersion: 'v1', kind: 'List', items: sednaCustomResourceDefinitions() });
});

test('an unknown output format is a usage error', async () => {
  expect(await run(['crds', '-o', 'xml'])).toEqual({ code: 2, stdout: '', stderr: 'sedna: --output "xml": expected yaml or json\n' });
});
