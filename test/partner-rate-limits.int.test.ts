import { randomBytes } from 'node:crypto';
import { eventually } from './support/fixtures';
import { Harness } from './support/harness';
import { createLabFixture } from './support/lab-fixtures';
import type { ApiAnswer } from './support/api-client';

/** Issue 9, item 2: limits by address before authentication, by verified key after it; refusals are counted, not each logged. */
describe('partner API rate limits', () => {
  async function partnerKey(harness: Harness): Promise<{ authKey: string; billId: number }> {
    const lab = await createLabFixture(harness.services.configStore.db);
    const created = await harness.request('POST', '/api/integrations', {
      labId: lab.labId, developerId: lab.developerId, integrationType: 'api', url: 'http://127.0.0.1:9/hook', integrations: [{ actionCategoryId: 1 }],
    });
    return { authKey: (created.body as { authKey: string }).authKey, billId: lab.billId };
  }

  async function refusedCallsCounted(harness: Harness, status: number): Promise<number> {
    const text = (await harness.request('GET', '/metrics')).body as string;
    return Number(new RegExp(`^labwire_partner_refused_calls_total\\{status="${status}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  }

  describe('a made-up key per call', () => {
    const harness = new Harness((config) => {
      config.partnerAddressRateLimitPerMinute = 50;
    });
    beforeAll(() => harness.start({ workers: false }));
    afterAll(() => harness.stop());

    it('is limited by address (429 after the limit) and adds at most one API log for the whole flood', async () => {
      const apiLogs = () => harness.store.logs.countDocuments({ type: 'API' });
      const startedAt = new Date();
      const logsBefore = await apiLogs();
      const counted401 = await refusedCallsCounted(harness, 401);
      const counted429 = await refusedCallsCounted(harness, 429);

      const answers: ApiAnswer[] = [];
      for (let batch = 0; batch < 50; batch++) {
        answers.push(
          ...(await Promise.all(
            Array.from({ length: 20 }, () =>
              harness.anonymous().request('POST', '/partner/v1/events', { junk: 'x'.repeat(10_000) }, { authorization: `Bearer lw_${randomBytes(16).toString('hex')}` }),
            ),
          )),
        );
      }
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(50);
      expect(statuses.filter((s) => s === 429)).toHaveLength(950);
      const limited = answers.find((a) => a.status === 429)!;
      expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(limited.body.detail).toBe('At most 50 requests per minute per client address.');

      // Every refusal is counted …
      expect((await refusedCallsCounted(harness, 401)) - counted401).toBe(50);
      expect((await refusedCallsCounted(harness, 429)) - counted429).toBe(950);
      // … and one of them (the first of the address this minute) is logged, with a short body.
      const sample = await eventually(() =>
        harness.store.logs.findOne({ type: 'API', response_status_code: 401, inserted_at: { $gte: startedAt } }).then((d) => d ?? undefined),
      );
      expect(sample.request?.body?.length).toBeLessThan(2_100);
      // Absence cannot be awaited: give writes that would follow the responses a moment to land.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await apiLogs()) - logsBefore).toBeLessThanOrEqual(1);
    });
  });

  describe('X-Forwarded-For', () => {
    const unknownKey = { authorization: 'Bearer lw_0000000000000000000000000000dead' };
    const statusesOf = async (harness: Harness, forwardedFor: string[]) => {
      const statuses: number[] = [];
      for (const address of forwardedFor) {
        statuses.push((await harness.anonymous().request('GET', '/partner/v1/bills/1', undefined, { ...unknownKey, 'x-forwarded-for': address })).status);
      }
      return statuses;
    };

    describe('with TRUST_PROXY unset (no proxy trusted)', () => {
      const harness = new Harness((config) => {
        config.partnerAddressRateLimitPerMinute = 3;
      });
      beforeAll(() => harness.start({ workers: false }));
      afterAll(() => harness.stop());

      it('is ignored: a client naming a new address on each call is still limited by its own', async () => {
        const statuses = await statusesOf(harness, ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5']);
        expect(statuses).toEqual([401, 401, 401, 429, 429]);
      });
    });

    describe('with TRUST_PROXY=loopback (the API behind a proxy on this host)', () => {
      const harness = new Harness((config) => {
        config.partnerAddressRateLimitPerMinute = 3;
        config.api.trustProxy = ['loopback'];
      });
      beforeAll(() => harness.start({ workers: false }));
      afterAll(() => harness.stop());

      it('names the client: two forwarded addresses are counted apart', async () => {
        expect(await statusesOf(harness, ['203.0.113.7', '203.0.113.7', '203.0.113.7', '203.0.113.7'])).toEqual([401, 401, 401, 429]);
        expect(await statusesOf(harness, ['203.0.113.8'])).toEqual([401]);
      });
    });
  });

  describe('a verified key', () => {
    const harness = new Harness((config) => {
      config.partnerRateLimitPerMinute = 5;
      config.partnerAddressRateLimitPerMinute = 8;
    });
    beforeAll(() => harness.start({ workers: false }));
    afterAll(() => harness.stop());

    it("is limited per key after authentication, and its calls count toward its address's allowance too", async () => {
      const first = await partnerKey(harness);
      const second = await partnerKey(harness);
      const call = (key: { authKey: string; billId: number }) =>
        harness.anonymous().request('GET', `/partner/v1/bills/${key.billId}`, undefined, { authorization: `Bearer ${key.authKey}` });

      const firstAnswers: ApiAnswer[] = [];
      for (let i = 0; i < 7; i++) firstAnswers.push(await call(first));
      expect(firstAnswers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 429, 429]);
      expect(firstAnswers[5]!.body.detail).toBe('At most 5 requests per minute per auth key.');

      // Another key has its own allowance, but the address has used 7 of its 8.
      expect((await call(second)).status).toBe(200);
      const overAddress = await call(second);
      expect(overAddress.status).toBe(429);
      expect(overAddress.body.detail).toBe('At most 8 requests per minute per client address.');
    });
  });
});
