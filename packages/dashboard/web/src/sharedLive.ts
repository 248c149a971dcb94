/**
 * One live stream per browser, shared by its tabs. Each page used to hold its own EventSource; over
 * HTTP/1.1 a browser opens at most 6 connections per host, so with 6 tabs open every other request
 * (and a 7th tab) waited forever. Now the tabs elect a leader with a Web Lock (the lock is released when
 * its tab closes, and the next tab waiting takes it); the leader opens one `/api/watch` stream with
 * the scopes every tab asked for (`scope=jobs`, `scope=<plural>/<namespace>/<name>`) and passes its
 * events to the other tabs on a BroadcastChannel. It keeps the objects of each scope, so a tab that
 * comes later gets them at once; when the scopes change it opens a new stream (which lists again) and,
 * once a scope is `synced`, tells the tabs which of the objects it kept are gone.
 *
 * Each tab sees a {@link LiveSource} (as an EventSource) of its own scope. Without Web Locks or
 * BroadcastChannel (old browsers) {@link sharedSourceFactory} answers undefined and each page opens
 * its own EventSource, as before.
 */
import type { LiveSource } from './live.js';

/** The channel and lock name the tabs of a dashboard share. */
export const SHARED_NAME = 'sedna-dashboard-live';

/** What the sharing uses of a BroadcastChannel. */
export interface Channel {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
}

/** What the sharing uses of an EventSource (as the pages do). */
export type EventStream = LiveSource;

/** What the sharing needs of the browser (stand-ins in tests). */
export interface SharedDeps {
  channel: Channel;
  /** Runs `leader` once this tab holds the lock `name`; the lock is held until the promise it returns settles. */
  lock: (name: string, leader: () => Promise<void>) => void;
  open: (url: string) => EventStream;
  /** A random id of this tab. */
  tab: string;
  /** The status of `GET /api/session` (the leader asks when its stream stopped for good). */
  check: () => Promise<number>;
  /** Calls `leave` when the page goes away (its stream's error then is no news for the other tabs). */
  onLeave?: (leave: () => void) => void;
}

/** The event names a stream carries for the pages. */
const OBJECT_EVENTS = ['job', 'pod', 'event'] as const;
const CLOSED = 2;

type Message =
  | { t: 'want'; tab: string; scopes: string[] }
  | { t: 'who' }
  | { t: 'event'; name: string; data: string; to?: string }
  | { t: 'state'; open: boolean; closed: boolean };

interface Sub {
  scope: string;
  source: SharedSource;
}

/** A tab's view of the shared stream: as an EventSource, for one scope. */
class SharedSource implements LiveSource {
  readyState = 0;
  onopen: (() => unknown) | null = null;
  onerror: (() => unknown) | null = null;
  private readonly listeners = new Map<string, Array<(event: { data: string }) => void>>();
  constructor(private readonly leave: () => void) {}
  addEventListener(type: string, listener: (event: { data: string }) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.leave();
  }
  dispatch(name: string, data: string): void {
    if (this.readyState !== CLOSED) for (const l of this.listeners.get(name) ?? []) l({ data });
  }
  setState(open: boolean, closed: boolean): void {
    if (this.readyState === CLOSED) return;
    if (open) {
      if (this.readyState !== 1) {
        this.readyState = 1;
        this.onopen?.();
      }
      return;
    }
    // As an EventSource: retrying (0) or stopped for good (2, the session is asked then).
    this.readyState = closed ? CLOSED : 0;
    this.onerror?.();
  }
}

const keyOf = (name: string, object: { metadata?: { uid?: string; namespace?: string; name?: string } }): string =>
  `${name}:${object.metadata?.uid ?? `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`}`;

/**
 * The sharing of one page: call {@link SharedLive.source} for each live view the page opens.
 *
 * @example
 * const live = new SharedLive({ channel: new BroadcastChannel(SHARED_NAME), lock: ..., open: (u) => new EventSource(u), tab: crypto.randomUUID() });
 * const source = live.source('jobs');
 */
export class SharedLive {
  private readonly subs = new Set<Sub>();
  private state = { open: false, closed: false };
  // The leader's part: the scopes of every tab, the stream, and the objects of each scope.
  private leading = false;
  private readonly wants = new Map<string, string[]>();
  private stream: EventStream | undefined;
  private streamScopes = '';
  private readonly kept = new Map<string, Map<string, string>>();
  // Scopes listed again by a new stream: the keys seen since, until the scope is synced.
  private readonly relisting = new Map<string, Set<string>>();
  private reopenTimer: ReturnType<typeof setTimeout> | undefined;
  private leaving = false;

