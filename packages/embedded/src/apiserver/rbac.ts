/**
 * Role-based access control, after kube-apiserver's RBAC authorizer: Roles and ClusterRoles hold rules
 * (apiGroups, resources, verbs, resourceNames), RoleBindings and ClusterRoleBindings grant them to
 * users, groups and ServiceAccounts. The server's own token (group `system:masters`) may do everything,
 * as on kube-apiserver. Every other authenticated user may do what the bindings grant, plus what
 * kube-apiserver's default roles grant everyone (discovery, access reviews of oneself). Used for every
 * request, and for the answers of SubjectAccessReview and SelfSubjectAccessReview.
 */
import type { UserInfo } from './authentication.js';
import { ApiServerError } from './errors.js';
import { isPlainObject, type KubeObject } from './kubeObject.js';
import type { ObjectService } from './objectService.js';
import type { ResourceRegistry } from './resources.js';

/** What a request does, as RBAC reads it. */
export interface ResourceAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** An authorization decision and why. */
export interface Decision {
  allowed: boolean;
  reason: string;
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
}

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

const RBAC = 'rbac.authorization.k8s.io';

/** Resources every authenticated user may create (kube-apiserver's system:basic-user). */
const SELF_REVIEWS = new Set(['authorization.k8s.io/selfsubjectaccessreviews', 'authorization.k8s.io/selfsubjectrulesreviews', 'authentication.k8s.io/selfsubjectreviews']);

function has(list: readonly string[] | undefined, value: string): boolean {
  return (list ?? []).some((v) => v === '*' || v === value);
}

function ruleAllows(rule: Rule, a: ResourceAttributes): boolean {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (!has(rule.verbs, a.verb) || !has(rule.apiGroups, a.group)) return false;
  if (!has(rule.resources, resource) && !(rule.resources ?? []).includes(`${a.resource}/*`) && !(a.subresource && (rule.resources ?? []).includes(`*/${a.subresource}`))) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (a.name !== undefined && names.includes(a.name));
}

function subjectMatches(s: Subject, user: UserInfo, bindingNamespace: string): boolean {
  if (s.kind === 'User') return s.name === user.username;
  if (s.kind === 'Group') return s.name !== undefined && user.groups.includes(s.name);
  if (s.kind === 'ServiceAccount') return user.username === `system:serviceaccount:${s.namespace || bindingNamespace}:${s.name}`;
  return false;
}

function rulesOf(o: KubeObject | undefined): Rule[] {
  const rules = o?.rules;
  return Array.isArray(rules) ? rules.filter(isPlainObject) : [];
}

/** Answers "may this user do that?" from the RBAC objects of the store. */
export class RbacAuthorizer {
  constructor(
    private readonly service: ObjectService,
    private readonly registry: ResourceRegistry,
  ) {}

  private list(resource: string, namespace: string | undefined): KubeObject[] {
    return this.service.list(this.registry.require(RBAC, 'v1', resource), namespace, {}).items;
  }

  private find(resource: string, namespace: string, name: string): KubeObject | undefined {
    try {
      return this.service.get(this.registry.require(RBAC, 'v1', resource), namespace, name);
    } catch (error) {
      if (error instanceof ApiServerError && error.code === 'NotFound') return undefined;
      throw error;
    }
  }

  /** Whether `user` may do `a`, and why. */
  authorize(user: UserInfo, a: ResourceAttributes): Decision {
    if (user.groups.includes('system:masters')) return { allowed: true, reason: 'group system:masters may do everything' };
    if (a.verb === 'create' && SELF_REVIEWS.has(`${a.group}/${a.resource}`)) return { allowed: true, reason: 'every authenticated user may review its own access' };
    for (const binding of this.list('clusterrolebindings', undefined)) {
      const subjects = (Array.isArray(binding.subjects) ? binding.subjects : []) as Subject[];
      if (!subjects.some((s) => subjectMatches(s, user, ''))) continue;
      const ref = binding.roleRef as { kind?: string; name?: string } | undefined;
      if (ref?.kind !== 'ClusterRole' || !ref.name) continue;
      if (rulesOf(this.find('clusterroles', '', ref.name)).some((r) => ruleAllows(r, a))) {
        return { allowed: true, reason: `RBAC: allowed by ClusterRoleBinding "${binding.metadata.name}" of ClusterRole "${ref.name}" to ${user.username}` };
      }
    }
    if (a.namespace) {
      for (const binding of this.list('rolebindings', a.namespace)) {
        const subjects = (Array.isArray(binding.subjects) ? binding.subjects : []) as Subject[];
        if (!subjects.some((s) => subjectMatches(s, user, a.namespace as string))) continue;
        const ref = binding.roleRef as { kind?: string; name?: string } | undefined;
        if (!ref?.name) continue;
        const role = ref.kind === 'ClusterRole' ? this.find('clusterroles', '', ref.name) : ref.kind === 'Role' ? this.find('roles', a.namespace, ref.name) : undefined;
        if (rulesOf(role).some((r) => ruleAllows(r, a))) {
          return { allowed: true, reason: `RBAC: allowed by RoleBinding "${binding.metadata.name}/${a.namespace}" of ${ref.kind} "${ref.name}" to ${user.username}` };
        }
      }
    }
    return { allowed: false, reason: '' };
  }

  /** The 403 of a denied request, worded as kube-apiserver words it. */
  static forbidden(user: UserInfo, a: ResourceAttributes): ApiServerError {
    const resource = `${a.resource}${a.group ? `.${a.group}` : ''}`;
    const name = a.name ? ` "${a.name}"` : '';
    const scope = a.namespace ? ` in the namespace "${a.namespace}"` : ' at the cluster scope';
    const sub = a.subresource ? ` subresource "${a.subresource}"` : '';
    return new ApiServerError('Forbidden', `${resource}${name} is forbidden: User "${user.username}" cannot ${a.verb} resource "${a.resource}" in API group "${a.group}"${sub}${scope}`, {
      details: { ...(a.name ? { name: a.name } : {}), group: a.group, kind: a.resource },
    });
  }
}

/** The resource attributes of an access review's spec, or undefined when it names a path. */
export function reviewAttributes(spec: Record<string, unknown>): ResourceAttributes | undefined {
  const ra = spec.resourceAttributes;
  if (!isPlainObject(ra)) return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    verb: str(ra.verb),
    group: str(ra.group),
    resource: str(ra.resource),
    ...(str(ra.subresource) ? { subresource: str(ra.subresource) } : {}),
    ...(str(ra.namespace) ? { namespace: str(ra.namespace) } : {}),
    ...(str(ra.name) ? { name: str(ra.name) } : {}),
  };
}
