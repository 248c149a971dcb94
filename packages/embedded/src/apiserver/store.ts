import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { ApiServerError } from './errors.js';
import { type KubeObject } from './kubeObject.js';

/** The layout version of the store; a later release migrates older stores up to its own. */
export const STORE_SCHEMA_VERSION = 1;

/** A watch event as recorded in the event log. */
export interface StoredEvent {
  /** The revision (resourceVersion) the change was committed at. */
  rev: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** Store key of the object: `<group>/<resource> <namespace> <name>`. */
  key: string;
  /** The object after the change (for DELETED: its last state, at the deletion revision). */
  object: KubeObject;
  /** The object before the change (null for ADDED). */
  prev: KubeObject | null;
}

/** What a mutation can do inside one store transaction. */
export interface WriteTx {
  /** The object at `key` as this transaction sees it (earlier writes of the batch included). */
  get(key: string): KubeObject | undefined;
  /** The key of the object with this uid, as this transaction sees it. */
  keyOfUid(uid: string): string | undefined;
  /** Keys of the objects that name `uid` in their ownerReferences. */
  dependents(uid: string): string[];
  /** Every object under a key prefix, in key order. */
  range(prefix: string): KubeObject[];
  /** Writes `object` at `key`, setting its resourceVersion to the next revision; returns that revision. */
  put(key: string, object: KubeObject): number;
  /** Removes the object at `key`; `last` (its final state) gets the deletion revision as resourceVersion. */
  remove(key: string, last: KubeObject): number;
}

/** The store key of an object. */
export function objectKey(storage: string, namespace: string, name: string): string {
  return `${storage} ${namespace} ${name}`;
}

/** The key prefix of every object of a resource, or of a resource in one namespace. */
export function keyPrefix(storage: string, namespace?: string): string {
  return namespace === undefined ? `${storage} ` : `${storage} ${namespace} `;
}

/** Splits a store key into its parts. */
export function splitKey(key: string): { storage: string; namespace: string; name: string } {
  const a = key.indexOf(' ');
  const b = key.indexOf(' ', a + 1);
  return { storage: key.slice(0, a), namespace: key.slice(a + 1, b), name: key.slice(b + 1) };
}

// Keys are built from names that only use characters above ' ', so '!' sorts right after a prefix's end.
function prefixEnd(prefix: string): string {
  return `${prefix.slice(0, -1)}!`;
}

function ownerRefUids(object: KubeObject | null | undefined): string[] {
  return (object?.metadata?.ownerReferences ?? []).map((r) => r.uid).filter((u): u is string => typeof u === 'string' && u !== '');
}

interface Queued {
  mutation: (tx: WriteTx) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Options of `Store.open`. */
export interface StoreOptions {
  /** Number of events kept in the event log for watch resume and consistent continue. */
  watchWindow: number;
}

/**
 * The durable object store: an LMDB environment holding the objects, the event log (the watch
 * window), a uid index, an ownerReference index and the meta records (schema version, revision,
 * compacted revision).
 *
 * Writes are mutations queued with `write`; all mutations queued in one event-loop turn run in one
 * synchronous LMDB transaction that commits with a full sync before any of their promises resolve
 * (group commit). Each mutation stages its writes and applies them only when it returns, so a
 * mutation that throws leaves nothing behind, and every write carries its object, its event and the
 * revision counter in the same transaction: after a crash the store holds exactly the acknowledged
 * writes and nothing half-written.
 */
export class Store {
  private readonly env: RootDatabase;
  private readonly objects: Database<string, string>;
  private readonly events: Database<string, number>;
  private readonly uids: Database<string, string>;
  private readonly owners: Database<string, string>;
  private readonly meta: Database<unknown, string>;
  private readonly window: number;
  private queue: Queued[] = [];
  private scheduled = false;
  /** The group commit in progress, if any. */
  private flushing: Promise<void> | undefined;
  private closed = false;
  private readonly listeners: ((events: StoredEvent[]) => void)[] = [];
  /** The last committed revision. */
  revision: number;
  /** Events at or below this revision have left the event log. */
  compacted: number;