  constructor(private readonly deps: SharedDeps) {
    deps.channel.onmessage = (event) => this.receive(event.data as Message);
    // A leader's stream closed by its page going away (a reload, a link) reports an error: not to be passed on.
    deps.onLeave?.(() => {
      this.leaving = true;
      this.stream?.close();
    });
    deps.lock(SHARED_NAME, () => {
      this.leading = true;
      this.wants.set(deps.tab, this.myScopes());
      // The tabs say what they follow; the stream opens with what is known and again as they answer.
      deps.channel.postMessage({ t: 'who' } satisfies Message);
      this.reopenSoon();
      return new Promise<void>(() => undefined);
    });
  }

  /** A source of `scope`'s events (`jobs`, or `<plural>/<namespace>/<name>`). */
  source(scope: string): LiveSource {
    const sub: Sub = {
      scope,
      source: new SharedSource(() => {
        this.subs.delete(sub);
        this.announce();
      }),
    };
    this.subs.add(sub);
    this.announce();
    if (this.state.open) queueMicrotask(() => sub.source.setState(true, false));
    // What the leader keeps of the scope, at once (a follower asks with its `want`).
    if (this.leading) queueMicrotask(() => this.replay(scope, (name, data) => sub.source.dispatch(name, data)));
    return sub.source;
  }

  private myScopes(): string[] {
    return [...new Set([...this.subs].map((s) => s.scope))].sort();
  }

  private announce(): void {
    const scopes = this.myScopes();
    if (this.leading) this.want(this.deps.tab, scopes);
    else this.deps.channel.postMessage({ t: 'want', tab: this.deps.tab, scopes } satisfies Message);
  }

  private receive(message: Message): void {
    if (message.t === 'event') {
      if (!message.to || message.to === this.deps.tab) this.deliver(message.name, message.data);
    } else if (message.t === 'state') {
      this.setState(message.open, message.closed);
    } else if (message.t === 'who') {
      this.deps.channel.postMessage({ t: 'want', tab: this.deps.tab, scopes: this.myScopes() } satisfies Message);
    } else if (message.t === 'want' && this.leading) {
      const before = this.wants.get(message.tab);
      this.want(message.tab, message.scopes);
      // A tab new to a scope gets what is kept of it; the state of the stream too.
      for (const scope of message.scopes) {
        if (!before?.includes(scope)) this.replay(scope, (name, data) => this.deps.channel.postMessage({ t: 'event', name, data, to: message.tab } satisfies Message));
      }
      this.deps.channel.postMessage({ t: 'state', ...this.state } satisfies Message);
    }
  }

  private deliver(name: string, data: string): void {
    let scope: string | undefined;
    try {
      scope = (JSON.parse(data) as { scope?: string }).scope;
    } catch {
      return;
    }
    for (const sub of this.subs) if (sub.scope === scope || scope === undefined) sub.source.dispatch(name, data);
  }

  private setState(open: boolean, closed: boolean): void {
    this.state = { open, closed };
    for (const sub of this.subs) sub.source.setState(open, closed);
  }

  private want(tab: string, scopes: string[]): void {
    if (scopes.length) this.wants.set(tab, scopes);
    else this.wants.delete(tab);
    this.reopenSoon();
  }

  private replay(scope: string, send: (name: string, data: string) => void): void {
    for (const data of this.kept.get(scope)?.values() ?? []) send((JSON.parse(data) as { name: string }).name, JSON.stringify((JSON.parse(data) as { event: unknown }).event));
  }

