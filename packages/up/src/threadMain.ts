/**
 * The thread side of a `sedna up` part in a worker thread (see threads.ts): starts the part with the
 * thread's data, forwards its log records, answers `stop`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromThread, PartLogger, StopRequest } from './threads.js';

/** A started part: what `ready` carries, and how to stop it. */
export interface StartedPart<R> {
  value: R;
  stop(options: Record<string, unknown>): Promise<void>;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs `start` in this worker thread and speaks the protocol of threads.ts with the parent. */
export function serveInThread<D, R>(start: (data: D, logger: PartLogger) => Promise<StartedPart<R>>): void {
  const port = parentPort;
  if (!port) throw new Error('this script runs as a worker thread of sedna up, not on its own');
  const send = (message: FromThread): void => port.postMessage(message);
  const logger: PartLogger = {
    debug: (fields, message) => send({ type: 'log', level: 'debug', fields: { ...fields }, message }),
    info: (fields, message) => send({ type: 'log', level: 'info', fields: { ...fields }, message }),
    warn: (fields, message) => send({ type: 'log', level: 'warn', fields: { ...fields }, message }),
    error: (fields, message) => send({ type: 'log', level: 'error', fields: { ...fields }, message }),
  };
  let part: StartedPart<R> | undefined;
  let request: StopRequest | undefined;
  const stop = async (r: StopRequest): Promise<void> => {
    try {
      await part?.stop(r.options);
      send({ type: 'stopped' });
    } catch (error) {
      send({ type: 'stopped', error: describe(error) });
    }
  };
  port.on('message', (message: StopRequest) => {
    if (message.type !== 'stop' || request) return;
    request = message;
    // A stop that arrives while the part starts waits for the start to end.
    if (part) void stop(message);
  });
  start(workerData as D, logger).then(
    async (started) => {
      part = started;
      send({ type: 'ready', value: started.value });
      if (request) await stop(request);
    },
    (error: unknown) => send({ type: 'failed', message: describe(error) }),
  );
}
