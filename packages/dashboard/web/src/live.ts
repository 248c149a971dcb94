/**
 * The live state of the pages: one EventSource on /api/watch (the server relays Kubernetes watches
 * made with the user's token), keeping the jobs, and the pods and events of the job shown.
 */
import type { Job } from './jobModel.js';
import { checkSession } from './session.js';
import { sharedSourceFactory } from './sharedLive.js';

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
  /** The session is gone (the stream was refused with 401): the page is going to the sign-in page. */
  signedOut?: boolean;
}

/** What {@link follow} needs of an EventSource (a stand-in in tests). */
export interface LiveSource {
  readonly readyState: number;
  onopen: (() => unknown) | null;
  onerror: (() => unknown) | null;
  addEventListener(type: string, listener: (event: { data: string }) => void): void;
  close(): void;
}

/** EventSource's `readyState` once it stopped for good (the browser retries a dropped stream, not a refused one). */
const CLOSED = 2;

/** The key of a job: `<plural>/<namespace>/<name>`. */
export function jobKey(job: Job): string {
  const plural = `${(job.kind ?? '').toLowerCase()}s`;
  return `${plural}/${job.metadata.namespace ?? 'default'}/${job.metadata.name}`;
}

/** The stream of one scope for this page: the browser's shared stream (see sharedLive.ts), else an EventSource of its own. */
function openScope(scope: string): LiveSource {
  const shared = sharedSourceFactory();
  return shared ? shared(scope) : (new EventSource(`/api/watch?scope=${encodeURIComponent(scope)}`) as unknown as LiveSource);
}

/**
 * Follows every learning job (`job` undefined), or one job and its pods and events; calls `onChange`
 * on every update. `open` gives the source of a scope (`jobs`, `<plural>/<namespace>/<name>`); by
 * default the stream the browser's tabs share. When the stream stops for good (an EventSource cannot read the status that stopped it), or
 * a watch says 401, asks whether the session is still there with `check` (default
 * {@link checkSession}, which goes to the sign-in page on 401, saying why).
 */
export function follow(
  job: string | undefined,
  onChange: (state: LiveState) => void,
  open: (scope: string) => LiveSource = openScope,
  check: () => Promise<number> = () => checkSession(),
): () => void {
  const state: LiveState = { jobs: new Map(), pods: new Map(), events: new Map(), connected: false };
  const source = open(job ?? 'jobs');
  const apply = (map: Map<string, KubeObject | Job>, keyOf: (o: never) => string) => (event: { data: string }) => {
    const { type, object } = JSON.parse(event.data) as { type: string; object: KubeObject };
    const key = keyOf(object as never);
    if (type === 'DELETED') map.delete(key);
    else map.set(key, object as never);
    delete state.error;
    onChange(state);
  };
  source.addEventListener('job', apply(state.jobs as Map<string, Job>, jobKey));
  source.addEventListener('pod', apply(state.pods, (o: KubeObject) => o.metadata.uid ?? o.metadata.name));
  source.addEventListener('event', apply(state.events, (o: KubeObject) => o.metadata.uid ?? o.metadata.name));
  const askSession = () =>
    void check().then(
      (code) => {
        if (code === 401) state.signedOut = true;
        else state.error = `the live updates stopped (the session answers ${code}): reload the page`;
        onChange(state);
      },
      () => undefined,
    );
  source.addEventListener('status', (event: { data: string }) => {
    const { error, status } = JSON.parse(event.data) as { error: string; status?: number };
    state.error = status === 403 ? `not allowed: ${error}` : error;
    onChange(state);
    // The API server no longer takes the token: the server ends the session (and this stream).
    if (status === 401) askSession();
  });
  source.onopen = () => {
    state.connected = true;
    onChange(state);
  };
  source.onerror = () => {
    state.connected = false;
    onChange(state);
    if (source.readyState !== CLOSED) return;
    askSession();
  };
  return () => source.close();
}
