import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { defaultBuiltin, normalizeSecret, normalizeTimes } from './builtins.js';
import { CRD_CLEANUP_FINALIZER, establishedStatus, validateCrd } from './crd.js';
import { ApiServerError, type StatusCause } from './errors.js';
import { displayName, isPlainObject, type KubeObject, rfc3339 } from './kubeObject.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, cloneJson, type Json } from './patch.js';
import { groupVersion, type ResourceRegistry, type ResourceType, toStorage, toVersion } from './resources.js';
import { applySchema, type SchemaIssue } from './schema.js';
import { type FieldRequirement, type LabelSelector, matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { keyPrefix, objectKey, type Store, type WriteTx } from './store.js';
import { validateMetadata } from './validation.js';

/** How unknown fields of a custom resource are handled (`fieldValidation`). */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** Options shared by create, update and patch. */
export interface WriteOptions {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  /** `status` to write through the status subresource. */
  subresource?: 'status';
}

/** The outcome of a write: the object as stored and any warnings for the client. */
export interface WriteResult {
  object: KubeObject;
  warnings: string[];
  /** For apply patches and creates: whether the object was created. */
  created: boolean;
}

/** The patch formats the server accepts (by Content-Type). */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** `DeleteOptions` as a client sends them. */
export interface DeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/** The outcome of a delete: the object (gone, or marked for deletion) and whether it is gone. */
export interface DeleteResult {
  object: KubeObject;
  deleted: boolean;
}

/** List parameters. */
export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

/** A list answer in storage form, before conversion to a version or a Table. */
export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** A compiled object filter: namespace, label selector and field selector. */
export interface ObjectFilter {
  namespace?: string;
  labels: LabelSelector;
  fields: FieldRequirement[];
  /** Whether the object (in storage form) passes. */
  matches(o: KubeObject): boolean;
}

/** Namespaces that exist from the start and cannot be deleted. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

const NAME_SUFFIX_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_SUFFIX_CHARS[Math.floor(Math.random() * NAME_SUFFIX_CHARS.length)];
  return s;
}

function qualified(rt: ResourceType): string {
  return rt.group ? `${rt.resource}.${rt.group}` : rt.resource;
}

function kindQualified(rt: ResourceType): string {
  return rt.group ? `${rt.kind}.${rt.group}` : rt.kind;
}

/** 404 for an object of `rt`, as the Kubernetes API words it. */
export function notFound(rt: ResourceType, name: string): ApiServerError {
  return new ApiServerError('NotFound', `${qualified(rt)} "${name}" not found`, { details: { name, group: rt.group, kind: rt.resource } });
}

function conflict(rt: ResourceType, name: string, why: string): ApiServerError {
  return new ApiServerError('Conflict', `Operation cannot be fulfilled on ${qualified(rt)} "${name}": ${why}`, {
    details: { name, group: rt.group, kind: rt.resource },
  });
}

const STALE = 'the object has been modified; please apply your changes to the latest version and try again';

function invalid(rt: ResourceType, name: string, issues: SchemaIssue[]): ApiServerError {
  const causes: StatusCause[] = issues.map((i) => ({ reason: i.reason, message: i.message, field: i.field }));
  const text = issues.length === 1 ? `${issues[0]?.field}: ${issues[0]?.message}` : `[${issues.map((i) => `${i.field}: ${i.message}`).join(', ')}]`;
  return new ApiServerError('Invalid', `${kindQualified(rt)} "${name}" is invalid: ${text}`, { details: { name, group: rt.group, kind: rt.kind, causes } });
}

function badRequest(message: string): ApiServerError {
  return new ApiServerError('BadRequest', message);
}

/**
 * Whether the server keeps `metadata.generation` for a resource: custom resources and CRDs do; the
 * built-in kinds served here (Pod, Node, Namespace, Secret, ConfigMap, ServiceAccount, Event, Lease)
 * do not in Kubernetes 1.32, whose version this server reports.
 */
function tracksGeneration(rt: ResourceType): boolean {
  return rt.custom || (rt.group === 'apiextensions.k8s.io' && rt.resource === 'customresourcedefinitions');
}

/** The part of an object that counts for `metadata.generation`. */
function generationView(rt: ResourceType, o: KubeObject): Record<string, unknown> {
  const { metadata: _m, status, apiVersion: _a, kind: _k, ...rest } = o;
  return rt.hasStatus ? rest : { ...rest, status };
}

function isTerminalPod(o: KubeObject): boolean {
  const phase = isPlainObject(o.status) ? o.status.phase : undefined;
  return phase === 'Succeeded' || phase === 'Failed';
}

function isPodResource(rt: ResourceType): boolean {
  return !rt.custom && rt.group === '' && rt.resource === 'pods';
}

/**
 * The semantics of the Kubernetes API over the store: create (generateName, defaults, validation,
 * uid, timestamps), update (optimistic concurrency, status/spec separation, generation), patch
 * (JSON, merge, strategic merge, apply), delete (preconditions, graceful deletion of bound pods,
 * finalizers, propagation finalizers), list (selectors, consistent pagination) and the filters
 * watches use. Every write runs as one store mutation, so it is atomic and serialised.
 */
export class ObjectService {
  constructor(
    readonly store: Store,
    readonly registry: ResourceRegistry,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The store key of an object of `rt`. */
  key(rt: ResourceType, namespace: string, name: string): string {
    return objectKey(rt.storage, rt.namespaced ? namespace : '', name);
  }

  /**
   * Compiles selectors into a filter for `rt`.
   *
   * @throws ApiServerError `BadRequest` for a malformed selector or an unsupported field.
   */
  filter(rt: ResourceType, namespace: string | undefined, labelSelector?: string, fieldSelector?: string): ObjectFilter {
    const labels = parseLabelSelector(labelSelector);
    const fields = parseFieldSelector(fieldSelector);
    const readers = fields.map((f) => {
      if (f.field === 'metadata.name') return (o: KubeObject) => o.metadata.name;
      if (f.field === 'metadata.namespace') return (o: KubeObject) => o.metadata.namespace ?? '';
      const reader = rt.fields[f.field];
      if (!reader) throw badRequest(`field label not supported: ${f.field}`);
      return reader;
    });
    return {
      ...(namespace !== undefined ? { namespace } : {}),
      labels,
      fields,
      matches: (o) => {
        if (namespace !== undefined && rt.namespaced && (o.metadata.namespace ?? '') !== namespace) return false;
        if (!matchLabels(labels, o.metadata.labels)) return false;
        if (fields.length === 0) return true;
        return matchFields(fields, (field) => readers[fields.findIndex((f) => f.field === field)]?.(o));
      },
    };
  }

  /** Reads one object (storage form). @throws ApiServerError `NotFound`. */
  get(rt: ResourceType, namespace: string, name: string): KubeObject {
    const o = this.store.get(this.key(rt, namespace, name));
    if (!o) throw notFound(rt, name);
    return o;
  }

  /**
   * Lists objects (storage form) with selectors and pagination. A continue token or an Exact
   * resourceVersion reads the list as it was at that revision, rebuilt from the event log; past the
   * watch window it answers 410 Expired.
   */
  list(rt: ResourceType, namespace: string | undefined, options: ListOptions): ListResult {
    const filter = this.filter(rt, namespace, options.labelSelector, options.fieldSelector);
    const prefix = keyPrefix(rt.storage, rt.namespaced ? namespace : undefined);
    let atRev = this.store.revision;
    let after: string | undefined;
    if (options.continue) {
      const token = decodeContinue(options.continue);
      if (token.rev < this.store.compacted) {
        throw new ApiServerError(
          'Expired',
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
          { statusMetadata: { continue: encodeContinue(this.store.revision, token.start) } },
        );
      }
      atRev = token.rev;
      after = token.start;
    } else if (options.resourceVersion && options.resourceVersion !== '0') {
      const rv = parseResourceVersion(options.resourceVersion);
      if (options.resourceVersionMatch === 'Exact') {
        if (rv < this.store.compacted) throw new ApiServerError('Expired', `too old resource version: ${rv} (${this.store.compacted + 1})`);
        if (rv > this.store.revision) throw new ApiServerError('Timeout', `Too large resource version: ${rv}, current: ${this.store.revision}`, { details: { retryAfterSeconds: 1 } });
        atRev = rv;
      } else if (rv > this.store.revision) {
        throw new ApiServerError('Timeout', `Too large resource version: ${rv}, current: ${this.store.revision}`, { details: { retryAfterSeconds: 1 } });
      }
    }
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const items: KubeObject[] = [];
    let lastKey: string | undefined;
    let more = false;
    for (const [key, o] of this.snapshot(prefix, atRev, after)) {
      if (!filter.matches(o)) continue;
      if (items.length >= limit) {
        more = true;
        break;
      }
      items.push(o);
      lastKey = key;
    }
    const result: ListResult = { items, resourceVersion: String(atRev) };
    if (more && lastKey !== undefined) {
      result.continue = encodeContinue(atRev, lastKey);
      if (filter.labels.length === 0 && filter.fields.length === 0 && atRev === this.store.revision) {
        result.remainingItemCount = this.store.count(prefix, lastKey);
      }
    }
    return result;
  }

  /** Objects under `prefix` as they were at revision `atRev`, in key order, after key `after`. */
  private *snapshot(prefix: string, atRev: number, after?: string): Generator<[string, KubeObject]> {
    if (atRev === this.store.revision) {
      yield* this.store.scan(prefix, after);
      return;
    }
    // The state at atRev: keys changed since then take the value they had before their first change.
    const before = new Map<string, KubeObject | null>();
    for (const e of this.store.eventsSince(atRev)) {
      if (e.key.startsWith(prefix) && !before.has(e.key)) before.set(e.key, e.prev);
    }
    const changed = [...before.keys()].filter((k) => after === undefined || k > after).sort();
    let i = 0;
    for (const [key, o] of this.store.scan(prefix, after)) {
      while (i < changed.length && (changed[i] as string) < key) {
        const k = changed[i++] as string;
        const old = before.get(k);
        if (old) yield [k, old];
      }
      if (before.has(key)) {
        if (changed[i] === key) i++;
        const old = before.get(key);
        if (old) yield [key, old];
        continue;
      }
      yield [key, o];
    }
    for (; i < changed.length; i++) {
      const k = changed[i] as string;
      const old = before.get(k);
      if (old) yield [k, old];
    }
  }

  // ---- create ----

  /** Creates an object. */
  create(rt: ResourceType, namespace: string, body: unknown, options: WriteOptions = {}): Promise<WriteResult> {
    const prepared = this.prepareCreate(rt, namespace, body, options);
    return this.store.write((tx) => this.createInTx(tx, rt, prepared, options));
  }

  private prepareCreate(rt: ResourceType, namespace: string, body: unknown, options: WriteOptions): { object: KubeObject; warnings: string[]; generated: boolean } {
    const o = this.checkBody(rt, namespace, body, undefined);
    const warnings: string[] = [];
    const m = o.metadata;
    if (!m.name) {
      if (!m.generateName) throw invalid(rt, '', [{ field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name or generateName is required' }]);
      m.name = `${m.generateName}${randomSuffix()}`;
    }
    for (const k of ['uid', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'managedFields'] as const) delete m[k];
    m.creationTimestamp = rfc3339(this.now());
    if (tracksGeneration(rt)) m.generation = 1;
    else delete m.generation;
    if (rt.hasStatus && (rt.custom || ['pods', 'customresourcedefinitions', 'namespaces'].includes(rt.resource))) delete o.status;
    defaultBuiltin(rt, o);
    normalizeSecret(rt, o);
    normalizeTimes(rt, o);
    this.validate(rt, o, options, warnings);
    return { object: o, warnings, generated: !!m.generateName && !(body as KubeObject).metadata?.name };
  }

  private createInTx(tx: WriteTx, rt: ResourceType, prepared: { object: KubeObject; warnings: string[]; generated: boolean }, options: WriteOptions): WriteResult {
    const o = cloneJson(prepared.object);
    const ns = o.metadata.namespace ?? '';
    if (rt.namespaced) this.checkNamespace(tx, ns);
    if (rt.terminating) {
      throw new ApiServerError('MethodNotAllowed', `create not allowed while custom resource definition is terminating`, { details: { group: rt.group, kind: rt.resource } });
    }
    let key = this.key(rt, ns, o.metadata.name as string);
    for (let attempt = 0; tx.get(key) && prepared.generated && attempt < 8; attempt++) {
      o.metadata.name = `${o.metadata.generateName}${randomSuffix()}`;
      key = this.key(rt, ns, o.metadata.name);
    }
    if (tx.get(key)) {
      throw new ApiServerError('AlreadyExists', `${qualified(rt)} "${o.metadata.name}" already exists`, {
        details: { name: o.metadata.name as string, group: rt.group, kind: rt.resource },
      });
    }
    o.metadata.uid = randomUUID();
    if (!rt.custom && rt.resource === 'customresourcedefinitions') {
      o.metadata.finalizers = [...new Set([...(o.metadata.finalizers ?? []), CRD_CLEANUP_FINALIZER])];
      o.status = establishedStatus(o, undefined, this.now());
    }
    const stored = toStorage(rt, o);
    if (!options.dryRun) tx.put(key, stored);
    return { object: stored, warnings: prepared.warnings, created: true };
  }

  private checkNamespace(tx: WriteTx, ns: string): void {
    const nsObj = tx.get(objectKey('core/namespaces', '', ns));
    if (!nsObj) throw new ApiServerError('NotFound', `namespaces "${ns}" not found`, { details: { name: ns, group: '', kind: 'namespaces' } });
    if (nsObj.metadata.deletionTimestamp) {
      throw new ApiServerError('Forbidden', `unable to create new content in namespace ${ns} because it is being terminated`, {
        details: { name: ns, group: '', kind: 'namespaces' },
      });
    }
  }

  /** Checks kind, apiVersion, namespace and name of a request body against the URL. */
  private checkBody(rt: ResourceType, namespace: string, body: unknown, name: string | undefined): KubeObject {
    if (!isPlainObject(body)) throw badRequest(`the body of the request must be a ${rt.kind} object`);
    const o = cloneJson(body) as KubeObject;
    if (!isPlainObject(o.metadata)) o.metadata = {};
    const gv = groupVersion(rt.group, rt.version);
    if (o.apiVersion !== undefined && o.apiVersion !== gv) {
      throw badRequest(`the API version in the data (${String(o.apiVersion)}) does not match the expected API version (${gv})`);
    }
    if (o.kind !== undefined && o.kind !== rt.kind) throw badRequest(`the kind in the data (${String(o.kind)}) does not match the expected kind (${rt.kind})`);
    o.apiVersion = gv;
    o.kind = rt.kind;
    if (rt.namespaced) {
      if (o.metadata.namespace && o.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      o.metadata.namespace = namespace;
    } else {
      delete o.metadata.namespace;
    }
    if (name !== undefined && o.metadata.name !== undefined && o.metadata.name !== name) {
      throw badRequest(`the name of the object (${String(o.metadata.name)}) does not match the name on the URL (${name})`);
    }
    if (name !== undefined) o.metadata.name = name;
    return o;
  }

  /** Metadata, schema and kind-specific checks; prunes unknown fields of custom resources. */
  private validate(rt: ResourceType, o: KubeObject, options: WriteOptions, warnings: string[]): void {
    const name = o.metadata.name ?? '';
    const issues = validateMetadata(o, !rt.custom && rt.resource === 'namespaces' ? 'label' : 'subdomain');
    if (!rt.custom && rt.resource === 'customresourcedefinitions') issues.push(...validateCrd(o));
    if (rt.schema) {
      const result = applySchema(o as Record<string, unknown>, rt.schema);
      issues.push(...result.issues);
      if (result.pruned.length > 0) {
        if (options.fieldValidation === 'Strict') {
          throw badRequest(`strict decoding error: ${result.pruned.map((p) => `unknown field "${p}"`).join(', ')}`);
        }
        if (options.fieldValidation !== 'Ignore') warnings.push(...result.pruned.map((p) => `unknown field "${p}"`));
      }
    }
    if (isPodResource(rt)) {
      const spec = isPlainObject(o.spec) ? o.spec : {};
      if (!Array.isArray(spec.containers) || spec.containers.length === 0) issues.push({ field: 'spec.containers', reason: 'FieldValueRequired', message: 'Required value' });
      else {
        spec.containers.forEach((c: unknown, i: number) => {
          if (!isPlainObject(c) || typeof c.name !== 'string' || c.name === '') issues.push({ field: `spec.containers[${i}].name`, reason: 'FieldValueRequired', message: 'Required value' });
        });
      }
    }
    if (issues.length > 0) throw invalid(rt, name, issues);
  }

  // ---- update and patch ----

  /** Replaces an object (PUT), or its status through the status subresource. */
  update(rt: ResourceType, namespace: string, name: string, body: unknown, options: WriteOptions = {}): Promise<WriteResult> {
    const o = this.checkBody(rt, namespace, body, name);
    return this.store.write((tx) => {
      const key = this.key(rt, namespace, name);
      const old = tx.get(key);
      if (!old) throw notFound(rt, name);
      return this.updateInTx(tx, rt, key, old, o, options);
    });
  }

  /** Patches an object; an apply patch creates it when absent. */
  patch(rt: ResourceType, namespace: string, name: string, type: PatchType, patch: unknown, options: WriteOptions = {}): Promise<WriteResult> {
    if (type !== 'json' && !isPlainObject(patch)) throw badRequest('the patch must be a JSON object');
    return this.store.write((tx) => {
      const key = this.key(rt, namespace, name);
      const old = tx.get(key);
      if (!old) {
        if (type !== 'apply' || options.subresource) throw notFound(rt, name);
        const prepared = this.prepareCreate(rt, namespace, { ...(patch as object), metadata: { ...((patch as KubeObject).metadata ?? {}), name } }, options);
        return this.createInTx(tx, rt, prepared, options);
      }
      const current = toVersion(rt, old) as unknown as Json;
      let patched: Json;
      if (type === 'json') patched = applyJsonPatch(current, patch);
      else if (type === 'merge' || rt.custom) patched = applyMergePatch(current, patch as Json);
      else patched = applyStrategicMergePatch(current, patch as Json);
      if (type === 'apply') {
        // Server-side apply without field ownership: the applied configuration is merged in; a
        // resourceVersion in it is a precondition as for any patch.
        const applied = patch as KubeObject;
        if (applied.apiVersion !== undefined && applied.apiVersion !== groupVersion(rt.group, rt.version)) {
          throw badRequest(`the API version in the data (${String(applied.apiVersion)}) does not match the expected API version (${groupVersion(rt.group, rt.version)})`);
        }
      }
      const o = this.checkBody(rt, namespace, patched, name);
      return this.updateInTx(tx, rt, key, old, o, options);
    });
  }

  private updateInTx(tx: WriteTx, rt: ResourceType, key: string, old: KubeObject, body: KubeObject, options: WriteOptions): WriteResult {
    const name = old.metadata.name ?? '';
    const want = body.metadata.resourceVersion;
    if (want !== undefined && want !== '' && want !== old.metadata.resourceVersion) throw conflict(rt, name, STALE);
    if (body.metadata.uid !== undefined && body.metadata.uid !== '' && body.metadata.uid !== old.metadata.uid) {
      throw conflict(rt, name, `Precondition failed: UID in precondition: ${body.metadata.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    const warnings: string[] = [];
    const previous = toVersion(rt, old);
    let next: KubeObject;
    if (options.subresource === 'status') {
      next = cloneJson(previous);
      if (body.status === undefined) delete next.status;
      else next.status = body.status;
    } else {
      next = body;
      const m = next.metadata;
      const pm = previous.metadata;
      for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'namespace', 'name'] as const) {
        if (pm[k] === undefined) delete m[k];
        else (m as Record<string, unknown>)[k] = pm[k];
      }
      delete m.selfLink;
      delete m.managedFields;
      if (rt.hasStatus) {
        if (previous.status === undefined) delete next.status;
        else next.status = previous.status;
      }
      if (pm.deletionTimestamp) {
        const added = (m.finalizers ?? []).filter((f) => !(pm.finalizers ?? []).includes(f));
        if (added.length > 0) {
          throw invalid(rt, name, [{ field: 'metadata.finalizers', reason: 'FieldValueForbidden', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}` }]);
        }
      }
    }
    normalizeSecret(rt, next);
    normalizeTimes(rt, next);
    if (!rt.custom && rt.resource === 'customresourcedefinitions') {
      const issues = validateCrd(next);
      if (issues.length) throw invalid(rt, name, issues);
      if (options.subresource !== 'status') next.status = establishedStatus(next, previous.status, this.now());
    }
    this.validate(rt, next, options, warnings);
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    if (!tracksGeneration(rt)) delete next.metadata.generation;
    else if (!isDeepStrictEqual(generationView(rt, next), generationView(rt, previous))) next.metadata.generation = (previous.metadata.generation ?? 1) + 1;
    const stored = toStorage(rt, next);
    if (isDeepStrictEqual(stored, old)) return { object: old, warnings, created: false };
    const namespaceObject = !rt.custom && rt.resource === 'namespaces';
    if (!namespaceObject && stored.metadata.deletionTimestamp && (stored.metadata.finalizers ?? []).length === 0 && (stored.metadata.deletionGracePeriodSeconds ?? 0) === 0) {
      if (!options.dryRun) tx.remove(key, stored);
      return { object: stored, warnings, created: false };
    }
    if (!options.dryRun) tx.put(key, stored);
    return { object: stored, warnings, created: false };
  }

  // ---- delete ----

  /** Deletes an object (or marks it for deletion while finalizers or a grace period hold it). */
  delete(rt: ResourceType, namespace: string, name: string, options: DeleteOptions = {}): Promise<DeleteResult> {
    return this.store.write((tx) => {
      const key = this.key(rt, namespace, name);
      const old = tx.get(key);
      if (!old) throw notFound(rt, name);
      return this.deleteInTx(tx, rt, key, old, options);
    });
  }

  /** Deletes every object of a list selection; answers the objects deleted or marked. */
  deleteCollection(rt: ResourceType, namespace: string | undefined, list: ListOptions, options: DeleteOptions = {}): Promise<KubeObject[]> {
    const filter = this.filter(rt, namespace, list.labelSelector, list.fieldSelector);
    return this.store.write((tx) => {
      const out: KubeObject[] = [];
      for (const o of tx.range(keyPrefix(rt.storage, rt.namespaced ? namespace : undefined))) {
        if (!filter.matches(o)) continue;
        out.push(this.deleteInTx(tx, rt, this.key(rt, o.metadata.namespace ?? '', o.metadata.name ?? ''), o, options).object);
      }
      return out;
    });
  }

  /** The delete logic inside a transaction (also used by the garbage collector). */
  deleteInTx(tx: WriteTx, rt: ResourceType, key: string, old: KubeObject, options: DeleteOptions): DeleteResult {
    const name = old.metadata.name ?? '';
    const pre = options.preconditions ?? {};
    if (pre.uid && pre.uid !== old.metadata.uid) {
      throw conflict(rt, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(rt, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);
    }
    if (!rt.custom && rt.resource === 'namespaces' && SYSTEM_NAMESPACES.includes(name)) {
      throw new ApiServerError('Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`, { details: { name, group: '', kind: 'namespaces' } });
    }
    const next = cloneJson(old);
    const m = next.metadata;
    const now = this.now();
    let grace = 0;
    if (isPodResource(rt) && isPlainObject(old.spec) && old.spec.nodeName && !isTerminalPod(old)) {
      const spec = old.spec as { terminationGracePeriodSeconds?: number };
      grace = Math.max(0, Math.floor(options.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30));
    }
    const policy = options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : 'Background');
    const finalizers = [...(m.finalizers ?? [])];
    if (!m.deletionTimestamp) {
      const hasDependents = tx.dependents(old.metadata.uid ?? '').length > 0;
      if (policy === 'Foreground' && hasDependents && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
      if (policy === 'Orphan' && hasDependents && !finalizers.includes('orphan')) finalizers.push('orphan');
    }
    if (!rt.custom && rt.resource === 'namespaces') {
      // A namespace is emptied by the garbage collector first; it removes the namespace at the end.
      if (!m.deletionTimestamp) {
        m.deletionTimestamp = rfc3339(now);
        m.deletionGracePeriodSeconds = 0;
        next.status = { ...(isPlainObject(next.status) ? next.status : {}), phase: 'Terminating' };
        if (!options.dryRun) tx.put(key, next);
      }
      return { object: next, deleted: false };
    }
    if (m.deletionTimestamp) {
      // Already being deleted: a shorter grace period may bring the end forward.
      const current = m.deletionGracePeriodSeconds ?? 0;
      if (grace >= current && !(options.gracePeriodSeconds === 0 && current > 0)) return { object: old, deleted: false };
      const g = options.gracePeriodSeconds === 0 ? 0 : grace;
      m.deletionGracePeriodSeconds = g;
      m.deletionTimestamp = rfc3339(new Date(now.getTime() + g * 1000));
      if (finalizers.length === 0 && g === 0) {
        if (!options.dryRun) tx.remove(key, next);
        return { object: next, deleted: true };
      }
      if (!options.dryRun) tx.put(key, next);
      return { object: next, deleted: false };
    }
    if (finalizers.length > 0 || grace > 0) {
      m.finalizers = finalizers;
      m.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
      m.deletionGracePeriodSeconds = grace;
      if (!rt.custom && rt.resource === 'customresourcedefinitions') next.status = establishedStatus(next, next.status, now);
      if (!options.dryRun) tx.put(key, next);
      return { object: next, deleted: false };
    }
    if (!options.dryRun) tx.remove(key, next);
    return { object: next, deleted: true };
  }
}

/** A resourceVersion parameter as a number. @throws ApiServerError `BadRequest`. */
export function parseResourceVersion(rv: string): number {
  if (!/^\d+$/.test(rv)) throw badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  return Number(rv);
}

function encodeContinue(rev: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'sedna/v1', rv: rev, start })).toString('base64url');
}

function decodeContinue(token: string): { rev: number; start: string } {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: string; rv?: number; start?: string };
    if (t.v !== 'sedna/v1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad token');
    return { rev: t.rv, start: t.start };
  } catch {
    throw badRequest(`continue key is not valid: ${JSON.stringify(token)}`);
  }
}

/** The display name of an object for messages. */
export function objectName(o: KubeObject): string {
  return displayName(o.metadata.namespace ?? '', o.metadata.name ?? '');
}
