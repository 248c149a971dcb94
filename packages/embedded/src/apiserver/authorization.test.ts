import { ApiServerError } from './errors.js';
import { selfSubjectAccessReview, selfSubjectRulesReview } from './authorization.js';

test('a SelfSubjectAccessReview of a resource or of a path is allowed, with the reason, its spec echoed', () => {
  const resource = { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } };
  expect(selfSubjectAccessReview({ spec: resource })).toEqual({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: { creationTimestamp: null },
    spec: resource,
    status: { allowed: true, reason: 'the embedded API server lets every authenticated user read its discovery paths' },
  });
  expect(selfSubjectAccessReview({ spec: { nonResourceAttributes: { path: '/healthz', verb: 'get' } } }).status).toMatchObject({ allowed: true });
});

test.each([
  ['neither attribute', { spec: {} }, '"null"'],
  ['both attributes', { spec: { resourceAttributes: {}, nonResourceAttributes: {} } }, '"both"'],
])('a SelfSubjectAccessReview with %s is invalid, naming spec.resourceAttributes', (_what, body, value) => {
  let error: unknown;
  try {
    selfSubjectAccessReview(body);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ApiServerError);
  expect((error as ApiServerError).code).toBe('Invalid');
  expect((error as ApiServerError).message).toContain(`spec.resourceAttributes: Invalid value: ${value}: exactly one of nonResourceAttributes or resourceAttributes must be specified`);
});

test('a review that is not an object, or has a namespace, is a bad request', () => {
  expect(() => selfSubjectAccessReview('yes?')).toThrow('the SelfSubjectAccessReview must be a JSON object');
  expect(() => selfSubjectRulesReview({ metadata: { namespace: 'x' }, spec: {} })).toThrow('namespace is not allowed on this type');
});

test('a SelfSubjectRulesReview lists every verb on every resource and path, complete', () => {
  expect(selfSubjectRulesReview({ spec: { namespace: 'default' } })).toEqual({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectRulesReview',
    metadata: { creationTimestamp: null },
    spec: { namespace: 'default' },
    status: { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false },
  });
});
