/**
 * `sedna-dashboard`: the dashboard as its own process (the image of deploy/dashboard). Configured by
 * environment: SEDNA_DASHBOARD_HOST (default 0.0.0.0), SEDNA_DASHBOARD_PORT (default 8080),
 * SEDNA_GM_URL (the GM's HTTP URL, e.g. http://sedna-gm.sedna:9000), SEDNA_DASHBOARD_TLS_CERT and
 * SEDNA_DASHBOARD_TLS_KEY (PEM files; then HTTPS and a Secure cookie). The API server is the one of
 * the in-cluster configuration or $KUBECONFIG; only its address and CA are used, never its credentials.
 */
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { startDashboard } from './server.js';

const env = process.env;
const log = pino({ level: env.SEDNA_LOG_LEVEL ?? 'info' });
const port = Number(env.SEDNA_DASHBOARD_PORT ?? '8080');
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  log.fatal(`SEDNA_DASHBOARD_PORT=${JSON.stringify(env.SEDNA_DASHBOARD_PORT)}: expected a port number from 0 to 65535`);
  process.exit(1);
}
if (Boolean(env.SEDNA_DASHBOARD_TLS_CERT) !== Boolean(env.SEDNA_DASHBOARD_TLS_KEY)) {
  log.fatal('SEDNA_DASHBOARD_TLS_CERT and SEDNA_DASHBOARD_TLS_KEY go together: set both or neither');
  process.exit(1);
}
async function main(): Promise<void> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const tls = env.SEDNA_DASHBOARD_TLS_CERT ? { cert: readFileSync(env.SEDNA_DASHBOARD_TLS_CERT, 'utf8'), key: readFileSync(env.SEDNA_DASHBOARD_TLS_KEY as string, 'utf8') } : undefined;
  const dashboard = await startDashboard({ kubeConfig, host: env.SEDNA_DASHBOARD_HOST ?? '0.0.0.0', port, logger: log, ...(env.SEDNA_GM_URL ? { gmUrl: env.SEDNA_GM_URL } : {}), ...(tls ? { tls } : {}) });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'stopping');
      void dashboard.close().then(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  log.fatal({ err: error instanceof Error ? error.message : String(error) }, 'the dashboard did not start');
  process.exit(1);
});
