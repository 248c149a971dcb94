/**
 * The knowledge-base service: node:http, the original's routes under `/knowledgebase` (plus `index`),
 * every one behind a worker token that opens its own job's index and files only; `/healthz` and
 * `/readyz` open.
 */
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { KB_DEFAULT_PORT, KB_INDEX_FILE, KB_INDEX_FORMAT, KB_MAX_INDEX_BYTES, KB_MAX_UPLOAD_BYTES, KB_ROUTE_PREFIX, KB_ROUTES, parseKbIndex, type KbIndex } from '@sedna-ts/api-types/contract';
import { authenticate, requireSameJob, type JobIdentity } from './auth.js';
import { mediaType, partBytes, readFormPart, readWholeBody } from './body.js';
import { KnowledgeBaseError, errorMessage, toKnowledgeBaseError } from './errors.js';
import { silentLogger, type KbLogger } from './logger.js';
import { checkRelativeName, contentDisposition } from './safeName.js';
import { KbStore } from './store.js';

/** Options of {@link startKnowledgeBase}. */
export interface KnowledgeBaseOptions {
  /** Where the indexes and files are kept (made 0700; must be this user's). */
  dataDir: string;
  /** The GM secret: the node tokens, and so the worker tokens, derive from it (>= 16 characters). */
  secret: string;
  /** Listen address (default `0.0.0.0`). */
  host?: string;
  /** Listen port (default 9020, `KB_DEFAULT_PORT`; 0: any free port). */
  port?: number;
  /** Where logs go (default: nowhere). */
  logger?: KbLogger;
  /** Limits, by default the contract's `KB_MAX_INDEX_BYTES` and `KB_MAX_UPLOAD_BYTES`. */
  limits?: { indexBytes?: number; uploadBytes?: number };
  /** How long `close()` waits for requests and writes in flight before cutting them (default 10 s). */
  closeDeadlineMs?: number;
}

/** A running knowledge base. */
export interface RunningKnowledgeBase {
  /** `http://<host>:<port>`, the workers' `KB_SERVER` (a wildcard host shown as 127.0.0.1). */
  url: string;
  port: number;
  /** The data folder (links resolved). */
  dataDir: string;
  /** Stops listening, lets requests and writes in flight finish (up to the deadline), releases the folder. */
  close(): Promise<void>;
}

/** The reply of `update`, `update/status` and `file/upload`: a path the client prefixes with `<kb>/knowledgebase`. */
export function downloadPath(file: string, name: string): string {
  return `${KB_ROUTES.fileDownload}?files=${encodeURIComponent(file)}&name=${encodeURIComponent(name)}`;
}

/** Why a pickle is refused (HTTP 415). */
export const PICKLE_REFUSED = `the index is a Python pickle (the original Sedna's index.pkl): sedna-ts reads only JSON indexes of format ${KB_INDEX_FORMAT}; the original's Python lifelong-learning workers are not supported`;

interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  id: JobIdentity;
}

type Handler = (ctx: RequestContext) => Promise<void>;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers });
  res.end(text);
}

/**
 * Starts the knowledge base and resolves once it listens.
 *
 * @throws KnowledgeBaseError `INVALID_CONFIG` (a short secret, a bad port), `DATA_DIR` (the folder is
 *   another user's or served by another process); the listen error (EADDRINUSE) as it is.
 * @example
 * const kb = await startKnowledgeBase({ dataDir: '/var/lib/sedna-kb', secret: process.env.SEDNA_GM_SECRET!, port: 9020 });
 * console.log(`KB_SERVER=${kb.url}`);
 * await kb.close();
 */
