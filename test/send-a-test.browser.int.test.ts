import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { developerAuthentication, developers, labs } from '../src/db/schema';
import { launchChromium, screenshot, signIn } from './support/browser';
import { uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';
import { TEST_ADMIN_PASSWORD } from './support/test-environment';

jest.setTimeout(90_000);

const TEMPLATE = (comma: boolean) =>
  ['{', `  "bill": "{{bill.billNumber}}"${comma ? ',' : ''}`, '  "patient": "{{patient.firstName}} {{patient.lastName}}",', '  "total": {{bill.totalAmount}}', '}'].join('\n');

/**
 * Send a test (issue 11, item 7) in real headless Chromium: an admin drafts an integration in
 * Manage Integrations, previews it with live data, sees a template error at its line and column
 * before saving, then sends a test and sees the partner's status and body.
 */
describe('Send a test from Manage Integrations, in Chromium', () => {
  const harness = new Harness();
  const receiver = new Receiver();
  let browser: Browser;
  let page: Page;
  let lab: LabFixture;
  const path = `/${uniqueId('acme-orders')}`;

  beforeAll(async () => {
    await Promise.all([receiver.start(), harness.start()]);
    receiver.on(path, { status: 200, body: '{"accepted":true,"partnerRef":"ACME-7781"}', headers: { 'content-type': 'application/json' } });
    browser = await launchChromium();
    const db = harness.services.configStore.db;
    lab = await createLabFixture(db, { first: 'Meera', last: 'Iyer' });
    await db.update(labs).set({ name: `Lakeside Diagnostics ${lab.labId}`, city: 'Pune' }).where(eq(labs.id, lab.labId));
    await db.update(developers).set({ name: `Acme EHR ${lab.developerId}` }).where(eq(developers.id, lab.developerId));
  });
  afterAll(async () => {
    await browser?.close();
    await harness.stop();
    await receiver.stop();
  });

  it('previews with live data, shows a template error at its line and column, and sends a test showing the partner’s answer', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, timezoneId: 'Asia/Kolkata' });
    page = await context.newPage();
    await signIn(page, harness.api.url, 'admin', TEST_ADMIN_PASSWORD, '/integrations');
    await page.getByTestId('lab-search').fill(String(lab.labId));
    await page.locator(`[data-testid="lab-result"][data-lab-id="${lab.labId}"]`).click();
    await page.getByTestId('int-developer').selectOption(String(lab.developerId));
    await page.getByTestId('int-integration-id').selectOption({ label: 'Create new' });
    await page.getByTestId('int-integrationType').selectOption('webhook');
    await page.getByTestId('int-url').fill(receiver.url(path));
    await page.getByTestId('int-extraDetails-x-api-key').fill('acme-test-key-0123456789');
    await page.getByTestId('flag-enabled-1').check();

    // A template missing a comma: reported under the template field with its line and column, before saving.
    await page.getByTestId('int-templateText').fill(TEMPLATE(false));
    await page.getByTestId('test-preview').click();
    await page.getByTestId('error-int-templateText-error').waitFor();
    expect(await page.getByTestId('error-int-templateText-error').innerText()).toContain('line 3, column 3');
    expect(await page.getByTestId('test-template-error').innerText()).toContain('line 3, column 3');
    expect(receiver.requestsTo(path)).toHaveLength(0);

    // Fixed: the preview renders the lab's most recent bill from live data, the key redacted.
    await page.getByTestId('int-templateText').fill(TEMPLATE(true));
    await page.getByTestId('test-preview').click();
    await page.getByTestId('test-preview-result').waitFor();
    expect(await page.getByTestId('error-int-templateText-error').count()).toBe(0);
    expect(await page.getByTestId('test-preview-event').innerText()).toContain(`bill #${lab.billId}`);
    expect(await page.getByTestId('test-preview-request').innerText()).toContain(`POST ${receiver.url(path)}`);
    const body = await page.getByTestId('test-preview-body').innerText();
    expect(body).toContain('"patient": "Meera Iyer"');
    expect(await page.getByTestId('send-test-panel').innerText()).toContain('[REDACTED]');
    expect(await page.getByTestId('send-test-panel').innerText()).not.toContain('acme-test-key-0123456789');
    expect(receiver.requestsTo(path)).toHaveLength(0);

    // Sent once, for real: the partner's status and body in the dialog.
    await page.getByTestId('test-send').click();
    await page.getByTestId('test-result').waitFor();
    expect(await page.getByTestId('test-result').getAttribute('data-status')).toBe('SUCCESS');
    expect(await page.getByTestId('test-status-code').innerText()).toBe('HTTP 200');
    expect(await page.getByTestId('test-response-body').innerText()).toContain('"partnerRef": "ACME-7781"');
    expect(receiver.requestsTo(path)).toHaveLength(1);
    expect(receiver.requestsTo(path)[0]!.headers['x-api-key']).toBe('acme-test-key-0123456789');
    // Nothing was saved by previewing or testing.
    expect(await harness.services.configStore.db.select().from(developerAuthentication).where(eq(developerAuthentication.labId, lab.labId))).toHaveLength(0);

    await page.evaluate(() => (globalThis as any).document.querySelector('[data-testid="send-test-panel"]').scrollIntoView());
    await screenshot(page, 'send-a-test');

    // The test log: listed with its badge, without a Retry button.
    const logUrl = await page.getByTestId('test-log-link').getAttribute('href');
    await page.getByTestId('test-log-link').click();
    await page.getByTestId('detail-test').waitFor();
    expect(page.url()).toContain(logUrl!);
    expect(await page.getByTestId('detail-retry').count()).toBe(0);
    await page.goto(`${harness.api.url}/?tab=webhook&labId=${lab.labId}`);
    await page.getByTestId('row-test').waitFor();
    await context.close();
  });
});
