import { mkdir } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, type Socket } from 'node:net';
import path from 'node:path';
import { ensurePrivateDirSync, PrivateFilesError, takePidLockSync, tightenPrivateFilesSync, writeFileAtomic } from '@sedna-ts/internal';
import { builtinResources } from './builtins.js';
import { crdResourceTypes } from './crd.js';
import { ApiServerError } from './errors.js';
import { kubeconfigYaml, loadOrCreateToken } from './files.js';
import { Controllers } from './gc.js';
import { Authenticator } from './authentication.js';
import { type AuditRecord, createHandler } from './handler.js';
import { RbacAuthorizer } from './rbac.js';
import { type ApiServerLogger, defaultApiServerLogger } from './logger.js';
import { type KubeObject } from './kubeObject.js';
import { ApiServerMetrics } from './metrics.js';
import { ObjectService, SYSTEM_NAMESPACES } from './objectService.js';
import { ResourceRegistry } from './resources.js';
import { DEFAULT_SERVICE_ACCOUNT_ISSUER, ServiceAccountTokenSigner } from './serviceAccountTokens.js';
import { loadOrCreateTls } from './tls.js';
import { keyPrefix, objectKey, Store } from './store.js';
import { VERSION } from '../version.js';
import { WatchHub } from './watch.js';

/** Options of `startApiServer`. */
export interface ApiServerOptions {
  /** Where the store (`store/`), the token (`token`) and, by default, pod logs (`pods/`) live. */
  dataDir: string;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port to listen on (default 0: an ephemeral port, see `RunningApiServer.port`). */
  port?: number;
  /** Bearer token clients must send; when absent, generated once and persisted in `<dataDir>/token`. */
  token?: string;
  /** Number of events kept for watch resume and consistent paging (default 10000). */
  watchWindow?: number;
  /** Logger (default: pino to stderr at SEDNA_LOG_LEVEL or info). */
  logger?: ApiServerLogger;
  /** Root of the pod log files the node agent writes (default `<dataDir>/pods`, see `podLogPath`). */
  podLogDir?: string;
  /** Seconds between BOOKMARK events of watches that allow them (default 60). */
  bookmarkIntervalSeconds?: number;
  /** Seconds without events after which a watch gets a keep-alive newline (default 10). */
  heartbeatIntervalSeconds?: number;
  /** Watches without timeoutSeconds end after a random time between this and twice this (default 1800 s). */
  minRequestTimeoutSeconds?: number;
  /** Largest accepted request body in bytes (default 3 MiB, as kube-apiserver). */
  maxRequestBodyBytes?: number;
  /**
   * The `iss` of the ServiceAccount tokens the server issues (default
   * `https://kubernetes.default.svc.cluster.local`, as kubeadm, kind and k3s clusters). Tokens are signed
   * with a P-256 key kept in `<dataDir>/sa.key`, so they stay valid across restarts.
   */
  serviceAccountIssuer?: string;
  /**
   * The audiences of the API itself (default `[serviceAccountIssuer]`): TokenRequests without
   * audiences get them, TokenReviews without audiences check them, and a ServiceAccount token is
   * accepted as a bearer token for the API only when issued for one of them.
   */
  apiAudiences?: string[];
  /** Called once per resource request when its answer ends: who, which verb, on what, the HTTP code. */
  audit?: (record: AuditRecord) => void;
  /**
   * Serve HTTPS with a CA and certificate kept in `<dataDir>/tls/` (default true). kubectl only
   * sends a bearer token over TLS; plain HTTP (false) suits clients such as client-node only.
   */
  tls?: boolean;
}

/** A running API server. */
export interface RunningApiServer {
  /** Base URL, e.g. `https://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** The bearer token clients must send. */
  token: string;
  /** A kubeconfig (YAML) for this server: one cluster, user and context (default name `sedna-embedded`). */
  kubeconfig(opts?: { context?: string; namespace?: string }): string;
  /** Writes `kubeconfig()` to `path` durably (mode 0600, temp file + rename). */
  writeKubeconfig(path: string): Promise<void>;
  /** Stops listening, ends watches, finishes queued writes and closes the store. */
  close(): Promise<void>;
}

