/**
 * Parts of `sedna up` that run in worker threads of their own (the API server, the node agent), so the
 * work of one (an LMDB commit, a fork, an fsync) does not hold up the others' event loops. The threads
 * die with the process, as the parts did when they shared the main thread. The parent side is here;
 * `threadMain.ts` is the thread side.
 *
 * Messages: the thread sends `log` records, then `ready` (with a value) or `failed`; the parent sends
 * `stop` (with options), the thread answers `stopped` (with an error if the stop did not go cleanly),
 * then the parent ends the thread.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** Where a part's log records go (a pino logger fits). */
export interface PartLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Thread to parent. */
export type FromThread =
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; fields: Record<string, unknown>; message: string }
  | { type: 'ready'; value: unknown }
  | { type: 'failed'; message: string }
  | { type: 'stopped'; error?: string };

/** Parent to thread. */
export interface StopRequest {
  type: 'stop';
  options: Record<string, unknown>;
}

/** A part running in its thread. */
export interface PartThread<R> {
  /** What the part sent with `ready`. */
  value: R;
  /** Resolves with the exit code if the thread ends without being stopped (a crash of the part). */
  ended: Promise<{ code: number; error?: string }>;
  /** Stops the part with `options`, then ends the thread; rejects naming why if the part did not stop cleanly. */
  stop(options?: Record<string, unknown>): Promise<void>;
}

/** A thread script built beside this module (`<name>.js`, or `.cjs` in the CommonJS build). */
export function builtThreadFile(name: string): string {
  const here = fileURLToPath(import.meta.url);
  return path.join(path.dirname(here), `${name}${here.endsWith('.cjs') ? '.cjs' : '.js'}`);
}

/**
 * Starts `file` in a worker thread with `data`; resolves once the part in it is ready, rejects with the
 * part's own message when it cannot start. Its log records go to `logger`.
 */
export function launchThread<R>(file: string, data: unknown, logger: PartLogger): Promise<PartThread<R>> {
  return new Promise<PartThread<R>>((resolve, reject) => {
    const worker = new Worker(file, { workerData: data });
    let started = false;
    let stopping = false;
    let lastError: string | undefined;
    let stopped: ((error: string | undefined) => void) | undefined;
    let ended: (outcome: { code: number; error?: string }) => void = () => undefined;
    const endedPromise = new Promise<{ code: number; error?: string }>((r) => (ended = r));
    worker.on('message', (message: FromThread) => {
      if (message.type === 'log') logger[message.level](message.fields, message.message);
      else if (message.type === 'stopped') stopped?.(message.error);
      else if (message.type === 'failed' && !started) {
        started = true;
        void worker.terminate();
        reject(new Error(message.message));
      } else if (message.type === 'ready' && !started) {
        started = true;
        resolve({
          value: message.value as R,
          ended: endedPromise,
          async stop(options = {}) {
            if (stopping) return;
            stopping = true;
            const error = await new Promise<string | undefined>((done) => {
              stopped = done;
              worker.once('exit', () => done(lastError ?? 'its thread ended before the part had stopped'));
              worker.postMessage({ type: 'stop', options } satisfies StopRequest);
            });
            // Whatever the part left scheduled (nothing, if it stopped cleanly) ends with the thread.
            await worker.terminate();
            if (error) throw new Error(error);
          },
        });
      }
    });
    worker.on('error', (error: Error) => {
      lastError = error.message;
    });
    worker.once('exit', (code) => {
      if (!started) {
        started = true;
        reject(new Error(lastError ?? `its thread ended with code ${code} before it was ready`));
      } else if (!stopping) {
        ended(lastError === undefined ? { code } : { code, error: lastError });
      }
    });
  });
}
