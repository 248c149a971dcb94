/** Options of a KeyedQueue. */
export interface KeyedQueueOptions {
  /** Called when the handler throws; the key is retried after a backoff. */
  onError: (key: string, error: unknown, attempt: number) => void;
  /** First retry delay (doubles per failed attempt). */
  baseDelayMs?: number;
  /** Longest retry delay. */
  maxDelayMs?: number;
}

interface KeyState {
  running: Promise<void> | undefined;
  dirty: boolean;
  attempts: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * A work queue with one handler call in flight per key: adding a key that is being handled marks it
 * to run once more afterwards (adds in between coalesce), so the handler always sees the latest world
 * and never races itself for a key. A failed key is retried with exponential backoff.
 */
export class KeyedQueue {
  private readonly states = new Map<string, KeyState>();
  private stopped = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly handler: (key: string) => Promise<void>,
    private readonly options: KeyedQueueOptions,
  ) {
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
  }

  /** Schedules the key to be handled (now, or right after its handling in flight). */
  add(key: string): void {
    if (this.stopped) return;
    let state = this.states.get(key);
    if (!state) {
      state = { running: undefined, dirty: false, attempts: 0, timer: undefined };
      this.states.set(key, state);
    }
    if (state.running) {
      state.dirty = true;
      return;
    }
    if (state.timer) {
      clearTimeout(state.timer);
      state.timer = undefined;
    }
    state.running = this.run(key, state);
  }

  private async run(key: string, state: KeyState): Promise<void> {
    state.dirty = false;
    let failed = false;
    try {
      await this.handler(key);
      state.attempts = 0;
    } catch (error) {
      failed = true;
      state.attempts++;
      this.options.onError(key, error, state.attempts);
    }
    state.running = undefined;
    if (this.stopped) return;
    if (state.dirty) {
      this.add(key);
    } else if (failed) {
      const delay = Math.min(this.baseDelayMs * 2 ** (state.attempts - 1), this.maxDelayMs);
      state.timer = setTimeout(() => {
        state.timer = undefined;
        this.add(key);
      }, delay);
      state.timer.unref();
    } else {
      this.states.delete(key);
    }
  }

  /** Resolves when no handler is in flight (pending retries are not waited for). */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.states.values()].map((s) => s.running).filter((p): p is Promise<void> => p !== undefined);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  /** Drops pending retries and accepts no more keys; handlers in flight finish (see `idle`). */
  stop(): void {
    this.stopped = true;
    for (const state of this.states.values()) if (state.timer) clearTimeout(state.timer);
  }
}
