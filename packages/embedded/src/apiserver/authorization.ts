/**
 * SubjectAccessReview, SelfSubjectAccessReview and SelfSubjectRulesReview (`kubectl auth can-i`,
 * `kubectl auth can-i --list`). Access reviews of a resource are answered by the RBAC authorizer
 * (rbac.ts), as every request is; a review of a path (discovery, health) is allowed to every
 * authenticated user. The rules review still lists everything for the server's own user only.
 */
import type { UserInfo } from './authentication.js';
import { ApiServerError } from './errors.js';
import { isPlainObject, type KubeObject } from './kubeObject.js';
import { reviewAttributes, type Decision, type ResourceAttributes } from './rbac.js';

const REASON = 'the embedded API server lets every authenticated user read its discovery paths';

/** Decides a resource access review. */
export type AccessDecider = (user: UserInfo, attributes: ResourceAttributes) => Decision;

function reviewBody(kind: string, body: unknown): { metadata: Record<string, unknown>; spec: Record<string, unknown> } {
  if (!isPlainObject(body)) throw new ApiServerError('BadRequest', `the ${kind} must be a JSON object`);
  const metadata = isPlainObject(body.metadata) ? body.metadata : {};
  if (metadata.namespace !== undefined && metadata.namespace !== '') throw new ApiServerError('BadRequest', 'namespace is not allowed on this type');
  const spec = isPlainObject(body.spec) ? body.spec : {};
  return { metadata: { ...(typeof metadata.name === 'string' ? { name: metadata.name } : {}), creationTimestamp: null }, spec };
}

/**
 * Answers a SelfSubjectAccessReview: allowed, with the reason. Its spec must name a resource
 * (`resourceAttributes`) or a path (`nonResourceAttributes`), as kube-apiserver requires.
 *
 * @throws ApiServerError `Invalid` naming `spec.resourceAttributes` when it names neither or both.
 */
export function selfSubjectAccessReview(body: unknown, user?: UserInfo, decide?: AccessDecider): KubeObject {
  const { metadata, spec } = reviewBody('SelfSubjectAccessReview', body);
  const resource = isPlainObject(spec.resourceAttributes);
  const path = isPlainObject(spec.nonResourceAttributes);
  if (resource === path) {
    const value = resource ? 'both' : 'null';
    throw new ApiServerError(
      'Invalid',
      `SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "${value}": exactly one of nonResourceAttributes or resourceAttributes must be specified`,
      { details: { kind: 'SelfSubjectAccessReview', group: 'authorization.k8s.io', causes: [{ reason: 'FieldValueInvalid', field: 'spec.resourceAttributes', message: `Invalid value: "${value}": exactly one of nonResourceAttributes or resourceAttributes must be specified` }] } },
    );
  }
  const attributes = reviewAttributes(spec);
  const status = attributes && user && decide ? decide(user, attributes) : { allowed: true, reason: REASON };
  return { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata, spec, status } as unknown as KubeObject;
}

/**
 * Answers a SubjectAccessReview: may `spec.user` (with `spec.groups`) do `spec.resourceAttributes`?
 *
 * @throws ApiServerError `Invalid` naming `spec.user` when neither a user nor a group is given, or
 *   `spec.resourceAttributes` when the review names no resource.
 */
export function subjectAccessReview(body: unknown, decide: AccessDecider): KubeObject {
  const { metadata, spec } = reviewBody('SubjectAccessReview', body);
  const invalid = (field: string, message: string) =>
    new ApiServerError('Invalid', `SubjectAccessReview.authorization.k8s.io "" is invalid: ${field}: ${message}`, {
      details: { kind: 'SubjectAccessReview', group: 'authorization.k8s.io', causes: [{ reason: 'FieldValueInvalid', field, message }] },
    });
  const username = typeof spec.user === 'string' ? spec.user : '';
  const groups = Array.isArray(spec.groups) ? spec.groups.filter((g): g is string => typeof g === 'string') : [];
  if (!username && groups.length === 0) throw invalid('spec.user', 'Invalid value: "": at least one of user or group must be specified');
  const attributes = reviewAttributes(spec);
  if (!attributes) {
    if (isPlainObject(spec.nonResourceAttributes)) return { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata, spec, status: { allowed: true, reason: REASON } } as unknown as KubeObject;
    throw invalid('spec.resourceAttributes', 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified');
  }
  const status = decide({ username, groups, ...(typeof spec.uid === 'string' ? { uid: spec.uid } : {}) }, attributes);
  return { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata, spec, status } as unknown as KubeObject;
}

/** Answers a SelfSubjectRulesReview: every verb on every resource and path, complete. */
export function selfSubjectRulesReview(body: unknown): KubeObject {
  const { metadata, spec } = reviewBody('SelfSubjectRulesReview', body);
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectRulesReview',
    metadata,
    spec: { namespace: typeof spec.namespace === 'string' ? spec.namespace : '' },
    status: {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    },
  } as unknown as KubeObject;
}
