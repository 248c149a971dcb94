/**
 * Runs `sedna up`'s node agent in a worker thread (nodeAgentThread.ts, through threads.ts), so its forks
 * and fsyncs do not block the API server, the GM and the LC. The thread dies with the process, as the
 * agent did when it ran on the main thread: a SIGKILLed `sedna up` leaves its worker processes, which
 * the next agent adopts. A thread that ends on its own (a crash of the agent) is restarted with backoff,
 * as a supervisor restarts a kubelet; the new agent adopts the pods its predecessor left running.
 */
import { backoffDelay } from '@sedna-ts/internal';
import { builtThreadFile, launchThread, type PartLogger, type PartThread } from './threads.js';

/** What the thread needs to start the agent. */
export interface AgentThreadData {
  /** The kubeconfig (YAML) of the API server. */
  kubeconfig: string;
  nodeName: string;
  dataDir: string;
  imageCommands: Record<string, string[]>;
}

/** Options of {@link startNodeAgentThread}. */
export interface NodeAgentThreadOptions {
  /** The thread's script (default: the built nodeAgentThread beside this module). */
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

/**
 * Starts the node agent in a worker thread; resolves once it has registered its node, rejects with the
 * agent's own message when it cannot start.
 *
 * @example
 * const agent = await startNodeAgentThread({ kubeconfig, nodeName: 'edge-node', dataDir, imageCommands: {} }, logs.logger('node-agent'));
 * await agent.stop();
 */
export async function startNodeAgentThread(data: AgentThreadData, logger: PartLogger, options: NodeAgentThreadOptions = {}): Promise<NodeAgentThread> {
  const file = options.file ?? builtThreadFile('nodeAgentThread');
  const backoff = options.restartBackoffMs ?? { initial: 1000, max: 30_000 };
  let current: PartThread<null> | undefined = await launchThread<null>(file, data, logger);
  let stopping = false;
  let restarts = 0;
  // Failed restarts in a row: the next restart waits backoffDelay(failures + 1).
  let failures = 0;
  const delay = (): number => backoffDelay(failures + 1, { initialMs: backoff.initial, maxMs: backoff.max });
  let timer: NodeJS.Timeout | undefined;

  const supervise = (thread: PartThread<null>): void => {
    void thread.ended.then(({ code, error }) => {
      if (stopping || current !== thread) return;
      current = undefined;
      logger.error({ code, err: error, restartInMs: delay() }, 'the node agent thread ended on its own; restarting it');
      schedule();
    });
  };

  const schedule = (): void => {
    timer = setTimeout(() => {
      timer = undefined;
      launchThread<null>(file, data, logger).then(
        (next) => {
          if (stopping) {
            void next.stop().catch(() => undefined);
            return;
          }
          restarts++;
          failures = 0;
          current = next;
          supervise(next);
          logger.info({ restarts }, 'node agent restarted');
        },
        (error: unknown) => {
          if (stopping) return;
          failures++;
          logger.error({ err: (error as Error).message, restartInMs: delay() }, 'the node agent did not restart; trying again');
          schedule();
        },
      );
    }, delay());
  };

  supervise(current);

  return {
    get restarts() {
      return restarts;
    },
    async stop({ killPods = true } = {}) {
      stopping = true;
      if (timer) clearTimeout(timer);
      const thread = current;
      current = undefined;
      if (!thread) return;
      try {
        await thread.stop({ killPods });
      } catch (error) {
        throw new Error(`the node agent did not stop cleanly: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}
