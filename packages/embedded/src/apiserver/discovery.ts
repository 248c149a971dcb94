import { createHash } from 'node:crypto';
import { groupVersion, type ResourceRegistry, type ResourceType, verbsOf } from './resources.js';

/** The Kubernetes minor version whose API behaviour the server follows (for `kubectl version`). */
export const KUBERNETES_COMPAT_VERSION = { major: '1', minor: '32' };

/** The answer of `/version`. */
export function versionInfo(packageVersion: string): Record<string, string> {
  return {
    major: KUBERNETES_COMPAT_VERSION.major,
    minor: KUBERNETES_COMPAT_VERSION.minor,
    gitVersion: `v${KUBERNETES_COMPAT_VERSION.major}.${KUBERNETES_COMPAT_VERSION.minor}.0+sedna-embedded-${packageVersion}`,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '1970-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'node',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('base64').slice(0, 11);
}

function subresourceVerbs(sub: string): string[] {
  if (sub === 'log') return ['get'];
  if (sub === 'token') return ['create'];
  return ['get', 'patch', 'update'];
}

/** The kind a subresource answers with, when not the resource's own. */
function subresourceKind(rt: ResourceType, sub: string): { group: string; version: string; kind: string } {
  if (sub === 'log') return { group: '', version: 'v1', kind: 'Pod' };
  if (sub === 'token') return { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' };
  return { group: rt.group, version: rt.version, kind: rt.kind };
}

function subresources(rt: ResourceType): string[] {
  return [...(rt.hasStatus ? ['status'] : []), ...rt.extraSubresources];
}

/** `/api` */
export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupEntry(name: string, versions: string[]): object {
  const list = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: list, preferredVersion: list[0] };
}

/** `/apis` */
export function apiGroupList(registry: ResourceRegistry): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: registry.apiGroups().map((g) => groupEntry(g.name, g.versions)) };
}

/** `/apis/<group>`, or undefined when the group is not served. */
export function apiGroup(registry: ResourceRegistry, group: string): object | undefined {
  const g = registry.apiGroups().find((x) => x.name === group);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(g.name, g.versions) } : undefined;
}

/** `/api/v1` or `/apis/<group>/<version>`: the resources of one group/version. */
export function apiResourceList(registry: ResourceRegistry, group: string, version: string): object {
  const resources: object[] = [];
  for (const rt of registry.resourcesOf(group, version).sort((a, b) => a.resource.localeCompare(b.resource))) {
    resources.push({
      name: rt.resource,
      singularName: rt.singular,
      namespaced: rt.namespaced,
      kind: rt.kind,
      verbs: verbsOf(rt),
      ...(rt.shortNames.length ? { shortNames: rt.shortNames } : {}),
      ...(rt.categories.length ? { categories: rt.categories } : {}),
      ...(rt.verbs ? {} : { storageVersionHash: hash(`${rt.storage}/${rt.storageApiVersion}`) }),
    });
    for (const sub of subresources(rt)) {
      const k = subresourceKind(rt, sub);
      resources.push({
        name: `${rt.resource}/${sub}`,
        singularName: '',
        namespaced: rt.namespaced,
        ...(k.group !== rt.group || k.version !== rt.version ? { group: k.group, version: k.version } : {}),
        kind: k.kind,
        verbs: subresourceVerbs(sub),
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version), resources };
}

/** The Content-Type of an aggregated discovery answer. */
export const AGGREGATED_DISCOVERY_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/**
 * Aggregated discovery (`apidiscovery.k8s.io/v2`): every group, version and resource in one answer,
 * for `/api` (the core group) or `/apis` (the named groups).
 */
export function aggregatedDiscovery(registry: ResourceRegistry, core: boolean): object {
  const groups = core ? [{ name: '', versions: ['v1'] }] : registry.apiGroups();
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.name, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        freshness: 'Current',
        resources: registry
          .resourcesOf(g.name, v)
          .sort((a, b) => a.resource.localeCompare(b.resource))
          .map((rt) => ({
            resource: rt.resource,
            responseKind: { group: rt.group, version: rt.version, kind: rt.kind },
            scope: rt.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: rt.singular,
            verbs: verbsOf(rt),
            ...(rt.shortNames.length ? { shortNames: rt.shortNames } : {}),
            ...(rt.categories.length ? { categories: rt.categories } : {}),
            ...(subresources(rt).length
              ? {
                  subresources: subresources(rt).map((sub) => ({
                    subresource: sub,
                    responseKind: subresourceKind(rt, sub),
                    verbs: subresourceVerbs(sub),
                  })),
                }
              : {}),
          })),
      })),
    })),
  };
}
