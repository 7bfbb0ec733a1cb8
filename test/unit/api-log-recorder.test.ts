import express from 'express';
import type { Logger } from 'pino';
import { apiLogRecorder } from '../../src/api/partner/api-log';
import { listen, type RunningServer } from '../../src/api/server';
import { REFUSED_CALLS_LOGGED_PER_MINUTE } from '../../src/api/partner/refused-call-sample';
import type { DeliveryLogs } from '../../src/logstore/delivery-logs';
import type { LogDocument } from '../../src/logstore/log-document';
import { eventually } from '../support/fixtures';

/**
 * The recorder builds its document after the response; before issue 9, JSON.stringify of a deep
 * body threw there (RangeError) and nothing caught it, which ended the process. Mounted here
 * without the body policy that now refuses such bodies first, to show the recorder holds alone.
 */
describe('apiLogRecorder: a document that cannot be built never reaches the process', () => {
  const warn = jest.fn();
  const inserted: unknown[] = [];
  const logs = { insertApiLog: async (doc: unknown) => void inserted.push(doc) } as unknown as DeliveryLogs;
  let server: RunningServer;

  beforeAll(async () => {
    const app = express();
    app.use(express.json());
    app.use(apiLogRecorder(logs, { warn } as unknown as Logger, 65_536));
    app.use((_req, res) => void res.status(401).json({ title: 'Unauthorized' }));
    server = await listen(app, '127.0.0.1', 0);
  });
  afterAll(() => server.close());

  it('given a body JSON.stringify cannot handle, reports it as a warning and keeps serving', async () => {
    const deep = await fetch(`${server.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '['.repeat(6000) + ']'.repeat(6000) });
    expect(deep.status).toBe(401);
    const next = await fetch(`${server.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ok":true}' });
    expect(next.status).toBe(401);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ err: expect.any(RangeError), endpoint: '/events' }), 'could not build an API log');
  });
});

describe('apiLogRecorder: refused calls are sampled into small documents, within one budget for all addresses', () => {
  const inserted: LogDocument[] = [];
  const logs = { insertApiLog: async (doc: LogDocument) => void inserted.push(doc) } as unknown as DeliveryLogs;
  let server: RunningServer;

  // A recorder of its own for each test: its sample remembers the minute.
  beforeEach(async () => {
    inserted.length = 0;
    const app = express();
    // As behind a proxy on this host (TRUST_PROXY=loopback), so each call can come from its own address.
    app.set('trust proxy', 'loopback');
    app.use(apiLogRecorder(logs, { warn: jest.fn() } as unknown as Logger, 65_536));
    app.use((_req, res) => void res.status(401).json({ title: 'Unauthorized' }));
    server = await listen(app, '127.0.0.1', 0);
  });
  afterEach(() => server.close());

  const refusedCall = (address: string, path = '/events', headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { headers: { 'x-forwarded-for': address, ...headers } }).then((r) => r.status);

  it('given a refused call with 8 KB of headers and a 4 KB URL, keeps about 2 KB of headers and 500 bytes of URL', async () => {
    expect(await refusedCall('198.18.0.1', `/events/${'p'.repeat(2_000)}?q=${'z'.repeat(2_000)}`, { 'x-junk': 'y'.repeat(8_000) })).toBe(401);
    const doc = await eventually(async () => inserted.find((d) => d.request?.headers?.['x-forwarded-for'] === '198.18.0.1'));
    expect(JSON.stringify(doc.request!.headers).length).toBeLessThan(2_200);
    expect(doc.request!.headers['x-junk']).toMatch(/…\[truncated \d+ bytes\]$/);
    for (const text of [doc.request!.url, doc.endpoint, doc.operation]) expect(String(text).length).toBeLessThan(540);
  });

  it(`logs at most ${REFUSED_CALLS_LOGGED_PER_MINUTE} refused calls a minute in all, one from each of many addresses`, async () => {
    for (let i = 0; i < 80; i++) expect(await refusedCall(`198.18.1.${i}`)).toBe(401);
    await eventually(async () => inserted.length === REFUSED_CALLS_LOGGED_PER_MINUTE);
    // Absence cannot be awaited: give writes that would follow the responses a moment to land.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(inserted).toHaveLength(REFUSED_CALLS_LOGGED_PER_MINUTE);
  });
});
