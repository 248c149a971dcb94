import { isDeepStrictEqual } from 'node:util';
import { ApiServerError } from './errors.js';

/** A JSON value as stored and patched. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A deep copy of a JSON value. */
export function cloneJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/**
 * Applies a JSON merge patch (RFC 7386): objects merge recursively, `null` removes a key, anything
 * else (arrays included) replaces.
 */
export function applyMergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return cloneJson(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

function decodePointer(pointer: string, op: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new ApiServerError('BadRequest', `json patch ${op}: path ${JSON.stringify(pointer)} does not start with /`);
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function invalid(op: string, path: string, why: string): ApiServerError {
  return new ApiServerError('Invalid', `json patch ${op} operation does not apply: ${why} at path ${JSON.stringify(path)}`);
}

/** Reads the value at a JSON pointer, or undefined. */
function getAt(doc: Json, parts: readonly string[]): Json | undefined {
  let cur: Json | undefined = doc;
  for (const p of parts) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9]\d*)$/.test(p)) return undefined;
      cur = cur[Number(p)];
    } else if (isObject(cur)) {
      if (!Object.prototype.hasOwnProperty.call(cur, p)) return undefined;
      cur = cur[p];
    } else {
      return undefined;
    }
  }
  return cur;
}

function parentOf(doc: Json, parts: readonly string[], op: string, path: string): Json {
  const parent = getAt(doc, parts.slice(0, -1));
  if (parent === undefined || (typeof parent !== 'object' || parent === null)) throw invalid(op, path, 'missing parent');
  return parent;
}

function addAt(doc: Json, parts: readonly string[], value: Json, op: string, path: string): Json {
  if (parts.length === 0) return value;
  const parent = parentOf(doc, parts, op, path);
  const last = parts[parts.length - 1] as string;
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : /^(0|[1-9]\d*)$/.test(last) ? Number(last) : NaN;
    if (Number.isNaN(i) || i > parent.length) throw invalid(op, path, 'index out of range');
    parent.splice(i, 0, value);
  } else {
    (parent as JsonObject)[last] = value;
  }
  return doc;
}

function removeAt(doc: Json, parts: readonly string[], op: string, path: string): Json {
  if (parts.length === 0) throw invalid(op, path, 'cannot remove the whole document');
  const parent = parentOf(doc, parts, op, path);
  const last = parts[parts.length - 1] as string;
  if (Array.isArray(parent)) {
    const i = /^(0|[1-9]\d*)$/.test(last) ? Number(last) : NaN;
    if (Number.isNaN(i) || i >= parent.length) throw invalid(op, path, 'index out of range');
    parent.splice(i, 1);
  } else {
    if (!Object.prototype.hasOwnProperty.call(parent, last)) throw invalid(op, path, 'missing key');
    delete (parent as JsonObject)[last];
  }
  return doc;
}

/**
 * Applies a JSON patch (RFC 6902): add, remove, replace, move, copy and test.
 *
 * @throws ApiServerError `BadRequest` for a malformed patch, `Invalid` for an operation that does not apply.
 */
export function applyJsonPatch(target: Json, patch: unknown): Json {
  if (!Array.isArray(patch)) throw new ApiServerError('BadRequest', 'json patch: the body must be an array of operations');
  let doc = cloneJson(target);
  patch.forEach((raw: unknown, index) => {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw new ApiServerError('BadRequest', `json patch: operation ${index} needs string "op" and "path"`);
    }
    const { op, path } = raw as { op: string; path: string };
    const parts = decodePointer(path, op);
    const value = (): Json => {
      if (!('value' in raw)) throw new ApiServerError('BadRequest', `json patch ${op}: operation ${index} has no "value"`);
      return cloneJson(raw.value as Json);
    };
    const from = (): string[] => {
      if (typeof raw.from !== 'string') throw new ApiServerError('BadRequest', `json patch ${op}: operation ${index} has no "from"`);
      return decodePointer(raw.from, op);
    };
    switch (op) {
      case 'add':
        doc = addAt(doc, parts, value(), op, path);
        break;
      case 'remove':
        doc = removeAt(doc, parts, op, path);
        break;
      case 'replace':
        if (getAt(doc, parts) === undefined) throw invalid(op, path, 'missing value');
        if (parts.length === 0) doc = value();
        else {
          doc = removeAt(doc, parts, op, path);
          doc = addAt(doc, parts, value(), op, path);
        }
        break;
      case 'move': {
        const src = from();
        const v = getAt(doc, src);
        if (v === undefined) throw invalid(op, String(raw.from), 'missing value');
        doc = removeAt(doc, src, op, String(raw.from));
        doc = addAt(doc, parts, v, op, path);
        break;
      }
      case 'copy': {
        const v = getAt(doc, from());
        if (v === undefined) throw invalid(op, String(raw.from), 'missing value');
        doc = addAt(doc, parts, cloneJson(v), op, path);
        break;
      }
      case 'test':
        if (!isDeepStrictEqual(getAt(doc, parts), value())) {
          throw invalid(op, path, 'testing value failed');
        }
        break;
      default:
        throw new ApiServerError('BadRequest', `json patch: unknown operation ${JSON.stringify(op)}`);
    }
  });
  return doc;
}