function check(options: ApiServerOptions): void {
  const bad = (field: string, why: string): never => {
    throw new ApiServerError('InvalidOptions', `startApiServer: options.${field}: ${why}`);
  };
  if (typeof options.dataDir !== 'string' || options.dataDir === '') bad('dataDir', 'is required');
  if (options.port !== undefined && (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)) bad('port', `${String(options.port)} is not a port number`);
  if (options.watchWindow !== undefined && (!Number.isInteger(options.watchWindow) || options.watchWindow < 1)) bad('watchWindow', `${String(options.watchWindow)} must be a positive integer`);
  if (options.serviceAccountIssuer !== undefined && (typeof options.serviceAccountIssuer !== 'string' || options.serviceAccountIssuer === '')) bad('serviceAccountIssuer', 'must be a non-empty string');
  if (options.apiAudiences !== undefined && (!Array.isArray(options.apiAudiences) || options.apiAudiences.length === 0 || options.apiAudiences.some((a) => typeof a !== 'string' || a === ''))) {
    bad('apiAudiences', `${JSON.stringify(options.apiAudiences)} must be a non-empty list of non-empty strings`);
  }
  for (const f of ['bookmarkIntervalSeconds', 'heartbeatIntervalSeconds', 'minRequestTimeoutSeconds', 'maxRequestBodyBytes'] as const) {
    const v = options[f];
    if (v !== undefined && (typeof v !== 'number' || !(v > 0))) bad(f, `${String(v)} must be a positive number`);
  }
}

/**
 * What in the data dir only this server's user may read: the store (Secrets among its objects), the
 * bearer token, the ServiceAccount signing key and the TLS keys. Each is created private; what an
 * earlier release or the user left looser is tightened at every start.
 */
const PRIVATE_ENTRIES = ['store', 'token', 'sa.key', 'tls'];

/** `fn`, with a failure to make a path private as the StoreFailure it is to callers. */
function privately<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof PrivateFilesError) throw new ApiServerError('StoreFailure', error.message, { cause: error });
    throw error;
  }
}

/**
 * Takes `<dataDir>/server.lock` for this process (the pid lock of @sedna-ts/internal: a lock whose
 * process is gone is taken over). `sedna up` parses "already served by process N".
 */
function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, 'server.lock');
  return takePidLockSync(file, {
    held: (pid, cause) => new ApiServerError('StoreFailure', `${dataDir}: already served by process ${pid} (${file})`, { cause }),
    heldHere: (cause) => new ApiServerError('StoreFailure', `${dataDir}: already served by another server of this process`, { cause }),
    other: (cause) => new ApiServerError('StoreFailure', cause.message, { cause }),
  });
}

/**
 * Starts the embedded Kubernetes-compatible API server on `dataDir`: opens (or creates) the store,
 * registers the built-in kinds and the stored CRDs, creates the system namespaces, resumes pending
 * background work (cascading deletes, finalizing namespaces and CRDs) and listens.
 *
 * @throws ApiServerError `InvalidOptions`, `StoreFailure` (data dir locked by a live server, store
 *   unreadable) or `StoreSchema` (store of a newer release).
 * @example
 * ```ts
 * import { startApiServer } from '@sedna-ts/embedded';
 * import { KubeConfig, CoreV1Api } from '@kubernetes/client-node';
 *
 * const server = await startApiServer({ dataDir: '/var/lib/sedna' });
 * const kc = new KubeConfig();
 * kc.loadFromString(server.kubeconfig());
 * const core = kc.makeApiClient(CoreV1Api);
 * await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x' }, data: { a: '1' } } });
 * await server.close();
 * ```
 */
