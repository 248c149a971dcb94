import { createHash } from 'node:crypto';
import { groupVersion, type ResourceRegistry, type ResourceType } from './resources.js';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function schemaName(rt: ResourceType): string {
  const reversed = rt.group ? rt.group.split('.').reverse().join('.') : 'io.k8s.api.core';
  return `${reversed}.${rt.version}.${rt.kind}`;
}

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** Every group/version the server serves, as `api/v1` or `apis/<group>/<version>`. */
function groupVersions(registry: ResourceRegistry): { group: string; version: string }[] {
  return [{ group: '', version: 'v1' }, ...registry.apiGroups().flatMap((g) => g.versions.map((version) => ({ group: g.name, version })))];
}

/**
 * `/openapi/v3`: the index of per-group/version documents. kubectl reads it to learn that the
 * server validates fields itself (`fieldValidation`), and `kubectl explain` reads the schemas.
 */
export function openApiV3Root(registry: ResourceRegistry): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const { group, version } of groupVersions(registry)) {
    const p = gvPath(group, version);
    const hash = createHash('sha256')
      .update(JSON.stringify(registry.resourcesOf(group, version).map((r) => [r.resource, r.kind, r.schema ?? null, r.hasStatus])))
      .digest('hex')
      .slice(0, 16)
      .toUpperCase();
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
  }
  return { paths };
}

function param(name: string, description: string, type = 'string'): object {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const WRITE_PARAMS = [
  param('dryRun', 'When present, indicates that modifications should not be persisted.'),
  param('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  param('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields: Ignore, Warn or Strict.'),
];
const LIST_PARAMS = [
  param('labelSelector', 'A selector to restrict the list of returned objects by their labels.'),
  param('fieldSelector', 'A selector to restrict the list of returned objects by their fields.'),
  param('limit', 'limit is a maximum number of responses to return for a list call.', 'integer'),
  param('continue', 'The continue option should be set when retrieving more results from the server.'),
  param('resourceVersion', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  param('resourceVersionMatch', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  param('watch', 'Watch for changes to the described resources.', 'boolean'),
  param('allowWatchBookmarks', 'allowWatchBookmarks requests watch events with type "BOOKMARK".', 'boolean'),
  param('timeoutSeconds', 'Timeout for the list/watch call.', 'integer'),
];

function operation(rt: ResourceType, action: string, verb: string, params: object[], body: boolean): object {
  const ref = { $ref: `#/components/schemas/${schemaName(rt)}` };
  return {
    operationId: `${verb}${rt.kind}`,
    parameters: params,
    ...(body ? { requestBody: { content: { 'application/json': { schema: ref } }, required: true } } : {}),
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } }, '401': { description: 'Unauthorized' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: rt.group, version: rt.version, kind: rt.kind },
  };
}

/** One `/openapi/v3/<api|apis/...>` document, or undefined when that group/version is not served. */
export function openApiV3Document(registry: ResourceRegistry, path: string, packageVersion: string): object | undefined {
  const gv = groupVersions(registry).find((x) => gvPath(x.group, x.version) === path);
  if (!gv) return undefined;
  const paths: Record<string, object> = {};
  const schemas: Record<string, object> = {
    [OBJECT_META]: {
      type: 'object',
      description: 'ObjectMeta is metadata that all persisted resources must have.',
      properties: Object.fromEntries(
        ['name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp'].map((k) => [k, { type: 'string' }]),
      ),
      'x-kubernetes-preserve-unknown-fields': true,
    },
  };
  for (const rt of registry.resourcesOf(gv.group, gv.version)) {
    const base = `/${path}${rt.namespaced ? '/namespaces/{namespace}' : ''}/${rt.resource}`;
    const nsParam = rt.namespaced ? [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string' } }] : [];
    const nameParam = [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }];
    if (rt.verbs && !rt.verbs.includes('get')) {
      // Never stored (a review): create is all there is.
      paths[base] = { parameters: nsParam, post: operation(rt, 'post', 'create', WRITE_PARAMS, true) };
      schemas[schemaName(rt)] = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, 'x-kubernetes-group-version-kind': [{ group: rt.group, version: rt.version, kind: rt.kind }] };
      continue;
    }
    paths[base] = {
      parameters: nsParam,
      get: operation(rt, 'list', 'list', LIST_PARAMS, false),
      post: operation(rt, 'post', 'create', WRITE_PARAMS, true),
      delete: operation(rt, 'deletecollection', 'deleteCollection', LIST_PARAMS, false),
    };
    const item = {
      parameters: [...nsParam, ...nameParam],
      get: operation(rt, 'get', 'read', [], false),
      put: operation(rt, 'put', 'replace', WRITE_PARAMS, true),
      patch: operation(rt, 'patch', 'patch', [...WRITE_PARAMS, param('force', 'Force is going to "force" Apply requests.', 'boolean')], true),
      delete: operation(rt, 'delete', 'delete', [param('gracePeriodSeconds', 'The duration in seconds before the object should be deleted.', 'integer'), param('propagationPolicy', 'Whether and how garbage collection will be performed.')], false),
    };
    paths[`${base}/{name}`] = item;
    if (rt.hasStatus) {
      paths[`${base}/{name}/status`] = { parameters: item.parameters, get: item.get, put: item.put, patch: item.patch };
    }
    if (rt.extraSubresources.includes('token')) {
      paths[`${base}/{name}/token`] = { parameters: item.parameters, post: { ...operation(rt, 'post', 'createToken', WRITE_PARAMS, true), 'x-kubernetes-group-version-kind': { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' } } };
    }
    const own = rt.schema ? { ...rt.schema } : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    const props = { ...((own as { properties?: Record<string, object> }).properties ?? {}) };
    props.apiVersion = { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' };
    props.kind = { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' };
    props.metadata = { allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }], description: "Standard object's metadata." };
    schemas[schemaName(rt)] = { ...own, type: 'object', properties: props, 'x-kubernetes-group-version-kind': [{ group: rt.group, version: rt.version, kind: rt.kind }] };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes (sedna embedded)', version: `${groupVersion(gv.group, gv.version)}+${packageVersion}` },
    paths,
    components: { schemas },
  };
}
