import { ApiServerError } from './errors.js';
import { compileJsonPath } from './jsonpath.js';
import { isPlainObject, type KubeObject } from './kubeObject.js';
import { type StructuralSchema } from './schema.js';

/** A printer column of a resource's Table form. */
export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  /** How to compute the cell from the object. */
  cell: (object: KubeObject, now: Date) => unknown;
}

/** Reads a field of an object for a field selector (undefined: the field is unset). */
export type FieldReader = (object: KubeObject) => string | undefined;

/** One resource the server serves in one group/version. */
export interface ResourceType {
  group: string;
  version: string;
  /** Plural name, as in the URL. */
  resource: string;
  kind: string;
  listKind: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Whether `status` is a subresource (spec writes ignore status and the reverse). */
  hasStatus: boolean;
  /** Subresources besides status (`log` for pods). */
  extraSubresources: string[];
  /** Key prefix under which the objects are stored (shared by versions and views of one resource). */
  storage: string;
  /** The apiVersion stored objects carry. */
  storageApiVersion: string;
  /** Field selector fields beyond metadata.name and metadata.namespace. */
  fields: Record<string, FieldReader>;
  /** Table columns after Name (Age included where the kind shows it). */
  columns: PrinterColumn[];
  /** For custom resources: the structural schema of this version, when the CRD has one. */
  schema?: StructuralSchema;
  /** For custom resources: whether the CRD is being deleted (no new objects then). */
  terminating?: boolean;
  /** Whether this is a custom resource. */
  custom: boolean;
  /**
   * Verbs served, when not every verb of `RESOURCE_VERBS`: a kind that is never stored (a review,
   * answered by the server on create) serves `['create']` only.
   */
  verbs?: string[];
  /** Turns a stored object into this version's form (default: set apiVersion). */
  fromStorage?: (object: KubeObject) => KubeObject;
  /** Turns this version's form into the stored form (default: set the storage apiVersion). */
  toStorage?: (object: KubeObject) => KubeObject;
}

/** The verbs every served resource supports. */
export const RESOURCE_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** The verbs a resource serves. */
export function verbsOf(rt: ResourceType): string[] {
  return rt.verbs ?? RESOURCE_VERBS;
}

/** `group/version`, or `version` for the core group. */
export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** The object in the form of the resource's version. */
export function toVersion(rt: ResourceType, object: KubeObject): KubeObject {
  if (rt.fromStorage) return rt.fromStorage(object);
  const apiVersion = groupVersion(rt.group, rt.version);
  return object.apiVersion === apiVersion ? object : { ...object, apiVersion };
}

/** The object in its stored form. */
export function toStorage(rt: ResourceType, object: KubeObject): KubeObject {
  if (rt.toStorage) return rt.toStorage(object);
  return { ...object, apiVersion: rt.storageApiVersion, kind: rt.kind };
}

/** Reads a field of an object by a dotted path (`spec.nodeName`), as a field selector compares it. */
export function readPath(object: unknown, dotted: string): string | undefined {
  let cur: unknown = object;
  for (const part of dotted.split('.')) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[part];
  }
  if (cur === undefined || cur === null) return undefined;
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

/** A field reader for a dotted path. */
export function pathField(dotted: string): FieldReader {
  return (o) => readPath(o, dotted);
}

/** A field reader for a CRD selectableField's JSONPath. */
export function jsonPathField(jsonPath: string): FieldReader {
  const compiled = compileJsonPath(jsonPath);
  return (o) => {
    const v = compiled.evaluate(o)[0];
    return v === undefined || v === null ? undefined : String(v);
  };
}

/**
 * The resources the server serves, by group/version/resource, and the discovery data derived from
 * them. Built-in kinds are registered at start; custom resources come and go with their CRDs.
 */
export class ResourceRegistry {
  private readonly byPath = new Map<string, ResourceType>();
  /** Group name to its versions in preference order. */
  private readonly groups = new Map<string, string[]>();
  /** CRD name to the resources it registered. */
  private readonly byCrd = new Map<string, ResourceType[]>();

