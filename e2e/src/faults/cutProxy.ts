// A TCP proxy between the LC and the GM's WebSocket that can cut the link for real: `cut()` destroys
// every connection through it and refuses new ones (accepted, then destroyed at once, as a firewall's
// reset) until `restore()`. Bytes are passed through untouched; each connection dials the GM anew, so
// the proxy outlives restarts of the GM.
import { createServer, connect, type Server, type Socket } from 'node:net';

/** See the module comment. */
export class CutProxy {
  private readonly sockets = new Set<Socket>();
  private readonly clients = new Set<Socket>();
  private isCut = false;
  /** Connections refused while cut, and open connections dropped by `cut()`. */
  refused = 0;
  dropped = 0;

  private constructor(
    private readonly server: Server,
    /** The port the LC dials. */
    readonly port: number,
  ) {}

  /** Listens on 127.0.0.1 (`port`, 0: any free one) and forwards to 127.0.0.1:`targetPort`. */
  static async start(targetPort: number, port = 0): Promise<CutProxy> {
    const holder: { proxy?: CutProxy } = {};
    const server = createServer((client) => holder.proxy?.accept(client, targetPort));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    holder.proxy = new CutProxy(server, typeof address === 'object' && address ? address.port : port);
    return holder.proxy;
  }

  private accept(client: Socket, targetPort: number): void {
    if (this.isCut) {
      this.refused++;
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    this.clients.add(client);
    client.on('close', () => this.clients.delete(client));
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      // A reset of one side closes the other; the errors themselves are the point of the exercise.
      socket.on('error', () => undefined);
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  /** Whether the link is cut now. */
  get cutNow(): boolean {
    return this.isCut;
  }

  /** Drops every connection (a reset each way) and refuses new ones until `restore()`. */
  cut(): void {
    this.isCut = true;
    this.dropped += this.clients.size;
    for (const socket of this.sockets) socket.resetAndDestroy();
  }

  /** Lets connections through again. */
  restore(): void {
    this.isCut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
