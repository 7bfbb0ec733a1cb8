import type { Response } from 'express';
import type postgres from 'postgres';
import type { Logger } from 'pino';
import { findSession, readCookie, SESSION_COOKIE } from '../auth/sessions';
import type { ConfigDb } from '../db/config-store';
import { subscribeLogChanges, type LogChange } from '../logstore/log-changes';
import { defineRoute, type ApiRoute } from './route';

/**
 * `GET /api/stream`: Server-Sent Events of log changes for open dashboards. One PostgreSQL
 * LISTEN per API process, opened with the first client, fans out to every connected client.
 * A stream outlives no session: at each heartbeat it checks that its session still stands
 * (not signed out, expired, disabled or reset) and ends otherwise.
 */
export function streamRoutes(deps: { sql: postgres.Sql; db: ConfigDb; logger: Logger; heartbeatMs: number }): ApiRoute[] {
  const { sql, db, logger, heartbeatMs } = deps;
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
        const token = readCookie(req.headers.cookie, SESSION_COOKIE) ?? '';
        const heartbeat = setInterval(() => {
          findSession(db, token).then(
            (session) => (session ? res.write(': keep-alive\n\n') : res.end()),
            (error: unknown) => logger.warn({ err: error }, 'could not check a stream session; keeping the stream'),
          );
        }, heartbeatMs);
        const stop = () => {
          clearInterval(heartbeat);
          clients.delete(res);
        };
        req.on('close', stop);
        res.on('finish', stop);
      },
    }),
  ];
}
