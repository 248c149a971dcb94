import { type IncomingMessage, type ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { type Authenticator, type UserInfo } from './authentication.js';
import { selfSubjectAccessReview, selfSubjectRulesReview, subjectAccessReview, type AccessDecider } from './authorization.js';
import { RbacAuthorizer } from './rbac.js';
import { MAX_BODY_DEPTH, tooDeepAt } from './bodyDepth.js';
import {
  AGGREGATED_DISCOVERY_TYPE,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  versionInfo,
} from './discovery.js';
import { ApiServerError, successStatus } from './errors.js';
import { type ApiServerLogger } from './logger.js';
import { type ApiServerMetrics, type RequestLabels } from './metrics.js';
import { isPlainObject, type KubeObject } from './kubeObject.js';
import { type DeleteOptions, type FieldValidation, type ObjectService, parseResourceVersion, type PatchType, type WriteOptions } from './objectService.js';
import { openApiV3Document, openApiV3Root } from './openapi.js';
import { streamPodLog } from '../podLogs.js';
import { decodeProtobufBody, PROTOBUF_DECODED_KINDS, PROTOBUF_MEDIA_TYPE } from './protobuf.js';
import { groupVersion, type ResourceRegistry, type ResourceType, toVersion } from './resources.js';
import { type IncludeObject, partialMetadata, toTable } from './table.js';
import { type WatchEventType, type WatchHub } from './watch.js';

/** What the request handler works with. */
export interface HandlerContext {
  service: ObjectService;
  registry: ResourceRegistry;
  hub: WatchHub;
  /** Who a request comes from; TokenRequest and TokenReview. */
  auth: Authenticator;
  /** What a user may do (RBAC objects of the store); absent: everything. */
  rbac?: RbacAuthorizer;
  logger: ApiServerLogger;
  /** Called once per resource request when its answer ends (see `AuditRecord`). */
  audit?: (record: AuditRecord) => void;
  podLogRoot: string;
  packageVersion: string;
  /** `host:port` the server is reached at (for `/api`). */
  serverAddress: () => string;
  /** Lower bound of the random watch timeout, in seconds (kube-apiserver's --min-request-timeout). */
  minRequestTimeoutSeconds: number;
  /** Largest accepted request body in bytes. */
  maxBodyBytes: number;
  /** Request, latency and watch metrics, served on `/metrics`. */
  metrics: ApiServerMetrics;
}

/**
 * One resource request as the API server's audit log records it: the user, the verb (as RBAC names
 * it: get, list, watch, create, update, patch, delete, deletecollection), what it was about and the
 * HTTP code of the answer. Recorded when the answer ends; a watch when its answer starts.
 */
export interface AuditRecord {
  user: string;
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  code: number;
}

/** The RBAC verb of a resource request. */
function rbacVerb(method: string, rr: ResourceRequest, watching: boolean): string {
  switch (method) {
    case 'GET':
      return watching ? 'watch' : rr.name === undefined ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return rr.name === undefined ? 'deletecollection' : 'delete';
    default:
      return method.toLowerCase();
  }
}

/** kube-apiserver's verb label of a resource request: LIST and WATCH apart from GET, DELETECOLLECTION apart from DELETE. */
function metricsVerb(method: string, rr: ResourceRequest, watching: boolean): string {
  if (watching) return 'WATCH';
  if (method === 'GET' && rr.name === undefined) return 'LIST';
  if (method === 'DELETE' && rr.name === undefined) return 'DELETECOLLECTION';
  return method;
}

/** The metrics labels of a resource request. */
/** Subresources a request metric may name; any other is counted without one. */
const METRIC_SUBRESOURCES = new Set(['status', 'log', 'scale', 'binding', 'eviction', 'token', 'exec', 'attach', 'portforward', 'proxy', 'ephemeralcontainers', 'approval', 'finalize']);

/**
 * The labels of a request's metrics. Only a resource the server serves is named: the URL is the
 * caller's, and naming every path it makes up would grow `/metrics` without end (a client requesting
 * `/apis/g1.io/v1/r1`, `/apis/g2.io/v1/r2`, ... made a series each); those are counted under empty
 * group, version and resource, as are subresources outside the known set.
 */
function requestLabels(method: string, rr: ResourceRequest, watching: boolean, registry: ResourceRegistry): RequestLabels {
  const known = registry.lookup(rr.group, rr.version, rr.resource) !== undefined;
  return {
    verb: metricsVerb(method, rr, watching),
    group: known ? rr.group : '',
    version: known ? rr.version : '',
    resource: known ? rr.resource : '',
    subresource: known && rr.subresource !== undefined && METRIC_SUBRESOURCES.has(rr.subresource) ? rr.subresource : '',
    scope: rr.name !== undefined ? 'resource' : rr.namespace !== undefined ? 'namespace' : 'cluster',
  };
}

/** A parsed resource URL. */
interface ResourceRequest {
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  watchPath: boolean;
}

type Query = URLSearchParams;

const JSON_TYPE = 'application/json';

/** Resources whose delete answers the deleted object rather than a Status (as kube-apiserver). */
const DELETE_RETURNS_OBJECT = new Set(['/pods', '/namespaces', '/services']);

function send(res: ServerResponse, code: number, body: unknown, contentType = JSON_TYPE, headers: Record<string, string | string[]> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, error: ApiServerError): void {
  send(res, error.httpStatus, error.toStatus());
}

function bool(q: Query, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  return v === 'true' || v === '1' || v === '';
}

function int(q: Query, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw new ApiServerError('BadRequest', `${name}: ${JSON.stringify(v)} is not an integer`);
  return Number(v);
}

/** One entry of an Accept header: the media type and its parameters. */
interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  return header.split(',').map((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    const p: Record<string, string> = {};
    for (const kv of params) {
      const eq = kv.indexOf('=');
      if (eq > 0) p[kv.slice(0, eq).trim()] = kv.slice(eq + 1).trim();
    }
    return { type: (type ?? '').toLowerCase(), params: p };
  });
}

