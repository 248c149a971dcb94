/**
 * The Global Manager's endpoint for Local Controllers (docs/design/incremental-learning.md section 5),
 * run by the leader on the GM's HTTP server: the node token is checked before the upgrade (401
 * otherwise); a hello each way carries the protocol version, the LC's URLs and the full list of objects
 * the node should hold; downstream frames go through a coalescing queue per node; upstream `status`
 * frames are applied by one handler per kind, acknowledged after the status write and deduplicated by
 * `messageId`.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { decodeFrameContent, encodeFrameContent, type FrameHeader, type LcRequest, type LcResponse, type WireFrame } from '@sedna-ts/api-types';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { GmLogger } from '../config.js';
import { ControllerError, describeError } from '../errors.js';
import { rejectUpgrade, type UpgradeHandler } from '../gm/httpServer.js';
import { looksLikeJwt, type LcAuthResult } from './lcAuth.js';
import type { GmMetrics } from '../metrics.js';
import { NodeQueue } from './nodeQueue.js';
import { RecentIds } from './recentIds.js';
import { withTimeout } from '../kube/timeout.js';
import { nodeToken, tokensEqual } from '@sedna-ts/api-types/tokens';
import type { LcInfo } from '../jobs/workerPod.js';

import { CLOSE_NOT_LEADER, CLOSE_PROTOCOL_ERROR, CLOSE_REPLACED, CLOSE_UNSUPPORTED_PROTOCOL, PROTOCOL_VERSION, protocolMismatch } from '@sedna-ts/api-types/contract';

// The protocol version and close codes are the contract's (the LC reads the same module).
export { PROTOCOL_VERSION, CLOSE_UNSUPPORTED_PROTOCOL, CLOSE_PROTOCOL_ERROR, CLOSE_REPLACED, CLOSE_NOT_LEADER };

/** An upstream frame as a handler receives it. */
export interface UpstreamFrame {
  /** The authenticated node that sent it. */
  node: string;
  header: FrameHeader;
  /** The decoded content. */
  payload: unknown;
}

/** The result of applying an upstream message: acknowledged with `{ok, error?}`. */
export interface UpstreamResult {
  result: 'applied' | 'ignored' | 'rejected';
  error?: string;
}

/**
 * Applies one upstream message of a kind. Resolves once it is applied (after the status write), ignored
 * or rejected; the frame is then acknowledged. A rejection (e.g. the GM is stopping) leaves the frame
 * unacknowledged, so the LC replays it.
 */
export type UpstreamHandler = (frame: UpstreamFrame) => Promise<UpstreamResult>;

/** Options of the LC server. */
export interface LcServerOptions {
  secret: string;
  logger: GmLogger;
  metrics: GmMetrics;
  /** Upstream handlers by lower-case kind (`dataset`, `incrementallearningjob`). */
  upstream: ReadonlyMap<string, UpstreamHandler>;
  /** The objects a node should hold, as insert frames keyed `<kind>/<ns>/<name>`, for the resync after its hello. */
  resync: (node: string) => { key: string; frame: WireFrame }[];
  /** A node's LC said hello. */
  onConnect: (info: LcInfo) => void;
  /** A node's LC went away. */
  onDisconnect: (node: string) => void;
  /** How long an LC has to say hello after connecting. Default 10 s. */
  helloTimeoutMs?: number;
  /** Interval of websocket pings; an LC that missed the previous pong is dropped. Default 30 s. */
  pingIntervalMs?: number;
  /** Applied message ids remembered per node. Default 10 000. */
  dedupCapacity?: number;
  /**
   * Checks a ServiceAccount token (a JWT) an LC presents instead of its node token; absent: only node
   * tokens are taken. An LC accepted this way gets its node token in the GM hello.
   */
  authenticator?: { authenticate(token: string, node: string): Promise<LcAuthResult> };
}

