/**
 * The LC's connection to the GM over WebSocket (`ws`): dials with `Node-Name`, `Authorization: Bearer
 * <node token or ServiceAccount token>` and `Sedna-Protocol: 1`; exchanges hellos; applies downstream `insert` and `delete` frames
 * in order per object, different objects side by side (a newer `insert` of an object replaces one still
 * waiting, as the GM's queue coalesces), everything after the GM's hello once the hello is applied; sends
 * the outbox in order once the GM's hello has arrived, and removes a message when its ack comes (acks do
 * not wait for objects being applied); reconnects with exponential backoff and jitter, forever, and
 * notices a dead peer by ping. A GM of another protocol version (it refuses this LC's, or this LC
 * refuses its hello: close 4001 naming both versions) is tried again only every `protocolRetryMs`, and
 * `refusal` says why meanwhile.
 */
import { decodeFrameContent, encodeFrameContent, type FrameHeader, type LcResponse, type WireFrame } from '@sedna-ts/api-types';
import { backoffDelay } from '@sedna-ts/internal';
import { WebSocket, type RawData } from 'ws';
import { type LcLogger } from '../logger.js';
import { type Outbox, type OutboxMessage } from './outbox.js';

import { CLOSE_UNSUPPORTED_PROTOCOL, PROTOCOL_VERSION, protocolMismatch } from '@sedna-ts/api-types/contract';

// The protocol version and close codes are the contract's (the GM reads the same module).
export { CLOSE_UNSUPPORTED_PROTOCOL, PROTOCOL_VERSION };

/** Content of the LC's hello frame. */
export interface LcHello {
  protocolVersion: number;
  nodeName: string;
  /** URL of this LC's worker API (becomes LC_SERVER of the node's workers). */
  lcServer: string;
  hotUpdateRoot: string;
  hardExampleRoot: string;
  version: string;
  /** Set when this node runs workers as local processes: the images that have a local command. */
  localImages?: string[];
}

/** Content of the GM's hello frame. */
export interface GmHello {
  protocolVersion: number;
  /** `<kind>/<ns>/<name>` of every object this node should hold. */
  resources: string[];
  /** This node's token, when the LC proved its node otherwise (a ServiceAccount token). */
  nodeToken?: string;
}

/** What the client calls back into. */
export interface GmClientHandlers {
  /** The GM's hello: forget objects not in `resources`. Runs before any downstream frame of that connection. */
  onHello(hello: GmHello): Promise<void>;
  /** A downstream `insert` (object added or modified) or `delete`. */
  onObject(operation: 'insert' | 'delete', kind: string, namespace: string, name: string, object: unknown): Promise<void>;
  /** The GM acknowledged an upstream message; `ok: false` when it rejected it. */
  onAck(message: OutboxMessage | undefined, ok: boolean, error?: string): Promise<void>;
  /** Connection state changed. */
  onConnection?(connected: boolean): void;
  /** A GM `request` (the dashboard's hard examples and labels) about the job in `header`; absent: answered 501. */
  onRequest?(header: FrameHeader, request: unknown, signal: AbortSignal): Promise<LcResponse>;
}

/** Options of the GM client. */
export interface GmClientOptions {
  /** `ws://host:port/` of the GM. */
  url: string;
  nodeName: string;
  /** The bearer token of the next connection (read again at every dial: a token file may rotate). */
  credential: () => Promise<string>;
  hello: () => LcHello;
  outbox: Outbox;
  handlers: GmClientHandlers;
  logger: LcLogger;
  /** First reconnect delay (default 200 ms), doubled up to `maxDelayMs` (default 30 s), with jitter. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Ping period to notice a dead GM (default 15 s; two missed pongs close the connection). */
  pingMs?: number;
  /**
   * Delay before dialing again a GM that speaks another protocol version (default 60 s): it will not
   * change until one of the two is upgraded, so no backoff ramp from 200 ms.
   */
  protocolRetryMs?: number;
}