/** The representation a client asked for: plain, Table, or metadata only. */
type Representation = 'object' | 'table' | 'metadata';

function representation(accept: string | undefined): Representation {
  for (const m of parseAccept(accept)) {
    if (m.type !== JSON_TYPE && m.type !== '*/*' && m.type !== 'application/*') continue;
    const as = m.params.as;
    if (!as) return 'object';
    if (as === 'Table' && m.params.g === 'meta.k8s.io' && (m.params.v === 'v1' || m.params.v === 'v1beta1')) return 'table';
    if ((as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && m.params.g === 'meta.k8s.io') return 'metadata';
  }
  const ranges = parseAccept(accept);
  if (ranges.length > 0 && ranges.every((m) => m.params.as !== undefined)) {
    throw new ApiServerError('NotAcceptable', `only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io, application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io`);
  }
  return 'object';
}

function wantsAggregated(accept: string | undefined): boolean {
  for (const m of parseAccept(accept)) {
    if (m.params.as === 'APIGroupDiscoveryList' && m.params.g === 'apidiscovery.k8s.io' && m.params.v === 'v2') return true;
    if (m.type === JSON_TYPE && !m.params.as) return false;
  }
  return false;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) return Promise.reject(new ApiServerError('RequestEntityTooLarge', `Request entity too large: limit is ${limit}`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new ApiServerError('RequestEntityTooLarge', `Request entity too large: limit is ${limit}`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(new ApiServerError('BadRequest', `reading the request body: ${e.message}`));
    });
  });
}

function decodeBody(buf: Buffer, contentType: string): unknown {
  if (contentType === PROTOBUF_MEDIA_TYPE) {
    if (buf.length === 0) throw new ApiServerError('BadRequest', 'the request body is empty');
    return decodeProtobufBody(buf);
  }
  if (contentType !== JSON_TYPE && contentType !== 'yaml' && contentType !== 'application/yaml' && contentType !== '*/*') {
    throw new ApiServerError(
      'UnsupportedMediaType',
      `the body of the request was in an unknown format (${JSON.stringify(contentType)}) - accepted media types include: application/json, application/yaml, ${PROTOBUF_MEDIA_TYPE} (for ${PROTOBUF_DECODED_KINDS.join(', ')})`,
    );
  }
  const text = buf.toString('utf8');
  if (text.trim() === '') throw new ApiServerError('BadRequest', 'the request body is empty');
  let body: unknown;
  try {
    body = contentType.includes('yaml') ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new ApiServerError('BadRequest', `the request body is not valid ${contentType.includes('yaml') ? 'YAML' : 'JSON'}: ${(error as Error).message}`);
  }
  const deep = tooDeepAt(body);
  if (deep !== undefined) throw new ApiServerError('BadRequest', `the request body is nested deeper than ${MAX_BODY_DEPTH} levels, at ${deep}`);
  return body;
}

