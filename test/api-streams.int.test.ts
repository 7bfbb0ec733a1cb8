import { connect, type Socket } from 'node:net';
import { drizzle } from 'drizzle-orm/postgres-js';
import pino from 'pino';
import postgres from 'postgres';
import { createApp } from '../src/api/app';
import { listen, type RunningServer } from '../src/api/server';
import { LOG_CHANGES_CHANNEL } from '../src/logstore/log-changes';
import * as schema from '../src/db/schema';
import { ApiClient } from './support/api-client';
import { eventually } from './support/fixtures';
import { Harness } from './support/harness';
import { SlowLink } from './support/slow-link';
import { SseClient } from './support/sse-client';
import { TEST_ADMIN_PASSWORD } from './support/test-environment';

/** `GET /api/stream` over a bare socket, for clients that leave early or never read. */
function rawStream(baseUrl: string, cookie: Record<string, string>): Socket {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  socket.write(`GET /api/stream HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\nCookie: ${cookie.cookie}\r\n\r\n`);
  return socket;
}

/** Issue 9, item 11: live streams are capped per user and per process, and checked in one query per heartbeat. */
describe('GET /api/stream limits', () => {
  const harness = new Harness((config) => {
    config.api.streamMaxPerUser = 2;
    config.api.streamMaxPerProcess = 3;
  });
  const open: SseClient[] = [];
  beforeAll(() => harness.start({ workers: false }));
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(() => harness.stop());

  async function stream(client: ApiClient, baseUrl = harness.api.url): Promise<SseClient> {
    const sse = await new SseClient().connect(`${baseUrl}/api/stream`, await client.cookieHeader());
    open.push(sse);
    return sse;
  }

  async function refusedStream(client: ApiClient): Promise<{ status: number; contentType: string | null; body: any }> {
    const response = await fetch(`${harness.api.url}/api/stream`, { headers: { accept: 'text/event-stream', ...(await client.cookieHeader()) } });
    return { status: response.status, contentType: response.headers.get('content-type'), body: await response.json() };
  }

  async function streamsOpen(): Promise<number> {
    const text = (await harness.request('GET', '/metrics')).body as string;
    return Number(/^labwire_streams_open (\d+)$/m.exec(text)?.[1]);
  }

  const noStreamOpen = () => eventually(async () => (await streamsOpen()) === 0);

  it('refuses one stream more than the per-user cap with 429 problem+json; closing one makes room', async () => {
    const admin = harness.adminClient();
    const first = await stream(admin);
    await stream(admin);
    const refused = await refusedStream(admin);
    expect(refused.status).toBe(429);
    expect(refused.contentType).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ status: 429, title: 'Too Many Requests', detail: expect.stringContaining('At most 2 live streams per user') });
    await first.close();
    // The server sees the close a moment after the client: the freed place is awaited, not assumed.
    await eventually(() => stream(admin));
  });

  it('refuses one stream more than the per-process cap, whoever asks', async () => {
    const admin = harness.adminClient();
    const viewer = await harness.as('viewer');
    const operator = await harness.as('operator');
    await stream(admin);
    await stream(admin);
    await stream(viewer);
    const refused = await refusedStream(operator);
    expect(refused.status).toBe(429);
    expect(refused.contentType).toMatch(/^application\/problem\+json/);
    expect(refused.body.detail).toContain('already holds its 3 live streams');
  });

  it('ends the stream of a client that stops reading once over a MiB has waited for two heartbeats; a reading client in the same burst keeps its stream', async () => {
    await noStreamOpen();
    const reading = await stream(await harness.as('viewer'));
    const stalled = rawStream(harness.api.url, await harness.adminCookie());
    try {
      await new Promise<void>((resolve) => stalled.once('data', () => resolve()));
      stalled.pause();
      await eventually(async () => (await streamsOpen()) === 2);

      // 3,000 log changes of about 7 KB each (a NOTIFY carries at most 8,000 bytes): 21 MB, more
      // than the loopback socket buffers and the bound together. Each payload differs, as
      // PostgreSQL folds equal notifications of one transaction into one.
      const padding = 'x'.repeat(7_000);
      for (let batch = 0; batch < 6; batch++) {
        await harness.services.configStore.sql`
          select pg_notify(${LOG_CHANGES_CHANNEL}, json_build_object('logId', ${padding} || g, 'status', 'QUEUED')::text)
          from generate_series(1, 500) g`;
      }

      await eventually(async () => (await streamsOpen()) === 1, 20_000);
      await eventually(async () => reading.events.length >= 3_000, 20_000);
    } finally {
      stalled.destroy();
    }
  });

  describe('a client that leaves while its stream is authorized', () => {
    // An API of its own whose PostgreSQL answers 50 ms late: every session lookup outlasts a
    // client that leaves after 10 ms.
    let link: SlowLink;
    let sql: postgres.Sql;
    let api: RunningServer;

    beforeAll(async () => {
      const url = new URL(harness.config.postgres.url);
      link = await new SlowLink({ host: url.hostname, port: Number(url.port || 5432) }, 50).start();
      url.hostname = '127.0.0.1';
      url.port = String(link.port);
      sql = postgres(url.toString(), { max: 4, onnotice: () => undefined });
      const configStore = { db: drizzle(sql, { schema }), sql, close: () => sql.end() };
      api = await listen(createApp({ config: harness.config, configStore, logStore: harness.services.logStore, temporal: harness.services.temporal, logger: pino({ level: 'silent' }) }), '127.0.0.1', 0);
    });
    afterAll(async () => {
      await api.close();
      await sql.end({ timeout: 5 });
      await link.stop();
    });

    it('leaves no stream behind: none stays counted and the user can still open streams', async () => {
      await noStreamOpen();
      const cookie = await harness.adminCookie();
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          const socket = rawStream(api.url, cookie);
          await new Promise((resolve) => setTimeout(resolve, 10));
          socket.destroy();
        }),
      );
      // Absence cannot be awaited: give the session lookups (50 ms each way) time to answer.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await streamsOpen()).toBe(0);
      await stream(harness.adminClient(), api.url);
      await stream(harness.adminClient(), api.url);
    });
  });

  describe('the heartbeat', () => {
    // An API of its own on a PostgreSQL client that records every statement it sends.
    const statements: string[] = [];
    let sql: postgres.Sql;
    let api: RunningServer;

    beforeAll(async () => {
      sql = postgres(harness.config.postgres.url, { max: 4, onnotice: () => undefined, debug: (_connection, query) => statements.push(query) });
      const config = { ...harness.config, api: { ...harness.config.api, streamMaxPerUser: 10, streamMaxPerProcess: 10 } };
      const configStore = { db: drizzle(sql, { schema }), sql, close: () => sql.end() };
      api = await listen(createApp({ config, configStore, logStore: harness.services.logStore, temporal: harness.services.temporal, logger: pino({ level: 'silent' }) }), '127.0.0.1', 0);
    });
    afterAll(async () => {
      await api.close();
      await sql.end({ timeout: 5 });
    });

    it('checks the sessions of every open stream in one query per beat, and still ends the stream of a signed-out session', async () => {
      const signedIn = () => new ApiClient(api.url, { username: 'admin', password: TEST_ADMIN_PASSWORD });
      const leaving = signedIn();
      const leavingStream = await stream(leaving, api.url);
      for (let i = 0; i < 4; i++) await stream(signedIn(), api.url);
      const staying = open.at(-1)!;

      const sessionQueries = () => statements.filter((s) => /from "sessions"/i.test(s)).length;
      const before = sessionQueries();
      // A rate over time is what is measured here, so this waits a fixed time: 3 beats (1 s each in tests).
      await new Promise((resolve) => setTimeout(resolve, 3_300));
      const perThreeBeats = sessionQueries() - before;
      // Five streams: one query a beat (not five).
      expect(perThreeBeats).toBeGreaterThanOrEqual(2);
      expect(perThreeBeats).toBeLessThanOrEqual(4);

      expect((await leaving.request('DELETE', '/api/session')).status).toBe(204);
      const ended = await Promise.race([leavingStream.ended().then(() => 'ended'), new Promise((resolve) => setTimeout(() => resolve('still open'), 5_000))]);
      expect(ended).toBe('ended');
      expect(await Promise.race([staying.ended().then(() => 'ended'), new Promise((resolve) => setTimeout(() => resolve('open'), 1_500))])).toBe('open');
    });
  });

  describe('the change feed', () => {
    it('given its connection is cut (a database restart), ends every open stream so the client reloads, and streams the changes after that', async () => {
      const client = await harness.as('viewer');
      const before = await stream(client);
      // postgres.js has one connection for the process's LISTENs; a restarted server drops it like this.
      const admin = postgres(harness.config.postgres.url, { max: 1, onnotice: () => undefined });
      try {
        const cut = await admin`select pg_terminate_backend(pid) as cut from pg_stat_activity where datname = current_database() and query ilike 'listen%' and pid <> pg_backend_pid()`;
        expect(cut.length).toBeGreaterThanOrEqual(1);
        expect(await Promise.race([before.ended().then(() => 'ended'), new Promise((resolve) => setTimeout(() => resolve('still open'), 10_000))])).toBe('ended');

        const after = await stream(client);
        const logId = 'c0ffee00c0ffee00c0ffee00';
        await eventually(async () => {
          await admin.notify(LOG_CHANGES_CHANNEL, JSON.stringify({ logId, status: 'SUCCESS' }));
          return after.events.some((e) => e.data.logId === logId);
        });
      } finally {
        await admin.end({ timeout: 5 });
      }
    });
  });
});