/**
 * Merge keys of the built-in kinds' lists, by field name: the lists Kubernetes declares with
 * `patchStrategy: merge`. A field name's meaning is the same wherever it occurs in the built-in
 * kinds we serve, so the table is keyed by name only.
 */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
  conditions: 'type',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
  taints: 'key',
  addresses: 'type',
};

/** Lists of scalars merged as sets by a strategic merge patch. */
const MERGED_SCALAR_LISTS = new Set(['finalizers']);

function smpMergeList(field: string, base: Json[], patch: Json[]): Json[] {
  const key = MERGE_KEYS[field];
  if (MERGED_SCALAR_LISTS.has(field)) {
    const out = [...base];
    for (const v of patch) if (!out.some((x) => isDeepStrictEqual(x, v))) out.push(v);
    return out;
  }
  if (!key) return cloneJson(patch).map(stripDirectives);
  if (patch.some((p) => isObject(p) && p.$patch === 'replace')) {
    return patch.filter((p) => !(isObject(p) && p.$patch === 'replace')).map((p) => stripDirectives(cloneJson(p)));
  }
  const out = base.map((x) => cloneJson(x));
  for (const item of patch) {
    if (!isObject(item)) {
      out.push(cloneJson(item));
      continue;
    }
    const idx = out.findIndex((x) => isObject(x) && item[key] !== undefined && isDeepStrictEqual(x[key], item[key]));
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
    } else if (idx >= 0) {
      out[idx] = applyStrategicMergePatch(out[idx] as Json, item);
    } else {
      out.push(stripDirectives(cloneJson(item)));
    }
  }
  return out;
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    out[k] = stripDirectives(x);
  }
  return out;
}

function reorder(list: Json[], order: Json[], key: string | undefined): Json[] {
  const keyOf = (x: Json): string => JSON.stringify(key && isObject(x) ? x[key] : x);
  const wanted = order.map(keyOf);
  const rank = new Map(wanted.map((k, i) => [k, i]));
  const indexed = list.map((x, i) => ({ x, i, r: rank.get(keyOf(x)) }));
  // Items named in the order come first in that order; the rest keep their relative order after them.
  indexed.sort((a, b) => (a.r ?? Infinity) - (b.r ?? Infinity) || a.i - b.i);
  return indexed.map((e) => e.x);
}

/**
 * Applies a strategic merge patch the way Kubernetes does for the built-in kinds we serve: maps merge,
 * `null` deletes, lists with a merge key (containers by name, env by name, conditions by type,
 * ownerReferences by uid...) merge element-wise, `finalizers` merge as a set, other lists replace;
 * the directives `$patch` (replace/delete), `$retainKeys`, `$setElementOrder/<list>` and
 * `$deleteFromPrimitiveList/<list>` are honoured.
 */
export function applyStrategicMergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return cloneJson(patch);
  if (patch.$patch === 'replace') return stripDirectives(cloneJson(patch));
  if (patch.$patch === 'delete') return {};
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) delete out[k];
    else if (isObject(v) && v.$patch === 'delete') delete out[k];
    else if (Array.isArray(v)) out[k] = smpMergeList(k, Array.isArray(out[k]) ? (out[k] as Json[]) : [], v);
    else if (isObject(v)) out[k] = applyStrategicMergePatch(out[k], v);
    else out[k] = v;
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$deleteFromPrimitiveList/') && Array.isArray(v)) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur)) out[field] = cur.filter((x) => !v.some((d) => isDeepStrictEqual(d, x)));
    } else if (k.startsWith('$setElementOrder/') && Array.isArray(v)) {
      const field = k.slice('$setElementOrder/'.length);
      const cur = out[field];
      if (Array.isArray(cur)) out[field] = reorder(cur, v, MERGE_KEYS[field]);
    }
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.filter((x): x is string => typeof x === 'string'));
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}
