/**
 * The node agent of `sedna up`, in a worker thread of its own (started by `nodeAgentThread.ts`). The
 * agent forks a process per container and writes its records with fsync; on the main thread that
 * blocked the API server, the GM and the LC while it did (with 200 jobs starting rounds at once, 15 of
 * the main thread's 54 s of CPU). Here it blocks only itself and uses the machine's second core.
 *
 * Messages: the parent sends `{type: 'stop', killPods}`; the thread sends `log`, then `ready` or
 * `failed`, and `stopped` once `stop` is done; the parent then ends the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { KubeConfig } from '@kubernetes/client-node';
import { reuseConnections } from '@sedna-ts/controller';
import { startNodeAgent, type NodeAgent, type NodeAgentLogger } from '@sedna-ts/embedded';
import type { AgentThreadData, FromAgentThread, ToAgentThread } from './nodeAgentThread.js';

const port = parentPort;
if (!port) throw new Error('agentThread.js runs as a worker thread of sedna up, not on its own');
const data = workerData as AgentThreadData;
const send = (message: FromAgentThread): void => port.postMessage(message);

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Log records go to the parent, which writes them with the `node-agent` logger of `sedna up`. */
const logger: NodeAgentLogger = {
  debug: (fields, message) => send({ type: 'log', level: 'debug', fields: { ...fields }, message }),
  info: (fields, message) => send({ type: 'log', level: 'info', fields: { ...fields }, message }),
  warn: (fields, message) => send({ type: 'log', level: 'warn', fields: { ...fields }, message }),
  error: (fields, message) => send({ type: 'log', level: 'error', fields: { ...fields }, message }),
};

let agent: NodeAgent | undefined;
let stopRequest: ToAgentThread | undefined;

async function stop(request: ToAgentThread): Promise<void> {
  try {
    await agent?.stop({ killPods: request.killPods });
    send({ type: 'stopped' });
  } catch (error) {
    send({ type: 'stopped', error: describe(error) });
  }
  // The parent ends the thread once it has the answer.
}

port.on('message', (message: ToAgentThread) => {
  if (message.type !== 'stop' || stopRequest) return;
  stopRequest = message;
  // A stop that arrives while the agent starts waits for the start to end.
  if (agent) void stop(message);
});

async function main(): Promise<void> {
  try {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(data.kubeconfig);
    agent = await startNodeAgent({
      kubeConfig: reuseConnections(kubeConfig),
      nodeName: data.nodeName,
      dataDir: data.dataDir,
      imageCommands: data.imageCommands,
      logger,
    });
  } catch (error) {
    send({ type: 'failed', message: describe(error) });
    return;
  }
  send({ type: 'ready' });
  if (stopRequest) await stop(stopRequest);
}

void main();
