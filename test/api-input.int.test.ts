import { eq, sql } from 'drizzle-orm';
import { developerAuthentication, eventOutbox, labIntegration } from '../src/db/schema';
import { eventWorkflowId } from '../src/events/business-event';
import { uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';

/** Bad input gets a 4xx problem that names the field, and nothing is written. */
describe('operator API input validation', () => {
  const harness = new Harness();
  let lab: LabFixture;

  beforeAll(async () => {
    await harness.start({ workers: false });
  });
  afterAll(async () => {
    await harness.stop();
  });
  beforeEach(async () => {
    lab = await createLabFixture(harness.services.configStore.db);
  });

  const countRows = async () => {
    const db = harness.services.configStore.db;
    const [auths] = await db.select({ n: sql<number>`count(*)::int` }).from(developerAuthentication);
    const [triggers] = await db.select({ n: sql<number>`count(*)::int` }).from(labIntegration);
    const [outbox] = await db.select({ n: sql<number>`count(*)::int` }).from(eventOutbox);
    return { auths: auths?.n, triggers: triggers?.n, outbox: outbox?.n };
  };

  const validIntegration = () => ({
    labId: lab.labId, developerId: lab.developerId, integrationType: 'webhook', url: 'https://partner.example/hook', integrations: [{ actionCategoryId: 1 }],
  });
  const validEvent = () => ({ eventId: uniqueId('evt'), labId: lab.labId, actionCategoryId: 1, entity: { type: 'bill', id: lab.billId }, activityDate: '2026-11-26T10:00:00Z' });

  it.each([
    ['a missing field', 400, 'labId', (b: Record<string, unknown>) => ({ ...b, labId: undefined })],
    ['a wrong type', 400, 'labId', (b: Record<string, unknown>) => ({ ...b, labId: 'seven' })],
    ['a URL that is not http(s)', 400, 'url', (b: Record<string, unknown>) => ({ ...b, url: 'ftp://partner.example/x' })],
    ['an unknown field', 400, 'colour', (b: Record<string, unknown>) => ({ ...b, colour: 'red' })],
    ['no action categories', 400, 'integrations', (b: Record<string, unknown>) => ({ ...b, integrations: [] })],
    ['a mirth integration without host', 400, 'integrations.0.extraDetails.host', (b: Record<string, unknown>) => ({ ...b, integrationType: 'mirth', payloadType: 'ADT', extraDetails: { port: 6661 } })],
    ['a bad signing secret', 400, 'extraDetails.signingSecret', (b: Record<string, unknown>) => ({ ...b, extraDetails: { signingSecret: 'plain' } })],
    ['an unknown lab', 404, 'labId', (b: Record<string, unknown>) => ({ ...b, labId: 99_999_999 })],
    ['an unknown developer', 404, 'developerId', (b: Record<string, unknown>) => ({ ...b, developerId: 99_999_999 })],
    ['an unknown action category', 400, 'integrations.1.actionCategoryId', (b: Record<string, unknown>) => ({ ...b, integrations: [{ actionCategoryId: 1 }, { actionCategoryId: 777 }] })],
    ['an org outside the lab', 404, 'orgId', (b: Record<string, unknown>) => ({ ...b, isOrg: true, orgId: 10011 })],
    ['an unknown authentication', 404, 'authId', (b: Record<string, unknown>) => ({ ...b, authId: 99_999_999 })],
    // Named by key (SPEC §3), it is matched by its hash within the lab: an unknown key is not found.
    ['an unknown auth key', 404, 'authKey', (b: Record<string, unknown>) => ({ ...b, authKey: 'lw_unknown' })],
    ['both authId and authKey', 400, 'authKey', (b: Record<string, unknown>) => ({ ...b, authId: 1, authKey: 'lw_unknown' })],
    ['the masked x-api-key the API shows', 400, 'extraDetails.x-api-key', (b: Record<string, unknown>) => ({ ...b, extraDetails: { 'x-api-key': '…wxyz' } })],
    ['a previous signing secret', 400, 'extraDetails.previousSigningSecret', (b: Record<string, unknown>) => ({ ...b, extraDetails: { previousSigningSecret: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', expiresAt: '2099-01-01T00:00:00Z' } } })],
    ['credentials in the URL', 400, 'url', (b: Record<string, unknown>) => ({ ...b, url: 'http://user:pass@127.0.0.1/' })],
    ['credentials in a trigger URL', 400, 'integrations.0.url', (b: Record<string, unknown>) => ({ ...b, integrations: [{ actionCategoryId: 1, url: 'https://key@partner.example/x' }] })],
    // Saved, never connected to: the guard's decision is made on the address as written.
    ['a webhook URL on a private address', 400, 'url', (b: Record<string, unknown>) => ({ ...b, url: 'http://10.0.0.5/hook' })],
    ['a trigger URL on a link-local IPv6 address', 400, 'integrations.0.url', (b: Record<string, unknown>) => ({ ...b, integrations: [{ actionCategoryId: 1, url: 'http://[fe80::1]/x' }] })],
    ['a Mirth host on the metadata address', 400, 'extraDetails.host', (b: Record<string, unknown>) => ({ ...b, url: undefined, integrationType: 'mirth', payloadType: 'ADT', extraDetails: { host: '169.254.169.254', port: 6661 } })],
    ['a Mirth trigger host on the unspecified address', 400, 'integrations.0.extraDetails.host', (b: Record<string, unknown>) => ({ ...b, url: undefined, integrationType: 'mirth', payloadType: 'ADT', integrations: [{ actionCategoryId: 1, extraDetails: { host: '0.0.0.0', port: 6661 } }] })],
    ['a template Handlebars cannot parse', 400, 'templateText', (b: Record<string, unknown>) => ({ ...b, templateText: '{"patient":{{json patient}}}' })],
  ])('POST /api/integrations with %s → %i naming %s, nothing written', async (_name, status, field, mutate) => {
    const before = await countRows();
    const response = await harness.request('POST', '/api/integrations', mutate(validIntegration()));
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((response.body.errors as Array<{ field: string }>).map((e) => e.field)).toContain(field);
    expect(response.body.detail).toContain(field);
    expect(await countRows()).toEqual(before);
  });

  it.each([
    ['a missing eventId', 400, 'eventId', (b: Record<string, unknown>) => ({ ...b, eventId: undefined })],
    ['an entity of an unknown type', 400, 'entity.type', (b: Record<string, unknown>) => ({ ...b, entity: { type: 'invoice', id: 1 } })],
    ['a date that is not ISO 8601', 400, 'activityDate', (b: Record<string, unknown>) => ({ ...b, activityDate: 'yesterday' })],
    ['an eventId with spaces', 400, 'eventId', (b: Record<string, unknown>) => ({ ...b, eventId: 'has space' })],
    ['an unknown lab', 404, 'labId', (b: Record<string, unknown>) => ({ ...b, labId: 99_999_999 })],
    ['an unknown action category', 404, 'actionCategoryId', (b: Record<string, unknown>) => ({ ...b, actionCategoryId: 777 })],
  ])('POST /api/events with %s → %i naming %s, nothing written', async (_name, status, field, mutate) => {
    const event: Record<string, unknown> = mutate(validEvent());
    const before = await countRows();
    const response = await harness.request('POST', '/api/events', event);
    expect(response.status).toBe(status);
    expect((response.body.errors as Array<{ field: string }>).map((e) => e.field)).toContain(field);
    expect(await countRows()).toEqual(before);
    if (typeof event.eventId === 'string' && typeof event.labId === 'number') {
      await expect(harness.services.temporal.workflow.getHandle(eventWorkflowId({ labId: event.labId, eventId: event.eventId })).describe()).rejects.toThrow();
    }
  });

  it('refuses URL credentials saying what to use instead', async () => {
    const before = await countRows();
    const response = await harness.request('POST', '/api/integrations', { ...validIntegration(), url: 'http://user:pass@127.0.0.1/' });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ field: 'url', message: expect.stringMatching(/^credentials in the URL are not allowed; set extraDetails\["x-api-key"\]/) }]);
    expect(JSON.stringify(response.body)).not.toContain('pass');
    expect(await countRows()).toEqual(before);
  });

  it.each([
    ['a JSON brace right after a mustache', '{"patient":{{json patient}}}', "is not a valid template: line 1, column 26: '}}}' closes a {{{triple-stash}}}"],
    ['a Handlebars syntax error', '{\n  "a": {{#if patient}}1\n}', 'is not a valid template: line 3, column 2: the template ends inside'],
    ['a template that renders invalid JSON', '{\n  "tests": [{{#each bill.items}}{{json this}},{{/each}}]\n}', "does not produce valid JSON: line 2, column 56: expected a value, found ']' (rendering a bill event with sample data)"],
  ])('refuses %s with 400 naming templateText with line and column, nothing written', async (_name, templateText, message) => {
    const before = await countRows();
    const response = await harness.request('POST', '/api/integrations', { ...validIntegration(), templateText });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body.errors).toEqual([{ field: 'templateText', message: expect.stringContaining(message) }]);
    expect(await countRows()).toEqual(before);
  });

  it('rejects malformed JSON with 400 and an oversized body with 413, as problem+json', async () => {
    const malformed = await harness.request('POST', '/api/events', '{"eventId": ');
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toMatch(/problem\+json/);
    const huge = await harness.request('POST', '/api/integrations', { ...validIntegration(), templateText: 'x'.repeat(2 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.body.title).toBe('Payload Too Large');
    const latin = await harness.request('POST', '/api/events', JSON.stringify(validEvent()), { 'content-type': 'application/json; charset=latin9' });
    expect(latin.status).toBe(415);
    expect(latin.body.title).toBe('Unsupported Media Type');
  });

  it('writes the authentication and its triggers together (one transaction)', async () => {
    const response = await harness.request('POST', '/api/integrations', { ...validIntegration(), integrations: [{ actionCategoryId: 1 }, { actionCategoryId: 4, url: 'https://partner.example/reports' }] });
    expect(response.status).toBe(201);
    const triggers = await harness.services.configStore.db.select().from(labIntegration).where(eq(labIntegration.authId, response.body.authId as number));
    expect(triggers.map((t) => t.actionCategoryId).sort()).toEqual([1, 4]);
  });
});