interface Connection {
  node: string;
  ws: WebSocket;
  /** Authenticated by a ServiceAccount token: the hello tells it its node token. */
  tellNodeToken: boolean;
  info?: LcInfo;
  alive: boolean;
  flushing: boolean;
  helloTimer?: NodeJS.Timeout;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const STATUS_TEXT: Record<401 | 403 | 503, string> = { 401: 'Unauthorized', 403: 'Forbidden', 503: 'Service Unavailable' };

/** The Global Manager's WebSocket endpoint for Local Controllers (the leader's). */
export class LcServer implements UpgradeHandler {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  private readonly connections = new Map<string, Connection>();
  private readonly queues = new Map<string, NodeQueue>();
  private readonly applied = new Map<string, RecentIds>();
  private readonly inFlight = new Map<string, Promise<UpstreamResult>>();
  /** Upstream messages received so far, in order: the `arrival` of the log line of each. */
  private arrivals = 0;
  private readonly pingTimer: NodeJS.Timeout;
  private closing = false;
  /** Requests to LCs waiting for their response, by messageId. */
  private readonly pending = new Map<string, { node: string; resolve: (r: LcResponse) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private requests = 0;

  constructor(private readonly options: LcServerOptions) {
    this.pingTimer = setInterval(() => this.ping(), options.pingIntervalMs ?? 30_000);
    this.pingTimer.unref();
  }

  /** The LCs that said hello, by node. */
  connectedNodes(): Map<string, LcInfo> {
    const out = new Map<string, LcInfo>();
    for (const [node, conn] of this.connections) if (conn.info) out.set(node, conn.info);
    return out;
  }

  /** Queues a downstream frame for a node (it waits there until the node is connected) and sends what it can. */
  send(node: string, key: string, frame: WireFrame): void {
    this.queue(node).enqueue(key, frame);
    this.options.metrics.downstreamQueueDepth.set({ node }, this.queue(node).size);
    this.flush(node);
  }

  /**
   * Asks the LC of `node` (the dashboard's hard examples and labels) and resolves with its response.
   *
   * @throws ControllerError `UNAVAILABLE` when the node's LC is not connected, the connection drops or
   *   no response comes within `timeoutMs` (an LC older than this GM ignores requests).
   */
  request(node: string, job: { namespace: string; resourceKind: string; resourceName: string }, request: LcRequest, timeoutMs: number, signal?: AbortSignal): Promise<LcResponse> {
    const conn = this.connections.get(node);
    if (!conn?.info || conn.ws.readyState !== WebSocket.OPEN) return Promise.reject(new ControllerError('UNAVAILABLE', `the local controller of node ${node} is not connected to this global manager`));
    if (signal?.aborted) return Promise.reject(new ControllerError('UNAVAILABLE', `${request.action} on node ${node}: cancelled before it was sent`));
    const messageId = `gm-request-${process.pid}-${++this.requests}`;
    return new Promise<LcResponse>((resolve, reject) => {
      /** Stops waiting, and tells the LC to stop its work (it ignores a cancel of a request it answered). */
      const giveUp = (error: Error) => {
        if (!this.pending.delete(messageId)) return;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (conn.ws.readyState === WebSocket.OPEN) conn.ws.send(JSON.stringify({ header: { ...job, operation: 'cancel', messageId }, content: encodeFrameContent({}) } satisfies WireFrame));
        reject(error);
      };
      const onAbort = () => giveUp(new ControllerError('UNAVAILABLE', `${request.action} on node ${node}: cancelled (the client went away)`));
      const timer = setTimeout(() => giveUp(new ControllerError('UNAVAILABLE', `the local controller of node ${node} did not answer ${request.action} within ${timeoutMs / 1000}s (an LC older than this GM does not take requests)`)), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      const settled = <T>(then: (value: T) => void) => (value: T) => {
        signal?.removeEventListener('abort', onAbort);
        then(value);
      };
      this.pending.set(messageId, { node, resolve: settled(resolve), reject: settled(reject), timer });
      const frame: WireFrame = { header: { ...job, operation: 'request', messageId }, content: encodeFrameContent(request) };
      conn.ws.send(JSON.stringify(frame), (error) => {
        if (!error) return;
        clearTimeout(timer);
        this.pending.delete(messageId);
        signal?.removeEventListener('abort', onAbort);
        reject(new ControllerError('UNAVAILABLE', `sending to the local controller of node ${node}: ${error.message}`));
      });
    });
  }

  private response(conn: Connection, header: FrameHeader, payload: unknown): void {
    const waiting = header.messageId ? this.pending.get(header.messageId) : undefined;
    if (!waiting || waiting.node !== conn.node) return;
    this.pending.delete(header.messageId as string);
    clearTimeout(waiting.timer);
    waiting.resolve(isObject(payload) && typeof payload.status === 'number' ? (payload as unknown as LcResponse) : { status: 502, error: `the local controller of node ${conn.node} sent a response without a status` });
  }

  /** Closes every connection (with `code` and `reason`) and takes no more. */
  async close(code = 1001, reason = 'the global manager is stopping'): Promise<void> {
    this.closing = true;
    clearInterval(this.pingTimer);
    const closed = [...this.wss.clients].map((ws) => new Promise<void>((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve()))));
    for (const conn of this.connections.values()) {
      if (conn.helloTimer) clearTimeout(conn.helloTimer);
      conn.ws.close(code, reason);
    }
    for (const ws of this.wss.clients) if (![...this.connections.values()].some((c) => c.ws === ws)) ws.close(code, reason);
    // An LC that does not answer the close handshake within a second is cut.
    await withTimeout(Promise.all(closed), 1000, () => new Error('close handshake')).catch(() => undefined);
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    for (const conn of [...this.connections.values()]) this.dropConnection(conn);
  }

  private queue(node: string): NodeQueue {
    let queue = this.queues.get(node);
    if (!queue) {
      queue = new NodeQueue();
      this.queues.set(node, queue);
    }
    return queue;
  }

  /**
   * Takes an LC's WebSocket upgrade: checks its node and token (its node token, or a ServiceAccount
   * token bound to a pod on that node), then speaks the protocol.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const node = req.headers['node-name'];
    const auth = req.headers.authorization ?? '';
    const log = this.options.logger;
    if (this.closing) return rejectUpgrade(socket, 503, 'Service Unavailable', 'the global manager is stopping\n');
    if (typeof node !== 'string' || !node) return rejectUpgrade(socket, 400, 'Bad Request', 'header Node-Name is missing\n');
    const token = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
    if (token && tokensEqual(token, nodeToken(this.options.secret, node))) return this.accept(req, socket, head, node, false);
    const authenticator = this.options.authenticator;
    if (token && authenticator && looksLikeJwt(token)) {
      void authenticator.authenticate(token, node).then((result) => {
        if (socket.destroyed) return;
        if (this.closing) return rejectUpgrade(socket, 503, 'Service Unavailable', 'the global manager is stopping\n');
        if (!result.ok) {
          log.warn({ node, remote: req.socket.remoteAddress, status: result.status, reason: result.message }, 'local controller refused: its ServiceAccount token does not prove its node');
          return rejectUpgrade(socket, result.status, STATUS_TEXT[result.status], `${result.message}\n`);
        }
        log.info({ node, serviceAccount: result.serviceAccount, pod: result.pod }, 'local controller authenticated by its ServiceAccount token');
        this.accept(req, socket, head, node, true);
      });
      return;
    }
    log.warn({ node, remote: req.socket.remoteAddress }, 'local controller refused: bad or missing token');
    return rejectUpgrade(socket, 401, 'Unauthorized', `the token of node ${node} is missing or wrong\n`);
  }

  private accept(req: IncomingMessage, socket: Duplex, head: Buffer, node: string, tellNodeToken: boolean): void {
    const protocol = req.headers['sedna-protocol'];
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (typeof protocol === 'string' && protocol !== String(PROTOCOL_VERSION)) {
        const reason = protocolMismatch('GM', protocol);
        this.options.logger.warn({ node, lcProtocol: protocol, gmProtocol: PROTOCOL_VERSION }, `local controller refused: ${reason}`);
        ws.close(CLOSE_UNSUPPORTED_PROTOCOL, reason);
        return;
      }
      this.connected(node, ws, tellNodeToken);
    });
  }

  private connected(node: string, ws: WebSocket, tellNodeToken: boolean): void {
    const previous = this.connections.get(node);
    if (previous) {
      this.options.logger.info({ node }, 'local controller reconnected; closing its previous connection');
      this.dropConnection(previous);
      previous.ws.close(CLOSE_REPLACED, `replaced by a newer connection of node ${node}`);
    }
    const conn: Connection = { node, ws, tellNodeToken, alive: true, flushing: false };
    conn.helloTimer = setTimeout(() => {
      if (!conn.info) ws.close(CLOSE_PROTOCOL_ERROR, 'no hello within the time allowed');
    }, this.options.helloTimeoutMs ?? 10_000);
    conn.helloTimer.unref();
    this.connections.set(node, conn);
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('message', (data: RawData, isBinary: boolean) => this.message(conn, data, isBinary));
    ws.on('close', (code: number, reason: Buffer) => {
      // An LC of another protocol version refuses this GM's hello, naming both versions.
      if (code === CLOSE_UNSUPPORTED_PROTOCOL) this.options.logger.warn({ node, gmProtocol: PROTOCOL_VERSION }, `local controller refused this GM: ${reason.toString()}`);
      if (this.connections.get(node) === conn) this.dropConnection(conn);
    });
    ws.on('error', (error) => this.options.logger.warn({ node, error: error.message }, 'local controller connection error'));
  }

  private dropConnection(conn: Connection): void {
    if (conn.helloTimer) clearTimeout(conn.helloTimer);
    if (this.connections.get(conn.node) !== conn) return;
    this.connections.delete(conn.node);
    for (const [id, waiting] of this.pending) {
      if (waiting.node !== conn.node) continue;
      this.pending.delete(id);
      clearTimeout(waiting.timer);
      waiting.reject(new ControllerError('UNAVAILABLE', `the local controller of node ${conn.node} went away before it answered`));
    }
    if (conn.info) {
      this.options.metrics.connectedNodes.set(this.connectedNodes().size);
      this.options.logger.info({ node: conn.node }, 'local controller disconnected');
      this.options.onDisconnect(conn.node);
    }
  }

  private ping(): void {
    for (const conn of this.connections.values()) {
      if (!conn.alive) {
        this.options.logger.warn({ node: conn.node }, 'local controller did not answer the last ping; dropping it');
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
  }

  private message(conn: Connection, data: RawData, isBinary: boolean): void {
    const log = this.options.logger;
    let frame: unknown;
    try {
      frame = JSON.parse((isBinary ? Buffer.from(data as Buffer) : data).toString());
    } catch {
      log.warn({ node: conn.node }, 'dropped a frame that is not JSON');
      return;
    }
    const header = isObject(frame) ? frame.header : undefined;
    if (!isObject(frame) || !isObject(header) || typeof header.operation !== 'string') {
      // The original LC's first frame is a bare header ({namespace, resourceKind, ...}) without content.
      if (!(isObject(frame) && 'operation' in frame)) log.warn({ node: conn.node }, 'dropped a frame without a header');
      return;
    }
    const h = header as unknown as FrameHeader;
    let payload: unknown;
    try {
      payload = typeof frame.content === 'string' && frame.content !== '' ? decodeFrameContent(frame.content) : undefined;
    } catch {
      log.warn({ node: conn.node, header: h }, 'dropped a frame whose content is not base64 JSON');
      return;
    }
    if (h.operation === 'hello') return this.hello(conn, payload);
    if (!conn.info) {
      log.warn({ node: conn.node, operation: h.operation }, 'dropped a frame sent before the hello');
      return;
    }
    if (h.operation === 'status') return void this.upstream(conn, h, payload);
    if (h.operation === 'response') return this.response(conn, h, payload);
    log.debug({ node: conn.node, operation: h.operation }, 'ignored a frame of an operation the GM does not take');
  }

  private hello(conn: Connection, payload: unknown): void {
    const close = (code: number, reason: string): void => {
      this.options.logger.warn({ node: conn.node, reason }, 'local controller hello refused');
      conn.ws.close(code, reason);
    };
    if (!isObject(payload)) return close(CLOSE_PROTOCOL_ERROR, 'hello without content');
    if (payload.protocolVersion !== PROTOCOL_VERSION) return close(CLOSE_UNSUPPORTED_PROTOCOL, protocolMismatch('GM', payload.protocolVersion));
    if (typeof payload.lcServer !== 'string' || !payload.lcServer) return close(CLOSE_PROTOCOL_ERROR, 'hello without lcServer');
    if (payload.nodeName !== undefined && payload.nodeName !== conn.node) {
      return close(CLOSE_PROTOCOL_ERROR, `hello of node ${JSON.stringify(payload.nodeName)} on a connection of node ${conn.node}`);
    }
    const info: LcInfo = { nodeName: conn.node, lcServer: payload.lcServer, connectedAt: new Date().toISOString() };
    if (typeof payload.hotUpdateRoot === 'string' && payload.hotUpdateRoot) info.hotUpdateRoot = payload.hotUpdateRoot;
    if (typeof payload.hardExampleRoot === 'string' && payload.hardExampleRoot) info.hardExampleRoot = payload.hardExampleRoot;
    if (typeof payload.version === 'string') info.version = payload.version;
    if (Array.isArray(payload.localImages)) info.localImages = payload.localImages.filter((i): i is string => typeof i === 'string');
    const first = !conn.info;
    conn.info = info;
    if (conn.helloTimer) clearTimeout(conn.helloTimer);
    if (first) this.options.metrics.connectedNodes.set(this.connectedNodes().size);
    this.options.logger.info({ node: conn.node, lcServer: info.lcServer, version: info.version }, 'local controller connected');

    // Full resync: the list of what the node should hold, then every one of those objects. Frames
    // that waited for the node keep their place; a resync frame of the same key replaces its older one.
    const queue = this.queue(conn.node);
    const resync = this.options.resync(conn.node);
    const hello: WireFrame = {
      header: { namespace: '', resourceKind: 'node', resourceName: conn.node, operation: 'hello' },
      content: encodeFrameContent({
        protocolVersion: PROTOCOL_VERSION,
        resources: resync.map((r) => r.key),
        // An LC that proved its node with its ServiceAccount token learns the token its workers' tokens derive from.
        ...(conn.tellNodeToken ? { nodeToken: nodeToken(this.options.secret, conn.node) } : {}),
      }),
    };
    conn.ws.send(JSON.stringify(hello));
    for (const { key, frame } of resync) queue.enqueue(key, frame);
    this.options.metrics.downstreamQueueDepth.set({ node: conn.node }, queue.size);
    this.options.onConnect(info);
    this.flush(conn.node);
  }

  private flush(node: string): void {
    const conn = this.connections.get(node);
    if (!conn?.info || conn.flushing) return;
    conn.flushing = true;
    const queue = this.queue(node);
    const next = (): void => {
      const item = queue.take();
      this.options.metrics.downstreamQueueDepth.set({ node }, queue.size);
      if (!item) {
        conn.flushing = false;
        return;
      }
      if (conn.ws.readyState !== WebSocket.OPEN || this.connections.get(node) !== conn) {
        queue.requeue(item.key, item.frame);
        conn.flushing = false;
        return;
      }
      conn.ws.send(JSON.stringify(item.frame), (error) => {
        if (error) {
          queue.requeue(item.key, item.frame);
          conn.flushing = false;
          return;
        }
        next();
      });
    };
    next();
  }

  private appliedIds(node: string): RecentIds {
    let ids = this.applied.get(node);
    if (!ids) {
      ids = new RecentIds(this.options.dedupCapacity ?? 10_000);
      this.applied.set(node, ids);
    }
    return ids;
  }

  private async upstream(conn: Connection, header: FrameHeader, payload: unknown): Promise<void> {
    const kind = String(header.resourceKind ?? '').toLowerCase();
    const id = typeof header.messageId === 'string' && header.messageId ? header.messageId : undefined;
    const metrics = this.options.metrics.upstreamMessages;
    // One line per upstream message, in the order they arrived: what the LC's "upstream message queued"
    // lines are checked against (every message once, in order).
    const arrival = ++this.arrivals;
    const received = (result: string): void => this.options.logger.info({ node: conn.node, kind, object: `${header.namespace ?? ''}/${header.resourceName ?? ''}`, messageId: id, arrival, result }, 'upstream message');
    const ack = (result: UpstreamResult): void => {
      if (!id || conn.ws.readyState !== WebSocket.OPEN) return;
      const content = result.result === 'rejected' ? { ok: false, error: result.error ?? 'rejected' } : { ok: true };
      conn.ws.send(JSON.stringify({ header: { ...header, operation: 'ack' }, content: encodeFrameContent(content) } satisfies WireFrame));
    };
    if (id && this.appliedIds(conn.node).has(id)) {
      metrics.inc({ kind, result: 'duplicate' });
      received('duplicate');
      return ack({ result: 'ignored' });
    }
    const flightKey = id ? `${conn.node}\u0000${id}` : undefined;
    let running = flightKey ? this.inFlight.get(flightKey) : undefined;
    if (running) {
      metrics.inc({ kind, result: 'duplicate' });
    } else {
      const handler = this.options.upstream.get(kind);
      running = handler
        ? handler({ node: conn.node, header, payload })
        : Promise.resolve<UpstreamResult>({ result: 'rejected', error: `no upstream handler for kind ${JSON.stringify(header.resourceKind)}` });
      if (flightKey) {
        this.inFlight.set(flightKey, running);
        void running.then(
          () => this.inFlight.delete(flightKey),
          () => this.inFlight.delete(flightKey),
        );
      }
      void running.then(
        (r) => metrics.inc({ kind, result: r.result }),
        () => undefined,
      );
    }
    try {
      const result = await running;
      if (id) this.appliedIds(conn.node).add(id);
      received(result.result);
      if (result.result === 'rejected') {
        this.options.logger.warn({ node: conn.node, header, error: result.error }, 'upstream message rejected');
      }
      ack(result);
    } catch (error) {
      // Not acknowledged: the LC keeps the message in its outbox and replays it.
      received('not-applied');
      this.options.logger.warn({ node: conn.node, header, error: describeError(error) }, 'upstream message not applied; the LC will replay it');
    }
  }
}
