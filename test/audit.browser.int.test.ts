import type { Browser, BrowserContext, Page } from 'playwright-core';
import { anonymousActor } from '../src/audit/audit-actions';
import { AuditTrail } from '../src/audit/audit-trail';
import { launchChromium, screenshot, signIn } from './support/browser';
import { uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { billEvent, webhookIntegration } from './support/integrations';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';
import { TEST_ADMIN_PASSWORD } from './support/test-environment';
import { ensureTestUser, TEST_USER_PASSWORD } from './support/users';

jest.setTimeout(90_000);

/**
 * The Audit page in real headless Chromium against the real stack: what people do in the
 * dashboard shows up there, one row per action, filtered, page by page, and as an export.
 */
describe('Audit page in Chromium', () => {
  const harness = new Harness();
  const receiver = new Receiver();
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let lab: LabFixture;
  let failedLogId: string;
  let failingPath: string;

  beforeAll(async () => {
    await receiver.start();
    await harness.start();
    browser = await launchChromium();
    const db = harness.services.configStore.db;
    lab = await createLabFixture(db);
    failingPath = `/${uniqueId('audit-ui')}`;
    receiver.on(failingPath, { status: 503, body: '{"error":"billing service unavailable"}' });
    await webhookIntegration(db, lab, receiver.url(failingPath), 1);
    const event = billEvent(lab, uniqueId('evt'), 1);
    expect((await harness.request('POST', '/api/events', event)).status).toBe(202);
    failedLogId = (await harness.settledLogs(event.eventId, 1))[0]!._id;
  });
  afterAll(async () => {
    await browser?.close();
    await harness.stop();
    await receiver.stop();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'Asia/Kolkata' });
    page = await context.newPage();
  });
  afterEach(() => context.close());

  const row = (action: string, attributes: Record<string, string> = {}) =>
    page.locator(`[data-testid="audit-row"][data-action="${action}"]${Object.entries(attributes).map(([name, value]) => `[data-${name}="${value}"]`).join('')}`);

  it('shows what was just done in the dashboard, newest first, one row per action', async () => {
    // Someone mistypes their password on the sign-in page.
    const stranger = await browser.newContext();
    const intruder = uniqueId('mallory');
    try {
      const theirs = await stranger.newPage();
      await theirs.goto(harness.api.url);
      await theirs.getByTestId('signin-username').fill(intruder);
      await theirs.getByTestId('signin-password').fill('guessing-the-password');
      await theirs.getByTestId('signin-submit').click();
      await theirs.getByText('Wrong username or password.').waitFor();
    } finally {
      await stranger.close();
    }

    // The admin signs in, opens the failed delivery (its bodies), retries it, and adds a user.
    await signIn(page, harness.api.url, 'admin', TEST_ADMIN_PASSWORD, `/logs/${failedLogId}`);
    await page.locator(`[data-testid="log-detail"][data-log-id="${failedLogId}"]`).waitFor();
    receiver.on(failingPath, { status: 200, body: '{"ok":true}' });
    await page.getByTestId('detail-retry').click();
    await page.getByTestId('confirm-button').click();
    await page.locator('[data-testid="log-detail"][data-status="SUCCESS"]').waitFor({ timeout: 20_000 });

    const newcomer = uniqueId('priya');
    await page.goto(`${harness.api.url}/users`);
    await page.getByTestId('user-username').fill(newcomer);
    await page.getByTestId('user-role').selectOption('viewer');
    await page.getByTestId('user-add').click();
    await page.getByTestId('toast-value').waitFor();
    await page.getByTestId('toast').getByRole('button', { name: 'Dismiss' }).click();
    await page.getByTestId('toast').waitFor({ state: 'detached' });

    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-table').waitFor();
    await row('user.create', { actor: 'admin' }).first().waitFor();
    expect(await row('session.sign_in_failed', { actor: intruder }).count()).toBe(1);
    expect(await row('session.sign_in', { actor: 'admin' }).count()).toBeGreaterThanOrEqual(1);
    expect(await row('log.view_bodies', { actor: 'admin', target: `log:${failedLogId}` }).count()).toBeGreaterThanOrEqual(1);
    expect(await row('log.retry', { actor: 'admin', target: `log:${failedLogId}` }).count()).toBe(1);
    expect(await row('user.create', { actor: 'admin' }).first().innerText()).toContain(newcomer);
    // Newest first: the user was added after the retry.
    const actions = await page.getByTestId('audit-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
    expect(actions.indexOf('user.create')).toBeLessThan(actions.indexOf('log.retry'));
    expect(await row('session.sign_in_failed', { actor: intruder }).innerText()).toContain('127.0.0.1');
    await screenshot(page, 'audit');
  });

  it('filters by action and by who (kept in the URL), loads more, and exports what the filter shows', async () => {
    // 60 rows of one name: more than a page of 50.
    const prober = uniqueId('prober');
    const trail = new AuditTrail(harness.services.configStore.db);
    for (let i = 0; i < 60; i += 1) await trail.record(anonymousActor(prober), '198.51.100.7', { action: 'session.sign_in_failed' });

    await signIn(page, harness.api.url, 'admin', TEST_ADMIN_PASSWORD, '/audit');
    await page.getByTestId('audit-table').waitFor();
    await page.getByTestId('audit-filter-action').selectOption('log.view_bodies');
    await page.waitForURL(/action=log\.view_bodies/);
    await page.waitForFunction(() => {
      const rows = [...(globalThis as any).document.querySelectorAll('[data-testid="audit-row"]')] as Array<{ getAttribute(name: string): string | null }>;
      return rows.length > 0 && rows.every((r) => r.getAttribute('data-action') === 'log.view_bodies');
    });

    await page.getByTestId('audit-filter-clear').click();
    await page.getByTestId('audit-filter-actor').fill(prober);
    await page.getByTestId('audit-filter-apply').click();
    await page.waitForURL(new RegExp(`actor=${prober}`));
    await page.waitForFunction((name) => {
      const rows = [...(globalThis as any).document.querySelectorAll('[data-testid="audit-row"]')] as Array<{ getAttribute(name: string): string | null }>;
      return rows.length === 50 && rows.every((r) => r.getAttribute('data-actor') === name);
    }, prober);
    await page.getByTestId('audit-load-more').click();
    await page.getByTestId('audit-row').nth(59).waitFor();
    expect(await page.getByTestId('audit-row').count()).toBe(60);
    expect(await page.getByTestId('audit-load-more').count()).toBe(0);

    // A reload keeps the filter.
    await page.reload();
    await page.getByTestId('audit-row').nth(49).waitFor();
    expect(await page.getByTestId('audit-filter-actor').inputValue()).toBe(prober);

    const href = await page.getByTestId('audit-export').getAttribute('href');
    expect(href).toBe(`/api/audit/export?actor=${prober}`);
    const lines = await page.evaluate(async (url) => (await (await fetch(url)).text()).trimEnd().split('\n'), href!);
    expect(lines).toHaveLength(60);
    expect(lines.map((line) => (JSON.parse(line) as { actor: { name: string } }).actor.name)).toEqual(Array(60).fill(prober));
  });

  it('is for admins only: an operator sees no Audit link and is told why at /audit', async () => {
    await ensureTestUser(harness.services.configStore.db, 'test-operator', 'operator');
    await signIn(page, harness.api.url, 'test-operator', TEST_USER_PASSWORD, '/');
    expect(await page.getByTestId('nav-audit').count()).toBe(0);
    await page.goto(`${harness.api.url}/audit`);
    await page.getByText('The audit trail needs the admin role; you are signed in as operator.').waitFor();
  });
});
