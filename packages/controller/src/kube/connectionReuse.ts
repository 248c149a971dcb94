/**
 * Connection reuse for @kubernetes/client-node 1.x, which builds a new https.Agent without keep-alive,
 * so a new TCP and TLS connection, for every request it sends (`KubeConfig.applySecurityAuthentication`
 * creates the agent each time). The GM sends several requests per reconcile (a live pod list, a pod,
 * the status), so each paid a TLS handshake on both ends: measured against the embedded API server,
 * 3.7 ms and as much CPU per GET, against 1.0 ms over a kept-alive connection. Watches and log streams
 * take their agent elsewhere (`applyToFetchOptions`); each holds one connection for its whole life, so
 * they are left as they are.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig, RequestContext } from '@kubernetes/client-node';

const POOL = Symbol.for('sedna-ts.kubeconfig.connectionPool');

type Agent = NonNullable<ReturnType<RequestContext['getAgent']>>;
type Pooled = KubeConfig & { [POOL]?: Map<string, Agent> };

// Keys of (cluster, user) objects already seen: KubeConfig hands out the same objects until it is
// reloaded, and hashing them for every request cost 1 ms in 200 (bench/trigger-latency's profile).
const keys = new WeakMap<object, WeakMap<object, string>>();
const NO_USER = {};

/** What the agent of a request depends on: the server, its CA and the client's TLS credentials. */
function agentKey(kubeConfig: KubeConfig): string {
  const cluster = kubeConfig.getCurrentCluster();
  const user = kubeConfig.getCurrentUser();
  const byUser = cluster ? keys.get(cluster) : undefined;
  const known = byUser?.get(user ?? NO_USER);
  if (known !== undefined) return known;
  const parts = [
    cluster?.server,
    cluster?.caData,
    cluster?.caFile,
    cluster?.skipTLSVerify,
    cluster?.tlsServerName,
    cluster?.proxyUrl,
    user?.certData,
    user?.certFile,
    user?.keyData,
    user?.keyFile,
  ];
  const key = createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  if (cluster) {
    const map = keys.get(cluster) ?? new WeakMap<object, string>();
    map.set(user ?? NO_USER, key);
    keys.set(cluster, map);
  }
  return key;
}

/**
 * The agent to keep for requests like the one client-node made `created` for: the same TLS settings
 * with keep-alive. A proxy's agent (a subclass) is kept as it is, one per server and credentials.
 */
function keptAlive(created: Agent): Agent {
  if (created.constructor === https.Agent) return new https.Agent({ ...(created as https.Agent).options, keepAlive: true });
  if (created.constructor === http.Agent) return new http.Agent({ ...(created as http.Agent & { options: http.AgentOptions }).options, keepAlive: true });
  return created;
}

/**
 * Makes `kubeConfig` reuse one agent keeping its connections alive per server and TLS credentials,
 * instead of a new one per request, for the requests of its API clients (`makeApiClient`), which take
 * theirs through `applySecurityAuthentication`. Changes `kubeConfig` in place and returns it; calling
 * it again does nothing. Headers (bearer tokens, exec credentials) are still applied to every request.
 *
 * @example
 * const kc = reuseConnections(new KubeConfig());
 * kc.loadFromDefault();
 * const core = kc.makeApiClient(CoreV1Api); // every call over the same kept-alive connections
 */
export function reuseConnections(kubeConfig: KubeConfig): KubeConfig {
  const marked = kubeConfig as Pooled;
  if (marked[POOL]) return kubeConfig;
  const pool = new Map<string, Agent>();
  marked[POOL] = pool;
  const apply = kubeConfig.applySecurityAuthentication.bind(kubeConfig);
  kubeConfig.applySecurityAuthentication = async (context: RequestContext): Promise<void> => {
    await apply(context);
    const created = context.getAgent();
    if (created === undefined) return;
    const key = agentKey(kubeConfig);
    let pooled = pool.get(key);
    if (pooled === undefined) {
      pooled = keptAlive(created);
      pool.set(key, pooled);
    }
    // The one client-node made holds no connection yet: nothing to close.
    context.setAgent(pooled);
  };
  return kubeConfig;
}

/**
 * Closes at once the connections `reuseConnections` keeps for `kubeConfig` (a request still running on
 * them fails); later requests open new ones. For a component that stops while its process goes on,
 * once everything that used the KubeConfig has stopped.
 */
export async function releaseConnections(kubeConfig: KubeConfig): Promise<void> {
  const pool = (kubeConfig as Pooled)[POOL];
  if (!pool) return;
  const agents = [...pool.values()];
  pool.clear();
  for (const agent of agents) agent.destroy();
}
