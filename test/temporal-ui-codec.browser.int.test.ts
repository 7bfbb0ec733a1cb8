import type { Browser, Page } from 'playwright-core';
import { eventDeliveriesQuery } from '../workflows/definitions';
import { steps } from '../workflows/step-names';
import { eventually, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { launchChromium, screenshot, signIn } from './support/browser';
import { createLabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';
import { TEST_USER_PASSWORD } from './support/users';

describe('the Temporal Web UI decodes through the codec endpoint (Chromium)', () => {
  const harness = new Harness((c) => {
    c.delivery.asyncCallbackTimeoutMs = 60_000;
  });
  const vendor = new Receiver();
  let browser: Browser;

  beforeAll(async () => {
    await vendor.start();
    await harness.start();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await harness.stop();
    await vendor.stop();
  });

  it("an operator signed in to the dashboard reads an async vendor's callback, with the patient's name, decoded in the Web UI", async () => {
    const first = uniqueId('Zephyrine');
    const lab = await createLabFixture(harness.services.configStore.db, { first, last: uniqueId('Quillfeather') });
    const path = `/${uniqueId('vendor')}`;
    vendor.on(path, { status: 202, body: '{"queued":true}' });
    const created = await harness.request('POST', '/api/integrations', {
      labId: lab.labId, developerId: lab.developerId, integrationType: 'async_vendor', url: vendor.url(path),
      extraDetails: { vendor: 'QuickCourier' }, integrations: [{ actionCategoryId: 3 }],
    });
    const { authKey } = created.body as { authKey: string };
    const eventId = uniqueId('evt');
    await harness.request('POST', '/api/events', { eventId, labId: lab.labId, actionCategoryId: 3, entity: { type: 'bill', id: lab.billId }, activityDate: new Date().toISOString() });
    const logId = await eventually(async () => (await harness.logsForEvent(eventId))[0]?._id);
    const workflowId = `event-${lab.labId}-${eventId}`;
    await eventually(async () => (await harness.services.temporal.workflow.getHandle(workflowId).query(eventDeliveriesQuery)).some((d) => d.phase === 'awaiting-callback'));
    await harness.request('POST', `/partner/v1/callbacks/${logId}`, { status: 'SUCCESS', data: { patient: first } }, { authorization: `Bearer ${authKey}` });
    await harness.logWhere(logId, (l) => l.status === 'SUCCESS');

    await harness.as('operator');
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await signIn(page, harness.api.url, 'test-operator', TEST_USER_PASSWORD);
      // Once per browser, as the README says: the codec dialog's browser override with credentials.
      const ui = harness.config.temporal.uiUrl;
      await page.goto(`${ui}/namespaces/${harness.config.temporal.namespace}/workflows`);
      const settings = { endpoint: JSON.stringify(`${harness.api.url}/api/temporal-codec`), includeCredentials: 'true', overrideRemoteCodecConfiguration: 'true' };
      await page.evaluate((items) => {
        const storage = (globalThis as unknown as { localStorage: { setItem(key: string, value: string): void } }).localStorage;
        for (const [key, value] of Object.entries(items)) storage.setItem(key, value);
      }, settings);
      const decodes: number[] = [];
      const seen: string[] = [];
      page.on('response', (response) => {
        if (response.url().includes('/api/temporal-codec/')) seen.push(`${response.request().method()} ${response.url()} ${response.status()}`);
        if (response.url().endsWith('/api/temporal-codec/decode')) decodes.push(response.status());
      });
      page.on('requestfailed', (request) => seen.push(`failed ${request.method()} ${request.url()} ${request.failure()?.errorText ?? ''}`));
      page.on('console', (message) => seen.push(`console ${message.text().slice(0, 200)}`));
      const { runId } = await harness.services.temporal.workflow.getHandle(workflowId).describe();
      await page.goto(`${ui}/namespaces/${harness.config.temporal.namespace}/workflows/${workflowId}/${runId}/history`);
      await eventually(async () => decodes.includes(200), 30_000).catch(async (error: unknown) => {
        await screenshot(page, 'temporal-ui-decoded-failure');
        throw new Error(`${String(error)}; codec traffic: ${JSON.stringify(seen.slice(0, 20))}`);
      });
      // Every event's payloads are decoded on the page: the signal carries the name.
      await eventually(async () => (await page.content()).includes(first) || (await expandAll(page), false), 30_000);
      expect(decodes.every((status) => status === 200)).toBe(true);
      await screenshot(page, 'temporal-ui-decoded');
      // Each step shows its name (workflows/step-names.ts) as its summary, and the current details (decoded) name the log, status and phase.
      // The UI renders markdown (summaries, current details) in frames of their own: read every frame.
      const html = async () => (await Promise.all(page.frames().map((frame) => frame.content().catch(() => '')))).join('\n').replaceAll('&amp;', '&');
      for (const name of [steps.prepareDeliveries, steps.sendAndRecordWebhook, steps.awaitCallback, steps.finalizeCallback]) {
        await eventually(async () => (await html()).includes(name), 10_000).catch((error: unknown) => {
          throw new Error(`step name "${name}" not on the Web UI's history page: ${String(error)}`);
        });
      }
      // The current details: "User Metadata", then "Current Details" (once the workflow has closed, they are queried and decoded when it opens).
      await page.getByText('User Metadata', { exact: true }).first().click({ timeout: 10_000 });
      await page.getByText('Current Details', { exact: true }).first().click({ timeout: 10_000 });
      await eventually(async () => new RegExp(`log ${logId} · SUCCESS · done`).test(await html()), 15_000).catch(async (error: unknown) => {
        await screenshot(page, 'temporal-ui-current-details-failure');
        throw new Error(`current details not on the Web UI's page: ${String(error)}`);
      });
      await screenshot(page, 'temporal-ui-step-names');
    } finally {
      await context.close();
    }
  });
});

/** The history list shows payloads inside each event's details: open them. */
async function expandAll(page: Page): Promise<void> {
  for (const row of await page.locator('[data-testid="event-summary-row"], tr.row, [role="row"]').all()) {
    await row.click({ timeout: 500 }).catch(() => undefined);
  }
}
