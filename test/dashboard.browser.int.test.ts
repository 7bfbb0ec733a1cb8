import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { createApp } from '../src/api/app';
import { listen } from '../src/api/server';
import { developers, labs } from '../src/db/schema';
import { launchChromium, screenshot, signIn } from './support/browser';
import { uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { billEvent, webhookIntegration } from './support/integrations';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';
import { writeLogHistory } from './support/log-history';
import { TEST_ADMIN_PASSWORD } from './support/test-environment';
import { ensureTestUser, TEST_USER_PASSWORD } from './support/users';

jest.setTimeout(90_000);

/**
 * The dashboard in real headless Chromium against the real API, workers, Temporal, PostgreSQL and
 * FerretDB: what a support operator and an admin do, step by step.
 */
describe('dashboard in Chromium', () => {
  const harness = new Harness();
  const receiver = new Receiver();
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let lab: LabFixture;
  let failingPath: string;
  let failedLogId: string;
  let failedWorkflowId: string;
  let history: Array<{ status: string }>;
  const HISTORY = 72;

  beforeAll(async () => {
    await receiver.start();
    await harness.start();
    browser = await launchChromium();
    const db = harness.services.configStore.db;
    lab = await createLabFixture(db);
    await db.update(labs).set({ name: `Lakeside Diagnostics ${lab.labId}`, city: 'Pune' }).where(eq(labs.id, lab.labId));
    await db.update(developers).set({ name: `Acme EHR ${lab.developerId}` }).where(eq(developers.id, lab.developerId));
    // A few real deliveries so the views have something to show: one partner fails, two answer.
    failingPath = `/${uniqueId('billing')}`;
    receiver.on(failingPath, { status: 503, body: '{"error":"billing service unavailable"}' });
    await webhookIntegration(db, lab, receiver.url(failingPath), 1);
    for (const [category, answer] of [
      [2, '{"received":true}'],
      [4, '{"status":"accepted","id":"r-1"}'],
    ] as const) {
      const path = `/${uniqueId('ok')}`;
      receiver.on(path, { status: 200, body: answer });
      await webhookIntegration(db, lab, receiver.url(path), category);
    }
    const events = [billEvent(lab, uniqueId('evt'), 2), billEvent(lab, uniqueId('evt'), 4), billEvent(lab, uniqueId('evt'), 2), billEvent(lab, uniqueId('evt'), 1)];
    for (const event of events) expect((await harness.request('POST', '/api/events', event)).status).toBe(202);
    for (const event of events) await harness.settledLogs(event.eventId, 1);
    const failedLog = (await harness.logsForEvent(events[3]!.eventId))[0]!;
    failedLogId = failedLog._id;
    failedWorkflowId = failedLog.workflow_id!;
    // A day of earlier deliveries of this lab, so the chart and the table look as they do in use.
    history = await writeLogHistory(harness.store, lab, `Acme EHR ${lab.developerId}`, HISTORY);
  });
  afterAll(async () => {
    await browser?.close();
    await harness.stop();
    await receiver.stop();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, timezoneId: 'Asia/Kolkata' });
    page = await context.newPage();
  });
  afterEach(() => context.close());

  const rows = () => page.getByTestId('log-row');
  const row = (logId: string) => page.locator(`[data-testid="log-row"][data-log-id="${logId}"]`);

  it('signs in, finds the FAIL log by filtering, opens it, retries it and sees it turn SUCCESS without a reload', async () => {
    await signIn(page, harness.api.url, 'admin', TEST_ADMIN_PASSWORD);
    await page.getByTestId('tab-webhook').click();
    await page.getByTestId('filter-lab').fill(String(lab.labId));
    await page.getByTestId('filter-apply').click();
    await row(failedLogId).waitFor();
    await page.getByTestId('stat-total').getByText(String(4 + HISTORY)).waitFor();
    // Where it went: the URL's host:port only, never its path.
    expect(await row(failedLogId).getByTestId('row-endpoint').innerText()).toBe(`127.0.0.1:${receiver.port}`);
    await screenshot(page, 'webhook');

    await page.getByTestId('tab-errors').click();
    await page.waitForURL(/tab=errors/);
    const unsettled = history.filter((log) => log.status === 'FAIL' || log.status === 'QUEUED').length;
    // The Webhook tab's rows (the FAIL among them) stay on screen until the Errors page arrives: wait for that page.
    await page.waitForFunction((count) => {
      const shown = [...(globalThis as any).document.querySelectorAll('[data-testid="log-row"]')] as Array<{ getAttribute(name: string): string | null }>;
      return shown.length === count && shown.every((el) => ['FAIL', 'QUEUED'].includes(el.getAttribute('data-status') ?? ''));
    }, 1 + unsettled);
    await row(failedLogId).waitFor();
    expect(await rows().count()).toBe(1 + unsettled);
    for (const status of await rows().evaluateAll((els) => els.map((el) => el.getAttribute('data-status')))) expect(['FAIL', 'QUEUED']).toContain(status);
    expect(await row(failedLogId).getAttribute('data-status')).toBe('FAIL');
    await screenshot(page, 'errors');

    // Filters live in the URL: a reload (or a shared link) shows the same view.
    await page.reload();
    await row(failedLogId).waitFor();

    await row(failedLogId).click();
    await page.locator(`[data-testid="log-detail"][data-log-id="${failedLogId}"][data-status="FAIL"]`).waitFor();
    await page.getByTestId('history-event').first().waitFor();
    expect(await page.getByTestId('temporal-link').getAttribute('href')).toContain(`/workflows/${failedWorkflowId}/`);
    expect(failedWorkflowId).toMatch(/^event-/);
    expect(await page.getByTestId('detail-response').innerText()).toContain('billing service unavailable');
    await screenshot(page, 'detail');

    // The partner is fixed; the operator retries from the detail view. No navigation may happen.
    receiver.on(failingPath, { status: 200, body: '{"ok":true}' });
    await page.evaluate(() => ((globalThis as any).stayedHere = true));
    // The detail view learns the outcome from the live stream, which the reload reopened.
    await page.locator('[data-testid="connection-indicator"][data-state="live"]').waitFor();
    await page.getByTestId('detail-retry').click();
    await page.getByTestId('confirm-button').click();
    await page.locator('[data-testid="log-detail"][data-status="SUCCESS"]').waitFor({ timeout: 20_000 });
    await page.getByTestId('retry-history-row').first().waitFor();

    await page.getByTestId('detail-back').click();
    await page.locator(`[data-testid="log-row"][data-log-id="${failedLogId}"]`).waitFor({ state: 'detached' });
    await page.getByTestId('tab-webhook').click();
    await page.locator(`[data-testid="log-row"][data-log-id="${failedLogId}"][data-status="SUCCESS"]`).waitFor();
    expect(await page.evaluate(() => (globalThis as any).stayedHere)).toBe(true);
  });

  it('turns a row SUCCESS live in the list when a retry finishes elsewhere', async () => {
    const path = `/${uniqueId('late')}`;
    receiver.on(path, { status: 500, body: 'not yet' });
    await webhookIntegration(harness.services.configStore.db, lab, receiver.url(path), 5);
    const event = billEvent(lab, uniqueId('evt'), 5);
    await harness.request('POST', '/api/events', event);
    const [log] = await harness.settledLogs(event.eventId, 1);
    await signIn(page, harness.api.url, 'admin', TEST_ADMIN_PASSWORD, `/?tab=errors&labId=${lab.labId}`);
    await page.locator(`[data-testid="log-row"][data-log-id="${log!._id}"][data-status="FAIL"]`).waitFor();
    await page.locator('[data-testid="connection-indicator"][data-state="live"]').waitFor();
    await page.evaluate(() => ((globalThis as any).stayedHere = true));
    receiver.on(path, { status: 200, body: 'ok' });
    expect((await harness.request('POST', `/api/logs/${log!._id}/retry`, {})).status).toBe(202);
    await page.locator(`[data-testid="log-row"][data-log-id="${log!._id}"][data-status="SUCCESS"]`).waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => (globalThis as any).stayedHere)).toBe(true);
  });

  it('bulk-retries every log of the Errors filter with a confirmation showing the count, and shows the progress to the end', async () => {
    const path = `/${uniqueId('bulk')}`;
    receiver.on(path, { status: 500, body: 'still down' });
    const bulkLab = await createLabFixture(harness.services.configStore.db);
    await webhookIntegration(harness.services.configStore.db, bulkLab, receiver.url(path), 1);
    const events = [billEvent(bulkLab, uniqueId('evt'), 1), billEvent(bulkLab, uniqueId('evt'), 1), billEvent(bulkLab, uniqueId('evt'), 1)];
    for (const event of events) await harness.request('POST', '/api/events', event);
    for (const event of events) await harness.settledLogs(event.eventId, 1);
    receiver.on(path, { status: 200, body: 'back' });

    await signIn(page, harness.api.url, 'admin', TEST_ADMIN_PASSWORD, `/?tab=errors&labId=${bulkLab.labId}`);
    await page.locator('[data-testid="log-row"][data-status="FAIL"]').nth(2).waitFor();
    await page.getByTestId('retry-all-matching').click();
    await page.locator('[data-testid="bulk-preview-count"][data-count="3"]').waitFor();
    await page.getByTestId('confirm-button').click();
    await page.locator('[data-testid="bulk-progress"][data-state="done"]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('bulk-counts').innerText()).toMatch(/3/);
    for (const event of events) {
      const [log] = await harness.logsForEvent(event.eventId);
      expect(log).toMatchObject({ status: 'SUCCESS', retry_count: 1 });
    }
  });

  it('shows when the live stream drops and reconnects by itself when the API is back', async () => {
    // An API process of this test's own, so it can go away and come back on the same port.
    const app = () => createApp({ config: harness.config, ...harness.services, logger: pino({ level: 'silent' }) });
    let api = await listen(app(), '127.0.0.1', 0);
    const port = Number(new URL(api.url).port);
    try {
      await signIn(page, api.url, 'admin', TEST_ADMIN_PASSWORD, `/?tab=webhook&labId=${lab.labId}`);
      await page.locator('[data-testid="connection-indicator"][data-state="live"]').waitFor();
      await api.close();
      await page.locator('[data-testid="connection-indicator"][data-state="reconnecting"]').waitFor({ timeout: 15_000 });
      api = await listen(app(), '127.0.0.1', port);
      await page.locator('[data-testid="connection-indicator"][data-state="live"]').waitFor({ timeout: 15_000 });
    } finally {
      await api.close();
    }
  });

  it('reloads what it shows when the stream comes back: a row that turned SUCCESS while the API was away shows SUCCESS', async () => {
    const path = `/${uniqueId('away')}`;
    receiver.on(path, { status: 500, body: 'not yet' });
    const awayLab = await createLabFixture(harness.services.configStore.db);
    await webhookIntegration(harness.services.configStore.db, awayLab, receiver.url(path), 1);
    const event = billEvent(awayLab, uniqueId('evt'), 1);
    await harness.request('POST', '/api/events', event);
    const [log] = await harness.settledLogs(event.eventId, 1);
    const app = () => createApp({ config: harness.config, ...harness.services, logger: pino({ level: 'silent' }) });
    let api = await listen(app(), '127.0.0.1', 0);
    const port = Number(new URL(api.url).port);
    try {
      await signIn(page, api.url, 'admin', TEST_ADMIN_PASSWORD, `/?tab=webhook&labId=${awayLab.labId}`);
      await page.locator(`[data-testid="log-row"][data-log-id="${log!._id}"][data-status="FAIL"]`).waitFor();
      await page.locator('[data-testid="connection-indicator"][data-state="live"]').waitFor();
      await api.close();
      await page.locator('[data-testid="connection-indicator"][data-state="reconnecting"]').waitFor({ timeout: 15_000 });
      // Retried through another replica while this page's API is away: its change is never streamed to this page.
      receiver.on(path, { status: 200, body: 'ok' });
      expect((await harness.request('POST', `/api/logs/${log!._id}/retry`, {})).status).toBe(202);
      await harness.logWhere(log!._id, (l) => l.status === 'SUCCESS');
      api = await listen(app(), '127.0.0.1', port);
      await page.locator('[data-testid="connection-indicator"][data-state="live"]').waitFor({ timeout: 15_000 });
      await page.locator(`[data-testid="log-row"][data-log-id="${log!._id}"][data-status="SUCCESS"]`).waitFor({ timeout: 10_000 });
    } finally {
      await api.close();
    }
  });

  it('creates an integration through Manage Integrations, and the next event uses it', async () => {
    const db = harness.services.configStore.db;
    const newLab = await createLabFixture(db);
    await db.update(labs).set({ name: `Riverside Pathology ${newLab.labId}`, city: 'Leeds' }).where(eq(labs.id, newLab.labId));
    await db.update(developers).set({ name: `MedBridge Billing ${newLab.developerId}` }).where(eq(developers.id, newLab.developerId));
    const path = `/${uniqueId('created-in-ui')}`;
    receiver.on(path, { status: 200, body: '{"thanks":true}' });
    await signIn(page, harness.api.url, 'admin', TEST_ADMIN_PASSWORD, '/integrations');
    await page.getByTestId('lab-search').fill(String(newLab.labId));
    await page.locator(`[data-testid="lab-result"][data-lab-id="${newLab.labId}"]`).click();
    await page.getByTestId('int-developer').selectOption(String(newLab.developerId));
    await page.getByTestId('int-integration-id').selectOption({ label: 'Create new' });
    await page.getByTestId('int-integrationType').selectOption('webhook');

    // A wrong URL first: the message shows next to the field and nothing is saved.
    await page.getByTestId('int-url').fill('ftp://nowhere');
    await page.getByTestId('flag-enabled-1').check();
    await page.getByTestId('int-save').click();
    await page.getByTestId('error-int-url-error').waitFor();
    expect(await page.getByTestId('error-int-url-error').innerText()).toContain('http');

    await page.getByTestId('int-url').fill(receiver.url(path));
    await page.getByTestId('int-save').click();
    await page.getByTestId('toast-value').waitFor();
    // The new key is shown once, in the toast, with a copy button and a note that it will not be shown again.
    const authKey = (await page.getByTestId('toast-value').innerText()).trim();
    expect(authKey).toMatch(/^lw_[\w-]{32}$/);
    expect(await page.getByTestId('toast-note').innerText()).toMatch(/you will not see it again/i);
    expect(await page.getByTestId('toast-copy').count()).toBe(1);
    // The saved integration is identified by its key's prefix only.
    await page.locator('[data-testid="int-authKey"]', { hasText: `${authKey.slice(0, 12)}…` }).waitFor();
    await page.setViewportSize({ width: 1280, height: 1500 });
    await page.evaluate(() => (globalThis as any).scrollTo(0, 0));
    await screenshot(page, 'integrations');
    await page.getByTestId('toast').getByRole('button', { name: 'Dismiss' }).click();

    // Update by id: a new x-api-key is written, never read back; a signing secret is generated and shown once.
    const apiKey = `ui-x-api-key-${uniqueId('k')}`;
    await page.getByTestId('int-extraDetails-x-api-key').fill(apiKey);
    await page.getByTestId('int-save').click();
    const updated = page.locator('[data-testid="toast"]', { hasText: 'updated' });
    await updated.waitFor();
    await updated.getByRole('button', { name: 'Dismiss' }).click();
    await page.locator('small', { hasText: `Stored: …${apiKey.slice(-4)}` }).waitFor();
    expect(await page.getByTestId('int-extraDetails-x-api-key').inputValue()).toBe('');
    await page.getByTestId('rotate-signing-secret').click();
    await page.getByTestId('confirm-button').click();
    const secretToast = page.locator('[data-testid="toast"]', { hasText: 'New signing secret' });
    await secretToast.waitFor();
    const signingSecret = (await secretToast.getByTestId('toast-value').innerText()).trim();
    expect(signingSecret).toMatch(/^whsec_/);
    expect(await page.locator('main').innerText()).not.toContain(apiKey);

    const event = billEvent(newLab, uniqueId('evt'), 1);
    expect((await harness.request('POST', '/api/events', event)).status).toBe(202);
    const [log] = await harness.settledLogs(event.eventId, 1);
    expect(log).toMatchObject({ status: 'SUCCESS', lab_id: newLab.labId });
    const [delivered] = receiver.requestsTo(path);
    expect(receiver.requestsTo(path)).toHaveLength(1);
    expect(delivered?.headers['x-api-key']).toBe(apiKey);
    expect(() => new Webhook(signingSecret).verify(delivered!.body, delivered!.headers)).not.toThrow();
    const partnerCall = await harness.anonymous().request('GET', `/partner/v1/bills/${newLab.billId}`, undefined, { authorization: `Bearer ${authKey}` });
    expect(partnerCall.status).toBe(200);
  });

  it('an admin adds an operator on the Users page, who signs in with the shown password; disabled, their open page returns to sign-in by itself', async () => {
    await signIn(page, harness.api.url, 'admin', TEST_ADMIN_PASSWORD, '/users');
    await page.getByTestId('users-table').waitFor();
    // No name: the message shows under the field and nobody is added.
    const before = await page.getByTestId('user-row').count();
    await page.getByTestId('user-add').click();
    await page.getByTestId('error-user-username-error').waitFor();
    expect(await page.getByTestId('user-row').count()).toBe(before);

    const username = uniqueId('nina');
    await page.getByTestId('user-username').fill(username);
    await page.getByTestId('user-role').selectOption('operator');
    await page.getByTestId('user-add').click();
    await page.getByTestId('toast-value').waitFor();
    const password = (await page.getByTestId('toast-value').innerText()).trim();
    const added = page.locator(`[data-testid="user-row"][data-username="${username}"]`);
    await added.waitFor();
    expect(await added.getByTestId('user-row-role').inputValue()).toBe('operator');
    expect(await added.getByTestId('user-row-state').innerText()).toBe('Active');
    await screenshot(page, 'users');

    const theirs = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    try {
      const theirPage = await theirs.newPage();
      await signIn(theirPage, harness.api.url, username, password, `/?tab=webhook&labId=${lab.labId}`);
      await theirPage.getByTestId('log-row').first().waitFor();
      expect(await theirPage.getByTestId('current-role').innerText()).toMatch(/operator/i);
      expect(await theirPage.getByTestId('row-retry').count()).toBeGreaterThan(0);
      expect(await theirPage.getByTestId('nav-users').count()).toBe(0);

      await added.getByTestId('user-disable').click();
      await page.getByTestId('confirm-button').click();
      await added.locator('[data-testid="user-row-state"]', { hasText: 'Disabled' }).waitFor();
      // Nobody touches their page: its live stream ends with the session, and the page asks them to sign in.
      await theirPage.getByTestId('signin-username').waitFor({ timeout: 20_000 });
    } finally {
      await theirs.close();
    }
  });

  it('a viewer sees no Retry button, and the API refuses the viewer’s retry', async () => {
    await ensureTestUser(harness.services.configStore.db, 'test-viewer', 'viewer');
    await signIn(page, harness.api.url, 'test-viewer', TEST_USER_PASSWORD, `/?tab=webhook&labId=${lab.labId}`);
    await rows().first().waitFor();
    expect(await page.getByTestId('current-role').innerText()).toMatch(/viewer/i);
    expect(await page.getByTestId('row-retry').count()).toBe(0);
    expect(await page.getByTestId('retry-all-matching').count()).toBe(0);
    expect(await page.getByTestId('nav-integrations').count()).toBe(0);
    expect(await page.getByTestId('nav-users').count()).toBe(0);
    await row(failedLogId).click();
    await page.getByTestId('log-detail').waitFor();
    expect(await page.getByTestId('detail-retry').count()).toBe(0);
    // Hiding the button is not the protection: the same session, calling the API directly, is refused.
    const status = await page.evaluate(async (logId) => {
      const session = (await (await fetch('/api/session')).json()) as { csrfToken: string };
      const answer = await fetch(`/api/logs/${logId}/retry`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken }, body: '{}' });
      return answer.status;
    }, failedLogId);
    expect(status).toBe(403);
    // A typed-in admin address tells them why instead of showing an empty page.
    await page.goto(`${harness.api.url}/users`);
    await page.getByText('Managing users needs the admin role; you are signed in as viewer.').waitFor();
  });

  it('works from the keyboard: a focused row opens with Enter; times are local with UTC on hover', async () => {
    await signIn(page, harness.api.url, 'admin', TEST_ADMIN_PASSWORD, `/?tab=webhook&labId=${lab.labId}`);
    const first = rows().first();
    await first.waitFor();
    const hover = await first.locator('td[title$="UTC"]').first().getAttribute('title');
    expect(hover).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}.* UTC$/);
    const logId = await first.getAttribute('data-log-id');
    await first.focus();
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid="log-detail"][data-log-id="${logId}"]`).waitFor();
    await page.goBack();
    await rows().first().waitFor();
  });

  it('is readable at 390 px wide: no sideways scrolling of the page', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn(page, harness.api.url, 'admin', TEST_ADMIN_PASSWORD, `/?tab=webhook&labId=${lab.labId}`);
    await rows().first().waitFor();
    const width = await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number);
    expect(width).toBeLessThanOrEqual(390);
    await screenshot(page, 'webhook-mobile');
  });
});
