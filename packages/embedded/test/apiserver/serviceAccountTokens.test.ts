// ServiceAccount tokens through client-node, as the kubelet (TokenRequest) and the GM (TokenReview)
// use them: issued bound to a pod, reviewed for an audience, refused once expired, for another
// audience, or when the pod or ServiceAccount behind them is gone or replaced.
import { AuthenticationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1TokenReviewStatus } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type AuditRecord, DEFAULT_SERVICE_ACCOUNT_ISSUER } from '../../src/index.js';
import { ServiceAccountTokenSigner } from '../../src/apiserver/serviceAccountTokens.js';
import { eventually, rejection, removeDir, startTestServer, tempDir, type TestServer } from '../support/apiserver.js';

let t: TestServer;
let auth: AuthenticationV1Api;
const audit: AuditRecord[] = [];
const ns = 'sedna';

beforeAll(async () => {
  t = await startTestServer({ audit: (r) => audit.push(r) });
  auth = t.kc.makeApiClient(AuthenticationV1Api);
  await t.core.createNamespace({ body: { metadata: { name: ns } } });
  await t.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'sedna-lc' } } });
  await t.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'other' } } });
  await t.core.createNode({ body: { metadata: { name: 'edge-1' } } });
});
afterAll(async () => {
  await t.close();
  removeDir(t.dir);
});

/** A pod running as `serviceAccountName` on `node` (null: not scheduled, so deleted at once). */
async function lcPod(name: string, node: string | null = 'edge-1', serviceAccountName = 'sedna-lc'): Promise<string> {
  const spec = { ...(node ? { nodeName: node } : {}), serviceAccountName, containers: [{ name: 'lc', image: 'sedna-ts/lc' }] };
  const pod = await t.core.createNamespacedPod({ namespace: ns, body: { metadata: { name }, spec } });
  return pod.metadata?.uid as string;
}

async function podToken(pod: string, audiences = ['sedna-gm'], sa = 'sedna-lc'): Promise<string> {
  const answer = await t.core.createNamespacedServiceAccountToken({
    name: sa,
    namespace: ns,
    body: { spec: { audiences, expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod } } },
  });
  return answer.status?.token as string;
}

async function review(token: string, audiences?: string[]): Promise<V1TokenReviewStatus> {
  const answer = await auth.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences ? { audiences } : {}) } } });
  return answer.status as V1TokenReviewStatus;
}

