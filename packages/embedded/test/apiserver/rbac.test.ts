// RBAC on the embedded API server: a ServiceAccount may do what its Role grants and nothing more, its
// requests answer 403 otherwise (as kube-apiserver words it), and SubjectAccessReview and
// SelfSubjectAccessReview answer from the same objects. The server's own token may do everything.
import { AuthorizationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { rejection, registerWidgets, removeDir, startTestServer, WIDGETS, type TestServer } from '../support/apiserver.js';

let t: TestServer;
let viewerToken: string;
const ns = 'team';

function as(token: string): KubeConfig {
  const kc = new KubeConfig();
  const cluster = t.kc.getCurrentCluster();
  kc.loadFromOptions({ clusters: [{ ...cluster, name: 'c' }], users: [{ name: 'u', token }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
  return kc;
}

beforeAll(async () => {
  t = await startTestServer();
  await registerWidgets(t);
  await t.core.createNamespace({ body: { metadata: { name: ns } } });
  await t.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'viewer' } } });
  const rbac = t.kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'widget-reader' }, rules: [{ apiGroups: [WIDGETS.group], resources: [WIDGETS.plural], verbs: ['get', 'list', 'watch'] }] } });
  await rbac.createNamespacedRoleBinding({
    namespace: ns,
    body: { metadata: { name: 'viewer-reads' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'widget-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'viewer', namespace: ns }] },
  });
  await t.custom.createNamespacedCustomObject({ ...WIDGETS, namespace: ns, body: { apiVersion: `${WIDGETS.group}/${WIDGETS.version}`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 1 } } });
  const issued = await t.core.createNamespacedServiceAccountToken({ name: 'viewer', namespace: ns, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  viewerToken = issued.status?.token as string;
});
afterAll(async () => {
  await t.close();
  removeDir(t.dir);
});

test('a ServiceAccount reads what its Role grants and is refused the rest with 403, naming the user, verb and resource', async () => {
  const custom = as(viewerToken).makeApiClient(CustomObjectsApi);
  expect(((await custom.getNamespacedCustomObject({ ...WIDGETS, namespace: ns, name: 'w1' })) as { metadata: { name: string } }).metadata.name).toBe('w1');
  const update = await rejection(custom.patchNamespacedCustomObject({ ...WIDGETS, namespace: ns, name: 'w1', body: [{ op: 'replace', path: '/spec/size', value: 2 }] }));
  expect(update.code).toBe(403);
  expect(update.status.message).toBe(`widgets.${WIDGETS.group} "w1" is forbidden: User "system:serviceaccount:${ns}:viewer" cannot patch resource "widgets" in API group "${WIDGETS.group}" in the namespace "${ns}"`);
  expect((await rejection(as(viewerToken).makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns }))).code).toBe(403);
  // Another namespace: the RoleBinding does not reach it.
  expect((await rejection(custom.listNamespacedCustomObject({ ...WIDGETS, namespace: 'default' }))).code).toBe(403);
  // The server's own token may do everything.
  await t.custom.patchNamespacedCustomObject({ ...WIDGETS, namespace: ns, name: 'w1', body: [{ op: 'replace', path: '/spec/size', value: 3 }] });
});

test('SubjectAccessReview and SelfSubjectAccessReview answer from the same RBAC objects', async () => {
  const attrs = (verb: string) => ({ namespace: ns, verb, group: WIDGETS.group, resource: WIDGETS.plural, name: 'w1' });
  const admin = t.kc.makeApiClient(AuthorizationV1Api);
  const user = `system:serviceaccount:${ns}:viewer`;
  const sar = async (verb: string) => (await admin.createSubjectAccessReview({ body: { spec: { user, groups: ['system:serviceaccounts', 'system:authenticated'], resourceAttributes: attrs(verb) } } })).status;
  expect(await sar('get')).toMatchObject({ allowed: true, reason: `RBAC: allowed by RoleBinding "viewer-reads/${ns}" of Role "widget-reader" to ${user}` });
  expect(await sar('update')).toMatchObject({ allowed: false });
  const self = as(viewerToken).makeApiClient(AuthorizationV1Api);
  expect((await self.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: attrs('list') } } })).status?.allowed).toBe(true);
  expect((await self.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: attrs('delete') } } })).status?.allowed).toBe(false);
  // A SubjectAccessReview is a privileged question: the viewer may not ask it about others.
  expect((await rejection(self.createSubjectAccessReview({ body: { spec: { user: 'someone', resourceAttributes: attrs('get') } } }))).code).toBe(403);
  const bad = await rejection(admin.createSubjectAccessReview({ body: { spec: { resourceAttributes: attrs('get') } } }));
  expect(bad.status.message).toContain('spec.user');
});