  /** Registers a resource (replacing one at the same group/version/resource). */
  add(rt: ResourceType): void {
    this.byPath.set(`${rt.group}/${rt.version}/${rt.resource}`, rt);
    const versions = this.groups.get(rt.group) ?? [];
    if (!versions.includes(rt.version)) versions.push(rt.version);
    this.groups.set(rt.group, versions);
  }

  /** Replaces what a CRD registered with `types` (empty to unregister it). */
  setCrd(crdName: string, types: ResourceType[], versionOrder: string[]): void {
    for (const old of this.byCrd.get(crdName) ?? []) {
      this.byPath.delete(`${old.group}/${old.version}/${old.resource}`);
      const left = [...this.byPath.values()].some((r) => r.group === old.group && r.version === old.version);
      if (!left) {
        const versions = (this.groups.get(old.group) ?? []).filter((v) => v !== old.version);
        if (versions.length) this.groups.set(old.group, versions);
        else this.groups.delete(old.group);
      }
    }
    this.byCrd.delete(crdName);
    if (types.length === 0) return;
    for (const rt of types) this.add(rt);
    const group = types[0]?.group as string;
    const versions = this.groups.get(group) ?? [];
    versions.sort((a, b) => {
      const ia = versionOrder.indexOf(a);
      const ib = versionOrder.indexOf(b);
      return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib) || compareVersions(a, b);
    });
    this.byCrd.set(crdName, types);
  }

  /** The resource at group/version/resource, or undefined. */
  lookup(group: string, version: string, resource: string): ResourceType | undefined {
    return this.byPath.get(`${group}/${version}/${resource}`);
  }

  /**
   * The resource at group/version/resource.
   *
   * @throws ApiServerError `NotFound` when the server does not serve it.
   */
  require(group: string, version: string, resource: string): ResourceType {
    const rt = this.lookup(group, version, resource);
    if (!rt) {
      throw new ApiServerError('NotFound', `the server could not find the requested resource (${resource}.${version}${group ? `.${group}` : ''})`, {
        details: { group, kind: resource },
      });
    }
    return rt;
  }

  /** Whether the server serves this group/version. */
  hasGroupVersion(group: string, version: string): boolean {
    return (this.groups.get(group) ?? []).includes(version);
  }

  /** Group names (core group `''` excluded) with their versions, preferred version first. */
  apiGroups(): { name: string; versions: string[] }[] {
    return [...this.groups.entries()].filter(([g]) => g !== '').map(([name, versions]) => ({ name, versions: [...versions] }));
  }

  /** Every resource of a group/version. */
  resourcesOf(group: string, version: string): ResourceType[] {
    return [...this.byPath.values()].filter((r) => r.group === group && r.version === version);
  }

  /** Every registered resource. */
  all(): ResourceType[] {
    return [...this.byPath.values()];
  }

  /** The resources of every version stored under `storage` (all views of one stored resource). */
  byStorage(storage: string): ResourceType[] {
    return [...this.byPath.values()].filter((r) => r.storage === storage);
  }

  /** The preferred resource type for objects stored under `storage`. */
  preferredForStorage(storage: string): ResourceType | undefined {
    const all = this.byStorage(storage);
    return all.find((r) => groupVersion(r.group, r.version) === r.storageApiVersion) ?? all[0];
  }

  /** The resource type of an ownerReference's apiVersion and kind, if served. */
  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    const slash = apiVersion.indexOf('/');
    const group = slash >= 0 ? apiVersion.slice(0, slash) : '';
    const version = slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion;
    return [...this.byPath.values()].find((r) => r.group === group && r.version === version && r.kind === kind);
  }
}

/** Orders Kubernetes versions as discovery does: GA over beta over alpha, higher numbers first. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] | undefined => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    const stage = m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2;
    return [stage, Number(m[1]), Number(m[3] ?? 0)];
  };
  const pa = parse(a);
  const pb = parse(b);
  if (pa && pb) return pb[0] - pa[0] || pb[1] - pa[1] || pb[2] - pa[2];
  if (pa) return -1;
  if (pb) return 1;
  return a.localeCompare(b);
}