describe('TokenRequest and TokenReview', () => {
  test('a token bound to a pod reviews as its ServiceAccount with the pod and its node in extra', async () => {
    const podUid = await lcPod('lc-a');
    const issued = await t.core.createNamespacedServiceAccountToken({
      name: 'sedna-lc',
      namespace: ns,
      body: { spec: { audiences: ['sedna-gm'], expirationSeconds: 7200, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'lc-a' } } },
    });
    expect(issued.spec).toMatchObject({ audiences: ['sedna-gm'], expirationSeconds: 7200, boundObjectRef: { kind: 'Pod', name: 'lc-a', uid: podUid } });
    const expires = new Date(issued.status?.expirationTimestamp as Date).getTime();
    expect(Math.abs(expires - (Date.now() + 7200_000))).toBeLessThan(60_000);

    const sa = await t.core.readNamespacedServiceAccount({ name: 'sedna-lc', namespace: ns });
    const node = await t.core.readNode({ name: 'edge-1' });
    const status = await review(issued.status?.token as string, ['sedna-gm']);
    expect(status).toMatchObject({
      authenticated: true,
      audiences: ['sedna-gm'],
      user: {
        username: 'system:serviceaccount:sedna:sedna-lc',
        uid: sa.metadata?.uid,
        groups: ['system:serviceaccounts', 'system:serviceaccounts:sedna', 'system:authenticated'],
        extra: {
          'authentication.kubernetes.io/pod-name': ['lc-a'],
          'authentication.kubernetes.io/pod-uid': [podUid],
          'authentication.kubernetes.io/node-name': ['edge-1'],
          'authentication.kubernetes.io/node-uid': [node.metadata?.uid],
        },
      },
    });
    expect(status.user?.extra?.['authentication.kubernetes.io/credential-id']?.[0]).toMatch(/^JTI=[0-9a-f-]{36}$/);
  });

  test('a review answers the intersection of audiences, and none in common is unauthenticated', async () => {
    await lcPod('lc-aud');
    const token = await podToken('lc-aud', ['sedna-gm', 'metrics']);
    expect(await review(token, ['metrics', 'elsewhere'])).toMatchObject({ authenticated: true, audiences: ['metrics'] });
    const none = await review(token, ['elsewhere']);
    expect(none.authenticated).toBe(false);
    expect(none.error).toBe('token audiences ["sedna-gm","metrics"] is invalid for the target audiences ["elsewhere"]');
    // No audiences in the review: the API server's own, which this token was not issued for.
    expect(await review(token)).toMatchObject({ authenticated: false });
  });

  test('a token stays valid while its pod terminates, and stops when the pod is gone; a new pod of the same name does not revive it', async () => {
    await lcPod('lc-terminating');
    const terminating = await podToken('lc-terminating');
    await t.core.deleteNamespacedPod({ name: 'lc-terminating', namespace: ns });
    expect((await t.core.readNamespacedPod({ name: 'lc-terminating', namespace: ns })).metadata?.deletionTimestamp).toBeDefined();
    expect((await review(terminating, ['sedna-gm'])).authenticated).toBe(true);

    await lcPod('lc-gone', null);
    const token = await podToken('lc-gone');
    expect((await review(token, ['sedna-gm'])).authenticated).toBe(true);
    await t.core.deleteNamespacedPod({ name: 'lc-gone', namespace: ns });
    expect(await review(token, ['sedna-gm'])).toMatchObject({ authenticated: false, error: 'invalid bearer token, token has been invalidated: Pod sedna/lc-gone no longer exists' });
    const newUid = await lcPod('lc-gone', null);
    const again = await review(token, ['sedna-gm']);
    expect(again.authenticated).toBe(false);
    expect(again.error).toContain(`Pod sedna/lc-gone was replaced (uid ${newUid}`);
  });

  test('a token stops being valid when its ServiceAccount is deleted', async () => {
    await t.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'short-lived' } } });
    await lcPod('lc-short', 'edge-1', 'short-lived');
    const token = await podToken('lc-short', ['sedna-gm'], 'short-lived');
    await t.core.deleteNamespacedServiceAccount({ name: 'short-lived', namespace: ns });
    expect(await review(token, ['sedna-gm'])).toMatchObject({ authenticated: false, error: 'invalid bearer token, token has been invalidated: ServiceAccount sedna/short-lived no longer exists' });
  });

  test('an expired token, one signed by another key and one that is not a JWT are unauthenticated', async () => {
    const podUid = await lcPod('lc-old');
    const sa = await t.core.readNamespacedServiceAccount({ name: 'sedna-lc', namespace: ns });
    const claim = { namespace: ns, serviceaccount: { name: 'sedna-lc', uid: sa.metadata?.uid as string }, pod: { name: 'lc-old', uid: podUid } };
    // Signed with the server's own persisted key, two hours ago for one hour.
    const signer = ServiceAccountTokenSigner.loadOrCreate(t.dir, DEFAULT_SERVICE_ACCOUNT_ISSUER);
    const expired = signer.issue(claim, ['sedna-gm'], 3600, new Date(Date.now() - 7200_000)).token;
    expect(await review(expired, ['sedna-gm'])).toMatchObject({ authenticated: false, error: 'invalid bearer token, token is expired (exp)' });
    const fresh = signer.issue(claim, ['sedna-gm'], 3600, new Date()).token;
    expect((await review(fresh, ['sedna-gm'])).authenticated).toBe(true);
    // A forged signature: the payload of a valid token with its audience changed.
    const [h, p, s] = fresh.split('.') as [string, string, string];
    const forgedPayload = Buffer.from(Buffer.from(p, 'base64url').toString().replace('sedna-gm', 'sedna-gx')).toString('base64url');
    expect((await review(`${h}.${forgedPayload}.${s}`, ['sedna-gx'])).error).toBe('invalid bearer token, signature does not verify');

    const otherDir = tempDir();
    try {
      const foreign = ServiceAccountTokenSigner.loadOrCreate(otherDir, DEFAULT_SERVICE_ACCOUNT_ISSUER).issue(claim, ['sedna-gm'], 3600, new Date()).token;
      expect(await review(foreign, ['sedna-gm'])).toMatchObject({ authenticated: false, error: 'invalid bearer token, not signed by this API server' });
    } finally {
      removeDir(otherDir);
    }
    expect(await review('0123456789abcdef', ['sedna-gm'])).toMatchObject({ authenticated: false, error: 'invalid bearer token, not a JWT' });
  });

  test('a token bound to a Secret or to a Node stops being valid when that object goes', async () => {
    await t.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'bound' }, stringData: { a: '1' } } });
    await t.core.createNode({ body: { metadata: { name: 'edge-9' } } });
    const bound = async (kind: string, name: string) =>
      (await t.core.createNamespacedServiceAccountToken({ name: 'sedna-lc', namespace: ns, body: { spec: { audiences: ['sedna-gm'], boundObjectRef: { kind, apiVersion: 'v1', name } } } })).status?.token as string;
    const toSecret = await bound('Secret', 'bound');
    const toNode = await bound('Node', 'edge-9');
    expect((await review(toSecret, ['sedna-gm'])).authenticated).toBe(true);
    expect(await review(toNode, ['sedna-gm'])).toMatchObject({ authenticated: true, user: { extra: { 'authentication.kubernetes.io/node-name': ['edge-9'] } } });
    await t.core.deleteNamespacedSecret({ name: 'bound', namespace: ns });
    await t.core.deleteNode({ name: 'edge-9' });
    expect(await review(toSecret, ['sedna-gm'])).toMatchObject({ authenticated: false, error: 'invalid bearer token, token has been invalidated: Secret sedna/bound no longer exists' });
    expect(await review(toNode, ['sedna-gm'])).toMatchObject({ authenticated: false, error: 'invalid bearer token, token has been invalidated: Node edge-9 no longer exists' });
  });

  test("the server's own token reviews as its admin for the API's audiences only", async () => {
    expect(await review(t.server.token)).toMatchObject({ authenticated: true, audiences: [DEFAULT_SERVICE_ACCOUNT_ISSUER], user: { username: 'kubernetes-admin' } });
    expect((await review(t.server.token, ['sedna-gm'])).authenticated).toBe(false);
  });

  test('TokenRequest refuses what kube-apiserver refuses', async () => {
    await lcPod('lc-checks');
    const request = (name: string, spec: object) => t.core.createNamespacedServiceAccountToken({ name, namespace: ns, body: { spec } as never });
    expect(await rejection(request('sedna-lc', { expirationSeconds: 10 }))).toMatchObject({
      code: 422,
      status: { reason: 'Invalid', message: 'TokenRequest.authentication.k8s.io "sedna-lc" is invalid: spec.expirationSeconds: Invalid value: 10: may not specify a duration less than 10 minutes' },
    });
    expect(await rejection(request('nobody', {}))).toMatchObject({ code: 404, status: { message: 'serviceaccounts "nobody" not found' } });
    expect(await rejection(request('sedna-lc', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'no-such-pod' } }))).toMatchObject({ code: 404, status: { message: 'pods "no-such-pod" not found' } });
    expect(await rejection(request('other', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'lc-checks' } }))).toMatchObject({
      code: 400,
      status: { message: 'cannot bind token for serviceaccount "other" to pod running with different serviceaccount name.' },
    });
    expect(await rejection(request('sedna-lc', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'lc-checks', uid: 'not-its-uid' } }))).toMatchObject({ code: 409, status: { reason: 'Conflict' } });
    expect(await rejection(request('sedna-lc', { boundObjectRef: { kind: 'Deployment', apiVersion: 'apps/v1', name: 'x' } }))).toMatchObject({ code: 422 });
    const empty = await t.fetch('/apis/authentication.k8s.io/v1/tokenreviews', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ spec: {} }) });
    expect(empty.status).toBe(400);
    expect(empty.json().message).toBe('token is required for TokenReview in authentication');
  });

  test('a token without audiences is for the API: it authenticates API requests, which the audit records under its user', async () => {
    await t.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'sedna-gm' } } });
    // What RBAC grants it (rbac.test.ts: nothing else).
    const rbac = t.kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'pod-lister' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] } });
    await rbac.createNamespacedRoleBinding({ namespace: ns, body: { metadata: { name: 'gm-lists-pods' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-lister' }, subjects: [{ kind: 'ServiceAccount', name: 'sedna-gm' }] } });
    const issued = await t.core.createNamespacedServiceAccountToken({ name: 'sedna-gm', namespace: ns, body: { spec: { audiences: [] } } });
    expect(issued.spec?.audiences).toEqual([DEFAULT_SERVICE_ACCOUNT_ISSUER]);
    const asGm = (token: string): CoreV1Api => {
      const kc = new KubeConfig();
      kc.loadFromOptions({ clusters: [t.kc.getCurrentCluster() as never], users: [{ name: 'gm', token }], contexts: [{ name: 'gm', cluster: t.kc.getCurrentCluster()?.name as string, user: 'gm' }], currentContext: 'gm' });
      return kc.makeApiClient(CoreV1Api);
    };
    await asGm(issued.status?.token as string).listNamespacedPod({ namespace: ns });
    expect(audit.filter((r) => r.user === 'system:serviceaccount:sedna:sedna-gm')).toEqual([{ user: 'system:serviceaccount:sedna:sedna-gm', verb: 'list', group: '', version: 'v1', resource: 'pods', namespace: ns, code: 200 }]);
    expect(audit).toContainEqual({ user: 'kubernetes-admin', verb: 'create', group: '', version: 'v1', resource: 'serviceaccounts', subresource: 'token', namespace: ns, name: 'sedna-gm', code: 201 });
    expect(audit).toContainEqual({ user: 'kubernetes-admin', verb: 'create', group: 'authentication.k8s.io', version: 'v1', resource: 'tokenreviews', code: 201 });

    // A watch is recorded as soon as it starts: it may last for hours.
    const watching = t.fetch('/api/v1/namespaces/sedna/configmaps?watch=1&timeoutSeconds=2', {});
    await eventually(() => expect(audit).toContainEqual({ user: 'kubernetes-admin', verb: 'watch', group: '', version: 'v1', resource: 'configmaps', namespace: ns, code: 200 }));
    await watching;

    // A token for another audience is no API credential.
    await lcPod('lc-api');
    expect(await rejection(asGm(await podToken('lc-api')).listNamespacedPod({ namespace: ns }))).toMatchObject({ code: 401 });
  });

  test('discovery lists tokenreviews (create only) and serviceaccounts/token; other verbs are not allowed', async () => {
    const group = (await t.fetch('/apis/authentication.k8s.io/v1')).json();
    expect(group.resources).toEqual([{ name: 'tokenreviews', singularName: 'tokenreview', namespaced: false, kind: 'TokenReview', verbs: ['create'] }]);
    const core = (await t.fetch('/api/v1')).json();
    expect(core.resources).toContainEqual({ name: 'serviceaccounts/token', singularName: '', namespaced: true, group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] });
    const aggregated = (await t.fetch('/apis', { headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' } })).json();
    const authGroup = aggregated.items.find((g: { metadata: { name: string } }) => g.metadata.name === 'authentication.k8s.io');
    expect(authGroup.versions[0].resources).toEqual([
      { resource: 'tokenreviews', responseKind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenReview' }, scope: 'Cluster', singularResource: 'tokenreview', verbs: ['create'] },
    ]);
    expect((await t.fetch('/apis/authentication.k8s.io/v1/tokenreviews')).status).toBe(405);
    expect((await t.fetch('/api/v1/namespaces/sedna/serviceaccounts/sedna-lc/token')).status).toBe(405);
  });
});

test('tokens stay valid across a restart of the server (the signing key is persisted)', async () => {
  const dir = tempDir();
  let s = await startTestServer({}, dir);
  try {
    await s.core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'lc' } } });
    const token = (await s.core.createNamespacedServiceAccountToken({ name: 'lc', namespace: 'default', body: { spec: { audiences: ['sedna-gm'] } } })).status?.token as string;
    await s.close();
    s = await startTestServer({}, dir);
    const status = (await s.kc.makeApiClient(AuthenticationV1Api).createTokenReview({ body: { spec: { token, audiences: ['sedna-gm'] } } })).status;
    expect(status).toMatchObject({ authenticated: true, user: { username: 'system:serviceaccount:default:lc' } });
  } finally {
    await s.close();
    removeDir(dir);
  }
});
