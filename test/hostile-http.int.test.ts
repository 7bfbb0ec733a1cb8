import { send, type RawRequest } from '../scripts/fuzz/raw-http';
import { Harness } from './support/harness';

/** What the fuzzer of issue 9 found, kept as plain cases: each is a 4xx problem document, not a 500 or a bare answer. */
describe('hostile HTTP gets problem+json 4xx answers', () => {
  const harness = new Harness();
  let port: number;
  let cookie: string;

  beforeAll(async () => {
    await harness.start({ workers: false });
    port = Number(new URL(harness.api.url).port);
    cookie = (await (await harness.as('viewer')).cookieHeader()).cookie!;
  });
  afterAll(async () => {
    await harness.stop();
  });

  const request = async (target: string, headers: Array<[string, string]> = [], method = 'GET'): Promise<{ status: number; type?: string; body: any }> => {
    const raw: RawRequest = { method, target, headers: [['host', `127.0.0.1:${port}`], ['connection', 'close'], ['cookie', cookie], ...headers] };
    const exchange = await send(port, raw, 10_000);
    if ('error' in exchange) throw new Error(exchange.error);
    const text = exchange.answer.body.toString('utf8');
    return { status: exchange.answer.status, type: exchange.answer.headers['content-type'], body: text ? JSON.parse(text) : undefined };
  };

  it('a path parameter that is not valid percent-encoding is a 400 naming the path', async () => {
    for (const target of ['/api/logs/%zz', '/api/bulk-retries/%c3%28', '/api/labs/%/integrations']) {
      const answer = await request(target);
      expect({ target, status: answer.status, type: answer.type, errors: answer.body.errors }).toEqual({
        target,
        status: 400,
        type: expect.stringMatching(/^application\/problem\+json/),
        errors: [{ field: 'path', message: expect.any(String) }],
      });
    }
  });

  it('an id past PostgreSQL integer is a 400 naming it, not an overflow in the query', async () => {
    const answer = await request('/api/labs/2147483648/integrations');
    expect(answer).toMatchObject({ status: 400, body: { errors: [{ field: 'labId' }] } });
  });

  it('NUL in a query value is a 400 naming the parameter, not a failed query', async () => {
    for (const target of ['/api/labs?q=a%00b', '/api/logs?q=%00', '/api/logs/stats?q=%00']) {
      const answer = await request(target);
      expect({ target, status: answer.status, errors: answer.body.errors }).toEqual({ target, status: 400, errors: [{ field: 'q', message: expect.stringMatching(/NUL/) }] });
    }
  });

  it("requests Node's HTTP server refuses before Express are problem documents too", async () => {
    const malformed = await request('/api/labs?q=a b');
    const tooLarge = await request('/api/meta', [['x-padding', 'a'.repeat(20_000)]]);
    const expectation = await request('/api/meta', [['expect', 'nonsense']]);
    expect([malformed, tooLarge, expectation].map((a) => [a.status, a.type, a.body?.status])).toEqual([
      [400, 'application/problem+json', 400],
      [431, 'application/problem+json', 431],
      [417, 'application/problem+json', 417],
    ]);
  });
});
