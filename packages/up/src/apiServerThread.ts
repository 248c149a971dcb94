/**
 * The embedded API server of `sedna up` in a worker thread of its own (started by apiServerHost.ts):
 * its request handling, LMDB commits and watch fan-out no longer share an event loop with the GM and
 * the LC, its clients.
 */
import { startApiServer } from '@sedna-ts/embedded';
import type { ApiServerThreadData, ApiServerThreadReady } from './apiServerHost.js';
import { serveInThread } from './threadMain.js';

serveInThread<ApiServerThreadData, ApiServerThreadReady>(async (data, logger) => {
  const server = await startApiServer({ dataDir: data.dataDir, port: data.port, logger });
  return { value: { url: server.url, port: server.port, token: server.token, kubeconfig: server.kubeconfig() }, stop: () => server.close() };
});
