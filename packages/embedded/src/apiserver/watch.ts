import { ApiServerError } from './errors.js';
import { type KubeObject } from './kubeObject.js';
import { type ObjectFilter, parseResourceVersion } from './objectService.js';
import { groupVersion, type ResourceType, toVersion } from './resources.js';
import { keyPrefix, type StoredEvent, type Store } from './store.js';

/** A watch event type as sent on the wire. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Where a watch sends its events (the HTTP response, in the server). */
export interface WatchSink {
  /** Sends one event; `object` is in the watched version's form (or a Status for ERROR). */
  send(type: WatchEventType, object: unknown): void;
  /** Sends a keep-alive that carries no event (a bare newline on the wire). */
  heartbeat(): void;
  /** Ends the watch from the server side. */
  end(): void;
}

/** What a client asked to watch. */
export interface WatchRequest {
  rt: ResourceType;
  namespace: string | undefined;
  filter: ObjectFilter;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  sendInitialEvents?: boolean;
  allowBookmarks: boolean;
}

/** A running watch. */
export interface Watch {
  /** Stops delivering events (the client went away or the watch timed out). */
  stop(): void;
}

interface Watcher {
  req: WatchRequest;
  prefix: string;
  sink: WatchSink;
  lastRev: number;
  lastSent: number;
  lastBookmark: number;
}

/** Timing of the watch keep-alives. */
export interface WatchHubOptions {
  /** How often a watch that asked for bookmarks gets one (default 60 s, as kube-apiserver). */
  bookmarkIntervalMs: number;
  /** After how long without an event a watch gets a keep-alive newline (default 10 s). */
  heartbeatIntervalMs: number;
}

/**
 * Delivers committed changes to watches: each watch first catches up from the event log (or the
 * current state for a watch without a resourceVersion), then receives every later commit in
 * revision order, with ADDED/DELETED when an object starts or stops matching its selectors.
 * Catch-up and delivery happen in the same synchronous step as the commit listener, so no event is
 * skipped or sent twice across a reconnect from the last seen resourceVersion.
 */
export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly options: WatchHubOptions,
  ) {
    store.onCommit((events) => this.dispatch(events));
    const tick = Math.max(50, Math.min(options.bookmarkIntervalMs, options.heartbeatIntervalMs) / 4);
    this.timer = setInterval(() => this.keepAlive(), tick);
    this.timer.unref();
  }

  /** Number of open watches. */
  get size(): number {
    return this.watchers.size;
  }

  /**
   * Starts a watch: sends the catch-up events and registers for later ones.
   *
   * @throws ApiServerError `BadRequest` for an invalid resourceVersion or sendInitialEvents combination.
   */
  start(req: WatchRequest, sink: WatchSink): Watch {
    const { rt } = req;
    const prefix = keyPrefix(rt.storage, rt.namespaced ? req.namespace : undefined);
    const rv = req.resourceVersion ?? '';
    const now = Date.now();
    const w: Watcher = { req, prefix, sink, lastRev: this.store.revision, lastSent: now, lastBookmark: now };
    if (req.sendInitialEvents !== undefined && req.sendInitialEvents && (!req.allowBookmarks || req.resourceVersionMatch !== 'NotOlderThan')) {
      throw new ApiServerError('Invalid', 'sendInitialEvents requires allowWatchBookmarks=true and resourceVersionMatch=NotOlderThan');
    }
    const initial = req.sendInitialEvents ?? (rv === '' || rv === '0');
    if (initial) {
      if (rv !== '' && rv !== '0' && parseResourceVersion(rv) > this.store.revision) {
        throw new ApiServerError('Timeout', `Too large resource version: ${rv}, current: ${this.store.revision}`);
      }
      for (const [, o] of this.store.scan(prefix)) if (req.filter.matches(o)) sink.send('ADDED', toVersion(rt, o));
      if (req.sendInitialEvents) {
        sink.send('BOOKMARK', this.bookmark(rt, { 'k8s.io/initial-events-end': 'true' }));
      }
    } else if (rv !== '') {
      const from = parseResourceVersion(rv);
      if (from < this.store.compacted || from > this.store.revision) {
        const text =
          from < this.store.compacted
            ? `too old resource version: ${from} (${this.store.compacted + 1})`
            : `resource version ${from} is newer than the store (${this.store.revision}): the store was replaced`;
        sink.send('ERROR', new ApiServerError('Expired', text).toStatus());
        sink.end();
        return { stop: () => undefined };
      }
      w.lastRev = from;
      const backlog: StoredEvent[] = [];
      for (const e of this.store.eventsSince(from)) backlog.push(e);
      this.deliver(w, backlog);
    }
    w.lastRev = this.store.revision;
    this.watchers.add(w);
    return { stop: () => this.watchers.delete(w) };
  }

  private bookmark(rt: ResourceType, annotations?: Record<string, string>): KubeObject {
    return {
      kind: rt.kind,
      apiVersion: groupVersion(rt.group, rt.version),
      metadata: { resourceVersion: String(this.store.revision), ...(annotations ? { annotations } : {}) },
    };
  }

  private dispatch(events: StoredEvent[]): void {
    for (const w of this.watchers) this.deliver(w, events);
  }

  private deliver(w: Watcher, events: readonly StoredEvent[]): void {
    const { rt, filter } = w.req;
    for (const e of events) {
      if (e.rev <= w.lastRev) continue;
      w.lastRev = e.rev;
      if (!e.key.startsWith(w.prefix)) continue;
      let type: WatchEventType | undefined;
      let object: KubeObject = e.object;
      if (e.type === 'DELETED') {
        if (filter.matches(e.object)) type = 'DELETED';
      } else {
        const now = filter.matches(e.object);
        const before = e.prev !== null && filter.matches(e.prev);
        if (now && before) type = 'MODIFIED';
        else if (now) type = 'ADDED';
        else if (before && e.prev) {
          // It stopped matching: the watcher sees it deleted, in its last matching state.
          type = 'DELETED';
          object = { ...e.prev, metadata: { ...e.prev.metadata, resourceVersion: String(e.rev) } };
        }
      }
      if (type) {
        w.lastSent = Date.now();
        w.sink.send(type, toVersion(rt, object));
      }
    }
  }

  private keepAlive(): void {
    const now = Date.now();
    for (const w of this.watchers) {
      if (w.req.allowBookmarks && now - w.lastBookmark >= this.options.bookmarkIntervalMs) {
        w.lastBookmark = now;
        w.lastSent = now;
        w.sink.send('BOOKMARK', this.bookmark(w.req.rt));
      } else if (now - w.lastSent >= this.options.heartbeatIntervalMs) {
        w.lastSent = now;
        w.sink.heartbeat();
      }
    }
  }

  /** Ends every watch (server shutdown). */
  close(): void {
    clearInterval(this.timer);
    for (const w of this.watchers) w.sink.end();
    this.watchers.clear();
  }
}
