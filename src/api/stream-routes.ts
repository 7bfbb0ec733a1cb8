import type { Response } from 'express';
import type postgres from 'postgres';
import type { Logger } from 'pino';
import { subscribeLogChanges, type LogChange } from '../logstore/log-changes';
import { defineRoute, type ApiRoute } from './route';

/**
 * `GET /api/stream`: Server-Sent Events of log changes for open dashboards. One PostgreSQL
 * LISTEN per API process, opened with the first client, fans out to every connected client.
 */
export function streamRoutes(sql: postgres.Sql, logger: Logger, heartbeatMs = 15_000): ApiRoute[] {
  const clients = new Set<Response>();
  let subscribing: Promise<unknown> | undefined;
  const broadcast = (change: LogChange) => {
    const frame = `event: log\ndata: ${JSON.stringify(change)}\n\n`;
    for (const client of clients) client.write(frame);
  };
  return [
    defineRoute({
      method: 'get',
      path: '/stream',
      access: 'viewer',
      tag: 'Logs',
      summary: 'Server-Sent Events: `event: log` with { logId, status, retryId? } whenever a log is created, finished or retried',
      produces: 'text/event-stream',
      responses: { 200: 'An endless event stream' },
      async handle({ req, res }) {
        subscribing ??= subscribeLogChanges(sql, broadcast).catch((error: unknown) => {
          subscribing = undefined;
          logger.error({ err: error }, 'could not LISTEN for log changes');
          throw error;
        });
        await subscribing;
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
        // The browser's EventSource reconnects after this many ms when the stream drops.
        res.write('retry: 3000\n\n');
        clients.add(res);
        const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
        req.on('close', () => {
          clearInterval(heartbeat);
          clients.delete(res);
        });
      },
    }),
  ];
}
