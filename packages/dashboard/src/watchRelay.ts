/**
 * Live updates for the browser: Server-Sent Events relaying Kubernetes watches made with the signed-in
 * user's token (the browser never polls). Each stream starts with the objects listed, then every
 * ADDED, MODIFIED and DELETED; a watch that ends (or a 410 Gone) is relisted by client-node's informer,
 * restarted here after a pause (2 s, doubled on each failure in a row up to 60 s), and the browser is
 * told with a `status` event (the message of the API server's Status).
 */
import type { ServerResponse } from 'node:http';
import { ListWatch, Watch, type Informer, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { JOB_KINDS, SEDNA_GROUP, SEDNA_VERSION, jobKind, messageOf, statusOf, type UserApi } from './kube.js';

/** What one SSE connection follows: every learning job, or one job (only it) and its pods and events. */
export interface WatchScope {
  job?: { plural: string; namespace: string; name: string };
}

/** The most scopes one stream follows (the tabs of one browser share a stream: see web/src/sharedLive.ts). */
export const MAX_SCOPES = 16;

/**
 * The scope a stream's `scope` (or `job`) query value names: `jobs` (every learning job) or
 * `<plural>/<namespace>/<name>` (one job); a message naming the value when it is neither.
 */
export function parseScope(value: string): WatchScope | string {
  if (value === 'jobs') return {};
  const parts = value.split('/');
  const [plural, namespace, name] = parts;
  if (parts.length !== 3 || !plural || !namespace || !name || !jobKind(plural)) return `${JSON.stringify(value)}: expected "jobs" or <plural>/<namespace>/<name> of a learning job`;
  return { job: { plural, namespace, name } };
}

/** The query value of a scope (see {@link parseScope}). */
export function scopeName(scope: WatchScope): string {
  return scope.job ? `${scope.job.plural}/${scope.job.namespace}/${scope.job.name}` : 'jobs';
}

type Obj = KubernetesObject;

/** Pause before an informer that failed is started again, doubled on each failure in a row up to {@link RESTART_MAX_MS}. */
const RESTART_MS = 2000;
const RESTART_MAX_MS = 60_000;

/** The pause before restarting a watch that failed `failures` times in a row (1: the first failure). */
export function restartDelay(failures: number): number {
  return Math.min(RESTART_MS * 2 ** Math.max(0, failures - 1), RESTART_MAX_MS);
}

function send(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** One watch of a connection. */
export interface Stream {
  name: string;
  path: string;
  list: () => Promise<KubernetesListObject<Obj>>;
  labelSelector?: string;
  fieldSelector?: string;
  filter?: (o: Obj) => boolean;
  /** Called with each object of this watch before it is filtered and sent (the pods of a job, for its events). */
  observe?: (o: Obj) => void;
}

/**
 * The watches of a connection: every learning job across namespaces (the jobs list); for a job's page
 * only that job, in its namespace (`metadata.name` field selector), so a user allowed in that
 * namespace alone can follow it, with its pods and events.
 */
export function streams(api: UserApi, scope: WatchScope): Stream[] {
  const job = scope.job;
  const kind = job ? jobKind(job.plural) : undefined;
  if (!job || !kind) {
    return JOB_KINDS.map((k) => ({
      name: 'job',
      path: `/apis/${SEDNA_GROUP}/${SEDNA_VERSION}/${k.plural}`,
      list: async () => (await api.custom.listClusterCustomObject({ group: SEDNA_GROUP, version: SEDNA_VERSION, plural: k.plural })) as KubernetesListObject<Obj>,
    }));
  }
  const fieldSelector = `metadata.name=${job.name}`;
  const labelSelector = `${kind.lower}.sedna.io/name=${job.name}`;
  // The job's pods (seen by the pod watch, kept when they go: their events stay worth showing).
  const pods = new Set<string>();
  return [
    {
      name: 'job',
      path: `/apis/${SEDNA_GROUP}/${SEDNA_VERSION}/namespaces/${job.namespace}/${kind.plural}`,
      fieldSelector,
      list: async () => (await api.custom.listNamespacedCustomObject({ group: SEDNA_GROUP, version: SEDNA_VERSION, namespace: job.namespace, plural: kind.plural, fieldSelector })) as KubernetesListObject<Obj>,
    },
    {
      name: 'pod',
      path: `/api/v1/namespaces/${job.namespace}/pods`,
      labelSelector,
      list: async () => (await api.core.listNamespacedPod({ namespace: job.namespace, labelSelector })) as KubernetesListObject<Obj>,
      observe: (o) => void (o.metadata?.name && pods.add(o.metadata.name)),
    },
    {
      name: 'event',
      path: `/api/v1/namespaces/${job.namespace}/events`,
      list: async () => (await api.core.listNamespacedEvent({ namespace: job.namespace })) as KubernetesListObject<Obj>,
      // The job's own events, and its pods' (Scheduled, Started, NodeRestart...).
      filter: (o) => {
        const involved = (o as { involvedObject?: { kind?: string; name?: string } }).involvedObject;
        if (!involved?.name) return false;
        return involved.kind === 'Pod' ? pods.has(involved.name) : involved.name === job.name && (!involved.kind || involved.kind === kind.kind);
      },
    },
  ];
}

/**
 * Serves one SSE connection following one or more scopes until the browser goes away: `job`, `pod`
 * and `event` events carry `{scope, type, object}` (`scope` as {@link scopeName} writes it); a
 * `synced` event `{scope}` says the objects of a scope were all listed (anything the browser kept from
 * an earlier stream and did not get again is gone); `status` events say a watch failed (`{scope,
 * stream, error, status}`) or is back. A watch refused with 401 (the token expired or was revoked) is
 * not restarted: `onUnauthorized` is called (the server ends the session and this stream).
 */
export function relayWatches(api: UserApi, scopes: WatchScope | readonly WatchScope[], res: ServerResponse, log: Logger, onUnauthorized: () => void = () => res.end()): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  res.write(': sedna dashboard\n\n');
  let closed = false;
  const informers: Informer<Obj>[] = [];
  const timers = new Set<NodeJS.Timeout>();
  for (const scope of Array.isArray(scopes) ? scopes : [scopes]) relayScope(scope as WatchScope);
  function relayScope(scope: WatchScope): void {
    const named = scopeName(scope);
    const starts: Promise<unknown>[] = [];
    const scopeStreams = streams(api, scope);
    const byName = new Map<string, ListWatch<Obj>>();
    const seenPods = new Set<string>();
    for (const stream of scopeStreams) {
      const informer = new ListWatch<Obj>(stream.path, new Watch(api.kubeConfig), stream.list, false, stream.labelSelector, stream.fieldSelector);
      byName.set(stream.name, informer);
      let failures = 0;
      const forward = (type: string) => (o: Obj) => {
        failures = 0;
        const known = stream.name === 'pod' && o.metadata?.name ? seenPods.has(o.metadata.name) : true;
        stream.observe?.(o);
        if (!closed && (!stream.filter || stream.filter(o))) send(res, stream.name, { scope: named, type, object: o });
        if (!known && o.metadata?.name) {
          // A pod seen for the first time: its events listed before it came are sent now.
          seenPods.add(o.metadata.name);
          const events = byName.get('event');
          const eventStream = scopeStreams.find((x) => x.name === 'event');
          for (const e of events?.list() ?? []) {
            const involved = (e as { involvedObject?: { kind?: string; name?: string } }).involvedObject;
            if (!closed && involved?.kind === 'Pod' && involved.name === o.metadata.name && eventStream?.filter?.(e)) send(res, 'event', { scope: named, type: 'ADDED', object: e });
          }
        }
      };
      informer.on('add', forward('ADDED'));
      informer.on('update', forward('MODIFIED'));
      informer.on('delete', forward('DELETED'));
      informer.on('connect', () => (failures = 0));
      informer.on('error', (error: unknown) => {
        if (closed) return;
        const status = statusOf(error);
        send(res, 'status', { scope: named, stream: stream.name, path: stream.path, error: messageOf(error), ...(status ? { status } : {}) });
        if (status === 401) return onUnauthorized();
        failures++;
        log.debug({ path: stream.path, err: messageOf(error), failures }, 'watch ended; restarting');
        // A refused watch (403) stays refused until someone changes the RBAC: back off, do not hammer.
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!closed) informer.start().catch(() => undefined);
        }, restartDelay(failures));
        timers.add(timer);
      });
      informers.push(informer);
      starts.push(informer.start());
    }
    // Each informer's start resolves once it listed (its objects were sent as ADDED) and watches.
    void Promise.allSettled(starts).then(() => {
      if (!closed) send(res, 'synced', { scope: named });
    });
  }
  // Comments keep proxies from closing a quiet stream.
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 25_000);
  res.on('close', () => {
    closed = true;
    clearInterval(keepAlive);
    for (const timer of timers) clearTimeout(timer);
    for (const informer of informers) informer.stop().catch(() => undefined);
  });
}