/** See the module comment. */
export class GmClient {
  private socket: WebSocket | undefined;
  private ready = false;
  private stopped = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private awaitingPong = 0;
  /** The GM's hello being applied: object frames that came after it wait for it. */
  private barrier: Promise<void> = Promise.resolve();
  /** Per object key, the frames not yet applied (a run applies them in order, then removes the key). */
  /** The GM's requests being answered, by messageId: a `cancel` frame aborts one. */
  private readonly requestsRunning = new Map<string, AbortController>();
  private readonly objectQueues = new Map<string, Array<{ operation: 'insert' | 'delete'; apply: () => Promise<void> }>>();
  /** Runs of object queues in progress. */
  private readonly running = new Set<Promise<void>>();
  /** Acks, in order. */
  private ackChain: Promise<void> = Promise.resolve();
  private sent = new Set<string>();
  private readonly unsubscribe: () => void;
  private readonly waiters = new Set<() => void>();
  /** Why the GM and this LC do not talk (a protocol version refused by either side), until a hello. */
  private refused: string | undefined;
  /** The last refusal logged at error level (a repeat is logged at debug). */
  private loggedRefusal: string | undefined;
  /** The connection this LC closed for the GM's protocol version (its close needs no second word). */
  private refusedSocket: WebSocket | undefined;

  constructor(private readonly options: GmClientOptions) {
    this.unsubscribe = options.outbox.onAppend((message) => {
      if (this.ready) this.send(message);
    });
  }

  /** Whether the GM's hello has been received on the current connection. */
  get connected(): boolean {
    return this.ready;
  }

  /** Why this LC and the GM do not talk, when one refused the other's protocol version; cleared by a hello. */
  get refusal(): string | undefined {
    return this.refused;
  }

  /** A refusal of the protocol version, by either side: said once at error level, then the slow retry. */
  private refuse(reason: string): void {
    this.refused = reason;
    const ms = this.options.protocolRetryMs ?? 60_000;
    const message = `${reason}: upgrade the older of the two; dialing the GM again every ${ms >= 1000 ? `${Math.round(ms / 1000)}s` : `${ms}ms`}`;
    if (this.loggedRefusal === reason) this.options.logger.debug({ url: this.options.url }, message);
    else this.options.logger.error({ url: this.options.url, lcProtocol: PROTOCOL_VERSION }, message);
    this.loggedRefusal = reason;
  }

  /** Start dialing (returns at once; the connection comes and goes in the background). */
  start(): void {
    this.dial();
  }

  private dial(): void {
    if (this.stopped) return;
    const { url, logger } = this.options;
    this.options.credential().then(
      (token) => this.open(token),
      (error: unknown) => {
        if (this.attempt === 0 || this.attempt % 10 === 0) logger.error({ url, error: (error as Error).message, attempt: this.attempt }, 'no token to show the GM');
        this.scheduleReconnect();
      },
    );
  }

