import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, screenshot, signIn } from './support/browser';
import { eventually, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { billEvent, webhookIntegration } from './support/integrations';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';
import { TEST_ADMIN_PASSWORD } from './support/test-environment';

jest.setTimeout(120_000);

/** The Endpoints page in real headless Chromium against the real stack (issue 13, item 1). */
describe('Endpoints page in Chromium', () => {
  const harness = new Harness();
  const healthy = new Receiver();
  const failing = new Receiver();
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  // One lab sends each event to both endpoints, so its filter shows exactly these two.
  let lab: LabFixture;
  const failedLogIds: string[] = [];
  const hostOf = (receiver: Receiver) => new URL(receiver.url('/')).host;

  const deliver = async () => {
    const event = billEvent(lab, uniqueId('endpoints-ui'));
    expect((await harness.request('POST', '/api/events', event)).status).toBe(202);
    return harness.settledLogs(event.eventId, 2);
  };

  beforeAll(async () => {
    await healthy.start();
    await failing.start();
    await harness.start();
    browser = await launchChromium();
    const db = harness.services.configStore.db;
    lab = await createLabFixture(db);
    healthy.on('/hook', { status: 200, body: '{}' });
    failing.on('/hook', { status: 200, body: '{}' });
    await webhookIntegration(db, lab, healthy.url('/hook'));
    await webhookIntegration(db, lab, failing.url('/hook'));
    await deliver();
    failing.on('/hook', { status: 410, body: '{"error":"endpoint removed"}' });
    for (let i = 0; i < 3; i++) failedLogIds.push((await deliver()).find((log) => log.endpoint === hostOf(failing))!._id);
  });
  afterAll(async () => {
    await browser?.close();
    await harness.stop();
    await healthy.stop();
    await failing.stop();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
  });
  afterEach(() => context.close());

  const endpointRow = (receiver: Receiver) => page.locator(`[data-testid="endpoint-row"][data-endpoint="${hostOf(receiver)}"]`);

  it('shows each endpoint of a lab with its health, worst first, and links to its errors and its integration', async () => {
    await signIn(page, harness.api.url, 'admin', TEST_ADMIN_PASSWORD, '/');
    await page.getByTestId('nav-endpoints').click();
    await page.getByTestId('endpoints-page').waitFor();
    await page.getByTestId('endpoints-filter-lab').fill(String(lab.labId));
    await page.getByTestId('endpoints-filter-lab').press('Enter');
    await page.waitForURL(`**/endpoints?labId=${lab.labId}`);
    const bad = endpointRow(failing);
    await bad.waitFor();
    await expect(bad.getAttribute('data-health')).resolves.toBe('degraded');
    await expect(bad.getByTestId('endpoint-consecutive').textContent()).resolves.toBe('3');
    await expect(bad.textContent()).resolves.toContain('endpoint removed');
    await expect(endpointRow(healthy).getAttribute('data-health')).resolves.toBe('healthy');
    const order = await page.getByTestId('endpoint-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-endpoint')));
    expect(order).toEqual([hostOf(failing), hostOf(healthy)]);

    // Errors: the deliveries list, filtered to this endpoint's failures.
    await bad.getByTestId('endpoint-errors-link').click();
    await page.getByTestId('filter-endpoint').waitFor();
    await expect(page.getByTestId('filter-endpoint').textContent()).resolves.toContain(hostOf(failing));
    await page.locator(`[data-testid="log-row"][data-log-id="${failedLogIds[2]}"]`).waitFor();
    const listed = await page.getByTestId('log-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-log-id')));
    expect([...listed].sort()).toEqual([...failedLogIds].sort());

    // Manage: the integration that sends there, opened in Manage Integrations.
    await page.goBack();
    await endpointRow(failing).getByTestId('endpoint-manage-link').click();
    await page.getByTestId('selected-lab').waitFor();
    await expect(page.getByTestId('selected-lab').textContent()).resolves.toContain(`#${lab.labId}`);
  });

  it('lets an operator pause an endpoint with a reason (its new delivery waits, QUEUED with the reason), shows it, and resume it; alerts are listed; a viewer has no buttons', async () => {
    failing.on('/hook', { status: 200, body: '{}' });
    await signIn(page, harness.api.url, 'admin', TEST_ADMIN_PASSWORD, `/endpoints?labId=${lab.labId}`);
    const row = endpointRow(failing);
    await row.waitFor();
    await row.getByTestId('endpoint-pause').click();
    await row.getByTestId('endpoint-reason').fill('Partner maintenance until 22:00');
    await row.getByTestId('endpoint-confirm').click();
    // The pause comes back through the live stream (event: endpoint) and reloads the page.
    await page.locator(`[data-testid="endpoint-row"][data-endpoint="${hostOf(failing)}"] [data-testid="endpoint-flow"][data-paused="true"]`).waitFor({ timeout: 20_000 });
    await expect(row.getByTestId('endpoint-pause-reason').textContent()).resolves.toContain('by admin: Partner maintenance until 22:00');
    const order = await page.getByTestId('endpoint-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-endpoint')));
    expect(order[0]).toBe(hostOf(failing));

    const event = billEvent(lab, uniqueId('endpoints-ui-paused'));
    expect((await harness.request('POST', '/api/events', event)).status).toBe(202);
    // The healthy endpoint's log settles; the paused one's waits.
    const waiting = await eventually(async () => {
      const logs = await harness.logsForEvent(event.eventId);
      return logs.length === 2 && logs.some((log) => log.status === 'SUCCESS') ? logs.find((log) => log.endpoint === hostOf(failing)) : undefined;
    });
    expect(waiting.status).toBe('QUEUED');
    expect(waiting.error_message).toMatch(/^Waiting: endpoint paused since .* by admin: Partner maintenance until 22:00$/);
    await page.getByTestId('alerts-list').locator('[data-testid="alert-item"][data-kind="paused"]').first().waitFor({ timeout: 20_000 });
    await screenshot(page, 'endpoints');

    await row.getByTestId('endpoint-resume').click();
    await row.getByTestId('endpoint-reason').fill('Partner is back');
    await row.getByTestId('endpoint-confirm').click();
    await page.locator(`[data-testid="endpoint-row"][data-endpoint="${hostOf(failing)}"] [data-testid="endpoint-flow"][data-paused="false"]`).waitFor({ timeout: 20_000 });
    expect((await harness.settledLogs(event.eventId, 2, 20_000)).map((log) => log.status)).toEqual(['SUCCESS', 'SUCCESS']);
    await page.getByTestId('alerts-list').locator('[data-testid="alert-item"][data-kind="resumed"]').first().waitFor({ timeout: 20_000 });

    const username = uniqueId('endpoints-viewer');
    const created = await harness.request('POST', '/api/users', { username, role: 'viewer' });
    const viewerContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const viewerPage = await viewerContext.newPage();
    await signIn(viewerPage, harness.api.url, username, created.body.password, `/endpoints?labId=${lab.labId}`);
    await viewerPage.getByTestId('endpoint-flow').first().waitFor();
    expect(await viewerPage.getByTestId('endpoint-pause').count()).toBe(0);
    await viewerContext.close();
  });
});
