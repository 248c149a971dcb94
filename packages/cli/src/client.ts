/**
 * The one client path to a Kubernetes API server: the kubeconfig's credentials and TLS settings as
 * client-node applies them, and plain HTTP requests, so the CLI can ask for what client-node's typed
 * APIs do not expose (the Table form, aggregated discovery, merge patches of any kind, watch and log
 * streams). Every failure becomes a CliError whose code gives the exit code.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import fs from 'node:fs';
import path from 'node:path';
import type { AgentOptions } from 'node:https';
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { Agent, fetch, ProxyAgent, type Dispatcher } from 'undici';
import { CliError, type CliErrorCode } from './errors.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, startHint, type ServerTarget } from './server.js';

/** Query parameters; undefined values are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** Options of one request. */
export interface RequestOptions {
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
  /** Content-Type of the body (default `application/json`; patches name their kind). */
  contentType?: string;
  /** Accept header (default `application/json`). */
  accept?: string;
  signal?: AbortSignal;
  /** Gives up after this long without an answer (default: the client's; streams: none once the answer started). */
  timeoutMs?: number;
}

/** A Kubernetes `Status` as the API server sends it with an error. */
interface KubeStatus {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; group?: string; causes?: Array<{ field?: string; message?: string }> };
}

/** Network error codes meaning the server cannot be reached, and how to say it. */
const UNREACHABLE_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_CLOSED: 'connection closed',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: self-signed certificate not trusted by the kubeconfig',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS: certificate chain not trusted by the kubeconfig',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: certificate not trusted by the kubeconfig',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS: certificate issuer not trusted by the kubeconfig',
  CERT_HAS_EXPIRED: 'TLS: certificate expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS: certificate does not name this host',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS: the server does not speak TLS',
  EPROTO: 'TLS handshake failed',
};

/** Codes of TLS failures (OpenSSL's certificate errors and Node's TLS errors). */
const TLS_CODE = /^(CERT_|ERR_TLS_|ERR_SSL_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH)/;

/** Why a request could not reach the server, from the first error in the cause chain that says (undici wraps the socket error). */
function networkReason(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code in UNREACHABLE_CODES) return UNREACHABLE_CODES[code];
    if (typeof code === 'string' && TLS_CODE.test(code)) return `TLS: ${(e as Error).message || code}`;
    if (e instanceof Error && /wrong version number|packet length too long/i.test(e.message)) return UNREACHABLE_CODES.ERR_SSL_WRONG_VERSION_NUMBER;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function isTimeout(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e; depth++) {
    if ((e as { name?: unknown }).name === 'TimeoutError') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function errorCodeFor(status: number): CliErrorCode {
  if (status === 404) return 'NOT_FOUND';
  if (status === 502 || status === 503 || status === 504) return 'UNREACHABLE';
  if (status >= 500) return 'INTERNAL';
  return 'INVALID_INPUT';
}

/** Reads one kubeconfig file, or undefined when it does not exist. @throws CliError INVALID_INPUT */
function readKubeConfig(file: string): KubeConfig | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError('INVALID_INPUT', `${file}: ${(error as Error).message}`, { cause: error });
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (error) {
    // The parser's first line only: its code frame would echo the file, binary bytes and all, to the terminal.
    const why = ((error as Error).message.split('\n')[0] ?? '').replace(/[^\x20-\x7e]/g, '?');
    throw new CliError('INVALID_INPUT', `${file}: not a kubeconfig: ${why}`, { cause: error });
  }
  return kc;
}

/** Kubeconfigs merged as kubectl merges a KUBECONFIG list: the first file to name a cluster, user, context or current-context wins. */
function mergeKubeConfigs(configs: readonly KubeConfig[]): KubeConfig {
  const merged = new KubeConfig();
  const clusters = new Map<string, KubeConfig['clusters'][number]>();
  const users = new Map<string, KubeConfig['users'][number]>();
  const contexts = new Map<string, KubeConfig['contexts'][number]>();
  let current = '';
  for (const kc of configs) {
    for (const c of kc.clusters) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of kc.users) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of kc.contexts) if (!contexts.has(c.name)) contexts.set(c.name, c);
    current ||= kc.currentContext;
  }
  merged.loadFromOptions({ clusters: [...clusters.values()], users: [...users.values()], contexts: [...contexts.values()], currentContext: current });
  return merged;
}

/**
 * Loads the kubeconfig of `target` (every file of a KUBECONFIG list, merged), at `target.context` when set.
 *
 * @throws CliError NOT_FOUND when `--kubeconfig` (or every file of KUBECONFIG) names no file, or
 *   `--context` no context; UNREACHABLE when a data folder has no kubeconfig (no `sedna up` ever got
 *   ready there); INVALID_INPUT when the file is not a usable kubeconfig.
 */