function patchType(contentType: string): PatchType {
  if (contentType === 'application/json-patch+json') return 'json';
  if (contentType === 'application/merge-patch+json') return 'merge';
  if (contentType === 'application/strategic-merge-patch+json') return 'strategic';
  if (contentType === 'application/apply-patch+yaml' || contentType === 'application/apply-patch+json') return 'apply';
  throw new ApiServerError(
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
  );
}

function parseResourcePath(group: string, version: string, segs: string[]): ResourceRequest {
  let watchPath = false;
  let s = segs;
  if (s[0] === 'watch') {
    watchPath = true;
    s = s.slice(1);
  }
  const out: ResourceRequest = { group, version, resource: '', watchPath };
  const coreNamespaceSub = group === '' && s[0] === 'namespaces' && s.length === 3 && (s[2] === 'status' || s[2] === 'finalize');
  if (s[0] === 'namespaces' && s.length >= 3 && !coreNamespaceSub) {
    out.namespace = s[1];
    s = s.slice(2);
  }
  if (s.length === 0 || s.length > 3 || s.some((x) => x === '')) throw new ApiServerError('NotFound', 'the server could not find the requested resource');
  out.resource = s[0] as string;
  if (s[1] !== undefined) out.name = s[1];
  if (s[2] !== undefined) out.subresource = s[2];
  return out;
}

function fieldValidation(q: Query): FieldValidation | undefined {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return undefined;
  if (v !== 'Strict' && v !== 'Warn' && v !== 'Ignore') throw new ApiServerError('BadRequest', `fieldValidation: ${JSON.stringify(v)} must be one of Strict, Warn, Ignore`);
  return v;
}

function dryRun(q: Query): boolean {
  const values = q.getAll('dryRun');
  if (values.some((v) => v !== 'All')) throw new ApiServerError('BadRequest', `dryRun: only "All" is supported`);
  return values.length > 0;
}

