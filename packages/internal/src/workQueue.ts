/**
 * A per-key work queue in the manner of client-go's workqueue: keys wait in FIFO order, a key waits at
 * most once however often it is added, and a key is never handled twice at the same time: one added
 * while it is being handled is handled again afterwards. Failures are retried with exponential backoff
 * per key; a handler can also ask to come back after a delay. The GM's reconcile loops run on it with
 * a concurrency limit, the node agent's pod reconciles without one.
 */
import { backoffDelay, type BackoffOptions } from './backoff.js';

/** What a handler asks for after handling a key. */
export interface HandleResult {
  /** Handle the key again after this many milliseconds. */
  requeueAfterMs?: number;
  /** The key cannot progress now (e.g. a referenced object is missing): retry with the key's backoff. */
  backoff?: boolean;
}

/** Handles one key; a rejection is logged through `onError` and the key is retried with backoff. */
export type KeyHandler = (key: string) => Promise<HandleResult | void>;

/** Options of a WorkQueue. */
export interface WorkQueueOptions {
  /** Backoff of a key whose handler failed or asked for it: initial delay, doubled per failure, capped (jitter optional). */
  backoff: BackoffOptions;
  /** Keys handled at the same time (different keys only); `Infinity` for no limit. Default 4. */
  concurrency?: number;
  /**
   * Called when a handler rejects, with the key, the error, the delay before the retry and the
   * failures of the key so far (1 on the first).
   */
  onError?: (key: string, error: unknown, retryInMs: number, failures: number) => void;
  /** Called whenever the number of waiting keys changes. */
  onDepth?: (depth: number) => void;
}

/**
 * The per-key FIFO queue of the reconcile loops.
 *
 * @example
 * const queue = new WorkQueue({ backoff: { initialMs: 1000, maxMs: 300_000 }, onError: (key, error, retryInMs) => log.error({ key, retryInMs }, String(error)) });
 * queue.start(async (key) => reconcile(key)); // a rejection retries the key with backoff
 * queue.add('default/helmet');
 * await queue.stop();
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  /** Keys that wait to be handled (in `queue`, or to re-enter it when their handling ends). */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failureCounts = new Map<string, number>();
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; dueAt: number }>();
  private readonly active = new Set<Promise<void>>();
  private handler: KeyHandler | undefined;
  private stopped = false;
  private readonly concurrency: number;

  constructor(private readonly options: WorkQueueOptions) {
    this.concurrency = Math.max(1, options.concurrency ?? 4);
  }

  /** Number of keys waiting to be handled (not counting those being handled). */
  get depth(): number {
    return this.queue.length;
  }

  /** Adds a key; a key already waiting keeps its place. */
  add(key: string): void {
    if (this.stopped || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (!this.processing.has(key)) {
      this.queue.push(key);
      this.depthChanged();
    }
    this.pump();
  }

  /** Adds a key after `ms` milliseconds; an earlier pending delay for the key wins. */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const dueAt = Date.now() + ms;
    const pending = this.timers.get(key);
    if (pending && pending.dueAt <= dueAt) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.timers.set(key, { timer, dueAt });
  }

  /** Counts a failure of the key and adds it after its backoff; returns that delay. */
  addRateLimited(key: string): number {
    const failures = (this.failureCounts.get(key) ?? 0) + 1;
    this.failureCounts.set(key, failures);
    const delay = backoffDelay(failures, this.options.backoff);
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets the key's failure count (its next backoff starts at the initial delay). */
  forget(key: string): void {
    this.failureCounts.delete(key);
  }

  /** Failures counted for the key since it was last forgotten. */
  failures(key: string): number {
    return this.failureCounts.get(key) ?? 0;
  }

  /** Starts handling keys with `handler`. */
  start(handler: KeyHandler): void {
    this.handler = handler;
    this.pump();
  }

  /** Resolves when no handler is in flight (waiting keys and delayed adds are not waited for). */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.allSettled([...this.active]);
  }

  /** Stops taking keys, drops the waiting ones and the delayed adds, and waits for handlers in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.queue.length = 0;
    this.dirty.clear();
    this.depthChanged();
    await Promise.allSettled([...this.active]);
  }

  private depthChanged(): void {
    this.options.onDepth?.(this.queue.length);
  }

  private pump(): void {
    while (this.handler && !this.stopped && this.processing.size < this.concurrency && this.queue.length > 0) {
      const key = this.queue.shift() as string;
      this.depthChanged();
      this.dirty.delete(key);
      this.processing.add(key);
      const run = this.handle(this.handler, key);
      this.active.add(run);
      void run.finally(() => {
        this.active.delete(run);
        this.processing.delete(key);
        if (this.dirty.has(key) && !this.stopped) {
          this.queue.push(key);
          this.depthChanged();
        }
        this.pump();
      });
    }
  }

  private async handle(handler: KeyHandler, key: string): Promise<void> {
    try {
      const result = await handler(key);
      if (result?.backoff) this.addRateLimited(key);
      else this.forget(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (error) {
      const delay = this.addRateLimited(key);
      this.options.onError?.(key, error, delay, this.failures(key));
    }
  }
}
