/**
 * The Global Manager's one HTTP server, up for the whole life of a replica whether it leads or not:
 * - GET /healthz: 200 while the process serves;
 * - GET /readyz: 200 only while this replica leads and its informers are synced (a Service sends LCs
 *   to ready replicas only), 503 with the reason otherwise;
 * - GET /metrics: Prometheus;
 * - /dashboard/v1/...: the dashboard's hard examples and labels (gm/dashboardApi.ts);
 * - WebSocket upgrades of Local Controllers: handed to the leader's LC endpoint, refused with 503 and
 *   the reason (not the leader, and who is) while there is none.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GmLogger } from '../config.js';
import { ControllerError, describeError } from '../errors.js';
import type { GmMetrics } from '../metrics.js';

/** Whether the replica is ready, and if not, why (the /readyz body and the refusal of LC upgrades). */
export interface Readiness {
  ready: boolean;
  reason: string;
}

/** What takes LC WebSocket upgrades while this replica leads. */
export interface UpgradeHandler {
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** Options of the GM's HTTP server. */
export interface GmHttpServerOptions {
  address: string;
  port: number;
  logger: GmLogger;
  metrics: GmMetrics;
  readiness: () => Readiness;
  /** The dashboard's routes (`/dashboard/v1/...`), answered by every replica (the leader's LCs only by the leader). */
  dashboard?: { handle(req: IncomingMessage, res: ServerResponse): Promise<void> };
}

/** Ends an HTTP request that asked for an upgrade with a plain HTTP status and message. */
export function rejectUpgrade(socket: Duplex, status: number, reason: string, message: string, headers: Record<string, string> = {}): void {
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n${extra}Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`);
}

/** The Global Manager's HTTP server (health, readiness, metrics and the LC WebSocket endpoint). */
export class GmHttpServer {
  private readonly server: Server;
  private handler: UpgradeHandler | undefined;

  private constructor(private readonly options: GmHttpServerOptions) {
    this.server = createServer((req, res) => void this.http(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => undefined);
      if (this.handler) return this.handler.upgrade(req, socket, head);
      const { reason } = this.options.readiness();
      return rejectUpgrade(socket, 503, 'Service Unavailable', `${reason}\n`, { 'Retry-After': '2' });
    });
  }

  /**
   * Listens on the configured address and port (0: an ephemeral port).
   *
   * @throws ControllerError `LISTEN_FAILED` when the port cannot be bound.
   */
  static async listen(options: GmHttpServerOptions): Promise<GmHttpServer> {
    const server = new GmHttpServer(options);
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => {
        reject(new ControllerError('LISTEN_FAILED', `GlobalManager: cannot listen on ${options.address}:${options.port}: ${error.message}`, { cause: error }));
      };
      server.server.once('error', onError);
      server.server.listen(options.port, options.address, () => {
        server.server.off('error', onError);
        resolve();
      });
    });
    return server;
  }

  /** The port the server listens on. */
  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : this.options.port;
  }

  /** The URL an LC on this machine dials (`ws://127.0.0.1:<port>/` for a wildcard address). */
  get url(): string {
    const host = ['0.0.0.0', '::', ''].includes(this.options.address) ? '127.0.0.1' : this.options.address;
    return `ws://${host.includes(':') ? `[${host}]` : host}:${this.port}/`;
  }

  /** Hands LC upgrades to `handler` (the leader's LC endpoint), or refuses them (undefined). */
  attach(handler: UpgradeHandler | undefined): void {
    this.handler = handler;
  }

  /** Stops listening and closes the open HTTP connections. */
  async close(): Promise<void> {
    this.handler = undefined;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async http(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (path?.startsWith('/dashboard/v1/') && this.options.dashboard) return this.options.dashboard.handle(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed\n');
    if (path === '/healthz') return reply(200, 'ok\n');
    if (path === '/readyz') {
      const { ready, reason } = this.options.readiness();
      return ready ? reply(200, 'ok\n') : reply(503, `${reason}\n`);
    }
    if (path === '/metrics') {
      try {
        return reply(200, await this.options.metrics.registry.metrics(), this.options.metrics.registry.contentType);
      } catch (error) {
        return reply(500, `${describeError(error)}\n`);
      }
    }
    if (path === '/') return reply(426, 'this endpoint speaks WebSocket (Local Controllers dial it)\n');
    return reply(404, 'not found\n');
  }
}
