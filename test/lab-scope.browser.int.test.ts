import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { labs } from '../src/db/schema';
import { launchChromium, screenshot, signIn } from './support/browser';
import { uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { billEvent, webhookIntegration } from './support/integrations';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';
import { TEST_ADMIN_PASSWORD } from './support/test-environment';

jest.setTimeout(90_000);

/** In real Chromium: an admin limits a user to one lab on the Users page; that user's dashboard shows that lab only. */
describe('lab-scoped users in the dashboard', () => {
  const harness = new Harness();
  const receiver = new Receiver();
  let browser: Browser;
  let mine: LabFixture;
  let theirs: LabFixture;
  const logIds: Record<'mine' | 'theirs', string[]> = { mine: [], theirs: [] };

  beforeAll(async () => {
    await receiver.start();
    await harness.start();
    browser = await launchChromium();
    const db = harness.services.configStore.db;
    mine = await createLabFixture(db);
    theirs = await createLabFixture(db);
    await db.update(labs).set({ name: `Lakeside Diagnostics ${mine.labId}` }).where(eq(labs.id, mine.labId));
    for (const [key, lab] of [
      ['mine', mine],
      ['theirs', theirs],
    ] as const) {
      const path = `/${uniqueId(key)}`;
      receiver.on(path, { status: 200, body: '{"ok":true}' });
      await webhookIntegration(db, lab, receiver.url(path));
      for (let i = 0; i < 2; i++) {
        const event = billEvent(lab, uniqueId('browser-scope'));
        expect((await harness.request('POST', '/api/events', event)).status).toBe(202);
        logIds[key].push((await harness.settledLogs(event.eventId, 1))[0]!._id);
      }
    }
  });
  afterAll(async () => {
    await browser?.close();
    await harness.stop();
    await receiver.stop();
  });

  it("an admin assigns a lab on the Users page; the user's dashboard then shows that lab's deliveries only", async () => {
    const adminContext = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const userContext = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    try {
      const page = await adminContext.newPage();
      await signIn(page, harness.api.url, 'admin', TEST_ADMIN_PASSWORD, '/users');
      await page.getByTestId('users-table').waitFor();

      // An unknown lab is named under the Labs field, and nobody is added.
      const username = uniqueId('lena');
      await page.getByTestId('user-username').fill(username);
      await page.getByTestId('user-role').selectOption('operator');
      await page.getByTestId('user-labs').fill('999999999');
      await page.getByTestId('user-add').click();
      await page.getByTestId('error-user-labs-error').getByText('lab 999999999 does not exist').waitFor();
      expect(await page.locator(`[data-testid="user-row"][data-username="${username}"]`).count()).toBe(0);

      // Added for every lab, then limited to one lab from their row.
      await page.getByTestId('user-labs').fill('');
      await page.getByTestId('user-add').click();
      await page.getByTestId('toast-value').waitFor();
      const password = (await page.getByTestId('toast-value').innerText()).trim();
      const row = page.locator(`[data-testid="user-row"][data-username="${username}"]`);
      await row.getByTestId('user-row-labs').getByText('All labs').waitFor();
      await row.getByTestId('user-row-labs-edit').click();
      await row.getByTestId('user-row-labs-input').fill(String(mine.labId));
      await row.getByTestId('user-row-labs-save').click();
      await row.getByTestId('user-row-labs').getByText(`${mine.labId} Lakeside Diagnostics ${mine.labId}`).waitFor();

      const theirPage = await userContext.newPage();
      await signIn(theirPage, harness.api.url, username, password, '/?tab=webhook');
      expect(await theirPage.getByTestId('current-labs').textContent()).toBe(`lab ${mine.labId}`);
      // Every row of every lab they may see: exactly their lab's two deliveries.
      await theirPage.waitForFunction((expected) => {
        const shown = [...(globalThis as any).document.querySelectorAll('[data-testid="log-row"]')].map((el: any) => el.getAttribute('data-log-id')).sort();
        return JSON.stringify(shown) === JSON.stringify(expected);
      }, [...logIds.mine].sort());
      expect(await theirPage.getByTestId('stat-total').innerText()).toContain('2');
      await screenshot(theirPage, 'limited-user');

      // Asking for the other lab: an empty list, and its log by id is not found.
      await theirPage.getByTestId('filter-lab').fill(String(theirs.labId));
      await theirPage.getByTestId('filter-apply').click();
      await theirPage.getByTestId('empty-state').waitFor();
      await theirPage.goto(`${harness.api.url}/logs/${logIds.theirs[0]}`);
      await theirPage.getByTestId('error-banner').getByText('does not exist').waitFor();
      expect(await theirPage.locator(`[data-testid="log-detail"][data-log-id="${logIds.theirs[0]}"]`).count()).toBe(0);
    } finally {
      await userContext.close();
      await adminContext.close();
    }
  });
});
