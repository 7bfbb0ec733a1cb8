import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import postgres from 'postgres';
import { projectRoot } from '../src/config/schema';
import { launchChromiumOnly, screenshot, signIn } from './support/browser';
import { processesMentioning } from './support/cli';
import { eventually } from './support/fixtures';

/**
 * The first run of a newcomer, driven end to end: a fresh clone of this repository, `npm start`
 * with nothing configured, then the dashboard in Chromium. The clone carries the working tree's
 * uncommitted changes too, so a run before a commit tries what is about to land.
 */

const slot = Number(process.env.LABWIRE_TEST_SLOT ?? 0) * 100;
// Ports of its own, far from the suite's and from `npm start`'s defaults.
const ports = { temporal: 21233 + slot, ui: 22233 + slot, ferret: 23017 + slot, api: 24000 + slot };
const database = `labwire_newcomer${slot === 0 ? '' : `_s${slot / 100}`}`;

function git(cwd: string, args: string[], input?: string): string {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** `git clone`, then this working tree's changes on top (none on a clean CI clone). */
function cloneWorkingTree(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'labwire-newcomer-')), 'labwire');
  git(tmpdir(), ['clone', '-q', projectRoot, dir]);
  const diff = git(projectRoot, ['diff', 'HEAD', '--binary']);
  if (diff.trim()) git(dir, ['apply', '--whitespace=nowarn'], diff);
  for (const file of git(projectRoot, ['ls-files', '--others', '--exclude-standard', '-z']).split('\0').filter(Boolean)) {
    spawnSync('install', ['-D', join(projectRoot, file), join(dir, file)]);
  }
  // The dependencies a newcomer's `npm ci` would install, borrowed: the lockfile is made older
  // than them, so `npm start`'s dependency check does not reinstall through the link.
  symlinkSync(join(projectRoot, 'node_modules'), join(dir, 'node_modules'));
  const installed = statSync(join(projectRoot, 'node_modules', '.package-lock.json')).mtime;
  const older = new Date(installed.getTime() - 60_000);
  utimesSync(join(dir, 'package-lock.json'), older, older);
  return dir;
}

async function dropDatabases(): Promise<void> {
  const sql = postgres('postgres://postgres@127.0.0.1:5432/postgres', { onnotice: () => undefined });
  try {
    const rows = await sql<Array<{ datname: string }>>`select datname from pg_database where datname like ${`${database}%`}`;
    for (const { datname } of rows) await sql.unsafe(`drop database if exists "${datname}" with (force)`);
  } finally {
    await sql.end();
  }
}

describe('a newcomer: fresh clone, npm start, the dashboard in Chromium', () => {
  let clone: string;
  let child: ReturnType<typeof spawn> | undefined;
  let output = '';
  let browser: Browser | undefined;

  beforeAll(async () => {
    await dropDatabases();
    clone = cloneWorkingTree();
    expect(existsSync(join(clone, 'web', 'dist'))).toBe(false);
    // Only what a newcomer's shell has: none of the suite's settings leak in.
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...(process.env.XDG_CACHE_HOME ? { XDG_CACHE_HOME: process.env.XDG_CACHE_HOME } : {}),
      ...(process.env.LABWIRE_CACHE_DIR ? { LABWIRE_CACHE_DIR: process.env.LABWIRE_CACHE_DIR } : {}),
      TEMPORAL_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      FERRETDB_PORT: String(ports.ferret),
      API_PORT: String(ports.api),
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
    };
    child = spawn('npm', ['start'], { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(async () => {
      if (child?.exitCode !== null) throw new Error(`npm start exited (${child?.exitCode}):\n${output}`);
      return output.includes('Labwire is ready');
    }, 240_000, 250);
    browser = await launchChromiumOnly();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (child?.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGINT');
      } catch {
        // already gone
      }
      await eventually(async () => processesMentioning(clone).length === 0, 30_000).catch(() => {
        for (const pid of processesMentioning(clone)) process.kill(pid, 'SIGKILL');
      });
    }
    rmSync(join(clone, '..'), { recursive: true, force: true });
    await dropDatabases();
  }, 60_000);

  it('builds the dashboard, signs in, shows the demo traffic, and a retry of the FAIL works', async () => {
    expect(output).toMatch(/dashboard/i);
    expect(existsSync(join(clone, 'web', 'dist', 'index.html'))).toBe(true);
    expect(output).toMatch(/Labwire is ready \(\d+(\.\d+)? s\)/);

    const password = readFileSync(join(clone, '.labwire', 'dev', 'initial-admin-password'), 'utf8').trim();
    expect(output).toContain(password);
    const base = `http://127.0.0.1:${ports.api}`;
    const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
    await signIn(page, base, 'admin', password);
    await page.getByTestId('demo-badge').waitFor();

    // The demo events settle within seconds; live updates bring them in.
    for (const status of ['SUCCESS', 'FAIL']) {
      await page.locator(`[data-testid="log-row"][data-status="${status}"]`).first().waitFor({ timeout: 90_000 });
    }
    await page.getByTestId('stats-chart').waitFor();
    await screenshot(page, 'newcomer-first-sign-in');

    type Row = { id: string; status: string; integration_type: string | null; lab_id: number | null };
    const rows = async (): Promise<Row[]> => ((await (await page.request.get(`${base}/api/logs?limit=100`)).json()) as { items: Row[] }).items;
    const mirth = await eventually(async () => (await rows()).find((row) => row.integration_type === 'mirth' && row.status === 'SUCCESS'), 60_000, 500);
    expect(mirth.lab_id).toBe(1001);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${base}/logs/${mirth.id}`);
    await page.locator(`[data-testid="log-detail"][data-log-id="${mirth.id}"]`).waitFor();
    const segments = await page.getByTestId('hl7-segment').allInnerTexts();
    expect(segments.some((segment) => segment.startsWith('MSH'))).toBe(true);
    expect(segments.some((segment) => segment.startsWith('PID'))).toBe(true);

    // The webhook partner fails every automatic attempt of one event (Report Approved), then recovers.
    const failed = await eventually(async () => (await rows()).find((row) => row.status === 'FAIL' && row.integration_type === 'webhook'), 60_000, 500);
    await page.goto(`${base}/logs/${failed.id}`);
    await page.locator(`[data-testid="log-detail"][data-log-id="${failed.id}"][data-status="FAIL"]`).waitFor();
    await page.getByTestId('detail-retry').click();
    await page.getByTestId('confirm-button').click();
    await page.locator(`[data-testid="log-detail"][data-log-id="${failed.id}"][data-status="SUCCESS"]`).waitFor({ timeout: 30_000 });
    await page.getByTestId('retry-history-row').first().waitFor();
    expect(pageErrors).toEqual([]);
  }, 240_000);
});
