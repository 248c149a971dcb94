// Runs the embedded API server on its own: `node dist/server-main.js --data-dir D [--port P]`.
import { startApiServer } from './apiServer.js';
import { ApiServerError } from './errors.js';
import { runStandalone, stopSignal } from '../standalone.js';

const HELP = `Usage: server-main --data-dir DIR [options]

Runs the sedna embedded Kubernetes-compatible API server until SIGTERM or SIGINT.

Options:
  --data-dir DIR         store, token and pod logs (required; env SEDNA_DATA_DIR)
  --host HOST            address to listen on (default 127.0.0.1; env SEDNA_API_HOST)
  --port PORT            port, 0 for an ephemeral one (default 0; env SEDNA_API_PORT)
  --kubeconfig FILE      write a kubeconfig for the server there (mode 0600)
  --watch-window N       events kept for watch resume (default 10000)
  --token-stdin          read the bearer token from standard input (default: <data-dir>/token)
  -h, --help             this text

Prints one JSON line {"url","port","kubeconfig"} on stdout once it listens. Logs go to stderr
(level from SEDNA_LOG_LEVEL, default info).
`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

runStandalone(
  HELP,
  {
    'data-dir': { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    kubeconfig: { type: 'string' },
    'watch-window': { type: 'string' },
    'token-stdin': { type: 'boolean' },
  },
  async (args) => {
    const dataDir = args['data-dir'] ?? process.env.SEDNA_DATA_DIR;
    if (!dataDir) {
      process.stderr.write(`--data-dir is required\n\n${HELP}`);
      return 2;
    }
    const portText = args.port ?? process.env.SEDNA_API_PORT ?? '0';
    const port = Number(portText);
    const windowText = args['watch-window'];
    const server = await startApiServer({
      dataDir,
      host: args.host ?? process.env.SEDNA_API_HOST ?? '127.0.0.1',
      port,
      ...(windowText !== undefined ? { watchWindow: Number(windowText) } : {}),
      ...(args['token-stdin'] ? { token: await readStdin() } : {}),
    });
    if (args.kubeconfig) await server.writeKubeconfig(args.kubeconfig);
    process.stdout.write(`${JSON.stringify({ url: server.url, port: server.port, kubeconfig: args.kubeconfig ?? null })}\n`);
    await stopSignal();
    await server.close();
    return 0;
  },
  (error) => error instanceof ApiServerError && error.code === 'InvalidOptions',
);
