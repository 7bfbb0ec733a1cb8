import type { Response } from 'express';
import type postgres from 'postgres';
import type { Logger } from 'pino';
import { readCookie, SESSION_COOKIE, standingSessionTokens } from '../auth/sessions';
import type { ConfigDb } from '../db/config-store';
import { labScopeOf, scopeIncludes, type LabScope } from '../auth/lab-scope';
import { subscribeLogChanges, type LogChange } from '../logstore/log-changes';
import { subscribeEndpointChanges, type EndpointChangeNotice } from '../endpoints/endpoint-states';
import { streamsOpen, streamsRefusedTotal } from '../metrics';
import { HttpProblem } from './problem';
import { defineRoute, type ApiRoute } from './route';

export interface StreamDeps {
  sql: postgres.Sql;
  db: ConfigDb;
  logger: Logger;
  heartbeatMs: number;
  maxPerUser: number;
  maxPerProcess: number;
}

/**
 * A dashboard that stopped reading would otherwise hold every later change in this process's
 * memory, so a stream is ended when more than STREAM_BUFFER_LIMIT_BYTES has waited to be sent for
 * two heartbeats, or at once past STREAM_BUFFER_HARD_LIMIT_BYTES. The grace period is for a reader
 * that is only slow: a burst of changes (a bulk retry) can outrun a live client for a moment.
 * An ended EventSource reconnects by itself and reloads what it shows.
 */
export const STREAM_BUFFER_LIMIT_BYTES = 1_048_576;
export const STREAM_BUFFER_HARD_LIMIT_BYTES = 32 * 1_048_576;

interface OpenStream {
  res: Response;
  userId: number;
  sessionToken: string;
  /** The user's labs; refreshed at every heartbeat, so a change of labs reaches an open stream within one. */
  scope: LabScope;
  /** Since when more than STREAM_BUFFER_LIMIT_BYTES has been waiting. */
  backedUpSince?: number;
}

/**
 * `GET /api/stream`: Server-Sent Events of log changes for open dashboards. One PostgreSQL
 * LISTEN per API process, opened with the first client, fans out to every connected client.
 * A stream outlives no session: one heartbeat for all streams checks, in one query, which
 * sessions still stand (not signed out, expired, disabled or reset) and ends the others.
 * Each stream holds a socket for hours, so they are capped per user and per process (429), and
 * one whose client stops reading is ended (STREAM_BUFFER_LIMIT_BYTES).
 */
