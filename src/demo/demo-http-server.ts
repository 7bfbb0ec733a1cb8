import { createServer, type IncomingMessage } from 'node:http';
import { listenOnLoopback, type RunningDemoServer } from './loopback-listener';

/** One request as the demo partner sees it: Labwire names the delivery in `idempotency-key` (its log id). */
export interface DemoRequest {
  path: string;
  logId: string | undefined;
  body: string;
}

export interface DemoAnswer {
  status: number;
  body: string;
  /** application/json unless said. */
  contentType?: string;
}

export type DemoRoute = (request: DemoRequest) => DemoAnswer | Promise<DemoAnswer>;


/** Labwire's bodies are capped by MAX_BODY_BYTES; anything much larger is not from Labwire. */
const MAX_REQUEST_BYTES = 1_048_576;

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The demo partner's HTTP side: a few routes on 127.0.0.1, on a port the system picks. */
export function startDemoHttpServer(routes: Readonly<Record<string, DemoRoute>>): Promise<RunningDemoServer> {
  const server = createServer((req, res) => {
    const reply = (answer: DemoAnswer) => res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json' }).end(answer.body);
    void (async () => {
      const body = await readBody(req);
      if (body === undefined) return reply({ status: 413, body: '{"error":"too large"}' });
      const path = new URL(req.url ?? '/', 'http://demo').pathname;
      const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
      if (!route) return reply({ status: 404, body: '{"error":"no such demo endpoint"}' });
      const logId = req.headers['idempotency-key'];
      return reply(await route({ path, logId: typeof logId === 'string' ? logId : undefined, body }));
    })().catch(() => {
      if (!res.headersSent) reply({ status: 500, body: '{"error":"demo partner error"}' });
      else res.destroy();
    });
  });
  return listenOnLoopback(server, () => server.closeAllConnections());
}
