/** What the RBAC objects of deploy/ grant a ServiceAccount, as `<namespace or *> <group>/<resource> <verb>`. */
import { type LoadedObject } from './manifests.js';

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
}
interface Binding {
  kind: string;
  metadata: { namespace?: string };
  roleRef: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}

/**
 * Every grant the (Cluster)RoleBindings of `objects` give ServiceAccount `namespace/name`: a
 * ClusterRoleBinding to a ClusterRole grants in every namespace (`*`), a RoleBinding in its namespace.
 */
export function grants(objects: readonly LoadedObject[], namespace: string, name: string): Set<string> {
  const out = new Set<string>();
  const roles = objects.map((o) => o.object);
  for (const o of roles) {
    if (o.kind !== 'ClusterRoleBinding' && o.kind !== 'RoleBinding') continue;
    const binding = o as unknown as Binding;
    if (!binding.subjects?.some((s) => s.kind === 'ServiceAccount' && s.name === name && s.namespace === namespace)) continue;
    const scope = o.kind === 'ClusterRoleBinding' ? '*' : (binding.metadata.namespace as string);
    const role = roles.find((r) => r.kind === binding.roleRef.kind && r.metadata.name === binding.roleRef.name && (r.kind === 'ClusterRole' || r.metadata.namespace === binding.metadata.namespace));
    for (const rule of ((role as { rules?: Rule[] } | undefined)?.rules ?? [])) {
      for (const g of rule.apiGroups ?? []) for (const r of rule.resources ?? []) for (const v of rule.verbs ?? []) out.add(`${scope} ${g}/${r} ${v}`);
    }
  }
  return out;
}