function warningHeaders(warnings: string[]): Record<string, string[]> {
  return warnings.length ? { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`) } : {};
}

/**
 * Creates the HTTP request handler of the API server: authentication, discovery, OpenAPI, and the
 * resource verbs with their Kubernetes wire formats (Status errors, Table output, watch streams,
 * pod logs).
 */
export function createHandler(ctx: HandlerContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = Date.now();
    res.on('finish', () => ctx.logger.debug({ method: req.method, url: req.url, code: res.statusCode, ms: Date.now() - started }, 'request'));
    handle(ctx, req, res, started).catch((error: unknown) => {
      const e = ApiServerError.from(error, `${req.method} ${req.url}`);
      if (e.code === 'InternalError' || e.code === 'StoreFailure') ctx.logger.error({ method: req.method, url: req.url, err: e.message }, 'request failed');
      sendError(res, e);
    });
  };
}

async function handle(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, started: number): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  if (method === 'GET' && (path === '/healthz' || path === '/livez' || path === '/readyz')) {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('ok');
    return;
  }
  const user = ctx.auth.authenticateRequest(req.headers.authorization, new Date());
  if (!user) {
    req.resume();
    sendError(res, new ApiServerError('Unauthorized', 'Unauthorized'));
    return;
  }
  if (method === 'GET' && path === '/metrics') {
    const { contentType, text } = await ctx.metrics.text();
    res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private' });
    res.end(text);
    return;
  }
  const segs = path.split('/').slice(1);
  const accept = req.headers.accept;
  if (method === 'GET') {
    if (path === '/version') return send(res, 200, versionInfo(ctx.packageVersion));
    if (path === '/api') {
      if (wantsAggregated(accept)) return send(res, 200, aggregatedDiscovery(ctx.registry, true), AGGREGATED_DISCOVERY_TYPE);
      return send(res, 200, apiVersions(ctx.serverAddress()));
    }
    if (path === '/apis') {
      if (wantsAggregated(accept)) return send(res, 200, aggregatedDiscovery(ctx.registry, false), AGGREGATED_DISCOVERY_TYPE);
      return send(res, 200, apiGroupList(ctx.registry));
    }
    if (path === '/api/v1') return send(res, 200, apiResourceList(ctx.registry, '', 'v1'));
    if (segs[0] === 'apis' && segs.length === 2) {
      const g = apiGroup(ctx.registry, segs[1] as string);
      if (g) return send(res, 200, g);
    }
    if (segs[0] === 'apis' && segs.length === 3 && ctx.registry.hasGroupVersion(segs[1] as string, segs[2] as string)) {
      return send(res, 200, apiResourceList(ctx.registry, segs[1] as string, segs[2] as string));
    }
    if (path === '/openapi/v3') return send(res, 200, openApiV3Root(ctx.registry));
    if (segs[0] === 'openapi' && segs[1] === 'v3' && segs.length >= 4) {
      const doc = openApiV3Document(ctx.registry, segs.slice(2).join('/'), ctx.packageVersion);
      if (doc) return send(res, 200, doc);
    }
  }
  let rr: ResourceRequest | undefined;
  if (segs[0] === 'api' && segs[1] === 'v1' && segs.length > 2) rr = parseResourcePath('', 'v1', segs.slice(2));
  else if (segs[0] === 'apis' && segs.length > 3) rr = parseResourcePath(segs[1] as string, segs[2] as string, segs.slice(3));
  if (!rr) {
    req.resume();
    throw new ApiServerError('NotFound', 'the server could not find the requested resource');
  }
  if (ctx.audit) auditWhenDone(ctx.audit, req, res, rr, user, url.searchParams);
  const watching = rr.watchPath || bool(url.searchParams, 'watch') === true;
  const streaming = watching || (rr.subresource === 'log' && bool(url.searchParams, 'follow') === true);
  ctx.metrics.track(res, requestLabels(method, rr, watching, ctx.registry), streaming, started);
  if (ctx.rbac) {
    const attributes = { verb: rbacVerb(method, rr, watching), group: rr.group, resource: rr.resource, ...(rr.subresource ? { subresource: rr.subresource } : {}), ...(rr.namespace ? { namespace: rr.namespace } : {}), ...(rr.name ? { name: rr.name } : {}) };
    if (!ctx.rbac.authorize(user, attributes).allowed) {
      req.resume();
      throw RbacAuthorizer.forbidden(user, attributes);
    }
  }
  await resourceRequest(ctx, req, res, rr, url.searchParams, user);
}

/** Audit callbacks of watches in progress, called once their answer has started (they last long). */
const watchStarted = new WeakMap<ServerResponse, () => void>();

function auditWhenDone(audit: (record: AuditRecord) => void, req: IncomingMessage, res: ServerResponse, rr: ResourceRequest, user: UserInfo, q: Query): void {
  const watching = rr.watchPath || bool(q, 'watch') === true;
  let done = false;
  const record = (): void => {
    if (done) return;
    done = true;
    audit({
      user: user.username,
      verb: rbacVerb(req.method ?? 'GET', rr, watching),
      group: rr.group,
      version: rr.version,
      resource: rr.resource,
      ...(rr.subresource !== undefined ? { subresource: rr.subresource } : {}),
      ...(rr.namespace !== undefined ? { namespace: rr.namespace } : {}),
      ...(rr.name !== undefined ? { name: rr.name } : {}),
      code: res.statusCode,
    });
  };
  res.on('finish', record);
  res.on('close', record);
  if (watching) watchStarted.set(res, record);
}

/** TokenRequest, TokenReview and the access reviews: created from the request, answered, never stored. */
async function authenticationRequest(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, rr: ResourceRequest, contentType: string, user: UserInfo | undefined): Promise<void> {
  if (req.method !== 'POST' || (rr.subresource === undefined && rr.name !== undefined)) {
    req.resume();
    throw new ApiServerError('MethodNotAllowed', `the server does not allow this method on the requested resource`);
  }
  const body = decodeBody(await readBody(req, ctx.maxBodyBytes), contentType);
  const now = new Date();
  const decide: AccessDecider = (who, attributes) => (ctx.rbac ? ctx.rbac.authorize(who, attributes) : { allowed: true, reason: 'no authorizer: everything is allowed' });
  const answer =
    rr.subresource === 'token'
      ? ctx.auth.tokenRequest(rr.namespace ?? '', rr.name as string, body, now)
      : rr.resource === 'subjectaccessreviews'
        ? subjectAccessReview(body, decide)
      : rr.resource === 'selfsubjectaccessreviews'
        ? selfSubjectAccessReview(body, user, decide)
        : rr.resource === 'selfsubjectrulesreviews'
          ? selfSubjectRulesReview(body)
          : ctx.auth.tokenReview(body, now);
  send(res, 201, answer);
}

async function resourceRequest(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, rr: ResourceRequest, q: Query, user?: UserInfo): Promise<void> {
  const rt = ctx.registry.require(rr.group, rr.version, rr.resource);
  const method = req.method ?? 'GET';
  if (rr.namespace !== undefined && !rt.namespaced) throw new ApiServerError('NotFound', 'the server could not find the requested resource');
  if (rt.namespaced && rr.namespace === undefined && (rr.name !== undefined || method === 'POST')) {
    throw new ApiServerError('NotFound', 'the server could not find the requested resource');
  }
  const ns = rr.namespace ?? '';
  const sub = rr.subresource;
  if (sub !== undefined && !(sub === 'status' && rt.hasStatus) && !rt.extraSubresources.includes(sub)) {
    throw new ApiServerError('NotFound', `the server could not find the requested resource (${rt.resource}/${sub})`);
  }
  const contentType = (req.headers['content-type'] ?? JSON_TYPE).split(';')[0]?.trim().toLowerCase() ?? JSON_TYPE;
  if (sub === 'token' || rt.verbs?.includes('get') === false) return authenticationRequest(ctx, req, res, rr, contentType, user);
  const repr = () => representation(req.headers.accept);
  const writeOptions = (): WriteOptions => {
    const fv = fieldValidation(q);
    return { dryRun: dryRun(q), ...(fv ? { fieldValidation: fv } : {}), ...(sub === 'status' ? { subresource: 'status' as const } : {}) };
  };
  const watching = rr.watchPath || bool(q, 'watch') === true;
  switch (method) {
    case 'GET': {
      if (sub === 'log') return podLog(ctx, req, res, rt, ns, rr.name as string, q);
      if (watching) return watch(ctx, req, res, rt, rr, q);
      if (rr.name !== undefined) {
        const o = toVersion(rt, ctx.service.get(rt, ns, rr.name));
        const r = repr();
        if (r === 'table') return send(res, 200, toTable(rt, [o], { include: includeObject(q), now: new Date() }));
        if (r === 'metadata') return send(res, 200, partialMetadata(o));
        return send(res, 200, o);
      }
      const r = repr();
      const list = ctx.service.list(rt, rr.namespace, {
        ...optional('labelSelector', q.get('labelSelector')),
        ...optional('fieldSelector', q.get('fieldSelector')),
        ...optional('continue', q.get('continue')),
        ...optional('resourceVersion', q.get('resourceVersion')),
        ...optional('resourceVersionMatch', q.get('resourceVersionMatch')),
        ...optional('limit', int(q, 'limit')),
      });
      const items = list.items.map((o) => toVersion(rt, o));
      const meta = {
        resourceVersion: list.resourceVersion,
        ...(list.continue ? { continue: list.continue } : {}),
        ...(list.remainingItemCount !== undefined ? { remainingItemCount: list.remainingItemCount } : {}),
      };
      if (r === 'table') return send(res, 200, toTable(rt, items, { include: includeObject(q), now: new Date(), listMeta: meta }));
      if (r === 'metadata') return send(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: meta, items: items.map(partialMetadata) });
      return send(res, 200, { kind: rt.listKind, apiVersion: groupVersion(rt.group, rt.version), metadata: meta, items });
    }
    case 'POST': {
      if (rr.name !== undefined) throw new ApiServerError('MethodNotAllowed', `the server does not allow this method on the requested resource`);
      const body = decodeBody(await readBody(req, ctx.maxBodyBytes), contentType);
      const result = await ctx.service.create(rt, ns, body, writeOptions());
      return send(res, 201, toVersion(rt, result.object), JSON_TYPE, warningHeaders(result.warnings));
    }
    case 'PUT': {
      if (rr.name === undefined) throw new ApiServerError('MethodNotAllowed', `the server does not allow this method on the requested resource`);
      if (sub === 'log' || sub === 'finalize') throw new ApiServerError('MethodNotAllowed', `the server does not allow this method on the requested resource`);
      const body = decodeBody(await readBody(req, ctx.maxBodyBytes), contentType);
      const result = await ctx.service.update(rt, ns, rr.name, body, writeOptions());
      return send(res, 200, toVersion(rt, result.object), JSON_TYPE, warningHeaders(result.warnings));
    }
    case 'PATCH': {
      if (rr.name === undefined || sub === 'log' || sub === 'finalize') {
        throw new ApiServerError('MethodNotAllowed', `the server does not allow this method on the requested resource`);
      }
      const type = patchType(contentType);
      if (type === 'apply' && !q.get('fieldManager')) throw new ApiServerError('BadRequest', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
      const body = decodeBody(await readBody(req, ctx.maxBodyBytes), type === 'apply' ? 'yaml' : JSON_TYPE);
      const result = await ctx.service.patch(rt, ns, rr.name, type, body, writeOptions());
      return send(res, result.created ? 201 : 200, toVersion(rt, result.object), JSON_TYPE, warningHeaders(result.warnings));
    }
    case 'DELETE': {
      if (sub !== undefined) throw new ApiServerError('MethodNotAllowed', `the server does not allow this method on the requested resource`);
      const raw = await readBody(req, ctx.maxBodyBytes);
      const options = deleteOptions(raw, contentType, q);
      if (rr.name === undefined) {
        const deleted = await ctx.service.deleteCollection(
          rt,
          rr.namespace,
          { ...optional('labelSelector', q.get('labelSelector')), ...optional('fieldSelector', q.get('fieldSelector')) },
          options,
        );
        return send(res, 200, { kind: rt.listKind, apiVersion: groupVersion(rt.group, rt.version), metadata: {}, items: deleted.map((o) => toVersion(rt, o)) });
      }
      const result = await ctx.service.delete(rt, ns, rr.name, options);
      if (result.deleted && !rt.custom && !DELETE_RETURNS_OBJECT.has(`${rt.group}/${rt.resource}`)) {
        return send(res, 200, successStatus({ name: rr.name, group: rt.group, kind: rt.resource, uid: result.object.metadata.uid as string }));
      }
      return send(res, 200, toVersion(rt, result.object));
    }
    default:
      req.resume();
      throw new ApiServerError('MethodNotAllowed', `the server does not allow this method on the requested resource`);
  }
}

function optional<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return value === null || value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

function includeObject(q: Query): IncludeObject {
  const v = q.get('includeObject');
  if (v === 'None' || v === 'Object') return v;
  return 'Metadata';
}

function deleteOptions(raw: Buffer, contentType: string, q: Query): DeleteOptions {
  let body: Record<string, unknown> = {};
  if (raw.length > 0 && raw.toString('utf8').trim() !== '') {
    // A DeleteOptions body is JSON unless sent as protobuf (client-go's typed clients, kubectl drain).
    const parsed = decodeBody(raw, contentType === PROTOBUF_MEDIA_TYPE ? PROTOBUF_MEDIA_TYPE : JSON_TYPE);
    if (!isPlainObject(parsed)) throw new ApiServerError('BadRequest', 'DeleteOptions must be an object');
    body = parsed;
  }
  const out: DeleteOptions = {};
  const policy = q.get('propagationPolicy') ?? body.propagationPolicy;
  if (policy !== undefined && policy !== null) {
    if (policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
      throw new ApiServerError('BadRequest', `propagationPolicy: ${JSON.stringify(policy)} must be one of Orphan, Background, Foreground`);
    }
    out.propagationPolicy = policy;
  }
  const grace = int(q, 'gracePeriodSeconds') ?? (typeof body.gracePeriodSeconds === 'number' ? body.gracePeriodSeconds : undefined);
  if (grace !== undefined) out.gracePeriodSeconds = grace;
  const orphan = bool(q, 'orphanDependents') ?? (typeof body.orphanDependents === 'boolean' ? body.orphanDependents : undefined);
  if (orphan !== undefined) out.orphanDependents = orphan;
  if (isPlainObject(body.preconditions)) {
    const p = body.preconditions;
    out.preconditions = { ...(typeof p.uid === 'string' ? { uid: p.uid } : {}), ...(typeof p.resourceVersion === 'string' ? { resourceVersion: p.resourceVersion } : {}) };
  }
  const dry = q.getAll('dryRun').length > 0 || (Array.isArray(body.dryRun) && body.dryRun.length > 0);
  if (dry) out.dryRun = true;
  return out;
}

function watch(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, rt: ResourceType, rr: ResourceRequest, q: Query): void {
  let fieldSelector = q.get('fieldSelector') ?? undefined;
  if (rr.name !== undefined) fieldSelector = fieldSelector ? `metadata.name=${rr.name},${fieldSelector}` : `metadata.name=${rr.name}`;
  const filter = ctx.service.filter(rt, rr.namespace, q.get('labelSelector') ?? undefined, fieldSelector);
  const rv = q.get('resourceVersion');
  if (rv !== null && rv !== '') parseResourceVersion(rv);
  const asTable = representation(req.headers.accept) === 'table';
  const include = includeObject(q);
  const timeoutSeconds = int(q, 'timeoutSeconds') ?? ctx.minRequestTimeoutSeconds * (1 + Math.random());
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    handle.stop();
    res.end();
  };
  const sinkWrite = (text: string): void => {
    if (ended) return;
    res.write(text);
    // A client that stops reading is cut off; it resumes from its last resourceVersion.
    if (res.writableLength > 16 * 1024 * 1024) {
      ctx.logger.warn({ url: req.url }, 'watch client too slow, closing');
      end();
    }
  };
  res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.socket?.setNoDelay(true);
  res.flushHeaders();
  watchStarted.get(res)?.();
  const sink = {
    send(type: WatchEventType, object: unknown): void {
      if (type !== 'BOOKMARK' && type !== 'ERROR') ctx.metrics.watchEvents.inc({ group: rt.group, version: rr.version, resource: rt.resource });
      let out = object;
      if (asTable && type !== 'ERROR' && type !== 'BOOKMARK') out = toTable(rt, [object as KubeObject], { include, now: new Date() });
      sinkWrite(`${JSON.stringify({ type, object: out })}\n`);
    },
    heartbeat(): void {
      sinkWrite('\n');
    },
    end,
  };
  const timer = setTimeout(end, Math.max(0, timeoutSeconds) * 1000);
  timer.unref();
  let handle: { stop(): void } = { stop: () => undefined };
  try {
    handle = ctx.hub.start(
      {
        rt,
        namespace: rr.namespace,
        filter,
        ...optional('resourceVersion', q.get('resourceVersion')),
        ...optional('resourceVersionMatch', q.get('resourceVersionMatch')),
        ...optional('sendInitialEvents', bool(q, 'sendInitialEvents')),
        allowBookmarks: bool(q, 'allowWatchBookmarks') === true,
      },
      sink,
    );
  } catch (error) {
    sink.send('ERROR', ApiServerError.from(error, 'watch').toStatus());
    end();
    return;
  }
  if (ended) handle.stop();
  res.on('close', end);
}

async function podLog(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, rt: ResourceType, ns: string, name: string, q: Query): Promise<void> {
  const pod = ctx.service.get(rt, ns, name);
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  const tail = int(q, 'tailLines');
  const limit = int(q, 'limitBytes');
  const sink = {
    write(chunk: Buffer): boolean {
      if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
      return res.write(chunk);
    },
    get closed() {
      return closed;
    },
  };
  await streamPodLog(
    ctx.podLogRoot,
    pod,
    {
      ...optional('container', q.get('container')),
      follow: bool(q, 'follow') === true,
      previous: bool(q, 'previous') === true,
      ...optional('tailLines', tail),
      ...optional('limitBytes', limit),
    },
    sink,
    () => ctx.service.store.get(ctx.service.key(rt, ns, name)),
  );
  if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Content-Length': 0 });
  res.end();
}
