import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP relay in front of a real server, so a test can take the server away (every connection cut, new ones
 * refused) and bring it back, as an outage or a network partition would.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Starts relaying (on the same port as before, after a {@link cut}). */
  async start(): Promise<number> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : this.port;
    return this.port;
  }

  /** Cuts every connection and refuses new ones until {@link start}. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A URL like `url` with host and port replaced by this relay's. */
  rewrite(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  static forUrl(url: string): TcpProxy {
    const u = new URL(url);
    const defaults: Record<string, number> = { 'http:': 80, 'postgres:': 5432, 'postgresql:': 5432, 'redis:': 6379 };
    return new TcpProxy(u.hostname, Number(u.port) || (defaults[u.protocol] ?? 0));
  }
}
