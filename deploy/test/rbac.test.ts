/**
 * The GM's RBAC in deploy/ is exactly what its code calls (the controller's KUBERNETES_API_ACCESS),
 * no more and no less; the LC's ServiceAccount is bound to nothing. The cluster scenario
 * (cluster.test.ts) checks the other way: every call the GM makes is in that list.
 */
import { expect, test } from '@jest/globals';
import { KUBERNETES_API_ACCESS } from '@sedna-ts/controller';
import { grants } from '../src/rbac.js';
import { loadKustomization } from '../src/manifests.js';
import { DEPLOY_DIR } from '../src/repo.js';

const { objects } = loadKustomization(DEPLOY_DIR);
const gmNamespace = objects.find((o) => o.object.kind === 'Deployment' && o.object.metadata.name === 'sedna-gm')?.object.metadata.namespace as string;

test("the ClusterRole and the Role bound to sedna-gm grant exactly the GM's calls, the Lease in its namespace only", () => {
  const declared = new Set(KUBERNETES_API_ACCESS.flatMap((a) => a.verbs.map((v) => `${a.scope === 'cluster' ? '*' : gmNamespace} ${a.group}/${a.resource} ${v}`)));
  expect([...grants(objects, 'sedna', 'sedna-gm')].sort()).toEqual([...declared].sort());
});

test('the LC ServiceAccount is granted nothing: the LC never calls the API', () => {
  expect([...grants(objects, 'sedna', 'sedna-lc')]).toEqual([]);
});

test('the knowledge base ServiceAccount is granted nothing: the KB never calls the API', () => {
  expect(objects.some((o) => o.object.kind === 'ServiceAccount' && o.object.metadata.name === 'sedna-kb')).toBe(true);
  expect([...grants(objects, 'sedna', 'sedna-kb')]).toEqual([]);
});

test('the grants are read from the bindings (so the checks above can fail)', () => {
  const withExtra = objects.map((o) =>
    o.object.kind === 'ClusterRole' ? { ...o, object: { ...o.object, rules: [...((o.object as unknown as { rules?: object[] }).rules ?? []), { apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }] } } : o,
  );
  expect(grants(withExtra, 'sedna', 'sedna-gm').has('* /configmaps list')).toBe(true);
  const unbound = objects.filter((o) => o.object.kind !== 'ClusterRoleBinding');
  expect([...grants(unbound, 'sedna', 'sedna-gm')].every((g) => g.startsWith(`${gmNamespace} `))).toBe(true);
});