export async function startKnowledgeBase(options: KnowledgeBaseOptions): Promise<RunningKnowledgeBase> {
  const { secret } = options;
  if (typeof secret !== 'string' || secret.length < 16) throw new KnowledgeBaseError('INVALID_CONFIG', 'knowledge base: secret: must be the GM secret, a string of at least 16 characters');
  const port = options.port ?? KB_DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new KnowledgeBaseError('INVALID_CONFIG', `knowledge base: port: ${JSON.stringify(port)} is not a port number (0 to 65535)`);
  const host = options.host ?? '0.0.0.0';
  const logger = options.logger ?? silentLogger;
  const indexLimit = options.limits?.indexBytes ?? KB_MAX_INDEX_BYTES;
  const uploadLimit = options.limits?.uploadBytes ?? KB_MAX_UPLOAD_BYTES;
  const store = await KbStore.open(options.dataDir, logger);
  let closing = false;

  /** The index of a body: JSON of format sedna-ts.kb-index/v1 for the token's job; never a pickle. */
  const parseIndex = (bytes: Buffer, type: string, id: JobIdentity): KbIndex => {
    if (bytes[0] === 0x80 || /pickle/i.test(type)) throw new KnowledgeBaseError('UNSUPPORTED_MEDIA_TYPE', PICKLE_REFUSED);
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new KnowledgeBaseError('INVALID_INPUT', `index: not JSON (${errorMessage(error)})`, { cause: error });
    }
    const parsed = parseKbIndex(value);
    if (!parsed.ok) throw new KnowledgeBaseError('INVALID_INPUT', `index: ${parsed.problem.path}: ${parsed.problem.message}`);
    requireSameJob(id, `${parsed.index.namespace}/${parsed.index.job}`, 'the index (namespace, job)');
    return parsed.index;
  };

  const update: Handler = async ({ req, res, id }) => {
    const type = mediaType(req.headers['content-type']);
    let index: KbIndex;
    if (type === 'multipart/form-data') {
      index = await readFormPart(req, 'task', indexLimit, async (part) => parseIndex(await partBytes(part, 'multipart field "task"', indexLimit), part.mimeType, id));
    } else {
      const bytes = await readWholeBody(req, 'the index', indexLimit);
      if (bytes[0] === 0x80 || /pickle/i.test(type)) throw new KnowledgeBaseError('UNSUPPORTED_MEDIA_TYPE', PICKLE_REFUSED);
      if (type !== 'application/json' && !type.endsWith('+json')) {
        throw new KnowledgeBaseError('UNSUPPORTED_MEDIA_TYPE', `Content-Type: ${JSON.stringify(type)}: send the index as multipart/form-data field "task" or as application/json`);
      }
      index = parseIndex(bytes, type, id);
    }
    const outcome = await store.putIndex(id, index);
    logger.info({ job: id.key, create_time: index.create_time, round: index.round, pod: id.claims.pod }, outcome === 'stored' ? 'index stored' : 'index unchanged: that version is stored already (a retried upload)');
    send(res, 200, downloadPath(KB_INDEX_FILE, KB_INDEX_FILE));
  };

  const updateStatus: Handler = async ({ req, res, id }) => {
    const bytes = await readWholeBody(req, 'the status change', 64 * 1024);
    let body: unknown;
    try {
      body = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new KnowledgeBaseError('INVALID_INPUT', `body: not JSON (${errorMessage(error)}); send {"tasks": "a,b", "status": 0 or 1}`, { cause: error });
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new KnowledgeBaseError('INVALID_INPUT', 'body: is not a JSON object {"tasks": "a,b", "status": 0 or 1}');
    const { tasks, status } = body as Record<string, unknown>;
    const names = typeof tasks === 'string' ? tasks.split(',').map((t) => t.trim()).filter(Boolean) : Array.isArray(tasks) && tasks.every((t) => typeof t === 'string') ? (tasks as string[]) : undefined;
    if (!names || names.length === 0) throw new KnowledgeBaseError('INVALID_INPUT', `tasks: ${JSON.stringify(tasks)} is not a comma-separated list of task groups`);
    if (![0, 1, true, false].includes(status as number | boolean)) throw new KnowledgeBaseError('INVALID_INPUT', `status: ${JSON.stringify(status)} is not 0 or 1`);
    const deploy = status === 1 || status === true;
    const index = await store.setDeploy(id, names, deploy);
    logger.info({ job: id.key, create_time: index.create_time, tasks: names, deploy, pod: id.claims.pod }, 'task groups marked');
    send(res, 200, downloadPath(KB_INDEX_FILE, KB_INDEX_FILE));
  };

  const fileUpload: Handler = async ({ req, res, id }) => {
    if (mediaType(req.headers['content-type']) !== 'multipart/form-data') {
      throw new KnowledgeBaseError('UNSUPPORTED_MEDIA_TYPE', `Content-Type: ${JSON.stringify(mediaType(req.headers['content-type']))}: send the file as multipart/form-data field "file"`);
    }
    const stored = await readFormPart(req, 'file', uploadLimit, async (part) => {
      if (part.filename === undefined) throw new KnowledgeBaseError('INVALID_INPUT', 'multipart field "file": is not a file part (it has no filename)');
      const segments = checkRelativeName('file name', part.filename);
      return { file: await store.saveFile(id, segments, part.stream), name: segments.at(-1) as string };
    });
    logger.info({ job: id.key, file: stored.file, pod: id.claims.pod }, 'file stored');
    send(res, 200, downloadPath(stored.file, stored.name));
  };

  const fileDownload: Handler = async ({ res, url, id }) => {
    const files = url.searchParams.get('files');
    if (files === null) throw new KnowledgeBaseError('INVALID_INPUT', 'files: missing; give the file\'s path in the job\'s folder (?files=files/model.json)');
    const segments = checkRelativeName('files', files);
    const found = await store.findFile(id, segments);
    if (!found) throw new KnowledgeBaseError('NOT_FOUND', `files: ${JSON.stringify(files)}: no such file of job ${id.key}`);
    const name = url.searchParams.get('name') ?? '';
    res.writeHead(200, {
      'Content-Type': found.path.endsWith('.json') ? 'application/json; charset=utf-8' : 'application/octet-stream',
      'Content-Length': found.size,
      'Content-Disposition': contentDisposition(name, path.basename(found.path)),
      'Cache-Control': 'no-store',
    });
    await pipeline(createReadStream(found.path), res);
  };

  const getIndex: Handler = async ({ res, id }) => {
    const text = await store.readIndexText(id);
    if (text === undefined) throw new KnowledgeBaseError('NOT_FOUND', `job ${id.key} has no index yet`);
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
    res.end(text);
  };

  const routes = new Map<string, { method: 'GET' | 'POST'; handler: Handler }>([
    [KB_ROUTES.update, { method: 'POST', handler: update }],
    [KB_ROUTES.updateStatus, { method: 'POST', handler: updateStatus }],
    [KB_ROUTES.fileUpload, { method: 'POST', handler: fileUpload }],
    [KB_ROUTES.fileDownload, { method: 'GET', handler: fileDownload }],
    [KB_ROUTES.index, { method: 'GET', handler: getIndex }],
  ]);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://kb.invalid');
    if (url.pathname === '/healthz' || url.pathname === '/readyz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new KnowledgeBaseError('METHOD_NOT_ALLOWED', `${req.method} ${url.pathname}: only GET`);
      if (url.pathname === '/readyz' && closing) return send(res, 503, { status: 503, message: 'stopping' });
      return send(res, 200, { status: 'ok' });
    }
    const route = url.pathname.startsWith(`${KB_ROUTE_PREFIX}/`) ? routes.get(url.pathname.slice(KB_ROUTE_PREFIX.length)) : undefined;
    if (!route) throw new KnowledgeBaseError('NOT_FOUND', `${url.pathname}: no such route (routes: ${[...routes.keys()].map((r) => KB_ROUTE_PREFIX + r).join(', ')})`);
    if (req.method !== route.method) throw new KnowledgeBaseError('METHOD_NOT_ALLOWED', `${req.method} ${url.pathname}: only ${route.method}`);
    const id = authenticate(req.headers.authorization, secret);
    requireSameJob(id, url.searchParams.get('job') ?? undefined, '?job=');
    await route.handler({ req, res, url, id });
  };

  const server: Server = createServer({ requestTimeout: 30 * 60_000, headersTimeout: 60_000 }, (req, res) => {
    handle(req, res).catch((thrown: unknown) => {
      const error = toKnowledgeBaseError(thrown);
      const route = (req.url ?? '').split('?')[0];
      if (error.status >= 500) logger.error({ route, method: req.method, err: errorMessage(thrown) }, 'request failed');
      else logger.debug({ route, method: req.method, status: error.status, reason: error.message }, 'request refused');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const headers: Record<string, string> = {};
      if (error.code === 'UNAUTHENTICATED') headers['WWW-Authenticate'] = req.headers.authorization ? 'Bearer realm="sedna-kb", error="invalid_token"' : 'Bearer realm="sedna-kb"';
      if (error.code === 'METHOD_NOT_ALLOWED') headers.Allow = route === '/healthz' || route === '/readyz' ? 'GET' : (routes.get((route ?? '').slice(KB_ROUTE_PREFIX.length))?.method ?? 'GET');
      // A body not read to its end: close the connection after this reply rather than read the rest.
      if (!req.complete) {
        headers.Connection = 'close';
        req.resume();
      }
      send(res, error.status, { status: error.status, message: error.status >= 500 ? `internal error: ${error.message}` : error.message }, headers);
    });
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await store.close(0);
    throw error;
  }
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${address.port}`;
  logger.info({ url, dataDir: store.dataDir }, 'knowledge base listening');

  let closed: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    dataDir: store.dataDir,
    close() {
      closed ??= (async () => {
        closing = true;
        const deadlineMs = options.closeDeadlineMs ?? 10_000;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), deadlineMs)));
        if ((await Promise.race([stopped, late])) === 'late') {
          logger.warn({ deadlineMs }, 'requests still in flight at the close deadline: connections cut');
          server.closeAllConnections();
          await stopped;
        }
        clearTimeout(timer);
        await store.close(deadlineMs);
        logger.info({ url }, 'knowledge base stopped');
      })();
      return closed;
    },
  };
}
