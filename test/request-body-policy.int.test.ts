import { Harness } from './support/harness';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';

/** Issue 9, item 1: a body nested deep enough to break recursive code is refused before any route. */
describe('request body policy: depth and size, before every route and before authentication', () => {
  const harness = new Harness((config) => {
    config.api.requestJsonMaxDepth = 32;
    config.api.requestBodyLimitBytes = 64 * 1024;
  });
  let lab: LabFixture;
  let authKey: string;
  // What took the process down: 6,000 nested arrays, 12 KB, well under any size limit.
  const deep = '['.repeat(6000) + ']'.repeat(6000);

  beforeAll(async () => {
    await harness.start({ workers: false });
    lab = await createLabFixture(harness.services.configStore.db);
    const created = await harness.request('POST', '/api/integrations', {
      labId: lab.labId, developerId: lab.developerId, integrationType: 'api', url: 'http://127.0.0.1:9/hook', integrations: [{ actionCategoryId: 1 }],
    });
    authKey = (created.body as { authKey: string }).authKey;
  });
  afterAll(() => harness.stop());

  /** The API still answers: a partner read and an operator read. */
  async function stillServes(): Promise<void> {
    expect((await harness.anonymous().request('GET', `/partner/v1/bills/${lab.billId}`, undefined, { authorization: `Bearer ${authKey}` })).status).toBe(200);
    expect((await harness.request('GET', '/api/meta')).status).toBe(200);
  }

  function expectTooDeep(answer: { status: number; body: any; headers: Headers }): void {
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ status: 400, title: 'Bad Request', detail: expect.stringContaining('nested deeper than 32 levels') });
    expect(answer.body.errors).toEqual([{ field: '(body)', message: 'nested deeper than 32 levels of objects and arrays' }]);
  }

  it('given a deeply nested body to /partner/v1/events without a key, answers 400 (not 401) and keeps serving', async () => {
    expectTooDeep(await harness.anonymous().request('POST', '/partner/v1/events', deep));
    await stillServes();
  });

  it('given the same body with a valid partner key, answers 400 and keeps serving', async () => {
    expectTooDeep(await harness.anonymous().request('POST', '/partner/v1/events', deep, { authorization: `Bearer ${authKey}` }));
    await stillServes();
  });

  it('given it on an operator route, answers 400 before the session is even looked at, signed in or not', async () => {
    expectTooDeep(await harness.anonymous().request('POST', '/api/events', deep));
    expectTooDeep(await harness.request('POST', '/api/events', deep));
    expectTooDeep(await harness.anonymous().request('POST', '/api/session', `{"username":"admin","password":${deep}}`));
    await stillServes();
  });

  it('lets a body within the depth limit through to validation, which names its fields', async () => {
    const nested = (levels: number) => '{"a":'.repeat(levels - 1) + '1' + '}'.repeat(levels - 1);
    const within = await harness.request('POST', '/api/events', `{"extra":${nested(30)}}`);
    expect(within.status).toBe(400);
    expect(within.body.errors.map((e: { field: string }) => e.field)).toContain('extra');
    expectTooDeep(await harness.request('POST', '/api/events', `{"extra":${nested(33)}}`));
  });

  it('refuses a body over the size limit with 413 problem+json, and keeps serving', async () => {
    const big = JSON.stringify({ eventId: 'x'.repeat(70 * 1024) });
    const answer = await harness.anonymous().request('POST', '/partner/v1/events', big, { authorization: `Bearer ${authKey}` });
    expect(answer.status).toBe(413);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    await stillServes();
  });
});
