import { isPlainObject, type KubeObject, rfc3339 } from './kubeObject.js';
import { type FieldReader, pathField, type PrinterColumn, type ResourceType } from './resources.js';
import { AGE_COLUMN, age } from './table.js';

type Rec = Record<string, unknown>;

function rec(v: unknown): Rec {
  return isPlainObject(v) ? v : {};
}

function arr(v: unknown): Rec[] {
  return Array.isArray(v) ? v.filter(isPlainObject) : [];
}

function col(name: string, cell: PrinterColumn['cell'], extra: Partial<PrinterColumn> = {}): PrinterColumn {
  return { name, type: 'string', cell, ...extra };
}

function base(
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version,
    resource,
    kind,
    listKind: `${kind}List`,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: [],
    categories: [],
    hasStatus: false,
    extraSubresources: [],
    storage: `${group || 'core'}/${resource}`,
    storageApiVersion: group ? `${group}/${version}` : version,
    fields: {},
    columns: [AGE_COLUMN],
    custom: false,
    ...extra,
  };
}

/** The STATUS kubectl shows for a pod (reason, waiting/terminated container reason, Terminating). */
export function podStatusText(pod: KubeObject): string {
  const status = rec(pod.status);
  let reason = String(status.reason ?? status.phase ?? 'Pending');
  const inits = arr(status.initContainerStatuses);
  let initializing = false;
  inits.forEach((c, i) => {
    if (initializing) return;
    const state = rec(c.state);
    const term = rec(state.terminated);
    const wait = rec(state.waiting);
    if (state.terminated && term.exitCode === 0) return;
    initializing = true;
    if (state.terminated) reason = term.reason ? `Init:${String(term.reason)}` : `Init:ExitCode:${String(term.exitCode)}`;
    else if (state.waiting && wait.reason && wait.reason !== 'PodInitializing') reason = `Init:${String(wait.reason)}`;
    else reason = `Init:${i}/${arr(rec(pod.spec).initContainers).length}`;
  });
  if (!initializing) {
    let running = false;
    for (const c of arr(status.containerStatuses).reverse()) {
      const state = rec(c.state);
      const wait = rec(state.waiting);
      const term = rec(state.terminated);
      if (state.waiting && wait.reason) reason = String(wait.reason);
      else if (state.terminated && term.reason) reason = String(term.reason);
      else if (state.terminated) reason = term.signal ? `Signal:${String(term.signal)}` : `ExitCode:${String(term.exitCode)}`;
      else if (state.running && c.ready) running = true;
    }
    if (reason === 'Completed' && running) reason = 'Running';
  }
  if (pod.metadata.deletionTimestamp) reason = status.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

function podReady(pod: KubeObject): string {
  const statuses = arr(rec(pod.status).containerStatuses);
  const total = arr(rec(pod.spec).containers).length;
  return `${statuses.filter((c) => c.ready === true).length}/${total}`;
}

function podRestarts(pod: KubeObject): unknown {
  return arr(rec(pod.status).containerStatuses).reduce((n, c) => n + (typeof c.restartCount === 'number' ? c.restartCount : 0), 0);
}

function none(v: unknown): string {
  return v === undefined || v === null || v === '' ? '<none>' : String(v);
}

function nodeStatusText(node: KubeObject): string {
  const ready = arr(rec(node.status).conditions).find((c) => c.type === 'Ready');
  let text = ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown';
  if (rec(node.spec).unschedulable === true) text += ',SchedulingDisabled';
  return text;
}

function nodeRoles(node: KubeObject): string {
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter((r) => r !== '');
  return roles.length ? roles.sort().join(',') : '<none>';
}

function nodeAddress(node: KubeObject, type: string): string {
  return none(arr(rec(node.status).addresses).find((a) => a.type === type)?.address);
}

function eventObject(ev: KubeObject): string {
  const o = rec(ev.involvedObject);
  return `${String(o.kind ?? '').toLowerCase()}/${String(o.name ?? '')}`;
}

function eventLastSeen(ev: KubeObject, now: Date): string {
  const t = ev.lastTimestamp ?? ev.eventTime ?? ev.firstTimestamp ?? ev.metadata.creationTimestamp;
  return age(t, now);
}

const POD_FIELDS: Record<string, FieldReader> = {
  'spec.nodeName': pathField('spec.nodeName'),
  'spec.restartPolicy': pathField('spec.restartPolicy'),
  'spec.schedulerName': pathField('spec.schedulerName'),
  'spec.serviceAccountName': pathField('spec.serviceAccountName'),
  'spec.hostNetwork': (o) => String(rec(o.spec).hostNetwork === true),
  'status.phase': pathField('status.phase'),
  'status.podIP': pathField('status.podIP'),
  'status.nominatedNodeName': pathField('status.nominatedNodeName'),
};

const EVENT_FIELDS: Record<string, FieldReader> = Object.fromEntries([
  ...['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'].map((f) => [`involvedObject.${f}`, pathField(`involvedObject.${f}`)]),
  ['reason', pathField('reason')],
  ['reportingComponent', pathField('reportingComponent')],
  ['source', pathField('source.component')],
  ['type', pathField('type')],
]);

function defined(o: Rec): KubeObject {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o as KubeObject;
}

/** core/v1 Event to events.k8s.io/v1 Event. */
function eventToV1(o: KubeObject): KubeObject {
  const e = o as Rec;
  const source = rec(e.source);
  const out: Rec = {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: o.metadata,
    eventTime: e.eventTime ?? null,
    reason: e.reason,
    regarding: e.involvedObject,
    note: e.message,
    type: e.type,
    action: e.action,
    related: e.related,
    reportingController: e.reportingComponent ?? source.component,
    reportingInstance: e.reportingInstance ?? source.host,
    deprecatedSource: e.source,
    deprecatedFirstTimestamp: e.firstTimestamp,
    deprecatedLastTimestamp: e.lastTimestamp,
    deprecatedCount: e.count,
    series: e.series,
  };
  return defined(out);
}

/** events.k8s.io/v1 Event to core/v1 Event (the stored form). */
function eventFromV1(o: KubeObject): KubeObject {
  const e = o as Rec;
  const out: Rec = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: o.metadata,
    involvedObject: e.regarding ?? {},
    reason: e.reason,
    message: e.note,
    type: e.type,
    action: e.action,
    related: e.related,
    eventTime: e.eventTime,
    reportingComponent: e.reportingController ?? '',
    reportingInstance: e.reportingInstance ?? '',
    source: e.deprecatedSource ?? (e.reportingController ? { component: e.reportingController, host: e.reportingInstance } : undefined),
    firstTimestamp: e.deprecatedFirstTimestamp,
    lastTimestamp: e.deprecatedLastTimestamp,
    count: e.deprecatedCount,
    series: e.series,
  };
  return defined(out);
}