  private constructor(dir: string, options: StoreOptions) {
    this.window = options.watchWindow;
    // Private: Secrets are among the objects (startApiServer tightens a store an earlier release left open).
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      // overlappingSync off: a commit returns only once it is flushed to disk, so a reply sent after
      // it never acknowledges a write a crash could lose. permissionsMode: the mode lmdb-js creates
      // data.mdb and lock.mdb with (0664 less the umask without it); not in its typings, hence the
      // variable, which TypeScript does not check for unknown properties.
      const options = { path: dir, overlappingSync: false, maxDbs: 16, encoding: 'json' as const, permissionsMode: 0o600 };
      this.env = open(options);
      this.objects = this.env.openDB({ name: 'objects', encoding: 'string' });
      this.events = this.env.openDB({ name: 'events', encoding: 'string' });
      this.uids = this.env.openDB({ name: 'uids', encoding: 'string' });
      this.owners = this.env.openDB({ name: 'owners', encoding: 'string' });
      this.meta = this.env.openDB({ name: 'meta', encoding: 'json' });
    } catch (error) {
      throw new ApiServerError('StoreFailure', `store ${dir}: cannot open: ${(error as Error).message}`, { cause: error });
    }
    const version = this.meta.get('schemaVersion');
    if (version === undefined) {
      const empty = this.objects.getKeysCount({ limit: 1 }) === 0 && this.events.getKeysCount({ limit: 1 }) === 0;
      if (!empty) throw new ApiServerError('StoreSchema', `store ${dir}: holds data but no schema version; it was not written by this server`);
      this.env.transactionSync(() => {
        this.meta.putSync('schemaVersion', STORE_SCHEMA_VERSION);
        this.meta.putSync('revision', 0);
        this.meta.putSync('compacted', 0);
        this.meta.putSync('createdAt', new Date().toISOString());
      });
    } else if (typeof version !== 'number' || version > STORE_SCHEMA_VERSION) {
      throw new ApiServerError(
        'StoreSchema',
        `store ${dir}: schemaVersion ${JSON.stringify(version)} is newer than this release supports (${STORE_SCHEMA_VERSION}); upgrade @sedna-ts/embedded`,
      );
    } else if (version < STORE_SCHEMA_VERSION) {
      this.migrate(version);
    }
    this.revision = Number(this.meta.get('revision') ?? 0);
    this.compacted = Number(this.meta.get('compacted') ?? 0);
  }

  /** Opens (creating when absent) the store in `dir`. */
  static open(dir: string, options: StoreOptions): Store {
    return new Store(path.resolve(dir), options);
  }

  // Each step takes the store from version n to n+1 inside one transaction. None exist yet: version 1
  // is the first layout.
  private migrate(from: number): void {
    const steps: Record<number, () => void> = {};
    for (let v = from; v < STORE_SCHEMA_VERSION; v++) {
      const step = steps[v];
      if (!step) throw new ApiServerError('StoreSchema', `store: no migration from schemaVersion ${v}`);
      this.env.transactionSync(() => {
        step();
        this.meta.putSync('schemaVersion', v + 1);
      });
    }
  }

  /** Calls `listener` with the events of every commit, in revision order, before the writers resolve. */
  onCommit(listener: (events: StoredEvent[]) => void): void {
    this.listeners.push(listener);
  }

