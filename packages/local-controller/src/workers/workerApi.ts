/**
 * The LC's HTTP API (node:http): `POST /sedna/workers/{name}/info` for worker reports (replies with
 * lower-case keys `{status, message}`), `GET /healthz`, `GET /readyz` and `GET /metrics` (Prometheus).
 * `close()` stops accepting, lets requests in flight finish, then closes the connections.
 */
import { MAX_REPORT_BYTES } from '@sedna-ts/api-types/contract';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type WorkerReportReply } from '@sedna-ts/api-types';
import { type LcLogger } from '../logger.js';
import { type Authentication, type WorkerPrincipal } from './workerAuth.js';

/** What the API calls into. */
export interface WorkerApiHandlers {
  /** Check the bearer token (undefined when absent or malformed) of worker `name`: who it is, or a 401, 403 or 503 reply. */
  authenticate(name: string, token: string | undefined): Authentication;
  /** A report of worker `name` (the parsed JSON body) sent by `principal`; replies once it is on disk. */
  report(name: string, body: unknown, principal: WorkerPrincipal): Promise<WorkerReportReply>;
  /** A report refused before it reached `report` (a bad name, too large, not JSON): to log and count it. */
  refused?(name: string, reply: WorkerReportReply, reason: string): void;
  /** Readiness and details for `/readyz`. */
  readiness(): { ready: boolean; [key: string]: unknown };
  /** Prometheus text for `/metrics`. */
  metrics(): Promise<{ contentType: string; text: string }>;
}

/** A running API. */
export interface WorkerApi {
  /** `http://host:port` as bound. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const REPORT_PATH = /^\/sedna\/workers\/([^/]+)\/info\/?$/;

function reply(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<{ text: string } | { tooLarge: true }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REPORT_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? { tooLarge: true } : { text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', reject);
  });
}

/** Bearer token of a request, or undefined. */
function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match ? match[1] : undefined;
}

/** Start the API on `host:port` (0: ephemeral). */
export async function startWorkerApi(options: { host: string; port: number; handlers: WorkerApiHandlers; logger: LcLogger }): Promise<WorkerApi> {
  const { handlers, logger } = options;
  let inFlight = 0;
  let closing = false;
  let drained: (() => void) | undefined;
  const server = createServer((req, res) => {
    inFlight++;
    res.on('close', () => {
      inFlight--;
      if (closing && inFlight === 0) drained?.();
    });
    if (closing) res.setHeader('connection', 'close');
    void handle(req, res).catch((error: unknown) => {
      logger.error({ error: (error as Error).message, url: req.url }, 'worker API request failed');
      if (!res.headersSent) reply(res, 500, { status: 500, message: `internal error: ${(error as Error).message}` });
      else res.end();
    });
  });
  server.keepAliveTimeout = 5000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] as string;
    const match = REPORT_PATH.exec(path);
    if (match) {
      if (req.method !== 'POST') return reply(res, 405, { status: 405, message: `${req.method} is not allowed; POST a report` });
      let name: string;
      const refuse = (out: WorkerReportReply, reason: string) => {
        handlers.refused?.(name ?? String(match[1]), out, reason);
        reply(res, out.status, out);
      };
      try {
        name = decodeURIComponent(match[1] as string);
      } catch {
        return refuse({ status: 400, message: `worker name ${JSON.stringify(match[1])} is not URL-encoded correctly` }, 'bad-body');
      }
      const auth = handlers.authenticate(name, bearer(req));
      if (!auth.ok) {
        req.resume();
        return reply(res, auth.reply.status, auth.reply);
      }
      const body = await readBody(req);
      if ('tooLarge' in body) return refuse({ status: 413, message: `worker ${name}: the report is larger than ${MAX_REPORT_BYTES} bytes (1 MiB), the limit; keep large results in files and report their URLs` }, 'too-large');
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.text);
      } catch (error) {
        return refuse({ status: 400, message: `worker report: body is not JSON: ${(error as Error).message}` }, 'bad-body');
      }
      const out = await handlers.report(name, parsed, auth.principal);
      return reply(res, out.status, out);
    }
    if (req.method === 'GET' && path === '/healthz') return reply(res, 200, 'ok\n', 'text/plain');
    if (req.method === 'GET' && path === '/readyz') {
      const readiness = handlers.readiness();
      return reply(res, readiness.ready ? 200 : 503, readiness);
    }
    if (req.method === 'GET' && path === '/metrics') {
      const { contentType, text } = await handlers.metrics();
      return reply(res, 200, text, contentType);
    }
    return reply(res, 404, { status: 404, message: `no route ${req.method} ${path}` });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      server.closeIdleConnections();
      await closed;
    },
  };
}
