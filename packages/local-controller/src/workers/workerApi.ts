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

/** A report's body as read: its JSON, or why there is none (the report handler refuses it, once it knows who sent it). */
export type ReportBody = { json: unknown } | { notJson: string } | { tooLarge: true };

/** What the API calls into. */
export interface WorkerApiHandlers {
  /** Check the bearer token (undefined when absent or malformed) of worker `name`: who it is (`none` without a token), or a 403 or 503 reply. */
  authenticate(name: string, token: string | undefined): Authentication;
  /**
   * A report of worker `name`, its body as read, sent by `principal`: who may send it is decided first
   * (a report without a token: 401 unless its body names a job that opts in), then the body is checked;
   * replies once the upstream message is on disk.
   */
  report(name: string, body: ReportBody, principal: WorkerPrincipal): Promise<WorkerReportReply>;
  /** A report refused before it reached `report` (a name that is not URL-encoded, a refused token): to log and count it. */
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
      const token = bearer(req);
      const refuse = (name: string, out: WorkerReportReply, reason: string) => {
        req.resume();
        handlers.refused?.(name, out, reason);
        reply(res, out.status, out);
      };
      let name: string;
      try {
        name = decodeURIComponent(match[1] as string);
      } catch {
        const raw = String(match[1]);
        // Who sends it first: without a token nothing else about the request is answered.
        if (!token) return refuse(raw, { status: 401, message: `worker ${JSON.stringify(raw)}: no Authorization: Bearer <SEDNA_WORKER_TOKEN> header` }, 'no-token');
        return refuse(raw, { status: 400, message: `worker name ${JSON.stringify(raw)} is not URL-encoded correctly` }, 'bad-body');
      }
      const auth = handlers.authenticate(name, token);
      if (!auth.ok) return refuse(name, auth.reply, auth.reply.status === 503 ? 'not-ready' : 'bad-token');
      const read = await readBody(req);
      let parsed: ReportBody;
      if ('tooLarge' in read) parsed = { tooLarge: true };
      else {
        try {
          parsed = { json: JSON.parse(read.text) as unknown };
        } catch (error) {
          parsed = { notJson: (error as Error).message };
        }
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