export function streamRoutes(deps: StreamDeps): ApiRoute[] {
  const { sql, db, logger, heartbeatMs, maxPerUser, maxPerProcess } = deps;
  const streams = new Set<OpenStream>();
  let subscribing: Promise<unknown> | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let checking = false;

  const stoppedReading = (stream: OpenStream): boolean => {
    const waiting = stream.res.writableLength;
    if (waiting <= STREAM_BUFFER_LIMIT_BYTES) {
      stream.backedUpSince = undefined;
      return false;
    }
    stream.backedUpSince ??= Date.now();
    return waiting > STREAM_BUFFER_HARD_LIMIT_BYTES || Date.now() - stream.backedUpSince >= 2 * heartbeatMs;
  };

  const cutOff = (stream: OpenStream) => {
    close(stream);
    // Not end(): that would wait behind the very buffer the client does not read.
    stream.res.destroy();
  };

  /** Writes, unless the client has gone or has stopped reading: then the stream is ended. */
  const send = (stream: OpenStream, text: string) => {
    if (stream.res.destroyed) return close(stream);
    stream.res.write(text);
    if (stoppedReading(stream)) cutOff(stream);
  };

  /**
   * A change reaches the streams whose labs include the log's lab. A change without a lab (sent
   * by a worker older than lab scopes) reaches only streams that see every lab.
   */
  const broadcast = (change: LogChange) => {
    const frame = `event: log\ndata: ${JSON.stringify(change)}\n\n`;
    for (const stream of streams) if (scopeIncludes(stream.scope, change.labId)) send(stream, frame);
  };

  /** An endpoint's pause or resume reaches the streams that see any of the labs that deliver to it. */
  const broadcastEndpoint = (change: EndpointChangeNotice) => {
    const frame = `event: endpoint\ndata: ${JSON.stringify(change)}\n\n`;
    for (const stream of streams) if (stream.scope.all || change.labIds.some((labId) => scopeIncludes(stream.scope, labId))) send(stream, frame);
  };

  /**
   * The LISTEN came back after its connection was lost (a database restart): whatever changed
   * meanwhile was never sent. Each stream is ended, so its client reconnects and reloads what it
   * shows (web/src/live.ts), instead of showing stale states as if it were live.
   */
  const endAllStreams = () => {
    logger.warn({ streams: streams.size }, 'the log change feed reconnected; ending the live streams so their clients reload');
    for (const stream of [...streams]) {
      close(stream);
      stream.res.end();
    }
  };

  const checkSessions = async () => {
    // A database slower than the heartbeat skips a beat instead of piling queries up.
    if (checking) return;
    checking = true;
    try {
      const open = [...streams];
      const standing = await standingSessionTokens(db, open.map((s) => s.sessionToken));
      for (const stream of open) {
        if (!streams.has(stream)) continue;
        // A connection that dropped without its 'close' reaching us is let go here, at the latest.
        if (stream.res.destroyed) close(stream);
        else if (stoppedReading(stream)) cutOff(stream);
        else {
          const user = standing.get(stream.sessionToken);
          if (!user) stream.res.end();
          else {
            stream.scope = labScopeOf(user);
            send(stream, ': keep-alive\n\n');
          }
        }
      }
    } catch (error) {
      logger.warn({ err: error, streams: streams.size }, 'could not check the stream sessions; keeping the streams');
    } finally {
      checking = false;
    }
  };

  const refuse = (res: Response, limit: 'user' | 'process', detail: string): never => {
    streamsRefusedTotal.inc({ limit });
    res.setHeader('retry-after', String(Math.ceil(heartbeatMs / 1000)));
    throw new HttpProblem(429, 'Too Many Requests', detail);
  };

  const open = (stream: OpenStream) => {
    streams.add(stream);
    streamsOpen.inc();
    heartbeat ??= setInterval(() => void checkSessions(), heartbeatMs);
  };

  const close = (stream: OpenStream) => {
    if (!streams.delete(stream)) return;
    streamsOpen.dec();
    if (streams.size === 0 && heartbeat) {
      clearInterval(heartbeat);
      heartbeat = undefined;
    }
  };

  return [
    defineRoute({
      method: 'get',
      path: '/stream',
      access: 'viewer',
      tag: 'Logs',
      summary:
        "Server-Sent Events: `event: log` with { logId, status, retryId?, labId } whenever a log of the caller's labs is created, finished or retried; " +
        '`event: endpoint` with { endpoint, state: paused | open, by, reason, at, labIds } whenever an endpoint their labs deliver to is paused or resumed',
      produces: 'text/event-stream',
      responses: { 200: 'An endless event stream', 429: 'Too many open streams: of this user, or of the whole server' },
      async handle({ req, res, session }) {
        subscribing ??= Promise.all([subscribeLogChanges(sql, broadcast, endAllStreams), subscribeEndpointChanges(sql, broadcastEndpoint)]).catch((error: unknown) => {
          subscribing = undefined;
          logger.error({ err: error }, 'could not LISTEN for log changes');
          throw error;
        });
        await subscribing;
        // A client that left while its session was looked up (or the LISTEN opened) has already
        // fired its 'close': registered now, its stream would count against the caps forever.
        if (req.destroyed || res.destroyed) return;
        // Counted and added with no await in between, so concurrent opens cannot overshoot a cap.
        const ofUser = [...streams].filter((s) => s.userId === session.user.id).length;
        if (ofUser >= maxPerUser) refuse(res, 'user', `At most ${maxPerUser} live streams per user are open at once; close another dashboard tab and reload.`);
        if (streams.size >= maxPerProcess) refuse(res, 'process', `This server already holds its ${maxPerProcess} live streams; try again later.`);
        const stream: OpenStream = { res, userId: session.user.id, sessionToken: readCookie(req.headers.cookie, SESSION_COOKIE) ?? '', scope: labScopeOf(session.user) };
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
        // The browser's EventSource reconnects after this many ms when the stream drops.
        res.write('retry: 3000\n\n');
        open(stream);
        // 'close' follows both the end of the response and a dropped connection.
        res.once('close', () => close(stream));
      },
    }),
  ];
}
