/**
 * The live state of the pages: one EventSource on /api/watch (the server relays Kubernetes watches
 * made with the user's token), keeping the jobs, and the pods and events of the job shown.
 */
import type { Job } from './jobModel.js';

/** A Kubernetes object with the fields the pages read. */
export interface KubeObject {
  metadata: { name: string; namespace?: string; uid?: string; creationTimestamp?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** What the pages render from. */
export interface LiveState {
  jobs: Map<string, Job>;
  pods: Map<string, KubeObject>;
  events: Map<string, KubeObject>;
  /** The last watch error, cleared when data flows again. */
  error?: string;
  connected: boolean;
}

/** The key of a job: `<plural>/<namespace>/<name>`. */
export function jobKey(job: Job): string {
  const plural = `${(job.kind ?? '').toLowerCase()}s`;
  return `${plural}/${job.metadata.namespace ?? 'default'}/${job.metadata.name}`;
}

/** Follows /api/watch (and one job's pods and events when `job` is given); calls `onChange` on every update. */
export function follow(job: string | undefined, onChange: (state: LiveState) => void): () => void {
  const state: LiveState = { jobs: new Map(), pods: new Map(), events: new Map(), connected: false };
  const source = new EventSource(`/api/watch${job ? `?job=${encodeURIComponent(job)}` : ''}`);
  const apply = (map: Map<string, KubeObject | Job>, keyOf: (o: never) => string) => (event: MessageEvent<string>) => {
    const { type, object } = JSON.parse(event.data) as { type: string; object: KubeObject };
    const key = keyOf(object as never);
    if (type === 'DELETED') map.delete(key);
    else map.set(key, object as never);
    delete state.error;
    onChange(state);
  };
  source.addEventListener('job', apply(state.jobs as Map<string, Job>, jobKey) as EventListener);
  source.addEventListener('pod', apply(state.pods, (o: KubeObject) => o.metadata.uid ?? o.metadata.name) as EventListener);
  source.addEventListener('event', apply(state.events, (o: KubeObject) => o.metadata.uid ?? o.metadata.name) as EventListener);
  source.addEventListener('status', ((event: MessageEvent<string>) => {
    const { error, status } = JSON.parse(event.data) as { error: string; status?: number };
    state.error = status === 403 ? `not allowed: ${error}` : error;
    onChange(state);
  }) as EventListener);
  source.onopen = () => {
    state.connected = true;
    onChange(state);
  };
  source.onerror = () => {
    state.connected = false;
    onChange(state);
  };
  return () => source.close();
}
