/**
 * The node agent of `sedna up` in a worker thread of its own (started by nodeAgentThread.ts). The
 * agent forks a process per container and writes its records with fsync; on the main thread that
 * blocked the API server, the GM and the LC while it did (with 200 jobs starting rounds at once, 15 of
 * the main thread's 54 s of CPU).
 */
import { KubeConfig } from '@kubernetes/client-node';
import { reuseConnections } from '@sedna-ts/controller';
import { startNodeAgent } from '@sedna-ts/embedded';
import type { AgentThreadData } from './nodeAgentHost.js';
import { serveInThread } from './threadMain.js';

serveInThread<AgentThreadData, null>(async (data, logger) => {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(data.kubeconfig);
  const agent = await startNodeAgent({ kubeConfig: reuseConnections(kubeConfig), nodeName: data.nodeName, dataDir: data.dataDir, imageCommands: data.imageCommands, logger });
  return { value: null, stop: (options) => agent.stop({ killPods: options.killPods !== false }) };
});
