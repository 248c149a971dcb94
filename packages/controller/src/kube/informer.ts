/**
 * A cache of one kind of object kept in step with the API server by list + watch (client-node's
 * ListWatch), which relists on 410 Gone. A list or watch error stops client-node's loop; this wrapper
 * restarts it with exponential backoff, so a restarted or unreachable API server is only a pause.
 */
import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { backoffDelay, type BackoffSettings } from '@sedna-ts/internal';
import type { GmLogger } from '../config.js';
import { ControllerError, describeError, httpStatusOf } from '../errors.js';

/** What happened to an object. */
export type InformerEvent = 'add' | 'update' | 'delete';

/** Options of an Informer. */
export interface InformerOptions<T extends KubernetesObject> {
  /** Names the informer in logs and errors, e.g. `incrementallearningjobs`. */
  name: string;
  kubeConfig: KubeConfig;
  /** Watch path, e.g. `/apis/sedna.io/v1alpha1/incrementallearningjobs` or `/api/v1/pods`. */
  path: string;
  /** Lists the objects (with the same selector as the watch). */
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  backoff: BackoffSettings;
  logger: GmLogger;
  /** Called for every change after it is in the cache. */
  onEvent: (event: InformerEvent, object: T) => void;
}

/** One watched kind: its cache and its events. */
export class Informer<T extends KubernetesObject> {
  private readonly listWatch: ListWatch<T>;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private everSynced = false;
  private firstError: unknown;
  private syncWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(private readonly options: InformerOptions<T>) {
    this.listWatch = new ListWatch<T>(options.path, new Watch(options.kubeConfig), options.list, false, options.labelSelector);
    this.listWatch.on('add', (o) => options.onEvent('add', o));
    this.listWatch.on('update', (o) => options.onEvent('update', o));
    this.listWatch.on('delete', (o) => options.onEvent('delete', o));
    this.listWatch.on('error', (error) => this.failed(error));
  }

  /** Whether the first list has succeeded. */
  get synced(): boolean {
    return this.everSynced;
  }

  /** Starts listing and watching. */
  start(): void {
    this.stopped = false;
    void this.run();
  }

  /**
   * Resolves once the first list has succeeded. Rejects with `CRD_MISSING` when the API server does not
   * know the resource (404), which no retry would fix.
   */
  waitForSync(): Promise<void> {
    if (this.everSynced) return Promise.resolve();
    if (this.firstError !== undefined) return Promise.reject(this.firstError);
    return new Promise((resolve, reject) => this.syncWaiters.push({ resolve, reject }));
  }

  /** An object of the cache. */
  get(name: string, namespace?: string): T | undefined {
    return this.listWatch.get(name, namespace);
  }

  /** The objects of the cache, of one namespace or all. */
  list(namespace?: string): readonly T[] {
    return this.listWatch.list(namespace);
  }

  /** Stops watching. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.listWatch.stop();
  }

  private async run(): Promise<void> {
    let errored = false;
    const onError = (): void => {
      errored = true;
    };
    this.listWatch.on('error', onError);
    try {
      await this.listWatch.start();
    } catch (error) {
      // start() reports through the error callback; a throw is unexpected but handled the same way.
      this.failed(error);
      errored = true;
    } finally {
      this.listWatch.off('error', onError);
    }
    if (errored || this.stopped) return;
    this.failures = 0;
    if (!this.everSynced) {
      this.everSynced = true;
      for (const w of this.syncWaiters.splice(0)) w.resolve();
    }
  }

  private failed(error: unknown): void {
    if (this.stopped) return;
    const status = httpStatusOf(error);
    if (!this.everSynced && status === 404) {
      const fatal = new ControllerError(
        'CRD_MISSING',
        `${this.options.name}: the API server does not serve ${this.options.path} (HTTP 404); install the sedna.io CRDs (sedna crds | kubectl apply -f -)`,
        { cause: error },
      );
      this.firstError = fatal;
      for (const w of this.syncWaiters.splice(0)) w.reject(fatal);
    }
    this.failures++;
    const delay = backoffDelay(this.failures, this.options.backoff);
    this.options.logger.warn({ informer: this.options.name, error: describeError(error), retryInMs: delay }, 'list/watch failed; restarting');
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopped) void this.run();
    }, delay);
    this.restartTimer.unref();
  }
}
