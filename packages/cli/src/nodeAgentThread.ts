/**
 * Runs `sedna up`'s node agent in a worker thread (`agentThread.ts`), so its forks and fsyncs do not
 * block the API server, the GM and the LC on the main thread. The thread dies with the process, as the
 * agent did when it ran on the main thread: a SIGKILLed `sedna up` leaves its worker processes, which
 * the next agent adopts. A thread that ends on its own (a crash of the agent) is restarted with backoff,
 * as a supervisor restarts a kubelet; the new agent adopts the pods its predecessor left running.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** What the thread needs to start the agent. */
export interface AgentThreadData {
  /** The kubeconfig (YAML) of the API server. */
  kubeconfig: string;
  nodeName: string;
  dataDir: string;
  imageCommands: Record<string, string[]>;
}

/** Parent to thread. */
export interface ToAgentThread {
  type: 'stop';
  killPods: boolean;
}

/** Thread to parent. */
export type FromAgentThread =
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; fields: Record<string, unknown>; message: string }
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'stopped'; error?: string };

/** Where the parent's log records of the agent go (a pino logger fits). */
export interface AgentThreadLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Options of {@link startNodeAgentThread}. */
export interface NodeAgentThreadOptions {
  /** The thread's script (default: `agentThread.js` or `.cjs` beside this module, as built). */
  file?: string;
  /** Backoff of restarts after the thread ended on its own (default 1 s doubling up to 30 s). */
  restartBackoffMs?: { initial: number; max: number };
}

/** A running agent thread. */
export interface NodeAgentThread {
  /** How many times the thread was restarted after it ended on its own. */
  readonly restarts: number;
  /** Stops the agent (see NodeAgent.stop; `killPods` defaults to true) and ends the thread. */
  stop(options?: { killPods?: boolean }): Promise<void>;
}

/** The built thread script beside this module (dist/agentThread.js, or .cjs for the CommonJS build). */
export function agentThreadFile(): string {
  const here = fileURLToPath(import.meta.url);
  return path.join(path.dirname(here), here.endsWith('.cjs') ? 'agentThread.cjs' : 'agentThread.js');
}

/** Starts one thread; resolves with it once the agent in it is ready. */
function launch(file: string, data: AgentThreadData, logger: AgentThreadLogger): Promise<Worker> {
  return new Promise<Worker>((resolve, reject) => {
    const worker = new Worker(file, { workerData: data });
    let settled = false;
    let failure: string | undefined;
    worker.on('message', (message: FromAgentThread) => {
      if (message.type === 'log') logger[message.level](message.fields, message.message);
      else if (message.type === 'ready' && !settled) {
        settled = true;
        resolve(worker);
      } else if (message.type === 'failed' && !settled) {
        settled = true;
        void worker.terminate();
        reject(new Error(message.message));
      }
    });
    worker.on('error', (error: Error) => {
      failure ??= error.message;
    });
    worker.once('exit', (code) => {
      if (settled) return;
      settled = true;
      reject(new Error(failure ?? `its thread ended with code ${code} before it was ready`));
    });
  });
}

/**
 * Starts the node agent in a worker thread; resolves once it has registered its node, rejects with the
 * agent's own message when it cannot start.
 *
 * @example
 * const agent = await startNodeAgentThread({ kubeconfig, nodeName: 'edge-node', dataDir, imageCommands: {} }, logs.logger('node-agent'));
 * await agent.stop();
 */
export async function startNodeAgentThread(data: AgentThreadData, logger: AgentThreadLogger, options: NodeAgentThreadOptions = {}): Promise<NodeAgentThread> {
  const file = options.file ?? agentThreadFile();
  const backoff = options.restartBackoffMs ?? { initial: 1000, max: 30_000 };
  let worker: Worker | undefined = await launch(file, data, logger);
  let stopping = false;
  let restarts = 0;
  let delay = backoff.initial;
  let timer: NodeJS.Timeout | undefined;
  let lastError: string | undefined;

  const supervise = (current: Worker): void => {
    current.on('error', (error: Error) => {
      lastError = error.message;
    });
    current.once('exit', (code) => {
      if (stopping || worker !== current) return;
      worker = undefined;
      logger.error({ code, err: lastError, restartInMs: delay }, 'the node agent thread ended on its own; restarting it');
      lastError = undefined;
      schedule();
    });
  };

  const schedule = (): void => {
    timer = setTimeout(() => {
      timer = undefined;
      launch(file, data, logger).then(
        (next) => {
          if (stopping) {
            void next.terminate();
            return;
          }
          restarts++;
          delay = backoff.initial;
          worker = next;
          supervise(next);
          logger.info({ restarts }, 'node agent restarted');
        },
        (error: unknown) => {
          if (stopping) return;
          delay = Math.min(delay * 2, backoff.max);
          logger.error({ err: (error as Error).message, restartInMs: delay }, 'the node agent did not restart; trying again');
          schedule();
        },
      );
    }, delay);
  };

  supervise(worker);

  return {
    get restarts() {
      return restarts;
    },
    async stop({ killPods = true } = {}) {
      stopping = true;
      if (timer) clearTimeout(timer);
      const current = worker;
      worker = undefined;
      if (!current) return;
      const stopped = new Promise<string | undefined>((resolve) => {
        current.on('message', (message: FromAgentThread) => {
          if (message.type === 'stopped') resolve(message.error);
        });
        current.once('exit', () => resolve(lastError ?? 'the node agent thread ended before it had stopped'));
      });
      current.postMessage({ type: 'stop', killPods } satisfies ToAgentThread);
      const error = await stopped;
      // Whatever the agent left scheduled (nothing, if it stopped cleanly) ends with the thread.
      await current.terminate();
      if (error) throw new Error(`the node agent did not stop cleanly: ${error}`);
    },
  };
}
