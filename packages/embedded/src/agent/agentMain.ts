// Runs the node agent on its own: `node dist/node-agent-main.js --kubeconfig F --node N --data-dir D`,
// the process a kubelet is on a cluster node. `sedna up` runs the same agent in a worker thread.
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '@sedna-ts/internal/logger';
import { NodeAgentError } from './errors.js';
import { startNodeAgent } from './nodeAgent.js';
import { runStandalone, stopSignal } from '../standalone.js';

const HELP = `Usage: node-agent-main --kubeconfig FILE --node NAME --data-dir DIR [options]

Runs the sedna node agent until SIGTERM or SIGINT: it registers the Node NAME with the API server of
FILE and runs the pods bound to it as local processes. Before it runs anything, the processes a killed
agent left on DIR are stopped and their pods marked Failed (reason NodeRestart).

Options:
  --kubeconfig FILE      the API server (required; env KUBECONFIG)
  --node NAME            the node name (required; env NODENAME)
  --data-dir DIR         pod folders (logs, emptyDirs) and the agent's records (required; env SEDNA_DATA_DIR);
                         share it with the API server so it serves pod logs
  --image-command I=CMD  the local command of containers of image I without a command (repeatable;
                         CMD is split on spaces)
  --leave-pods           on SIGTERM leave the pods' processes running (the next start stops them)
  -h, --help             this text

Prints one JSON line {"ready":true,"node","pid"} on stdout once the Node is registered. Logs go to
stderr (level from SEDNA_LOG_LEVEL, default info). On SIGTERM or SIGINT the pods are stopped (each
within its grace period) and marked Failed with reason NodeShutdown, unless --leave-pods.
`;

runStandalone(
  HELP,
  {
    kubeconfig: { type: 'string' },
    node: { type: 'string' },
    'data-dir': { type: 'string' },
    'image-command': { type: 'string', multiple: true },
    'leave-pods': { type: 'boolean' },
  },
  async (args) => {
    const kubeconfig = args.kubeconfig ?? process.env.KUBECONFIG;
    const nodeName = args.node ?? process.env.NODENAME;
    const dataDir = args['data-dir'] ?? process.env.SEDNA_DATA_DIR;
    const missing = [!kubeconfig && '--kubeconfig', !nodeName && '--node', !dataDir && '--data-dir'].filter(Boolean);
    if (missing.length > 0) {
      process.stderr.write(`${missing.join(', ')} required\n\n${HELP}`);
      return 2;
    }
    const imageCommands: Record<string, string[]> = {};
    for (const entry of args['image-command'] ?? []) {
      const at = entry.indexOf('=');
      const command = entry.slice(at + 1).split(' ').filter(Boolean);
      if (at <= 0 || command.length === 0) {
        process.stderr.write(`--image-command ${JSON.stringify(entry)}: expected IMAGE=COMMAND\n`);
        return 2;
      }
      imageCommands[entry.slice(0, at)] = command;
    }
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfig as string);
    const logger = createLogger({ name: 'node-agent', destination: 2, bindings: { node: nodeName } });
    const agent = await startNodeAgent({ kubeConfig, nodeName: nodeName as string, dataDir: dataDir as string, imageCommands, logger });
    process.stdout.write(`${JSON.stringify({ ready: true, node: nodeName, pid: process.pid })}\n`);
    await stopSignal();
    await agent.stop({ killPods: !args['leave-pods'] });
    return 0;
  },
  (error) => error instanceof NodeAgentError && error.code === 'InvalidOptions',
);
