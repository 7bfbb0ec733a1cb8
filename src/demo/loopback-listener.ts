import { once } from 'node:events';
import type { AddressInfo, Server } from 'node:net';

export interface RunningDemoServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1, on a port the system picks: a demo partner is never reachable from
 * another machine. `close` stops listening and drops the open connections (`dropConnections`).
 */
export async function listenOnLoopback(server: Server, dropConnections: () => void): Promise<RunningDemoServer> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        dropConnections();
      }),
  };
}
