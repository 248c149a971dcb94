/** deploy/crds is generated from @sedna-ts/api-types and stays so; the kustomization applies all of it. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { expectedCrdFiles } from '../src/crds.js';
import { loadKustomization } from '../src/manifests.js';
import { DEPLOY_DIR, REPO_ROOT } from '../src/repo.js';

const expected = expectedCrdFiles();

test.each([...expected.keys()])('deploy/crds/%s is the one api-types generates (else: npm run generate -w @sedna-ts/deploy)', (file) => {
  expect(readFileSync(path.join(DEPLOY_DIR, 'crds', file), 'utf8')).toBe(expected.get(file));
});

test('deploy/crds holds no CRD that api-types does not make, and the same files as api-types/crds', () => {
  expect(readdirSync(path.join(DEPLOY_DIR, 'crds')).sort()).toEqual([...expected.keys()].sort());
  for (const file of expected.keys()) expect(readFileSync(path.join(REPO_ROOT, 'packages/api-types/crds', file), 'utf8')).toBe(expected.get(file));
});

test('the kustomization applies every CRD, before the workloads that need them', () => {
  const { resources } = loadKustomization(DEPLOY_DIR);
  const crds = resources.filter((r) => r.startsWith('crds/'));
  expect(crds.sort()).toEqual([...expected.keys()].map((f) => `crds/${f}`).sort());
  const firstWorkload = resources.findIndex((r) => r.startsWith('gm/') || r.startsWith('lc/'));
  expect(Math.max(...crds.map((c) => resources.indexOf(c)))).toBeLessThan(firstWorkload);
});
