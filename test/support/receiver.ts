import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface ReceivedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  rawQuery: string;
  headers: Record<string, string>;
  body: string;
  /** What the handler observed while the request was open (e.g. the log's status at that moment). */
  observed?: unknown;
}

export interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Never answer (the partner hangs). */
  hang?: boolean;
}

type Handler = (request: ReceivedRequest) => Reply | Promise<Reply>;

/** A real HTTP partner on loopback: records every request and answers per path as the test says. */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly handlers = new Map<string, Handler>();
  private readonly server: Server;
  private readonly hanging = new Set<ServerResponse>();
  port = 0;

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  on(path: string, handler: Handler | Reply): this {
    this.handlers.set(path, typeof handler === 'function' ? handler : () => handler);
    return this;
  }

  requestsTo(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://receiver');
    const request: ReceivedRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      rawQuery: url.search.replace(/^\?/, ''),
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')])),
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(request);
    const handler = this.handlers.get(url.pathname);
    const reply = handler ? await handler(request) : { status: 404, body: 'no handler' };
    if (reply.hang) {
      this.hanging.add(res);
      return;
    }
    res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
    res.end(reply.body ?? '');
  }
}
