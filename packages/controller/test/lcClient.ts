/** A real ws client standing in for a Local Controller in tests. */
import { decodeFrameContent, encodeFrameContent, type FrameHeader, type WireFrame } from '@sedna-ts/api-types';
import { WebSocket } from 'ws';

/** A decoded frame. */
export interface Received {
  header: FrameHeader;
  payload: unknown;
}

/** A connected fake LC: frames it received, in order, and helpers to speak the protocol. */
export class FakeLc {
  readonly received: Received[] = [];
  private waiters: (() => void)[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(
    readonly ws: WebSocket,
    readonly node: string,
  ) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as WireFrame;
      this.received.push({ header: frame.header, payload: decodeFrameContent(frame.content) });
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Opens a connection; resolves once open, rejects with the HTTP status when refused. */
  static connect(url: string, node: string, token: string | undefined, headers: Record<string, string> = {}): Promise<FakeLc> {
    const ws = new WebSocket(url, { headers: { 'Node-Name': node, 'Sedna-Protocol': '1', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers } });
    const lc = new FakeLc(ws, node);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(lc));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode })));
      ws.once('error', reject);
    });
  }

  /** Tries to connect; resolves with the HTTP status and body of a refusal, or `open` (then closes). */
  static attempt(url: string, node: string, token: string): Promise<{ status: number; body: string } | 'open'> {
    const ws = new WebSocket(url, { headers: { 'Node-Name': node, 'Sedna-Protocol': '1', Authorization: `Bearer ${token}` } });
    return new Promise((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.once('open', () => {
        ws.close();
        resolve('open');
      });
      ws.once('error', (error) => {
        if (!/Unexpected server response/.test(error.message)) reject(error);
      });
    });
  }

  /** Sends a frame. */
  send(header: Partial<FrameHeader> & Pick<FrameHeader, 'operation'>, payload: unknown): void {
    this.ws.send(JSON.stringify({ header: { namespace: '', resourceKind: '', resourceName: '', ...header }, content: encodeFrameContent(payload) }));
  }

  /** Says hello as an LC does. */
  hello(lcServer = 'http://127.0.0.1:9100', extra: Record<string, unknown> = {}): void {
    this.send(
      { operation: 'hello', resourceKind: 'node', resourceName: this.node },
      { protocolVersion: 1, nodeName: this.node, lcServer, hotUpdateRoot: '/var/lib/sedna-ts/model-hot-update', hardExampleRoot: '/var/lib/sedna-ts/hard-examples', version: 'test', ...extra },
    );
  }

  /** Resolves once `predicate` holds for the received frames (or the connection closes). */
  async until(predicate: (received: Received[]) => boolean, what = 'frames'): Promise<void> {
    while (!predicate(this.received)) {
      if (this.closed) throw new Error(`connection closed (${this.closed.code} ${this.closed.reason}) while waiting for ${what}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Resolves once the server closed the connection. */
  async untilClosed(): Promise<{ code: number; reason: string }> {
    while (!this.closed) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.closed;
  }

  /** The received frames of one operation. */
  frames(operation: string): Received[] {
    return this.received.filter((r) => r.header.operation === operation);
  }

  close(): void {
    this.ws.close();
  }
}