  /** The committed object at `key`. */
  get(key: string): KubeObject | undefined {
    const text = this.objects.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as KubeObject);
  }

  /** The key of the committed object with this uid. */
  keyOfUid(uid: string): string | undefined {
    return this.uids.get(uid);
  }

  /** Keys of committed objects naming `uid` as an owner. */
  dependents(uid: string): string[] {
    const prefix = `${uid} `;
    const out: string[] = [];
    for (const k of this.owners.getKeys({ start: prefix, end: prefixEnd(prefix) })) out.push(k.slice(prefix.length));
    return out;
  }

  /** Committed objects under `prefix` (every object for `''`), in key order, starting after `after` when given. */
  *scan(prefix: string, after?: string): Generator<[string, KubeObject]> {
    const start = after !== undefined && after > prefix ? after : prefix;
    for (const { key, value } of this.objects.getRange(prefix === '' ? { start } : { start, end: prefixEnd(prefix) })) {
      if (key === after) continue;
      yield [key, JSON.parse(value) as KubeObject];
    }
  }

  /** Number of committed objects under `prefix` after `after`. */
  count(prefix: string, after?: string): number {
    const start = after !== undefined && after > prefix ? after : prefix;
    const n = this.objects.getKeysCount({ start, end: prefixEnd(prefix) });
    return after !== undefined && this.objects.doesExist(after) && after >= prefix ? n - 1 : n;
  }

  /** Events with a revision above `rev`, in order (the caller checks `rev >= compacted`). */
  *eventsSince(rev: number): Generator<StoredEvent> {
    for (const { key, value } of this.events.getRange({ start: rev + 1 })) {
      const e = JSON.parse(value) as Omit<StoredEvent, 'rev'>;
      yield { rev: key, ...e };
    }
  }

  /**
   * Queues a mutation; it runs inside the next group commit and the promise settles once that
   * commit is on disk (with the mutation's return value, or what it threw).
   */
  write<T>(mutation: (tx: WriteTx) => T): Promise<T> {
    if (this.closed) return Promise.reject(new ApiServerError('StoreFailure', 'store: closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ mutation, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Runs the queued mutations in one group commit. The commit and its flush to disk happen in lmdb's
   * write thread (an asynchronous transaction), so the event loop serves reads and watches while the
   * disk syncs; one commit runs at a time, and what is queued meanwhile goes into the next. Listeners
   * hear a commit, and its writers get their answers, only once it is on disk.
   */
  private flush(): void {
    this.scheduled = false;
    if (this.flushing) return; // the running commit starts the next when it ends
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    const committed: StoredEvent[] = [];
    let rev = this.revision;
    let compacted = this.compacted;
    const run = (): void => {
      for (const item of batch) {
        const tx = new StagedTx(this, rev);
        try {
          const value = item.mutation(tx);
          tx.apply();
          rev = tx.rev;
          committed.push(...tx.staged);
          outcomes.push({ ok: true, value });
        } catch (error) {
          outcomes.push({ ok: false, value: error });
        }
      }
      if (rev !== this.revision) {
        this.meta.putSync('revision', rev);
        const floor = rev - this.window;
        if (floor > compacted) {
          for (const key of this.events.getKeys({ start: compacted + 1, end: floor + 1 })) this.events.removeSync(key);
          compacted = floor;
          this.meta.putSync('compacted', compacted);
        }
      }
    };
    const settle = (): void => {
      this.revision = rev;
      this.compacted = compacted;
      if (committed.length > 0) {
        for (const listener of this.listeners) {
          try {
            listener(committed);
          } catch {
            // A listener's failure must not undo a commit; listeners log their own errors.
          }
        }
      }
      batch.forEach((item, i) => {
        const o = outcomes[i] as { ok: boolean; value: unknown };
        if (o.ok) item.resolve(o.value);
        else item.reject(o.value);
      });
    };
    const fail = (error: unknown): void => {
      const failure = new ApiServerError('StoreFailure', `store: commit failed: ${(error as Error).message}`, { cause: error });
      for (const item of batch) item.reject(failure);
    };
    let commit: Promise<unknown>;
    try {
      commit = this.env.transaction(run);
    } catch (error) {
      fail(error);
      return;
    }
    this.flushing = commit.then(settle, fail).finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0 && !this.closed) this.flush();
    });
  }

  /** @internal Raw access for the staged transaction. */
  rawGet(key: string): string | undefined {
    return this.objects.get(key);
  }

  /** @internal Applies one staged write inside the running transaction. */
  rawApply(e: StoredEvent): void {
    const uid = e.object.metadata?.uid;
    if (e.type === 'DELETED') {
      this.objects.removeSync(e.key);
      if (uid) this.uids.removeSync(uid);
    } else {
      this.objects.putSync(e.key, JSON.stringify(e.object));
      if (uid) this.uids.putSync(uid, e.key);
    }
    const before = new Set(ownerRefUids(e.prev));
    const after = new Set(e.type === 'DELETED' ? [] : ownerRefUids(e.object));
    for (const u of before) if (!after.has(u)) this.owners.removeSync(`${u} ${e.key}`);
    for (const u of after) if (!before.has(u)) this.owners.putSync(`${u} ${e.key}`, '');
    const { rev: _rev, ...rest } = e;
    this.events.putSync(e.rev, JSON.stringify(rest));
  }

  /** Closes the store; queued writes that have not run yet fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    // What is queued is committed before the store closes: the commit in progress, then the rest.
    while (this.flushing || this.queue.length > 0) {
      if (this.flushing) await this.flushing;
      else this.flush();
    }
    this.closed = true;
    await this.env.close();
  }
}

class StagedTx implements WriteTx {
  readonly staged: StoredEvent[] = [];
  private readonly overlay = new Map<string, KubeObject | null>();
  rev: number;

  constructor(
    private readonly store: Store,
    rev: number,
  ) {
    this.rev = rev;
  }

  get(key: string): KubeObject | undefined {
    if (this.overlay.has(key)) {
      const v = this.overlay.get(key);
      return v ? (JSON.parse(JSON.stringify(v)) as KubeObject) : undefined;
    }
    const text = this.store.rawGet(key);
    return text === undefined ? undefined : (JSON.parse(text) as KubeObject);
  }

  keyOfUid(uid: string): string | undefined {
    for (const e of this.staged) if (e.object.metadata?.uid === uid) return e.type === 'DELETED' ? undefined : e.key;
    return this.store.keyOfUid(uid);
  }

  dependents(uid: string): string[] {
    const keys = new Set(this.store.dependents(uid));
    for (const e of this.staged) {
      const refs = e.type === 'DELETED' ? [] : ownerRefUids(e.object);
      if (refs.includes(uid)) keys.add(e.key);
      else keys.delete(e.key);
    }
    return [...keys].sort();
  }

  range(prefix: string): KubeObject[] {
    const out = new Map<string, KubeObject>();
    for (const [k, v] of this.store.scan(prefix)) out.set(k, v);
    for (const [k, v] of this.overlay) {
      if (!k.startsWith(prefix)) continue;
      if (v) out.set(k, v);
      else out.delete(k);
    }
    return [...out.keys()].sort().map((k) => out.get(k) as KubeObject);
  }

  put(key: string, object: KubeObject): number {
    const prev = this.get(key) ?? null;
    this.rev++;
    object.metadata.resourceVersion = String(this.rev);
    const stored = JSON.parse(JSON.stringify(object)) as KubeObject;
    this.overlay.set(key, stored);
    this.staged.push({ rev: this.rev, type: prev ? 'MODIFIED' : 'ADDED', key, object: stored, prev });
    return this.rev;
  }

  remove(key: string, last: KubeObject): number {
    const prev = this.get(key) ?? null;
    this.rev++;
    last.metadata.resourceVersion = String(this.rev);
    this.overlay.set(key, null);
    this.staged.push({ rev: this.rev, type: 'DELETED', key, object: JSON.parse(JSON.stringify(last)) as KubeObject, prev });
    return this.rev;
  }

  apply(): void {
    for (const e of this.staged) this.store.rawApply(e);
  }
}
