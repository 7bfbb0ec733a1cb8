// The load balancer in front of a Temporal cluster's frontends (a Kubernetes Service, an NLB):
// each client connection goes to the next frontend that accepts it.
import { connect, createServer, type Server, type Socket } from 'node:net';

export class FrontendProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private next = 0;
  port = 0;

  constructor(private readonly upstreams: number[]) {
    this.server = createServer((client) => void this.forward(client));
  }

  async start(port: number): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', resolve);
    });
    this.port = port;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: Socket): Socket {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    return socket;
  }

  private async forward(client: Socket): Promise<void> {
    this.track(client);
    client.pause();
    const start = this.next++;
    for (let i = 0; i < this.upstreams.length; i++) {
      const port = this.upstreams[(start + i) % this.upstreams.length]!;
      const upstream = await new Promise<Socket | undefined>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => resolve(socket));
        socket.once('error', () => resolve(undefined));
      });
      if (!upstream) continue;
      this.track(upstream);
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      return;
    }
    client.destroy();
  }
}
