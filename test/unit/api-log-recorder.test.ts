import express from 'express';
import type { Logger } from 'pino';
import { apiLogRecorder } from '../../src/api/partner/api-log';
import { listen, type RunningServer } from '../../src/api/server';
import type { DeliveryLogs } from '../../src/logstore/delivery-logs';

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