/** The built-in kinds the server serves. */
export function builtinResources(): ResourceType[] {
  const eventColumns: PrinterColumn[] = [
    col('Last Seen', eventLastSeen),
    col('Type', (o) => none(o.type)),
    col('Reason', (o) => none(o.reason)),
    col('Object', eventObject),
    col('Message', (o) => none(o.message)),
  ];
  // kubectl prints an event's Name last, but the server always puts Name first: Table rows start with it.
  return [
    base('', 'v1', 'namespaces', 'Namespace', false, {
      shortNames: ['ns'],
      hasStatus: true,
      extraSubresources: ['finalize'],
      fields: { 'status.phase': pathField('status.phase') },
      columns: [col('Status', (o) => none(rec(o.status).phase)), AGE_COLUMN],
    }),
    base('', 'v1', 'nodes', 'Node', false, {
      shortNames: ['no'],
      hasStatus: true,
      fields: { 'spec.unschedulable': (o) => String(rec(o.spec).unschedulable === true) },
      columns: [
        col('Status', nodeStatusText),
        col('Roles', nodeRoles),
        AGE_COLUMN,
        col('Version', (o) => none(rec(rec(o.status).nodeInfo).kubeletVersion)),
        col('Internal-IP', (o) => nodeAddress(o, 'InternalIP'), { priority: 1 }),
        col('External-IP', (o) => nodeAddress(o, 'ExternalIP'), { priority: 1 }),
        col('OS-Image', (o) => none(rec(rec(o.status).nodeInfo).osImage), { priority: 1 }),
        col('Kernel-Version', (o) => none(rec(rec(o.status).nodeInfo).kernelVersion), { priority: 1 }),
        col('Container-Runtime', (o) => none(rec(rec(o.status).nodeInfo).containerRuntimeVersion), { priority: 1 }),
      ],
    }),
    base('', 'v1', 'pods', 'Pod', true, {
      shortNames: ['po'],
      categories: ['all'],
      hasStatus: true,
      extraSubresources: ['log'],
      fields: POD_FIELDS,
      columns: [
        col('Ready', podReady),
        col('Status', podStatusText),
        col('Restarts', podRestarts, { type: 'string' }),
        AGE_COLUMN,
        col('IP', (o) => none(rec(o.status).podIP), { priority: 1 }),
        col('Node', (o) => none(rec(o.spec).nodeName), { priority: 1 }),
        col('Nominated Node', (o) => none(rec(o.status).nominatedNodeName), { priority: 1 }),
        col('Readiness Gates', () => '<none>', { priority: 1 }),
      ],
    }),
    base('', 'v1', 'secrets', 'Secret', true, {
      fields: { type: pathField('type') },
      columns: [col('Type', (o) => String(o.type ?? '')), col('Data', (o) => Object.keys(rec(o.data)).length, { type: 'string' }), AGE_COLUMN],
    }),
    base('', 'v1', 'configmaps', 'ConfigMap', true, {
      shortNames: ['cm'],
      columns: [col('Data', (o) => Object.keys(rec(o.data)).length + Object.keys(rec(o.binaryData)).length, { type: 'string' }), AGE_COLUMN],
    }),
    base('', 'v1', 'serviceaccounts', 'ServiceAccount', true, {
      shortNames: ['sa'],
      extraSubresources: ['token'],
      columns: [col('Secrets', (o) => (Array.isArray(o.secrets) ? o.secrets.length : 0), { type: 'string' }), AGE_COLUMN],
    }),
    base('', 'v1', 'events', 'Event', true, { shortNames: ['ev'], fields: EVENT_FIELDS, columns: eventColumns }),
    base('events.k8s.io', 'v1', 'events', 'Event', true, {
      shortNames: ['ev'],
      storage: 'core/events',
      storageApiVersion: 'v1',
      fields: {
        'regarding.kind': pathField('involvedObject.kind'),
        'regarding.namespace': pathField('involvedObject.namespace'),
        'regarding.name': pathField('involvedObject.name'),
        'regarding.uid': pathField('involvedObject.uid'),
        reason: pathField('reason'),
        reportingController: pathField('reportingComponent'),
        type: pathField('type'),
      },
      columns: eventColumns,
      fromStorage: eventToV1,
      toStorage: eventFromV1,
    }),
    // Answered on create from the ServiceAccount tokens the server issues; never stored.
    base('authentication.k8s.io', 'v1', 'tokenreviews', 'TokenReview', false, { verbs: ['create'], columns: [] }),
    // `kubectl auth can-i` and the GM's question about a dashboard user: answered on create from the RBAC objects; never stored.
    base('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, { verbs: ['create'], columns: [] }),
    base('authorization.k8s.io', 'v1', 'subjectaccessreviews', 'SubjectAccessReview', false, { verbs: ['create'], columns: [] }),
    base('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
    base('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
    base('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
    base('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
    base('authorization.k8s.io', 'v1', 'selfsubjectrulesreviews', 'SelfSubjectRulesReview', false, { verbs: ['create'], columns: [] }),
    base('coordination.k8s.io', 'v1', 'leases', 'Lease', true, {
      columns: [col('Holder', (o) => String(rec(o.spec).holderIdentity ?? '')), AGE_COLUMN],
    }),
    base('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, {
      singular: 'customresourcedefinition',
      shortNames: ['crd', 'crds'],
      categories: ['api-extensions'],
      hasStatus: true,
      columns: [col('Created At', (o) => o.metadata.creationTimestamp ?? '', { type: 'date' })],
    }),
  ];
}

/** Defaults the server fills in on create, as the Kubernetes API server does for these kinds. */
export function defaultBuiltin(rt: ResourceType, o: KubeObject): void {
  if (rt.custom) return;
  const key = `${rt.group}/${rt.resource}`;
  if (key === '/pods') {
    const spec = rec(o.spec);
    spec.restartPolicy ??= 'Always';
    spec.terminationGracePeriodSeconds ??= 30;
    spec.dnsPolicy ??= 'ClusterFirst';
    spec.schedulerName ??= 'default-scheduler';
    spec.securityContext ??= {};
    spec.enableServiceLinks ??= true;
    for (const c of [...arr(spec.containers), ...arr(spec.initContainers)]) {
      c.terminationMessagePath ??= '/dev/termination-log';
      c.terminationMessagePolicy ??= 'File';
      c.imagePullPolicy ??= typeof c.image === 'string' && (c.image.endsWith(':latest') || !/:[^/]+$/.test(c.image)) ? 'Always' : 'IfNotPresent';
      c.resources ??= {};
    }
    o.spec = spec;
    o.status = { phase: 'Pending', qosClass: 'BestEffort' };
  } else if (key === '/namespaces') {
    o.spec = { finalizers: ['kubernetes'], ...rec(o.spec) };
    o.status = { phase: 'Active' };
    o.metadata.labels = { ...(o.metadata.labels ?? {}), 'kubernetes.io/metadata.name': o.metadata.name ?? '' };
  } else if (key === '/secrets') {
    o.type ??= 'Opaque';
  }
}

/** A metav1.Time as the API server writes it back: RFC 3339 in UTC, whole seconds; other text as it is. */
function wholeSeconds(value: unknown): unknown {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return value;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : rfc3339(new Date(ms));
}

/**
 * The metav1.Time fields of Events and Pods at whole seconds, as the API server stores them (a client
 * sending milliseconds gets seconds back; `eventTime` is a MicroTime and keeps its fraction).
 */
export function normalizeTimes(rt: ResourceType, o: KubeObject): void {
  if (rt.custom || rt.group !== '') return;
  if (rt.resource === 'events') return atSeconds(o, ['firstTimestamp', 'lastTimestamp']);
  if (rt.resource !== 'pods' || !isPlainObject(o.status)) return;
  const status = o.status as Record<string, unknown>;
  atSeconds(status, ['startTime']);
  for (const c of listOf(status.conditions)) atSeconds(c, ['lastTransitionTime', 'lastProbeTime']);
  for (const cs of [...listOf(status.containerStatuses), ...listOf(status.initContainerStatuses)]) {
    for (const state of [cs.state, cs.lastState]) {
      if (isPlainObject(state)) for (const phase of Object.values(state)) atSeconds(phase, ['startedAt', 'finishedAt']);
    }
  }
}

/** The plain objects of a list field (none when it is no list). */
function listOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => isPlainObject(v)) : [];
}

/** Sets `keys` of `target` (when a plain object holding them) to whole seconds. */
function atSeconds(target: unknown, keys: readonly string[]): void {
  if (!isPlainObject(target)) return;
  const r = target as Record<string, unknown>;
  for (const k of keys) if (k in r) r[k] = wholeSeconds(r[k]);
}

/** Turns a Secret's `stringData` into base64 `data`, as the API server does on every write. */
export function normalizeSecret(rt: ResourceType, o: KubeObject): void {
  if (rt.custom || rt.group !== '' || rt.resource !== 'secrets' || !isPlainObject(o.stringData)) return;
  const data = rec(o.data);
  for (const [k, v] of Object.entries(o.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  o.data = data;
  delete o.stringData;
}