export function loadKubeConfig(target: ServerTarget): KubeConfig {
  const files = target.kubeconfigPaths ?? [target.kubeconfigPath];
  const configs = files.map(readKubeConfig).filter((kc): kc is KubeConfig => kc !== undefined);
  if (configs.length === 0) {
    if (target.dataDir) throw new CliError('UNREACHABLE', `no API server in ${target.dataDir.dir} (it has no kubeconfig): ${startHint(target)}`);
    if (target.origin === 'KUBECONFIG' && files.length > 1) throw new CliError('NOT_FOUND', `KUBECONFIG=${files.join(path.delimiter)}: none of these kubeconfig files exists`);
    throw new CliError('NOT_FOUND', `${target.kubeconfigPath}: no such kubeconfig file${target.origin === 'KUBECONFIG' ? ' (from KUBECONFIG)' : ''}`);
  }
  const kc = configs.length === 1 ? configs[0]! : mergeKubeConfigs(configs);
  const where = files.length > 1 ? `KUBECONFIG=${files.join(path.delimiter)}` : target.kubeconfigPath;
  if (target.context !== undefined) {
    if (!kc.getContextObject(target.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new CliError('NOT_FOUND', `--context ${JSON.stringify(target.context)}: no such context in ${where} (it has: ${known.join(', ') || 'none'})`);
    }
    kc.setCurrentContext(target.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new CliError('INVALID_INPUT', `${where}: ${target.context !== undefined ? 'context' : 'current-context'} ${JSON.stringify(kc.getCurrentContext())} names no cluster`);
  }
  return kc;
}

/** The TLS settings of the kubeconfig, as client-node put them on the agent it made for a request. */
type TlsOptions = Pick<AgentOptions, 'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'rejectUnauthorized' | 'servername'>;

/**
 * The undici dispatcher for requests to `server` with the TLS settings `agent` carries (client-node
 * 1.x makes an https.Agent per request, for its own node-fetch): one kept-alive pool for every request
 * of a command, through the cluster's HTTP(S) proxy when it names one.
 *
 * @throws CliError USAGE for a SOCKS proxy, which this client does not speak.
 */
function dispatcherFor(agent: unknown, proxyUrl: string | undefined): Dispatcher | undefined {
  const options = (agent as { options?: AgentOptions } | undefined)?.options ?? {};
  const tls: TlsOptions = {};
  for (const key of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const) {
    if (options[key] !== undefined) Object.assign(tls, { [key]: options[key] });
  }
  if (proxyUrl) {
    if (!/^https?:/.test(proxyUrl)) throw new CliError('USAGE', `the kubeconfig's proxy-url ${JSON.stringify(proxyUrl)}: only http:// and https:// proxies are supported by sedna (use kubectl for a SOCKS proxy)`);
    return new ProxyAgent({ uri: proxyUrl, requestTls: tls });
  }
  return Object.keys(tls).length === 0 ? undefined : new Agent({ connect: tls });
}

/** A client of one API server, made from a kubeconfig. */
export class KubeClient {
  /** The server's base URL, e.g. `https://127.0.0.1:41234`. */
  readonly server: string;
  /** The namespace of the kubeconfig's current context, else `default`. */
  readonly namespace: string;
  private auth: Promise<{ headers: Record<string, string>; dispatcher: Dispatcher | undefined }> | undefined;
  /** How long a request waits for the server's answer (default 30 s; `--request-timeout`). */
  readonly timeoutMs: number;

  constructor(
    readonly kubeConfig: KubeConfig,
    readonly target: ServerTarget,
    options: { timeoutMs?: number } = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.server = (kubeConfig.getCurrentCluster()?.server ?? '').replace(/\/+$/, '');
    const context = kubeConfig.getContextObject(kubeConfig.getCurrentContext());
    this.namespace = context?.namespace || 'default';
  }

  /** A client for the server `target` names (see {@link loadKubeConfig} for what it throws). */
  static forTarget(target: ServerTarget, options: { timeoutMs?: number } = {}): KubeClient {
    return new KubeClient(loadKubeConfig(target), target, options);
  }

  /** The kubeconfig context in use (`--context`, else the current context). */
  get context(): string {
    return this.kubeConfig.getCurrentContext();
  }

  /** Credentials and TLS dispatcher, made once: one connection pool for every request of a command. */
  private authentication(): Promise<{ headers: Record<string, string>; dispatcher: Dispatcher | undefined }> {
    this.auth ??= (async () => {
      const ctx = new RequestContext(this.server, HttpMethod.GET);
      await this.kubeConfig.applySecurityAuthentication(ctx);
      return { headers: { ...ctx.getHeaders() }, dispatcher: dispatcherFor(ctx.getAgent(), this.kubeConfig.getCurrentCluster()?.proxyUrl) };
    })();
    return this.auth;
  }

  private url(path: string, query: Query | undefined): URL {
    // A segment the URL parser would resolve ('.', '..', also as %2e) climbs to another resource: never sent.
    const climbing = path.split('/').find((segment) => /^(\.|%2e){1,2}$/i.test(segment));
    if (climbing !== undefined) throw new CliError('USAGE', `refusing the path ${JSON.stringify(path)}: its segment ${JSON.stringify(climbing)} is not a name`);
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    return url;
  }

  /** The one-line message for a server that cannot be reached. */
  unreachable(error: unknown): CliError {
    const why = networkReason(error) ?? (isTimeout(error) ? 'no answer in time' : error instanceof Error ? error.message : String(error));
    return new CliError('UNREACHABLE', `cannot reach the API server at ${this.server} (${why}): ${startHint(this.target)}`, { cause: error });
  }

  private async send(method: string, path: string, options: RequestOptions, stream: boolean) {
    const url = this.url(path, options.query);
    const { headers, dispatcher } = await this.authentication();
    const timeout = AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs);
    const controller = new AbortController();
    const abort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', abort, { once: true });
    const onTimeout = () => controller.abort(timeout.reason);
    timeout.addEventListener('abort', onTimeout, { once: true });
    const requestHeaders: Record<string, string> = { ...headers, Accept: options.accept ?? 'application/json' };
    if (options.body !== undefined) requestHeaders['Content-Type'] = options.contentType ?? 'application/json';
    const done = () => {
      timeout.removeEventListener('abort', onTimeout);
      options.signal?.removeEventListener('abort', abort);
    };
    try {
      const response = await fetch(url, {
        method,
        headers: requestHeaders,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: controller.signal,
        ...(dispatcher ? { dispatcher } : {}),
      });
      // A stream's timeout covers only the wait for the answer's head.
      if (stream) timeout.removeEventListener('abort', onTimeout);
      if (!response.ok) {
        const text = await response.text();
        done();
        throw this.httpError(method, url, response.status, text);
      }
      return { response, done, controller };
    } catch (error) {
      done();
      if (error instanceof CliError) throw error;
      if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new CliError('INTERNAL', 'aborted', { cause: error });
      throw this.unreachable(error);
    }
  }

  private httpError(method: string, url: URL, status: number, text: string): CliError {
    let body: KubeStatus | undefined;
    try {
      body = JSON.parse(text) as KubeStatus;
    } catch {
      body = undefined;
    }
    const message = body?.message || text.trim().split('\n')[0] || `HTTP ${status}`;
    if (status === 401 || status === 403) {
      const what = status === 401 ? 'refused the credentials of' : 'does not allow this for the user of';
      return new CliError('INVALID_INPUT', `the API server at ${this.server} ${what} ${this.target.kubeconfigPath}: ${message}`, { status, reason: body?.reason });
    }
    const causes = (body?.details?.causes ?? []).map((c) => (c.field ? `${c.field}: ${c.message ?? ''}` : (c.message ?? ''))).filter((c) => c && !message.includes(c));
    const full = causes.length > 0 ? `${message} (${causes.join('; ')})` : message;
    return new CliError(errorCodeFor(status), full, { status, reason: body?.reason, cause: { method, url: url.pathname, body: text.slice(0, 2000) } });
  }

  /**
   * One request; resolves to the parsed JSON answer.
   *
   * @throws CliError NOT_FOUND (404), INVALID_INPUT (other 4xx; `status` and `reason` say which),
   *   UNREACHABLE (network, TLS, timeout, 502 to 504), INTERNAL (other 5xx).
   */
  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const { response, done } = await this.send(method, path, options, false);
    try {
      const text = await response.text();
      return (text === '' ? undefined : JSON.parse(text)) as T;
    } catch (error) {
      throw this.unreachable(error);
    } finally {
      done();
    }
  }

  /** GET `path` as JSON. */
  get<T = unknown>(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('GET', path, options);
  }

  /**
   * A streaming GET (watch, pod logs): resolves once the server answered 200, to the body as a Node
   * stream. Aborting `options.signal` ends it.
   */
  async stream(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<Readable> {
    const { response, done, controller } = await this.send('GET', path, options, true);
    if (!response.body) {
      done();
      return Readable.from([]);
    }
    const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    body.once('close', done);
    // Destroying the stream from our side aborts the request too.
    body.once('close', () => controller.abort());
    return body;
  }

  /** Closes the connections (the process can exit at once). */
  async close(): Promise<void> {
    const auth = this.auth;
    this.auth = undefined;
    if (!auth) return;
    const { dispatcher } = await auth.catch(() => ({ dispatcher: undefined }));
    await dispatcher?.destroy().catch(() => undefined);
  }
}
