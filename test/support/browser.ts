import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { dashboardDir } from '../../src/api/app';
import { projectRoot } from '../../src/config/schema';

/** Debian's Chromium (apt-get install chromium); Playwright's own download cannot work on this network. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots land here; `npm run docs:screenshots` points it at docs/screenshots. */
export const screenshotDir = () => process.env.SCREENSHOT_DIR ?? join(projectRoot, '.labwire', 'test', 'screenshots');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(join(dashboardDir, 'index.html'))) throw new Error('web/dist is missing: run `npm run build:web` first (npm test does).');
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`No Chromium at ${CHROMIUM_PATH}: apt-get install chromium (or set CHROMIUM_PATH).`);
  mkdirSync(screenshotDir(), { recursive: true });
  return launchChromiumOnly();
}

/** Chromium alone, for a test that serves a dashboard of its own (another clone's web/dist). */
export function launchChromiumOnly(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function signIn(page: Page, baseUrl: string, username: string, password: string, path = '/'): Promise<void> {
  await page.goto(`${baseUrl}${path}`);
  await page.getByTestId('signin-username').fill(username);
  await page.getByTestId('signin-password').fill(password);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('current-user').waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir(), `${name}.png`), fullPage: false });
}