export async function startApiServer(options: ApiServerOptions): Promise<RunningApiServer> {
  check(options);
  const dataDir = path.resolve(options.dataDir);
  const logger = options.logger ?? defaultApiServerLogger();
  privately(() => ensurePrivateDirSync(dataDir, { logger }));
  const unlock = lockDataDir(dataDir);
  let store: Store | undefined;
  try {
    const token = loadOrCreateToken(dataDir, options.token);
    store = Store.open(path.join(dataDir, 'store'), { watchWindow: options.watchWindow ?? 10000 });
    const registry = new ResourceRegistry();
    for (const rt of builtinResources()) registry.add(rt);
    const crdStorage = 'apiextensions.k8s.io/customresourcedefinitions';
    const registerCrd = (crd: KubeObject, gone: boolean): void => {
      const name = crd.metadata.name ?? '';
      if (gone) registry.setCrd(name, [], []);
      else {
        const { types, versionOrder } = crdResourceTypes(crd);
        registry.setCrd(name, types, versionOrder);
      }
    };
    for (const [, crd] of store.scan(keyPrefix(crdStorage))) registerCrd(crd, false);
    store.onCommit((events) => {
      for (const e of events) if (e.key.startsWith(keyPrefix(crdStorage))) registerCrd(e.object, e.type === 'DELETED');
    });
    const service = new ObjectService(store, registry);
    const hub = new WatchHub(store, {
      bookmarkIntervalMs: (options.bookmarkIntervalSeconds ?? 60) * 1000,
      heartbeatIntervalMs: (options.heartbeatIntervalSeconds ?? 10) * 1000,
    });
    const controllers = new Controllers(store, service, logger);
    const nsType = registry.require('', 'v1', 'namespaces');
    for (const ns of SYSTEM_NAMESPACES) {
      if (!store.get(objectKey(nsType.storage, '', ns))) await service.create(nsType, '', { metadata: { name: ns } });
    }
    controllers.resume();

    const issuer = options.serviceAccountIssuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER;
    const signer = ServiceAccountTokenSigner.loadOrCreate(dataDir, issuer);
    const auth = new Authenticator(service, registry, signer, token, options.apiAudiences ?? [issuer]);
    let address = '';
    const handler = createHandler({
      service,
      registry,
      hub,
      auth,
      rbac: new RbacAuthorizer(service, registry),
      ...(options.audit ? { audit: options.audit } : {}),
      logger,
      podLogRoot: options.podLogDir ? path.resolve(options.podLogDir) : path.join(dataDir, 'pods'),
      packageVersion: VERSION,
      serverAddress: () => address,
      minRequestTimeoutSeconds: options.minRequestTimeoutSeconds ?? 1800,
      maxBodyBytes: options.maxRequestBodyBytes ?? 3 * 1024 * 1024,
      metrics: new ApiServerMetrics(),
    });
    const tls = options.tls === false ? undefined : loadOrCreateTls(dataDir, options.host ?? '127.0.0.1');
    // After the store is open: LMDB may have made files of its own.
    privately(() => tightenPrivateFilesSync(PRIVATE_ENTRIES.map((name) => path.join(dataDir, name)), { recursive: true, logger }));
    const server: Server = tls ? createHttpsServer({ requestTimeout: 0, key: tls.key, cert: tls.cert }, handler) : createHttpServer({ requestTimeout: 0 }, handler);
    server.keepAliveTimeout = 65_000;
    const sockets = new Set<Socket>();
    server.on('connection', (s) => {
      s.setNoDelay(true);
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) => reject(new ApiServerError('InvalidOptions', `startApiServer: cannot listen on ${host}:${options.port ?? 0}: ${e.message}`, { cause: e })));
      server.listen(options.port ?? 0, host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
    address = `${urlHost}:${port}`;
    const url = `${tls ? 'https' : 'http'}://${address}`;
    if (!tls && host !== '127.0.0.1' && host !== '::1' && host !== 'localhost') {
      logger.warn({ host }, 'the API server is plain HTTP: the bearer token travels unencrypted beyond loopback');
    }
    logger.info({ url, dataDir, revision: store.revision }, 'API server listening');
    const openStore = store;
    let closing: Promise<void> | undefined;
    const kubeconfig = (opts?: { context?: string; namespace?: string }): string => kubeconfigYaml(url, token, tls?.caCert, opts);
    return {
      url,
      port,
      token,
      kubeconfig,
      async writeKubeconfig(file: string): Promise<void> {
        await mkdir(path.dirname(path.resolve(file)), { recursive: true });
        await writeFileAtomic(path.resolve(file), kubeconfig(), { mode: 0o600 });
      },
      close(): Promise<void> {
        closing ??= (async () => {
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          hub.close();
          controllers.close();
          for (const s of sockets) s.destroy();
          await closed;
          await openStore.close();
          unlock();
          logger.info({ url }, 'API server stopped');
        })();
        return closing;
      },
    };
  } catch (error) {
    await store?.close().catch(() => undefined);
    unlock();
    throw error;
  }
}
