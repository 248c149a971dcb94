/**
 * The dashboard's HTTP server: the sign-in page and the one-time sign-in link, the Vite-built bundle,
 * and a small API that acts as the signed-in user: live watches (SSE), pod logs, and the GM's hard
 * example and labelling routes, each request with the user's bearer token. Nothing but the sign-in
 * routes answers without a session: pages redirect to /login, the API answers 401.
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import pino, { type Logger } from 'pino';
import { clusterOf, messageOf, statusOf, tokenAuthenticates, userApi } from './kube.js';
import { LOGIN_SCRIPT, loginPage, safeNext, SIGNED_OUT_MESSAGES } from './loginPage.js';
import { SignInLimit } from './signInLimit.js';
import { cookieValue, SESSION_COOKIE, sessionCookie, SessionStore, SIGNED_OUT_COOKIE_SECONDS, SIGNED_OUT_REASONS, type Session, type SignedOutReason } from './sessions.js';
import { createHash } from 'node:crypto';
import { redactTokens } from '@sedna-ts/internal';
import { MAX_SCOPES, parseScope, relayWatches, type WatchScope } from './watchRelay.js';

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** Where the Kubernetes API is (its cluster: server and CA). Its user credentials are never used. */
  kubeConfig: KubeConfig;
  /** The GM's HTTP base URL (hard examples and labelling); absent: those pages say they are unavailable. */
  gmUrl?: string;
  /** Address and port to listen on (default 127.0.0.1, 0: any free port). */
  host?: string;
  port?: number;
  /** PEM certificate and key: served over HTTPS, the cookie then `Secure`. */
  tls?: { cert: string; key: string };
  /** The built front end (default: `public` beside this module). */
  publicDir?: string;
  /**
   * How often the tokens of sessions holding live streams are checked with the API server (default
   * 60 s): a watch made before a token expired may go on for long, and the page with it would stay
   * "live" with a token nothing else takes.
   */
  tokenCheckMs?: number;
  /** Failed sign-ins an address may make in a window before it waits (default 10 a minute; see SignInLimit). */
  signInLimit?: { max?: number; windowMs?: number };
  logger?: Logger;
}

/** A running dashboard. */
export interface RunningDashboard {
  /** Its base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** A link that signs in once as the bearer of `token` (the one `sedna up` prints). */
  signInLink(token: string): string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // Not no-referrer: with it Chromium sends `Origin: null` on same-site form posts, which the Origin check refuses.
  'Referrer-Policy': 'same-origin',
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
};

function defaultPublicDir(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...SECURITY_HEADERS, ...headers });
  res.end(JSON.stringify(body));
}

function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...SECURITY_HEADERS, ...headers });
  res.end(html);
}

/** A 401 saying why there is no session (`reason`, see {@link SignedOutReason}): the pages go to the sign-in page with it. */
function unauthorized(res: ServerResponse, reason: SignedOutReason, error = SIGNED_OUT_MESSAGES[reason]): void {
  sendJson(res, 401, { error, reason });
}

/** The sign-in page's URL saying why (`reason`) and where to return after (`next`, a path of this site). */
export function signInPath(reason: SignedOutReason, next?: string): string {
  const query = new URLSearchParams();
  if (reason !== 'none') query.set('reason', reason);
  const back = safeNext(next);
  if (back !== '/') query.set('next', back);
  const text = query.toString();
  return text ? `/login?${text}` : '/login';
}

function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(303, { Location: location, 'Cache-Control': 'no-store', ...SECURITY_HEADERS, ...headers });
  res.end();
}

/** The largest sign-in form body. */
export const MAX_LOGIN_BODY = 64 * 1024;

/**
 * The body of a request, or undefined when it is larger than `limit` bytes: the rest is read and
 * dropped, so the answer reaches the client (leaving a for-await loop would destroy the socket).
 */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd).off('error', reject);
      req.resume();
      resolve(undefined);
    };
    const onEnd = () => resolve(Buffer.concat(chunks).toString('utf8'));
    req.on('data', onData).once('end', onEnd).once('error', reject);
  });
}

