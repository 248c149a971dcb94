/**
 * A small GM stand-in for the integration tests: a real `ws` server on 127.0.0.1 that checks the LC's
 * headers (node name, bearer token, protocol), exchanges hellos, sends downstream inserts and deletes,
 * records the upstream frames, and acks them, or withholds the acks when told to.
 */
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { decodeFrameContent, encodeFrameContent, type DatasetCondition, type UpstreamDatasetMessage, type UpstreamJobMessage, type WireFrame } from '@sedna-ts/api-types';
import { CLOSE_UNSUPPORTED_PROTOCOL } from '@sedna-ts/api-types/contract';
import { WebSocketServer, type WebSocket } from 'ws';

export interface Upstream {
  frame: WireFrame;
  content: Record<string, unknown>;
}

export class FakeGm {
  readonly upstream: Upstream[] = [];
  readonly hellos: Array<Record<string, unknown>> = [];
  readonly connections: number[] = [];
  autoAck = true;
  /** Protocol version in the GM hello. */
  protocolVersion = 1;
  /** Close codes of the LC connections, in order. */
  readonly closeCodes: number[] = [];
  /** Close reasons of the LC connections, in order. */
  readonly closeReasons: string[] = [];
  /** Set: every connection is closed at once with 4001 and this reason (a GM of another protocol version). */
  refuseProtocol: string | undefined;
  /** Resource keys sent in the next hello (default: the objects inserted so far). */
  resources: string[] | undefined;
  /** The bearer token accepted (default the node token; a ServiceAccount token for a token-file LC). */
  acceptedBearer: string;
  /** More fields of the GM hello (the node token told to a token-file LC). */
  helloExtra: Record<string, unknown> = {};
  /** The last version of every object sent, re-sent after each hello as a GM does. */
  private readonly objects = new Map<string, { kind: string; metadata: { namespace?: string; name?: string } }>();
  private socket: WebSocket | undefined;
  private readonly wss: WebSocketServer;
  private connectionCount = 0;

  private constructor(
    private readonly server: Server,
    readonly nodeToken: string,
    readonly nodeName: string,
  ) {
    this.acceptedBearer = nodeToken;
    this.wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (request, socket, head) => {
      // A reset from the LC's side (it stops, or a test terminates it) is an 'error' here, not a failure.
      socket.on('error', () => undefined);
      const auth = request.headers.authorization;
      if (auth !== `Bearer ${this.acceptedBearer}` || request.headers['node-name'] !== this.nodeName || request.headers['sedna-protocol'] !== '1') {
        socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws));
    });
  }

  static async start(nodeName = 'edge-1', nodeToken = 'node-token-1', port = 0): Promise<FakeGm> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return new FakeGm(server, nodeToken, nodeName);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/`;
  }

  get connected(): boolean {
    return this.socket !== undefined;
  }

  private onConnection(ws: WebSocket): void {
    if (this.refuseProtocol !== undefined) {
      this.connectionCount++;
      this.connections.push(this.connectionCount);
      ws.on('error', () => undefined);
      ws.close(CLOSE_UNSUPPORTED_PROTOCOL, this.refuseProtocol);
      return;
    }
    this.socket?.terminate();
    this.socket = ws;
    ws.on('error', () => undefined);
    this.connectionCount++;
    this.connections.push(this.connectionCount);
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as WireFrame;
      const content = decodeFrameContent<Record<string, unknown>>(frame.content);
      if (frame.header.operation === 'hello') {
        this.hellos.push(content);
        const resources = this.resources ?? [...this.objects.keys()];
        this.sendFrame({ header: { namespace: '', resourceKind: 'node', resourceName: this.nodeName, operation: 'hello' }, content: encodeFrameContent({ protocolVersion: this.protocolVersion, resources, ...this.helloExtra }) });
        for (const object of this.objects.values()) this.sendObject(object);
        return;
      }
      this.upstream.push({ frame, content });
      if (this.autoAck && frame.header.messageId) this.ack(frame);
    });
    ws.on('close', (code, reason) => {
      this.closeCodes.push(code);
      this.closeReasons.push(reason.toString());
      if (this.socket === ws) this.socket = undefined;
    });
  }

  ack(frame: WireFrame, ok = true): void {
    this.sendFrame({ header: { ...frame.header, operation: 'ack' }, content: encodeFrameContent(ok ? { ok: true } : { ok: false, error: 'rejected by the test' }) });
  }

  sendFrame(frame: WireFrame): void {
    this.socket?.send(JSON.stringify(frame));
  }

  /** Send an object downstream (insert), and again after every hello. */
  insert(object: { kind: string; metadata: { namespace?: string; name?: string } }): void {
    this.objects.set(`${object.kind.toLowerCase()}/${object.metadata.namespace ?? 'default'}/${object.metadata.name ?? ''}`, object);
    this.sendObject(object);
  }

  private sendObject(object: { kind: string; metadata: { namespace?: string; name?: string } }): void {
    this.sendFrame({
      header: { namespace: object.metadata.namespace ?? 'default', resourceKind: object.kind.toLowerCase(), resourceName: object.metadata.name ?? '', operation: 'insert' },
      content: encodeFrameContent(object),
    });
  }

  /** Stop holding an object without telling the LC (it was deleted while the LC was away). */
  forget(kind: string, namespace: string, name: string): void {
    this.objects.delete(`${kind}/${namespace}/${name}`);
  }

  delete(kind: string, namespace: string, name: string): void {
    this.objects.delete(`${kind}/${namespace}/${name}`);
    this.sendFrame({ header: { namespace, resourceKind: kind, resourceName: name, operation: 'delete' }, content: '' });
  }

  /** Drop the connection (the LC reconnects). */
  drop(): void {
    this.socket?.terminate();
    this.socket = undefined;
  }

  /** Upstream messages about jobs, in arrival order. */
  jobMessages(resourceKind = 'incrementallearningjob'): Array<UpstreamJobMessage & { messageId: string; name: string }> {
    return this.upstream
      .filter((u) => u.frame.header.resourceKind === resourceKind)
      .map((u) => ({ ...(u.content as unknown as UpstreamJobMessage), messageId: u.frame.header.messageId as string, name: u.frame.header.resourceName }));
  }

  /** The counts of the dataset reports that carry one, in order. */
  datasetCounts(name?: string): number[] {
    return this.datasetReports(name)
      .filter((c) => c.numberOfSamples !== undefined)
      .map((c) => c.numberOfSamples as number);
  }

  /** The conditions of the dataset reports, in order. */
  datasetConditions(name?: string): DatasetCondition[] {
    return this.datasetReports(name).flatMap((c) => c.conditions ?? []);
  }

  private datasetReports(name?: string): UpstreamDatasetMessage[] {
    return this.upstream
      .filter((u) => u.frame.header.resourceKind === 'dataset' && (name === undefined || u.frame.header.resourceName === name))
      .map((u) => u.content as UpstreamDatasetMessage);
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Wait until `predicate` holds (polling); fails with `what` after `timeoutMs`. Never a timing assertion. */
export async function waitFor<T>(predicate: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

/** Wait until the LC at `url` holds `jobs` jobs (the first job object takes a while: its schema is compiled once). */
export async function waitForJobs(url: string, jobs = 1): Promise<void> {
  await waitFor(async () => ((await (await fetch(`${url}/readyz`)).json()) as { jobs: number }).jobs === jobs, `the LC to hold ${jobs} job(s)`);
}