  private open(token: string): void {
    if (this.stopped) return;
    const { url, nodeName, logger } = this.options;
    const socket = new WebSocket(url, {
      headers: { 'Node-Name': nodeName, Authorization: `Bearer ${token}`, 'Sedna-Protocol': String(PROTOCOL_VERSION) },
      handshakeTimeout: 10_000,
      maxPayload: 64 * 1024 * 1024,
    });
    this.socket = socket;
    this.sent = new Set();
    socket.on('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 0;
      const hint = status === 401 || status === 403 ? ': the GM refused the token of this node (SEDNA_NODE_TOKEN or SEDNA_LC_TOKEN_FILE)' : '';
      logger.error({ url, status }, `GM refused the connection with HTTP ${status}${hint}`);
      response.resume();
      socket.terminate();
    });
    socket.on('open', () => {
      logger.info({ url }, 'connected to the GM');
      this.sendFrame({ header: { namespace: '', resourceKind: 'node', resourceName: nodeName, operation: 'hello' }, content: encodeFrameContent(this.options.hello()) });
      this.startPing(socket);
    });
    socket.on('pong', () => (this.awaitingPong = 0));
    socket.on('message', (data: RawData) => {
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      this.receive(socket, text);
    });
    socket.on('error', (error) => {
      if (this.attempt === 0 || this.attempt % 10 === 0) logger.warn({ url, error: error.message, attempt: this.attempt }, 'GM connection error');
    });
    socket.on('close', (code, reason) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      // Nobody will read the answers of the requests of this connection.
      for (const abort of this.requestsRunning.values()) abort.abort(new Error('the connection to the global manager closed'));
      this.requestsRunning.clear();
      this.stopPing();
      const wasReady = this.ready;
      this.ready = false;
      if (wasReady) this.options.handlers.onConnection?.(false);
      // The GM's reason names both versions (ours, when this LC refused its hello, is already said).
      if (code === CLOSE_UNSUPPORTED_PROTOCOL && socket !== this.refusedSocket) this.refuse(`the GM refused this LC: ${reason.toString() || `it does not speak protocol ${PROTOCOL_VERSION}`}`);
      else if (wasReady) logger.warn({ url, code }, 'GM connection closed');
      this.scheduleReconnect();
    });
  }

  private startPing(socket: WebSocket): void {
    this.stopPing();
    this.awaitingPong = 0;
    this.pingTimer = setInterval(() => {
      if (this.awaitingPong >= 2) {
        this.options.logger.warn({}, 'GM did not answer pings; reconnecting');
        socket.terminate();
        return;
      }
      this.awaitingPong++;
      socket.ping();
    }, this.options.pingMs ?? 15_000);
    this.pingTimer.unref();
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.attempt++;
    const delay = this.refused
      ? (this.options.protocolRetryMs ?? 60_000)
      : backoffDelay(this.attempt, { initialMs: this.options.initialDelayMs ?? 200, maxMs: this.options.maxDelayMs ?? 30_000, jitter: true });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.dial();
    }, delay);
    this.reconnectTimer.unref();
  }

  /** Sorts a downstream frame into its queue: the hello behind everything, objects per key, acks in order. */
  private receive(socket: WebSocket, text: string): void {
    const { logger } = this.options;
    let frame: WireFrame;
    try {
      frame = JSON.parse(text) as WireFrame;
    } catch {
      logger.warn({ frame: text.slice(0, 200) }, 'GM frame is not JSON; dropped');
      return;
    }
    const header = frame?.header;
    if (!header || typeof header !== 'object' || typeof header.operation !== 'string') {
      logger.warn({ frame: text.slice(0, 200) }, 'GM frame without a header; dropped');
      return;
    }
    let content: unknown;
    try {
      content = typeof frame.content === 'string' && frame.content !== '' ? decodeFrameContent(frame.content) : undefined;
    } catch (error) {
      logger.warn({ header, error: (error as Error).message }, 'GM frame content is not base64 JSON; dropped');
      return;
    }
    const failed = (what: string) => (error: unknown) => logger.error({ header, error: (error as Error).message }, `downstream ${what} failed`);
    switch (header.operation) {
      case 'hello': {
        // After every object frame before it, and before every one after it: frames from now on start
        // new queues, which wait for the hello.
        const before = [...this.running];
        this.objectQueues.clear();
        this.barrier = this.barrier
          .then(() => Promise.allSettled(before))
          .then(() => this.applyHello(socket, content as GmHello | undefined))
          .catch(failed('hello'));
        return;
      }
      case 'insert':
      case 'update':
      case 'delete': {
        const operation = header.operation === 'delete' ? 'delete' : 'insert';
        const kind = String(header.resourceKind ?? '').toLowerCase();
        const namespace = String(header.namespace ?? '');
        const name = String(header.resourceName ?? '');
        this.enqueueObject(`${kind}/${namespace}/${name}`, operation, () => this.options.handlers.onObject(operation, kind, namespace, name, content));
        return;
      }
      case 'ack': {
        const id = header.messageId;
        if (!id) return;
        this.ackChain = this.ackChain.then(() => this.applyAck(id, content)).catch(failed('ack'));
        return;
      }
      case 'request': {
        const id = header.messageId;
        if (!id) return;
        const answer = (response: LcResponse) => {
          if (this.socket === socket && socket.readyState === WebSocket.OPEN) {
            this.sendFrame({ header: { ...header, operation: 'response' }, content: encodeFrameContent(response) });
          }
        };
        const handler = this.options.handlers.onRequest;
        if (!handler) return answer({ status: 501, error: 'this local controller takes no requests' });
        // Aborted by a `cancel` frame of the same id, or when this connection goes (nobody will read the answer).
        const abort = new AbortController();
        this.requestsRunning.set(id, abort);
        void handler(header, content, abort.signal)
          .then(answer, (error: unknown) => answer({ status: 500, error: (error as Error).message }))
          .finally(() => {
            if (this.requestsRunning.get(id) === abort) this.requestsRunning.delete(id);
          });
        return;
      }
      case 'cancel': {
        const id = header.messageId;
        if (id) this.requestsRunning.get(id)?.abort(new Error('the global manager cancelled the request'));
        return;
      }
      default:
        logger.debug({ header }, 'GM frame with an operation the LC does not handle; ignored');
    }
  }

  /**
   * Queues an object frame behind the frames of the same object; a newer `insert` replaces an `insert`
   * still waiting (the object is sent whole), a `delete` is never dropped.
   */
  private enqueueObject(key: string, operation: 'insert' | 'delete', apply: () => Promise<void>): void {
    const queued = this.objectQueues.get(key);
    if (queued) {
      const last = queued[queued.length - 1];
      if (last && last.operation === 'insert' && operation === 'insert') queued[queued.length - 1] = { operation, apply };
      else queued.push({ operation, apply });
      return;
    }
    const queue = [{ operation, apply }];
    this.objectQueues.set(key, queue);
    const barrier = this.barrier;
    const run = (async () => {
      await barrier;
      for (let next = queue.shift(); next; next = queue.shift()) {
        try {
          await next.apply();
        } catch (error) {
          this.options.logger.error({ object: key, operation: next.operation, error: (error as Error).message }, 'downstream frame failed');
        }
      }
      if (this.objectQueues.get(key) === queue) this.objectQueues.delete(key);
    })();
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  private async applyHello(socket: WebSocket, hello: GmHello | undefined): Promise<void> {
    const { handlers } = this.options;
    if (hello?.protocolVersion !== PROTOCOL_VERSION) {
      const reason = protocolMismatch('LC', hello?.protocolVersion);
      this.refuse(reason);
      this.refusedSocket = socket;
      socket.close(CLOSE_UNSUPPORTED_PROTOCOL, reason);
      return;
    }
    await handlers.onHello({
      protocolVersion: hello.protocolVersion,
      resources: Array.isArray(hello.resources) ? hello.resources.map(String) : [],
      ...(typeof hello.nodeToken === 'string' && hello.nodeToken !== '' ? { nodeToken: hello.nodeToken } : {}),
    });
    if (socket !== this.socket || socket.readyState !== WebSocket.OPEN) return;
    this.ready = true;
    this.attempt = 0;
    this.refused = undefined;
    this.loggedRefusal = undefined;
    handlers.onConnection?.(true);
    for (const message of this.options.outbox.pending()) this.send(message);
  }

  private async applyAck(id: string, content: unknown): Promise<void> {
    const message = this.options.outbox.pending().find((m) => m.id === id);
    const reply = (content ?? {}) as { ok?: boolean; error?: string };
    const ok = reply.ok !== false;
    await this.options.outbox.ack(id);
    await this.options.handlers.onAck(message, ok, reply.error);
    this.notifyWaiters();
  }

  private send(message: OutboxMessage): void {
    if (this.sent.has(message.id)) return;
    this.sent.add(message.id);
    this.sendFrame(message.frame);
  }

  private sendFrame(frame: WireFrame): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify(frame), (error) => {
      if (error) this.options.logger.warn({ error: error.message, messageId: frame.header.messageId }, 'GM send failed; the message stays in the outbox');
    });
  }

  private notifyWaiters(): void {
    for (const waiter of this.waiters) waiter();
  }

  /** Wait until the outbox is empty (acked) or `timeoutMs` passes; resolves to the number left. */
  async drain(timeoutMs: number): Promise<number> {
    const outbox = this.options.outbox;
    if (outbox.depth === 0 || !this.ready) return outbox.depth;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, timeoutMs);
      const check = () => {
        if (outbox.depth === 0 || !this.ready) finish();
      };
      function finish() {
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      }
      const waiters = this.waiters;
      waiters.add(check);
      check();
    });
    return outbox.depth;
  }

  /** Close the connection and stop reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stopPing();
    const socket = this.socket;
    this.socket = undefined;
    this.ready = false;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          socket.terminate();
          resolve();
        }, 1000);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.close(1000, 'LC stopping');
      });
    }
    await this.barrier;
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    await this.ackChain;
  }
}