/** The largest body the GM's dashboard routes take (packages/controller, gm/dashboardApi.ts `MAX_BODY`). */
export const GM_MAX_BODY = 256 * 1024;

/** The most /api/watch streams one session may hold open (the tabs of a browser share one; a browser without Web Locks opens one per tab). */
export const MAX_STREAMS_PER_SESSION = 8;
/** The most /api/watch streams the sessions of one token may hold open together (signing in again makes a new session). */
export const MAX_STREAMS_PER_USER = 16;

/** Who holds a session, for limits across sessions: a hash of its token (never the token itself). */
export function identityOf(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A bearer token is one line of visible ASCII characters (a JWT, or a static token). */
const TOKEN = /^[\x21-\x7e]+$/;

/** Whether a state-changing request comes from the dashboard's own pages (its Origin, when sent, is ours). */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * Starts the dashboard and resolves once it listens.
 *
 * @example
 * const kc = new KubeConfig(); kc.loadFromDefault();
 * const dashboard = await startDashboard({ kubeConfig: kc, gmUrl: 'http://127.0.0.1:9000' });
 * console.log(dashboard.signInLink(myToken));
 */
export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const log = options.logger ?? pino({ level: 'info' });
  const cluster = clusterOf(options.kubeConfig);
  const sessions = new SessionStore();
  const signInAttempts = new SignInLimit(options.signInLimit);
  const publicDir = options.publicDir ?? defaultPublicDir();
  const secure = Boolean(options.tls);
  /** Open /api/watch streams per session id, and per identity (see {@link identityOf}): each holds watches on the API server. */
  const streamsOpen = new Map<string, Set<ServerResponse>>();
  const streamsOfUser = new Map<string, Set<ServerResponse>>();

  /** Whether the API server still takes a token: asked each time (a stale yes would keep a revoked token), concurrent asks of one token (a gallery's failed images) sharing one answer. */
  const tokenAsks = new Map<string, Promise<boolean>>();
  const tokenTaken = (token: string): Promise<boolean> => {
    const key = identityOf(token);
    let ask = tokenAsks.get(key);
    if (!ask) {
      ask = tokenAuthenticates(cluster, token).finally(() => tokenAsks.delete(key));
      tokenAsks.set(key, ask);
    }
    return ask;
  };
  const signIn = (res: ServerResponse, token: string, next?: string) => redirect(res, safeNext(next), { 'Set-Cookie': sessionCookie(sessions.create(token).id, secure) });
  /**
   * Ends a session and the streams it holds open (they watch with its token): their pages' EventSource
   * comes back, gets 401, and the pages go to the sign-in page saying why.
   */
  const endSession = (session: Session, reason: 'signed-out' | 'token-refused') => {
    sessions.end(session.id, reason);
    for (const stream of streamsOpen.get(session.id) ?? []) stream.end();
    streamsOpen.delete(session.id);
    if (reason === 'token-refused') log.info({}, 'a session ended: its token was refused');
  };

  async function serveStatic(res: ServerResponse, pathname: string): Promise<void> {
    const relative = path.normalize(decodeURIComponent(pathname)).replace(/^(\.\.[/\\])+/, '').replace(/^[/\\]+/, '');
    let file = path.join(publicDir, relative);
    if (!file.startsWith(publicDir)) return sendJson(res, 404, { error: 'not found' });
    const info = await stat(file).catch(() => undefined);
    // The pages are routes of one page application: anything that is not a file is index.html.
    if (!info?.isFile()) file = path.join(publicDir, 'index.html');
    const body = await readFile(file).catch(() => undefined);
    if (!body) {
      log.error({ publicDir }, 'the front end is not built');
      return sendJson(res, 500, { error: "the dashboard's front end is not built (see the dashboard's log)" });
    }
    const hashed = /[/\\]assets[/\\]/.test(file);
    res.writeHead(200, { 'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': hashed ? 'private, max-age=31536000, immutable' : 'no-store', ...SECURITY_HEADERS });
    res.end(body);
  }

  /**
   * Forwards `/api/gm/<rest>` to the GM's `/dashboard/v1/<rest>` with the user's token, its answer
   * streamed back. A body (at most {@link GM_MAX_BODY}, the GM's own limit: 413 here beyond) is read first.
   */
  async function forwardToGm(req: IncomingMessage, res: ServerResponse, session: Session, rest: string): Promise<void> {
    if (!options.gmUrl) return sendJson(res, 503, { error: 'the dashboard was started without the URL of the global manager' });
    const target = new URL(`/dashboard/v1/${rest}`, options.gmUrl);
    // `..` in the path must not reach the GM's other routes.
    if (!target.pathname.startsWith('/dashboard/v1/')) return sendJson(res, 404, { error: `no route ${req.method} /api/gm/${rest}` });
    const body = req.method === 'GET' || req.method === 'HEAD' ? '' : await readBody(req, GM_MAX_BODY);
    if (body === undefined) return sendJson(res, 413, { error: `the request body is larger than ${GM_MAX_BODY / 1024} KiB, the limit of the global manager` });
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { Authorization: `Bearer ${session.token}` };
    if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
    if (body) headers['content-length'] = String(Buffer.byteLength(body));
    const upstream = request(target, { method: req.method, headers }, (answer) => {
      if (answer.statusCode === 401) {
        // The GM no longer accepts the token (expired, revoked): the session is over.
        answer.resume();
        endSession(session, 'token-refused');
        return unauthorized(res, 'token-refused');
      }
      res.writeHead(answer.statusCode ?? 502, {
        'Content-Type': answer.headers['content-type'] ?? 'application/octet-stream',
        // A hard example's image is immutable (its id names one sample) and the user's: the GM says so.
        'Cache-Control': answer.statusCode === 200 && /^private,/.test(answer.headers['cache-control'] ?? '') ? (answer.headers['cache-control'] as string) : 'no-store',
        ...(answer.headers['content-disposition'] ? { 'Content-Disposition': answer.headers['content-disposition'] } : {}),
        ...SECURITY_HEADERS,
      });
      answer.pipe(res);
    });
    // The browser went away (a COCO export it gave up on): the GM then tells the LC to stop.
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.on('error', (error) => {
      if (res.destroyed) return;
      if (!res.headersSent) sendJson(res, 502, { error: `the global manager at ${options.gmUrl} did not answer: ${error.message}` });
      else res.destroy();
    });
    upstream.end(body);
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL, session: Session): Promise<void> {
    const method = req.method ?? 'GET';
    const user = userApi(cluster, session.token);
    // Whether the session is there (the pages ask when their live stream stops): 401 without one, as every
    // route, and 401 when the API server no longer takes its token (expired, revoked): the session ends.
    if (url.pathname === '/api/session' && method === 'GET') {
      if (await tokenTaken(session.token).catch(() => true)) return sendJson(res, 200, { signedIn: true });
      endSession(session, 'token-refused');
      return unauthorized(res, 'token-refused');
    }
    if (url.pathname === '/api/watch' && method === 'GET') {
      // `scope` (repeated: the tabs of a browser share one stream) or `job` (one job); neither: every job.
      const values = [...url.searchParams.getAll('scope').map((v) => ['scope', v] as const), ...url.searchParams.getAll('job').map((v) => ['job', v] as const)];
      if (values.length > MAX_SCOPES) return sendJson(res, 400, { error: `${values.length} scopes: at most ${MAX_SCOPES} per stream` });
      const scopes: WatchScope[] = [];
      for (const [key, value] of values) {
        const scope = parseScope(value);
        if (typeof scope === 'string') return sendJson(res, 400, { error: `query ${key}=${scope}` });
        scopes.push(scope);
      }
      const identity = identityOf(session.token);
      const open = streamsOpen.get(session.id) ?? new Set<ServerResponse>();
      const ofUser = streamsOfUser.get(identity) ?? new Set<ServerResponse>();
      if (open.size >= MAX_STREAMS_PER_SESSION) return sendJson(res, 429, { error: `at most ${MAX_STREAMS_PER_SESSION} live streams per session: close other dashboard tabs` });
      if (ofUser.size >= MAX_STREAMS_PER_USER) return sendJson(res, 429, { error: `at most ${MAX_STREAMS_PER_USER} live streams per user (all sessions of this token): close dashboard tabs or sign out elsewhere` });
      open.add(res);
      ofUser.add(res);
      streamsOpen.set(session.id, open);
      streamsOfUser.set(identity, ofUser);
      res.on('close', () => {
        open.delete(res);
        ofUser.delete(res);
        if (open.size === 0 && streamsOpen.get(session.id) === open) streamsOpen.delete(session.id);
        if (ofUser.size === 0 && streamsOfUser.get(identity) === ofUser) streamsOfUser.delete(identity);
      });
      // A watch refused with 401 (the token expired or was revoked) ends the session.
      return relayWatches(user, scopes.length ? scopes : [{}], res, log, () => endSession(session, 'token-refused'));
    }
    const logMatch = /^\/api\/pods\/([^/]+)\/([^/]+)\/log$/.exec(url.pathname);
    if (logMatch && method === 'GET') {
      const tail = Number(url.searchParams.get('tailLines') ?? '20');
      try {
        const text = await user.core.readNamespacedPodLog({ namespace: decodeURIComponent(logMatch[1]!), name: decodeURIComponent(logMatch[2]!), tailLines: Number.isInteger(tail) && tail > 0 ? Math.min(tail, 500) : 20 });
        // A worker that printed its own token must not hand it to whoever reads its log here.
        return sendJson(res, 200, { log: redactTokens(text) });
      } catch (error) {
        const message = `the log of pod ${decodeURIComponent(logMatch[1]!)}/${decodeURIComponent(logMatch[2]!)}: ${messageOf(error)}`;
        if (statusOf(error) === 401) {
          endSession(session, 'token-refused');
          return unauthorized(res, 'token-refused', `${message}: ${SIGNED_OUT_MESSAGES['token-refused']}`);
        }
        return sendJson(res, statusOf(error) ?? 502, { error: message });
      }
    }
    if (url.pathname.startsWith('/api/gm/')) return forwardToGm(req, res, session, url.pathname.slice('/api/gm/'.length) + url.search);
    return sendJson(res, 404, { error: `no route ${method} ${url.pathname}` });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const method = req.method ?? 'GET';
    try {
      decodeURIComponent(url.pathname);
    } catch {
      req.resume();
      return sendJson(res, 400, { error: `${url.pathname}: not valid percent-encoding (a % must start %XX of UTF-8)` });
    }
    if (url.pathname === '/login' && method === 'GET') {
      const reason = url.searchParams.get('reason');
      return sendHtml(res, 200, loginPage(undefined, { reason: SIGNED_OUT_REASONS.find((r) => r === reason), next: url.searchParams.get('next') ?? undefined }));
    }
    if (url.pathname === '/login.js' && method === 'GET') {
      res.writeHead(200, { 'Content-Type': CONTENT_TYPES['.js'] as string, 'Cache-Control': 'no-store', ...SECURITY_HEADERS });
      return void res.end(LOGIN_SCRIPT);
    }
    if (url.pathname === '/login' && method === 'POST') {
      if (!sameOrigin(req)) return sendHtml(res, 403, loginPage('The sign-in came from another site.'));
      const wait = signInAttempts.wait(req.socket.remoteAddress ?? '');
      if (wait > 0) {
        req.resume();
        return sendHtml(res, 429, loginPage(`Too many sign-ins that failed from this address: try again in ${wait} s.`), { 'Retry-After': String(wait) });
      }
      const body = await readBody(req, MAX_LOGIN_BODY);
      if (body === undefined) return sendHtml(res, 413, loginPage(`The sign-in form is larger than ${MAX_LOGIN_BODY / 1024} KiB: a token is much shorter.`));
      const form = new URLSearchParams(body);
      const token = form.get('token')?.trim() ?? '';
      // Kept through a failed attempt: the user still goes back to that page.
      const next = safeNext(form.get('next'));
      if (!token) return sendHtml(res, 400, loginPage('A token is required.', { next }));
      // Never passed on (an HTTP header cannot hold it) nor logged.
      if (!TOKEN.test(token)) return sendHtml(res, 400, loginPage('A token is one line of visible characters: no spaces, line breaks or control characters.', { next }));
      if (!(await tokenAuthenticates(cluster, token))) {
        signInAttempts.failed(req.socket.remoteAddress ?? '');
        return sendHtml(res, 401, loginPage('The API server does not accept this token.', { next }));
      }
      return signIn(res, token, next);
    }
    if (url.pathname === '/login/once' && method === 'GET') {
      const token = sessions.redeem(url.searchParams.get('code') ?? '');
      if (!token) return sendHtml(res, 401, loginPage('This sign-in link was used already or has expired: sign in with a token.'));
      return signIn(res, token);
    }
    const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
    const session = sessions.get(cookie);
    if (url.pathname === '/logout' && method === 'POST') {
      // Like every state-changing request: another site must not sign the user out.
      if (!sameOrigin(req)) return sendJson(res, 403, { error: `a POST from another site (Origin ${req.headers.origin}) is refused` });
      if (session) endSession(session, 'signed-out');
      // The cookie keeps the ended session's id for an hour (it signs nothing in any more): the
      // browser's other tabs, whose next request carries it, are told they were signed out.
      const cookieAfter = session ? sessionCookie(session.id, secure, SIGNED_OUT_COOKIE_SECONDS) : sessionCookie('', secure);
      return redirect(res, signInPath('signed-out'), { 'Set-Cookie': cookieAfter });
    }
    if (!session) {
      req.resume();
      const reason = sessions.whyNot(cookie);
      if (url.pathname.startsWith('/api/')) return unauthorized(res, reason);
      // The browser keeps the page's #route through the redirect; /login.js adds it to `next`.
      return redirect(res, signInPath(reason, method === 'GET' ? `${url.pathname}${url.search}` : undefined));
    }
    if (method !== 'GET' && method !== 'HEAD' && !sameOrigin(req)) return sendJson(res, 403, { error: `a ${method} from another site (Origin ${req.headers.origin}) is refused` });
    if (url.pathname.startsWith('/api/')) return api(req, res, url, session);
    if (method !== 'GET' && method !== 'HEAD') return sendJson(res, 405, { error: `${method} ${url.pathname} is not allowed` });
    return serveStatic(res, url.pathname);
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      log.error({ url: req.url, err: error instanceof Error ? error.message : String(error) }, 'dashboard request failed');
      if (!res.headersSent) sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) });
      else res.destroy();
    });
  };
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener) : createHttpServer(listener);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // The tokens of sessions with live streams, checked now and then: one refused ends its sessions (and streams).
  const tokenCheck = setInterval(() => {
    for (const id of [...streamsOpen.keys()]) {
      const session = sessions.get(id);
      if (!session) continue;
      tokenTaken(session.token).then(
        (ok) => {
          if (!ok) endSession(session, 'token-refused');
        },
        () => undefined,
      );
    }
  }, options.tokenCheckMs ?? 60_000);
  tokenCheck.unref();
  server.on('close', () => clearInterval(tokenCheck));
  const port = (server.address() as AddressInfo).port;
  const url = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ url }, 'dashboard listening');
  return {
    url,
    signInLink: (token) => `${url}/login/once?code=${sessions.oneTimeCode(token)}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
