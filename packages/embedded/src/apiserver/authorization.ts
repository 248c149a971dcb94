/**
 * SelfSubjectAccessReview and SelfSubjectRulesReview (`kubectl auth can-i`, `kubectl auth can-i
 * --list`). The embedded server authenticates every request but authorizes none (no RBAC): whoever
 * it has authenticated may do everything, and the reviews say so instead of answering 404.
 */
import { ApiServerError } from './errors.js';
import { isPlainObject, type KubeObject } from './kubeObject.js';

const REASON = 'the embedded API server does not enforce RBAC: every authenticated user may do everything';

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
export function selfSubjectAccessReview(body: unknown): KubeObject {
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
  return { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata, spec, status: { allowed: true, reason: REASON } } as unknown as KubeObject;
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