  /** Opens the stream again when the scopes wanted changed (several changes at once: one stream). */
  private reopenSoon(): void {
    if (this.reopenTimer) return;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      const scopes = [...new Set([...this.wants.values()].flat())].sort();
      const named = scopes.join('\n');
      if (named === this.streamScopes && this.stream && this.stream.readyState !== CLOSED) return;
      this.stream?.close();
      this.stream = undefined;
      this.streamScopes = named;
      for (const scope of [...this.kept.keys()]) if (!scopes.includes(scope)) this.kept.delete(scope);
      if (!scopes.length) return;
      for (const scope of scopes) this.relisting.set(scope, new Set());
      this.open(scopes);
    }, 30);
  }

  private open(scopes: string[]): void {
    const stream = this.deps.open(`/api/watch?${scopes.map((s) => `scope=${encodeURIComponent(s)}`).join('&')}`);
    this.stream = stream;
    const broadcast = (name: string, data: string) => {
      this.deliver(name, data);
      this.deps.channel.postMessage({ t: 'event', name, data } satisfies Message);
    };
    for (const name of OBJECT_EVENTS) {
      stream.addEventListener(name, (event) => {
        if (this.stream !== stream) return;
        const parsed = JSON.parse(event.data) as { scope: string; type: string; object: { metadata?: { uid?: string; namespace?: string; name?: string } } };
        const key = keyOf(name, parsed.object);
        const kept = this.kept.get(parsed.scope) ?? new Map<string, string>();
        this.kept.set(parsed.scope, kept);
        if (parsed.type === 'DELETED') kept.delete(key);
        else kept.set(key, JSON.stringify({ name, event: parsed }));
        this.relisting.get(parsed.scope)?.add(key);
        broadcast(name, event.data);
      });
    }
    stream.addEventListener('synced', (event) => {
      if (this.stream !== stream) return;
      const { scope } = JSON.parse(event.data) as { scope: string };
      const seen = this.relisting.get(scope);
      this.relisting.delete(scope);
      if (!seen) return;
      // Kept from an earlier stream, not listed again: deleted meanwhile.
      const kept = this.kept.get(scope);
      for (const [key, data] of [...(kept ?? new Map<string, string>())]) {
        if (seen.has(key)) continue;
        kept?.delete(key);
        const { name, event: old } = JSON.parse(data) as { name: string; event: object };
        broadcast(name, JSON.stringify({ ...old, type: 'DELETED' }));
      }
    });
    stream.addEventListener('status', (event) => {
      if (this.stream === stream) broadcast('status', event.data);
    });
    const tell = (open: boolean, closed: boolean) => {
      this.setState(open, closed);
      this.deps.channel.postMessage({ t: 'state', open, closed } satisfies Message);
    };
    const report = () => {
      if (this.stream !== stream || this.leaving) return;
      // (Re)connected: the server lists every scope again; what is not listed is gone once it is synced.
      if (stream.readyState === 1 && !this.state.open) for (const scope of scopes) this.relisting.set(scope, new Set());
      if (stream.readyState !== CLOSED) return tell(stream.readyState === 1, false);
      // Stopped for good (the browser does not retry a refused stream). Without a session every tab is
      // told (each asks, and goes to the sign-in page); else (a refusal that passes: 429, 5xx) a new one.
      // A page going away gets no answer: nothing is told.
      this.stream = undefined;
      tell(false, false);
      void this.deps.check().then(
        (status) => {
          if (this.leaving) return;
          if (status === 401) return tell(false, true);
          setTimeout(() => {
            this.streamScopes = '';
            this.reopenSoon();
          }, 2000);
        },
        () => undefined,
      );
    };
    stream.onopen = report;
    stream.onerror = report;
  }
}

/** The browser's parts of {@link SharedDeps}, or undefined when it lacks Web Locks or BroadcastChannel. */
export function browserDeps(): SharedDeps | undefined {
  const g = globalThis as unknown as {
    BroadcastChannel?: new (name: string) => Channel;
    EventSource?: new (url: string) => EventStream;
    navigator?: { locks?: { request(name: string, callback: () => Promise<void>): Promise<unknown> } };
    crypto?: { randomUUID?: () => string };
    addEventListener?: (type: string, listener: () => void) => void;
  };
  const locks = g.navigator?.locks;
  if (!g.BroadcastChannel || !locks || !g.EventSource) return undefined;
  const Source = g.EventSource;
  return {
    channel: new g.BroadcastChannel(SHARED_NAME),
    lock: (name, leader) => void locks.request(name, leader).catch(() => undefined),
    open: (url) => new Source(url),
    tab: g.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random()}`,
    check: async () => (await fetch('/api/session')).status,
    onLeave: (leave) => g.addEventListener?.('pagehide', leave),
  };
}

let shared: SharedLive | undefined | null;

/** The page's shared live stream (created on first use), or undefined when the browser cannot share one. */
export function sharedSourceFactory(): ((scope: string) => LiveSource) | undefined {
  if (shared === undefined) {
    const deps = browserDeps();
    shared = deps ? new SharedLive(deps) : null;
  }
  const live = shared;
  return live ? (scope) => live.source(scope) : undefined;
}
