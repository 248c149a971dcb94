/**
 * What the API server serves, from its discovery documents, and how a user's KIND (singular, plural,
 * short name or kind, optionally qualified by group: `ij`, `pods`, `incrementallearningjobs.sedna.io`)
 * maps to a resource. Works for any served kind: ours through their CRDs, and the built-in ones.
 */
import { didYouMean } from '@sedna-ts/api-types';
import type { KubeClient } from './client.js';
import { CliError } from './errors.js';
import { checkPathSegment } from './names.js';

/** One served resource (a kind at one group/version). */
export interface ApiResource {
  /** API group, `''` for the core group. */
  group: string;
  version: string;
  /** Plural resource name, used in paths (`incrementallearningjobs`). */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: readonly string[];
  categories: readonly string[];
  verbs: readonly string[];
}

/** `apps/v1`, or `v1` for the core group. */
export function apiVersionOf(r: Pick<ApiResource, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** How kubectl names a kind in its output: `incrementallearningjob.sedna.io`, `pod`. */
export function displayKind(r: Pick<ApiResource, 'group' | 'singular' | 'kind'>): string {
  const singular = r.singular || r.kind.toLowerCase();
  return r.group ? `${singular}.${r.group}` : singular;
}

/**
 * The path of a resource's collection, in `namespace` for namespaced kinds (all namespaces without one).
 *
 * @throws CliError USAGE for a namespace that is no path segment (`.`, `..`, with `/` or `%`)
 */
export function collectionPath(r: ApiResource, namespace?: string): string {
  if (r.namespaced && namespace) checkPathSegment(namespace, 'namespace');
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return r.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${r.resource}` : `${base}/${r.resource}`;
}

/**
 * The path of one object.
 *
 * @throws CliError USAGE for a name that is no path segment (`''`, `.`, `..`, with `/` or `%`): it would
 *   name the collection or the level above, not the object
 */
export function objectPath(r: ApiResource, namespace: string | undefined, name: string): string {
  checkPathSegment(name, `${displayKind(r)} name`);
  return `${collectionPath(r, r.namespaced ? namespace : undefined)}/${encodeURIComponent(name)}`;
}

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;q=0.9';

interface AggregatedList {
  kind?: string;
  items?: Array<{
    metadata?: { name?: string };
    versions?: Array<{
      version: string;
      resources?: Array<{
        resource: string;
        responseKind?: { kind?: string };
        scope?: string;
        singularResource?: string;
        verbs?: string[];
        shortNames?: string[];
        categories?: string[];
      }>;
    }>;
  }>;
}

interface LegacyResourceList {
  resources?: Array<{ name: string; singularName?: string; namespaced?: boolean; kind: string; verbs?: string[]; shortNames?: string[]; categories?: string[] }>;
}

interface LegacyGroupList {
  groups?: Array<{ name: string; versions?: Array<{ version: string }>; preferredVersion?: { version: string } }>;
}

/**
 * The resources of one server, in preference order: the core group first, then the groups as the server
 * lists them, each group's preferred version first.
 */
export class Discovery {
  private constructor(readonly resources: readonly ApiResource[]) {}

  /** Reads discovery from `client`: aggregated discovery (one request per root) when served, else the classic documents. */
  static async load(client: KubeClient): Promise<Discovery> {
    const [core, groups] = await Promise.all([
      client.get<AggregatedList & { versions?: string[] }>('/api', { accept: AGGREGATED }),
      client.get<AggregatedList & LegacyGroupList>('/apis', { accept: AGGREGATED }),
    ]);
    const resources: ApiResource[] = [];
    if (core.kind === 'APIGroupDiscoveryList' && groups.kind === 'APIGroupDiscoveryList') {
      for (const list of [core, groups]) {
        for (const item of list.items ?? []) {
          const group = item.metadata?.name ?? '';
          for (const v of item.versions ?? []) {
            for (const r of v.resources ?? []) {
              resources.push({
                group,
                version: v.version,
                resource: r.resource,
                singular: r.singularResource || (r.responseKind?.kind ?? '').toLowerCase(),
                kind: r.responseKind?.kind ?? '',
                namespaced: r.scope === 'Namespaced',
                shortNames: r.shortNames ?? [],
                categories: r.categories ?? [],
                verbs: r.verbs ?? [],
              });
            }
          }
        }
      }
      return new Discovery(resources);
    }
    // Classic discovery: one document per group/version.
    const versions: Array<{ group: string; version: string }> = (core.versions ?? ['v1']).map((version) => ({ group: '', version }));
    for (const g of groups.groups ?? []) {
      const preferred = g.preferredVersion?.version;
      const ordered = [...(g.versions ?? [])].sort((a, b) => Number(b.version === preferred) - Number(a.version === preferred));
      for (const v of ordered) versions.push({ group: g.name, version: v.version });
    }
    const lists = await Promise.all(
      versions.map((gv) => client.get<LegacyResourceList>(gv.group ? `/apis/${gv.group}/${gv.version}` : `/api/${gv.version}`).catch(() => ({ resources: [] }))),
    );
    lists.forEach((list, i) => {
      const { group, version } = versions[i]!;
      for (const r of list.resources ?? []) {
        if (r.name.includes('/')) continue;
        resources.push({
          group,
          version,
          resource: r.name,
          singular: r.singularName || r.kind.toLowerCase(),
          kind: r.kind,
          namespaced: r.namespaced === true,
          shortNames: r.shortNames ?? [],
          categories: r.categories ?? [],
          verbs: r.verbs ?? [],
        });
      }
    });
    return new Discovery(resources);
  }

  /** Builds a Discovery from a list (tests, or a cache). */
  static of(resources: readonly ApiResource[]): Discovery {
    return new Discovery(resources);
  }

  /** The resources whose plural, singular, short name or kind is `name` (case-insensitive), optionally in `group` at `version`. */
  private matches(name: string, group?: string, version?: string): ApiResource[] {
    const n = name.toLowerCase();
    return this.resources.filter(
      (r) =>
        (group === undefined || r.group === group) &&
        (version === undefined || r.version === version) &&
        (r.resource === n || r.singular === n || r.kind.toLowerCase() === n || r.shortNames.includes(n)),
    );
  }

  /**
   * The resource a user means by `kind`: `ij`, `incrementallearningjob`, `IncrementalLearningJob`,
   * `incrementallearningjobs.sedna.io`, `ij.v1alpha1.sedna.io`. When several groups serve the name, the
   * first in discovery order wins (the core group first, as kubectl does), at its preferred version.
   *
   * @throws CliError INVALID_INPUT when the server serves no such kind (with the names it does serve that look alike).
   */
  resolve(kind: string): ApiResource {
    const candidates: ApiResource[] = [];
    const dot = kind.indexOf('.');
    if (dot > 0) {
      const head = kind.slice(0, dot);
      const rest = kind.slice(dot + 1).toLowerCase();
      const second = rest.indexOf('.');
      // name.version.group first, then name.group.
      if (second > 0) candidates.push(...this.matches(head, rest.slice(second + 1), rest.slice(0, second)));
      candidates.push(...this.matches(head, rest));
    }
    candidates.push(...this.matches(kind));
    const found = candidates[0];
    if (found) return found;
    throw new CliError('INVALID_INPUT', `the server doesn't have a resource type "${kind}"${this.hint(kind)}`);
  }

  /** The resource serving `kind` at `apiVersion`, or undefined when the server does not serve it. */
  forKind(apiVersion: string, kind: string): ApiResource | undefined {
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    return this.resources.find((r) => r.group === group && r.version === version && r.kind === kind);
  }

  /** `: did you mean "x"?` for a near miss among served names, else a pointer to the usual ones. */
  private hint(kind: string): string {
    const names = new Set<string>();
    for (const r of this.resources) for (const n of [r.resource, r.singular, ...r.shortNames]) if (n) names.add(n);
    const best = didYouMean(kind.toLowerCase().split('.')[0] ?? '', [...names]);
    if (best !== undefined) return `: did you mean "${best}"?`;
    return ' (a kind as singular, plural or short name: ij, datasets, models, pods, events, ...)';
  }
}
