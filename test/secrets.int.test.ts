import { randomBytes } from 'node:crypto';
import express from 'express';
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { listen, type RunningServer } from '../src/api/server';
import { postgresContextProvider } from '../src/context/postgres-context-provider';
import { NotFoundError } from '../src/errors';
import type { LogDocument } from '../src/logstore/log-document';
import { eventually, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import type { ApiClient } from './support/api-client';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';
import { SseClient } from './support/sse-client';

const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;
const LAB_BACKEND_KEY = `lab-backend-${randomBytes(16).toString('hex')}`;
const AUTH_API_KEY = `auth-level-x-api-key-${randomBytes(12).toString('hex')}`;
const TRIGGER_API_KEY = `trigger-level-x-api-key-${randomBytes(12).toString('hex')}`;
const AUTH_SECRET = whsec();
const TRIGGER_SECRET = whsec();

/**
 * Issue 10, Build 1: integration secrets are write-only. Every secret the stack holds is known to
 * this test (auth keys, x-api-keys, signing secrets, the lab backend's key), all of them in real
 * use: the lab backend answers only with its key, partners receive x-api-key and signatures.
 */
describe('secrets: written once, never read back by any role', () => {
  const receiver = new Receiver();
  const harness = new Harness((config) => {
    config.partnerAddressRateLimitPerMinute = 100_000;
    config.partnerRateLimitPerMinute = 100_000;
  });
  let labBackend: RunningServer;
  const labBackendCalls = { withKey: 0, without: 0 };
  let lab: LabFixture;
  let authId: number;
  const secrets: string[] = [LAB_BACKEND_KEY, AUTH_API_KEY, TRIGGER_API_KEY, AUTH_SECRET, TRIGGER_SECRET];
  let currentAuthKey: string;
  let rotatedSecret: string;
  let successLog: LogDocument;
  let failedLog: LogDocument;
  let apiLogId: string;
  let bulkId: string;
  const okPath = `/${uniqueId('secret-ok')}`;
  const failPath = `/${uniqueId('secret-fail')}`;

  const emit = async (actionCategoryId: number) => {
    const eventId = uniqueId('evt');
    const answer = await harness.request('POST', '/api/events', { eventId, labId: lab.labId, actionCategoryId, entity: { type: 'bill', id: lab.billId }, activityDate: new Date().toISOString() });
    expect(answer.status).toBe(202);
    return eventId;
  };
  const partnerGet = (path: string, key: string) => harness.anonymous().request('GET', path, undefined, { authorization: `Bearer ${key}` });

  beforeAll(async () => {
    await receiver.start();
    receiver.on(okPath, { status: 200, body: 'thanks' }).on(failPath, { status: 404, body: 'no such hook' });
    // A lab backend that serves the sample schema, and only to callers that send its key.
    const fromPostgres = () => postgresContextProvider(harness.services.configStore.db);
    const app = express();
    app.use((req, res, next) => {
      if (req.get('x-api-key') !== LAB_BACKEND_KEY) {
        labBackendCalls.without += 1;
        return void res.status(401).send('key please');
      }
      labBackendCalls.withKey += 1;
      next();
    });
    app.get('/labs/:labId', async (req, res) => void res.json(await fromPostgres().loadLab(Number(req.params.labId))));
    app.get('/labs/:labId/:type/:id', async (req, res) => {
      try {
        const type = req.params.type.replace(/s$/, '') as 'bill' | 'report' | 'patient';
        res.json(await fromPostgres().loadEntity(Number(req.params.labId), { type, id: Number(req.params.id) }));
      } catch (error) {
        res.status(error instanceof NotFoundError ? 404 : 500).send('failed');
      }
    });
    labBackend = await listen(app, '127.0.0.1', 0);
    harness.config.contextProvider = { kind: 'http', baseUrl: labBackend.url, apiKey: LAB_BACKEND_KEY };
    await harness.start();
    lab = await createLabFixture(harness.services.configStore.db);

    // Given an integration with secrets at both levels…
    const created = await harness.request('POST', '/api/integrations', {
      labId: lab.labId,
      developerId: lab.developerId,
      integrationType: 'webhook',
      url: receiver.url(okPath),
      extraDetails: { 'x-api-key': AUTH_API_KEY, signingSecret: AUTH_SECRET, vendor: 'first' },
      integrations: [{ actionCategoryId: 1 }, { actionCategoryId: 2, url: receiver.url(failPath), extraDetails: { 'x-api-key': TRIGGER_API_KEY, signingSecret: TRIGGER_SECRET } }],
    });
    expect(created.status).toBe(201);
    authId = created.body.authId;
    secrets.push(created.body.authKey);
    // …updated by id without its secrets (they stay), its key regenerated and its signing secret rotated.
    const updated = await harness.request('POST', '/api/integrations', {
      authId,
      labId: lab.labId,
      developerId: lab.developerId,
      integrationType: 'webhook',
      url: receiver.url(okPath),
      extraDetails: { vendor: 'second' },
      integrations: [{ actionCategoryId: 1 }, { actionCategoryId: 2, url: receiver.url(failPath) }],
    });
    expect(updated.status).toBe(200);
    expect(JSON.stringify(updated.body)).not.toContain(created.body.authKey);
    // …and named by its key, as SPEC §3 has it: the same authentication, the key not echoed back.
    const byKey = await harness.request('POST', '/api/integrations', {
      authKey: created.body.authKey,
      labId: lab.labId,
      developerId: lab.developerId,
      integrationType: 'webhook',
      url: receiver.url(okPath),
      extraDetails: { vendor: 'second' },
      integrations: [{ actionCategoryId: 1 }, { actionCategoryId: 2, url: receiver.url(failPath) }],
    });
    expect(byKey.status).toBe(200);
    expect(byKey.body.authId).toBe(authId);
    expect(JSON.stringify(byKey.body)).not.toContain(created.body.authKey);
    const regenerated = await harness.request('POST', `/api/authentications/${authId}/regenerate-key`);
    expect(regenerated.status).toBe(200);
    currentAuthKey = regenerated.body.authKey;
    secrets.push(currentAuthKey);
    const rotated = await harness.request('POST', `/api/authentications/${authId}/rotate-signing-secret`, {});
    expect(rotated.status).toBe(200);
    rotatedSecret = rotated.body.signingSecret;
    secrets.push(rotatedSecret);

    // Deliveries that used every secret: one SUCCESS, one FAIL (then bulk-retried), a partner call.
    const okEvent = await emit(1);
    const failEvent = await emit(2);
    successLog = (await harness.settledLogs(okEvent, 1))[0]!;
    failedLog = (await harness.settledLogs(failEvent, 1))[0]!;
    expect(successLog.status).toBe('SUCCESS');
    expect(failedLog.status).toBe('FAIL');
    const [delivered] = receiver.requestsTo(okPath);
    expect(delivered?.headers['x-api-key']).toBe(AUTH_API_KEY);
    expect(receiver.requestsTo(failPath)[0]?.headers['x-api-key']).toBe(TRIGGER_API_KEY);
    expect(labBackendCalls.withKey).toBeGreaterThan(0);
    expect((await partnerGet(`/partner/v1/bills/${lab.billId}`, currentAuthKey)).status).toBe(200);
    const apiLog = await eventually(async () => (await harness.store.logs.findOne({ type: 'API', auth_id: authId })) ?? undefined);
    apiLogId = apiLog._id;
    // The log names the key by its prefix.
    expect(apiLog.request?.headers.authorization).toBe(`Bearer ${currentAuthKey.slice(0, 12)}…`);
    const bulk = await (await harness.as('operator')).request('POST', '/api/logs/retry', { ids: [failedLog._id] });
    expect(bulk.status).toBe(202);
    bulkId = bulk.body.bulkId;
    await harness.logWhere(failedLog._id, (log) => log.retry_count === 1);
  }, 120_000);

  afterAll(async () => {
    await harness.stop();
    await labBackend?.close();
    await receiver.stop();
  });

  /** Each secret, and its random part alone (a whsec_ secret's base64, a key without lw_). */
  const needles = () => secrets.flatMap((s) => [s, s.replace(/^(whsec_|lw_)/, '')]);
  const leaks = (text: string) => needles().filter((needle) => text.includes(needle));

  it.each(['viewer', 'operator', 'admin'] as const)('signed in as %s, no secret shows in any GET route of the OpenAPI document, the live stream or the dashboard pages', async (role) => {
    const client: ApiClient = await harness.as(role);
    const stream = await new SseClient().connect(`${harness.api.url}/api/stream`, await client.cookieHeader());
    try {
      // A delivery while the stream is open, so it carries changes of this lab's logs.
      const streamedEvent = await emit(1);
      const [streamed] = await harness.settledLogs(streamedEvent, 1);
      await eventually(async () => stream.raw.includes(streamed!._id));

      const doc = await client.request('GET', '/api/openapi.json');
      expect(doc.status).toBe(200);
      const getPaths = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)
        .filter(([, methods]) => 'get' in methods)
        .map(([path]) => path);
      expect(getPaths).toEqual(expect.arrayContaining(['/api/labs/{labId}/integrations', '/api/logs/{id}', '/api/logs/{id}/history', '/api/bulk-retries/{id}', '/api/stream']));

      const urls: string[] = [];
      for (const path of getPaths.filter((p) => p !== '/api/stream')) {
        const ids = path.startsWith('/api/logs/{id}') ? [successLog._id, failedLog._id, apiLogId] : path.startsWith('/api/bulk-retries') ? [bulkId] : [''];
        for (const id of ids) {
          const filled = path.replace('{labId}', String(lab.labId)).replace('{id}', id);
          urls.push(filled);
          if (path === '/api/logs') urls.push(`${filled}?labId=${lab.labId}`, `${filled}?type=API&labId=${lab.labId}`, `${filled}?type=WEBHOOK&labId=${lab.labId}&status=FAIL`);
        }
      }
      urls.push('/metrics', '/healthz', '/readyz', '/partner/v1/openapi.json', '/', '/integrations', '/users', `/?tab=webhook&labId=${lab.labId}`, `/logs/${successLog._id}`);
      const seen: Record<string, number> = {};
      let everything = '';
      for (const url of urls) {
        const answer = await client.request('GET', url);
        seen[url] = answer.status;
        const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        everything += text;
        expect({ url, leaks: leaks(text) }).toEqual({ url, leaks: [] });
        // The dashboard's own scripts and styles too.
        for (const asset of text.match(/\/assets\/[\w.-]+\.(?:js|css)/g) ?? []) {
          const body = await (await fetch(`${harness.api.url}${asset}`)).text();
          expect({ url: asset, leaks: leaks(body) }).toEqual({ url: asset, leaks: [] });
        }
      }
      // The walk read real answers: the integration (by its prefix, secrets masked), the logs and their history.
      expect(seen[`/api/labs/${lab.labId}/integrations`]).toBe(200);
      expect(seen[`/api/logs/${successLog._id}`]).toBe(200);
      expect(seen[`/api/logs/${successLog._id}/history`]).toBe(200);
      expect(seen[`/api/bulk-retries/${bulkId}`]).toBe(200);
      expect(everything).toContain(currentAuthKey.slice(0, 12));
      expect(everything).toContain(`…${AUTH_API_KEY.slice(-4)}`);
      expect(everything).toContain(`…${rotatedSecret.slice(-4)}`);
      expect(everything).toContain('[REDACTED]');

      expect({ url: '/api/stream', leaks: leaks(stream.raw) }).toEqual({ url: '/api/stream', leaks: [] });
    } finally {
      await stream.close();
    }
  }, 90_000);

  it('developer_authentication holds no usable key: every stored value is refused as a bearer token (401)', async () => {
    const rows = await harness.services.configStore.db.execute<Record<string, unknown>>(sql`select * from developer_authentication where lab_id = ${lab.labId}`);
    expect(rows.length).toBeGreaterThan(0);
    const values = new Set<string>();
    const collect = (value: unknown): void => {
      if (value === null || value === undefined) return;
      if (value instanceof Date) values.add(value.toISOString());
      else if (Array.isArray(value)) value.forEach(collect);
      else if (typeof value === 'object') {
        values.add(JSON.stringify(value));
        Object.values(value).forEach(collect);
      } else values.add(`${value as string | number | boolean}`);
    };
    for (const row of rows) Object.values(row).forEach(collect);
    expect([...values]).toEqual(expect.arrayContaining([currentAuthKey.slice(0, 12)]));
    for (const value of values) {
      const answer = await partnerGet(`/partner/v1/bills/${lab.billId}`, value);
      expect({ value, status: answer.status }).toEqual({ value, status: 401 });
    }
    // The key itself still works: what is stored is enough to check a key, not to be one.
    expect((await partnerGet(`/partner/v1/bills/${lab.billId}`, currentAuthKey)).status).toBe(200);
  });

  it('a rotated signing secret: during the overlap partners verify with either secret; after it, only with the new one', async () => {
    const path = `/${uniqueId('rotation')}`;
    receiver.on(path, { status: 200 });
    const oldSecret = whsec();
    const created = await harness.request('POST', '/api/integrations', {
      labId: lab.labId, developerId: lab.developerId, integrationType: 'webhook', url: receiver.url(path),
      extraDetails: { signingSecret: oldSecret }, integrations: [{ actionCategoryId: 3 }],
    });
    expect(created.status).toBe(201);
    const id: number = created.body.authId;
    const rotated = await harness.request('POST', `/api/authentications/${id}/rotate-signing-secret`, {});
    expect(rotated.body).toMatchObject({ id, signingSecret: expect.stringMatching(/^whsec_/), previousSecretSignsUntil: expect.any(String) });
    const newSecret: string = rotated.body.signingSecret;
    // The default overlap (SIGNING_SECRET_OVERLAP_HOURS = 24).
    expect(Date.parse(rotated.body.previousSecretSignsUntil) - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    const listed = (await harness.request('GET', `/api/labs/${lab.labId}/integrations`)).body.authentications.find((a: { id: number }) => a.id === id);
    expect(listed.extraDetails).toEqual({ signingSecret: `…${newSecret.slice(-4)}`, previousSigningSecret: { secret: `…${oldSecret.slice(-4)}`, expiresAt: rotated.body.previousSecretSignsUntil } });

    const deliverOnce = async () => {
      const before = receiver.requestsTo(path).length;
      await harness.settledLogs(await emit(3), 1);
      return receiver.requestsTo(path)[before]!;
    };
    const verifies = (secret: string, request: { body: string; headers: Record<string, string> }) => {
      try {
        new Webhook(secret).verify(request.body, request.headers);
        return true;
      } catch {
        return false;
      }
    };

    const during = await deliverOnce();
    expect(during.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect({ old: verifies(oldSecret, during), new: verifies(newSecret, during), other: verifies(whsec(), during) }).toEqual({ old: true, new: true, other: false });

    // Given the overlap has ended (its end moved into the past)…
    await harness.services.configStore.db.execute(
      sql`update developer_authentication set extra_details = jsonb_set(extra_details, '{previousSigningSecret,expiresAt}', to_jsonb(${new Date(Date.now() - 1000).toISOString()}::text)) where id = ${id}`,
    );
    const after = await deliverOnce();
    expect(after.headers['webhook-signature']?.split(' ')).toHaveLength(1);
    expect({ old: verifies(oldSecret, after), new: verifies(newSecret, after) }).toEqual({ old: false, new: true });
    const relisted = (await harness.request('GET', `/api/labs/${lab.labId}/integrations`)).body.authentications.find((a: { id: number }) => a.id === id);
    expect(relisted.extraDetails).not.toHaveProperty('previousSigningSecret');

    // A rotation with no overlap: only the newest secret signs at once.
    const abrupt = await harness.request('POST', `/api/authentications/${id}/rotate-signing-secret`, { overlapSeconds: 0 });
    expect(abrupt.body.previousSecretSignsUntil).toBeNull();
    const next = await deliverOnce();
    expect({ previous: verifies(newSecret, next), newest: verifies(abrupt.body.signingSecret, next) }).toEqual({ previous: false, newest: true });
  }, 60_000);

  it('an x-api-key can be removed with null; the masked value sent back is refused; another lab cannot name the authentication', async () => {
    const integration = (extraDetails: Record<string, unknown>) => ({
      authId, labId: lab.labId, developerId: lab.developerId, integrationType: 'webhook', url: receiver.url(okPath), extraDetails,
      integrations: [{ actionCategoryId: 1 }, { actionCategoryId: 2, url: receiver.url(failPath) }],
    });
    const masked = await harness.request('POST', '/api/integrations', integration({ 'x-api-key': `…${AUTH_API_KEY.slice(-4)}` }));
    expect(masked.status).toBe(400);
    expect(masked.body.errors[0].field).toBe('extraDetails.x-api-key');
    expect((await harness.request('POST', '/api/integrations', integration({ 'x-api-key': null }))).status).toBe(200);
    const listed = (await harness.request('GET', `/api/labs/${lab.labId}/integrations`)).body.authentications.find((a: { id: number }) => a.id === authId);
    expect(listed.extraDetails).not.toHaveProperty('x-api-key');
    // The trigger's own key and the signing secret were left out: they stay.
    expect(listed.extraDetails.signingSecret).toBe(`…${rotatedSecret.slice(-4)}`);
    expect(listed.integrations.find((t: { actionCategoryId: number }) => t.actionCategoryId === 2).integrationExtraDetails['x-api-key']).toBe(`…${TRIGGER_API_KEY.slice(-4)}`);
    // An authentication is named by id within its own lab only.
    const otherLab = await createLabFixture(harness.services.configStore.db);
    const foreign = await harness.request('POST', '/api/integrations', { ...integration({}), labId: otherLab.labId, developerId: otherLab.developerId });
    expect(foreign.status).toBe(404);
    expect(foreign.body.errors[0].field).toBe('authId');
  });
});
