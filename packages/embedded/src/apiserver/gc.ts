import { CRD_CLEANUP_FINALIZER } from './crd.js';
import { ApiServerError } from './errors.js';
import { type ApiServerLogger as Logger } from './logger.js';
import { type KubeObject } from './kubeObject.js';
import { type ObjectService } from './objectService.js';
import { type ResourceType } from './resources.js';
import { keyPrefix, objectKey, splitKey, type StoredEvent, type Store, type WriteTx } from './store.js';

type WorkItem = `dep:${string}` | `owner:${string}` | `ns:${string}` | `crd:${string}`;

/** Extra time the server gives a node agent past a pod's grace period before it removes the pod itself. */
const POD_FORCE_DELETE_SLACK_MS = 5000;

/**
 * The server's background controllers, driven by commits: the garbage collector (ownerReference
 * cascade in background and foreground, orphaning, removal of objects whose owners are gone),
 * namespace deletion (the namespace goes once it is empty), CRD deletion (the custom resources go
 * first) and the end of a bound pod's grace period when no node agent confirmed it.
 */
export class Controllers {
  private readonly queue: WorkItem[] = [];
  private readonly queued = new Set<WorkItem>();
  private readonly podTimers = new Map<string, NodeJS.Timeout>();
  private running = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly service: ObjectService,
    private readonly logger: Logger,
  ) {
    store.onCommit((events) => this.observe(events));
  }

  /** Finds work left by a previous run (objects being deleted, dependents of vanished owners). */
  resume(): void {
    for (const [key, o] of this.store.scan('')) this.inspect(key, o, null);
  }

  /** Resolves once the queue is empty (used by tests and shutdown). */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops processing and cancels the pod timers. */
  close(): void {
    this.closed = true;
    for (const t of this.podTimers.values()) clearTimeout(t);
    this.podTimers.clear();
  }

  private enqueue(item: WorkItem): void {
    if (this.closed || this.queued.has(item)) return;
    this.queued.add(item);
    this.queue.push(item);
    if (!this.running) {
      this.running = true;
      setImmediate(() => void this.run());
    }
  }

  private observe(events: StoredEvent[]): void {
    for (const e of events) {
      if (e.type === 'DELETED') {
        const uid = e.object.metadata.uid;
        if (uid) for (const dep of this.store.dependents(uid)) this.enqueue(`dep:${dep}`);
        for (const ref of e.object.metadata.ownerReferences ?? []) {
          const ownerKey = this.store.keyOfUid(ref.uid);
          if (ownerKey) this.enqueue(`owner:${ownerKey}`);
        }
        const { storage, namespace } = splitKey(e.key);
        if (namespace) {
          const ns = this.store.get(objectKey('core/namespaces', '', namespace));
          if (ns?.metadata.deletionTimestamp) this.enqueue(`ns:${namespace}`);
        }
        const crdName = this.crdOfStorage(storage);
        if (crdName) this.enqueue(`crd:${crdName}`);
        const timer = this.podTimers.get(e.key);
        if (timer) {
          clearTimeout(timer);
          this.podTimers.delete(e.key);
        }
      } else {
        this.inspect(e.key, e.object, e.prev);
      }
    }
  }

  private crdOfStorage(storage: string): string | undefined {
    const slash = storage.indexOf('/');
    const group = storage.slice(0, slash);
    if (!group.includes('.') || group.endsWith('k8s.io')) return undefined;
    return `${storage.slice(slash + 1)}.${group}`;
  }

  private inspect(key: string, o: KubeObject, prev: KubeObject | null): void {
    const m = o.metadata;
    for (const ref of m.ownerReferences ?? []) {
      if (!this.store.keyOfUid(ref.uid)) {
        this.enqueue(`dep:${key}`);
        break;
      }
    }
    if (!m.deletionTimestamp) return;
    const { storage, name } = splitKey(key);
    const finalizers = m.finalizers ?? [];
    if (finalizers.includes('foregroundDeletion') || finalizers.includes('orphan')) this.enqueue(`owner:${key}`);
    if (storage === 'core/namespaces') this.enqueue(`ns:${name}`);
    if (storage === 'apiextensions.k8s.io/customresourcedefinitions') this.enqueue(`crd:${name}`);
    if (storage === 'core/pods' && (m.deletionGracePeriodSeconds ?? 0) > 0 && prev?.metadata.deletionTimestamp !== m.deletionTimestamp) {
      this.schedulePodDeadline(key, o);
    }
  }

  private schedulePodDeadline(key: string, pod: KubeObject): void {
    const old = this.podTimers.get(key);
    if (old) clearTimeout(old);
    const due = Date.parse(pod.metadata.deletionTimestamp ?? '') + POD_FORCE_DELETE_SLACK_MS;
    const uid = pod.metadata.uid;
    const timer = setTimeout(
      () => {
        this.podTimers.delete(key);
        void this.mutate(`pod ${key} grace period end`, (tx) => {
          const cur = tx.get(key);
          if (!cur || cur.metadata.uid !== uid || !cur.metadata.deletionTimestamp) return;
          this.service.deleteInTx(tx, this.typeOf(key), key, cur, { gracePeriodSeconds: 0 });
        });
      },
      Math.max(0, due - Date.now()),
    );
    timer.unref();
    this.podTimers.set(key, timer);
  }

  private typeOf(key: string): ResourceType {
    const { storage } = splitKey(key);
    const rt = this.service.registry.preferredForStorage(storage);
    if (!rt) throw new ApiServerError('InternalError', `no resource serves stored objects ${storage}`);
    return rt;
  }

  private async run(): Promise<void> {
    while (!this.closed && this.queue.length > 0) {
      const item = this.queue.shift() as WorkItem;
      this.queued.delete(item);
      try {
        await this.process(item);
      } catch (error) {
        this.logger.warn({ item, err: error instanceof Error ? error.message : String(error) }, 'background work failed, retrying');
        setTimeout(() => this.enqueue(item), 1000).unref();
      }
    }
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async mutate(what: string, mutation: (tx: WriteTx) => void): Promise<void> {
    try {
      await this.store.write(mutation);
    } catch (error) {
      if (error instanceof ApiServerError && (error.code === 'NotFound' || error.code === 'Conflict')) return;
      this.logger.warn({ what, err: error instanceof Error ? error.message : String(error) }, 'background write failed');
      throw error;
    }
  }

  private process(item: WorkItem): Promise<void> {
    const colon = item.indexOf(':');
    const kind = item.slice(0, colon);
    const arg = item.slice(colon + 1);
    switch (kind) {
      case 'dep':
        return this.mutate(`garbage collection of ${arg}`, (tx) => this.collectDependent(tx, arg));
      case 'owner':
        return this.mutate(`dependents of ${arg}`, (tx) => this.processOwner(tx, arg));
      case 'ns':
        return this.mutate(`namespace ${arg} deletion`, (tx) => this.finishNamespace(tx, arg));
      default:
        return this.mutate(`CRD ${arg} deletion`, (tx) => this.finishCrd(tx, arg));
    }
  }

  /** Kubernetes' attemptToDeleteItem: delete a dependent whose owners are all gone or going. */
  private collectDependent(tx: WriteTx, key: string): void {
    const o = tx.get(key);
    if (!o) return;
    const refs = o.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const dangling: string[] = [];
    const waiting: string[] = [];
    let solid = 0;
    for (const ref of refs) {
      const ownerKey = tx.keyOfUid(ref.uid);
      const owner = ownerKey ? tx.get(ownerKey) : undefined;
      if (!owner) dangling.push(ref.uid);
      else if (owner.metadata.deletionTimestamp && (owner.metadata.finalizers ?? []).includes('foregroundDeletion')) waiting.push(ref.uid);
      else solid++;
    }
    const rt = this.typeOf(key);
    if (solid > 0) {
      if (dangling.length + waiting.length === 0) return;
      const gone = new Set([...dangling, ...waiting]);
      const next = structuredClone(o);
      next.metadata.ownerReferences = refs.filter((r) => !gone.has(r.uid));
      if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
      tx.put(key, next);
      return;
    }
    if (o.metadata.deletionTimestamp) return;
    const hasDependents = tx.dependents(o.metadata.uid ?? '').length > 0;
    this.service.deleteInTx(tx, rt, key, o, { propagationPolicy: waiting.length > 0 && hasDependents ? 'Foreground' : 'Background' });
  }

  /** Orphan and foreground deletion of an owner's dependents, then the owner's own finalizer. */
  private processOwner(tx: WriteTx, key: string): void {
    const owner = tx.get(key);
    if (!owner?.metadata.deletionTimestamp) return;
    const uid = owner.metadata.uid ?? '';
    const finalizers = owner.metadata.finalizers ?? [];
    let remove: string | undefined;
    if (finalizers.includes('orphan')) {
      for (const depKey of tx.dependents(uid)) {
        const dep = tx.get(depKey);
        if (!dep) continue;
        dep.metadata.ownerReferences = (dep.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        if (dep.metadata.ownerReferences.length === 0) delete dep.metadata.ownerReferences;
        tx.put(depKey, dep);
      }
      remove = 'orphan';
    } else if (finalizers.includes('foregroundDeletion')) {
      let blocking = 0;
      for (const depKey of tx.dependents(uid)) {
        const dep = tx.get(depKey);
        if (!dep) continue;
        const ref = (dep.metadata.ownerReferences ?? []).find((r) => r.uid === uid);
        if (ref?.blockOwnerDeletion) blocking++;
        if (!dep.metadata.deletionTimestamp) this.collectDependent(tx, depKey);
      }
      if (blocking === 0) remove = 'foregroundDeletion';
    }
    if (!remove) return;
    const cur = tx.get(key) as KubeObject;
    cur.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((f) => f !== remove);
    this.finishFinalizing(tx, key, cur);
  }

  private finishFinalizing(tx: WriteTx, key: string, o: KubeObject): void {
    if ((o.metadata.finalizers ?? []).length === 0 && (o.metadata.deletionGracePeriodSeconds ?? 0) === 0) tx.remove(key, o);
    else tx.put(key, o);
  }

  /** Deletes everything in a terminating namespace; removes the namespace once nothing is left. */
  private finishNamespace(tx: WriteTx, name: string): void {
    const nsKey = objectKey('core/namespaces', '', name);
    const ns = tx.get(nsKey);
    if (!ns?.metadata.deletionTimestamp) return;
    let left = 0;
    const storages = new Set(
      this.service.registry
        .all()
        .filter((r) => r.namespaced)
        .map((r) => r.storage),
    );
    for (const storage of storages) {
      const rt = this.typeOf(objectKey(storage, name, ''));
      for (const o of tx.range(keyPrefix(storage, name))) {
        left++;
        if (!o.metadata.deletionTimestamp) {
          const res = this.service.deleteInTx(tx, rt, objectKey(storage, name, o.metadata.name ?? ''), o, { propagationPolicy: 'Background' });
          if (res.deleted) left--;
        }
      }
    }
    if (left > 0 || (ns.metadata.finalizers ?? []).length > 0) return;
    tx.remove(nsKey, ns);
  }

  /** Deletes a terminating CRD's custom resources, then lets the CRD go. */
  private finishCrd(tx: WriteTx, name: string): void {
    const crdKey = objectKey('apiextensions.k8s.io/customresourcedefinitions', '', name);
    const crd = tx.get(crdKey);
    if (!crd?.metadata.deletionTimestamp) return;
    const spec = crd.spec as { group: string; names: { plural: string } };
    const storage = `${spec.group}/${spec.names.plural}`;
    const rt = this.service.registry.preferredForStorage(storage);
    let left = 0;
    if (rt) {
      for (const o of tx.range(keyPrefix(storage))) {
        left++;
        if (!o.metadata.deletionTimestamp) {
          const res = this.service.deleteInTx(tx, rt, objectKey(storage, o.metadata.namespace ?? '', o.metadata.name ?? ''), o, { propagationPolicy: 'Background' });
          if (res.deleted) left--;
        }
      }
    }
    if (left > 0 || !(crd.metadata.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) return;
    const cur = tx.get(crdKey) as KubeObject;
    cur.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
    this.finishFinalizing(tx, crdKey, cur);
  }
}
