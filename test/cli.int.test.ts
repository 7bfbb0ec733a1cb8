import { spawnSync } from 'node:child_process';
import { existsSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/config/schema';
import { portIsOpen } from '../src/devstack/process';
import { CliProcess, runCli } from './support/cli';
import { testConfig, uniqueId } from './support/fixtures';
import { openConfigStore } from '../src/db/config-store';
import { verifyCredentials } from '../src/auth/users';
import { eq } from 'drizzle-orm';
import { auditEvents } from '../src/db/schema';

describe('labwire CLI', () => {
  const config = testConfig();

  it('given a bad variable, exits 2 naming it and the expected form, without a stack trace', () => {
    const run = runCli(['doctor'], { API_PORT: 'eighty' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('API_PORT (got "eighty"): expected a TCP port number from 1 to 65535');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('user add creates a dashboard user who can sign in; a bad role or a taken name is refused with the reason', async () => {
    const username = uniqueId('cli-operator');
    const run = runCli(['user', 'add', username, '--role', 'operator']);
    expect(run.status).toBe(0);
    const password = /with password (\S+)/.exec(run.stderr)?.[1];
    expect(password).toBeTruthy();
    const store = openConfigStore(config.postgres.url, { max: 1 });
    try {
      const user = await verifyCredentials(store.db, username, password!);
      expect(user).toMatchObject({ username, role: 'operator' });
      // The audit trail names the system (the command line needs the database, not a session), never the password.
      const rows = await store.db.select().from(auditEvents).where(eq(auditEvents.targetId, String(user!.id)));
      expect(rows.filter((row) => row.targetType === 'user').map((row) => [row.actorType, row.action, (row.detail as { via?: string }).via])).toEqual([['system', 'user.create', 'labwire user add']]);
      expect(JSON.stringify(rows)).not.toContain(password);
    } finally {
      await store.close();
    }
    const again = runCli(['user', 'add', username, '--role', 'viewer']);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`a user named ${username} already exists`);
    const badRole = runCli(['user', 'add', 'someone', '--role', 'boss']);
    expect(badRole.status).toBe(2);
    expect(badRole.stderr).toContain('role: expected one of viewer, operator, admin');
    expect(badRole.stderr).not.toMatch(/\n\s+at /);
  });

  it('user add --labs limits the user to those labs; an unknown lab is refused naming it', async () => {
    const username = uniqueId('cli-lab');
    const run = runCli(['user', 'add', username, '--role', 'viewer', '--labs', '1001,1002']);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('limited to labs 1001, 1002');
    const unknown = runCli(['user', 'add', uniqueId('cli-lab'), '--role', 'viewer', '--labs', '1001,999999999']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('labIds.1: lab 999999999 does not exist');
    const notIds = runCli(['user', 'add', uniqueId('cli-lab'), '--role', 'viewer', '--labs', 'sunrise']);
    expect(notIds.status).toBe(2);
    expect(notIds.stderr).toContain('labIds.0: expected a positive whole number');
  });

  it('refuses a password over the 72 bytes bcrypt reads: LABWIRE_NEW_PASSWORD for user add, ADMIN_PASSWORD for the first admin (value not echoed)', () => {
    const tooLong = 'p'.repeat(73);
    const add = runCli(['user', 'add', uniqueId('cli-long'), '--role', 'viewer'], { LABWIRE_NEW_PASSWORD: tooLong });
    expect(add.status).toBe(2);
    expect(add.stderr).toContain('password: must be at most 72 bytes in UTF-8');
    const admin = runCli(['doctor'], { ADMIN_PASSWORD: tooLong });
    expect(admin.status).toBe(2);
    expect(admin.stderr).toContain('ADMIN_PASSWORD: must be at most 72 bytes in UTF-8');
    expect(admin.stderr).not.toContain(tooLong);
  });

  it('given an unknown command, prints the usage and exits 2', () => {
    const run = runCli(['launch']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Unknown command "launch"');
    expect(run.stderr).toContain('doctor');
  });

  it('start reuses running servers, seeds, serves the API and prints the URLs; doctor passes; Ctrl-C leaves reused servers up', async () => {
    // Without the demo partner: it would integrate the shared test database's lab 1001 (test/demo.int.test.ts covers it).
    const start = new CliProcess(['start'], { API_PORT: '13001', LABWIRE_DEMO: 'false' });
    try {
      await start.waitFor('Labwire is ready');
      expect(start.output).toContain('Demo partner: off (LABWIRE_DEMO=false)');
      expect(start.output).toContain(`Temporal: reusing the server already listening on ${config.temporal.address}`);
      expect(start.output).toContain('Dashboard + API   http://127.0.0.1:13001');
      expect(start.output).toContain(`Temporal Web UI   ${config.temporal.uiUrl}`);
      // The worker's Schedules, at the test settings (paused: tests run them on demand).
      expect(start.output).toMatch(/Log bodies: removed after 30 days by schedule labwire-body-retention (created|updated), every 3600 s \(paused\)/);

      const doctor = runCli(['doctor'], { API_PORT: '13001' });
      expect(doctor.stderr).toContain('All checks passed.');
      expect(doctor.stderr).toMatch(/ok\s+Temporal\s+server 1\.29\.1; namespace default; search attributes registered/);
      expect(doctor.stderr).toMatch(/ok\s+Log store\s+FerretDB v1\.24\.2/);
      expect(doctor.status).toBe(0);

      start.kill('SIGINT');
      expect(await start.exited).toBe(0);
      expect(start.output).toContain('Stopped.');
      await expect(portIsOpen(13001)).resolves.toBe(false);
      await expect(portIsOpen(config.temporal.port)).resolves.toBe(true);
      await expect(portIsOpen(config.logStore.ferret.port)).resolves.toBe(true);
    } finally {
      start.kill('SIGKILL');
    }
  }, 120_000); // starts its own servers or processes: more than the default minute on 2 busy cores

  it('api builds the dashboard when web/dist is older than web/src, says so, then serves it; a fresh build is left alone', async () => {
    const index = join(projectRoot, 'web', 'dist', 'index.html');
    // Older than every source (or missing, on a clone that never built it).
    if (existsSync(index)) utimesSync(index, new Date('2001-01-01'), new Date('2001-01-01'));
    const port = String(13050 + Number(process.env.LABWIRE_TEST_SLOT ?? 0));
    const api = new CliProcess(['api'], { API_PORT: port });
    try {
      await api.waitFor('API listening', 90_000);
      expect(api.output).toContain('Building the dashboard (web/dist)…');
      expect(statSync(index).mtimeMs).toBeGreaterThan(Date.now() - 120_000);
      const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      expect(page).not.toContain('has not been built');
      expect(page).toContain('<script');
      api.kill('SIGINT');
      expect(await api.exited).toBe(0);
    } finally {
      api.kill('SIGKILL');
    }
    // Now up to date: the same check (what labwire start and api run) builds nothing and says nothing.
    const again = spawnSync(process.execPath, [join(projectRoot, 'scripts', 'ensure-dashboard.cjs')], { encoding: 'utf8' });
    expect(again.status).toBe(0);
    expect(again.stderr).toBe('');
  }, 120_000);

  it('doctor says what is wrong and how to fix it when a server is down', () => {
    const run = runCli(['doctor'], { TEMPORAL_PORT: '17299', TEMPORAL_UI_PORT: '18299', FERRETDB_PORT: '37099', API_PORT: '13099' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/ok\s+PostgreSQL/);
    expect(run.stderr).toMatch(/FAIL\s+Temporal\s+[\s\S]*fix: run labwire start \(or labwire stack\) to start the dev server/);
    expect(run.stderr).toMatch(/FAIL\s+Log store[\s\S]*fix: run labwire start \(or labwire stack\) to start FerretDB/);
    expect(run.stderr).toContain('check(s) failed.');
  });
});

describe('labwire emit', () => {
  it('fires a business event and prints the workflow and its Temporal Web UI link', () => {
    const eventId = `cli-test-${Date.now()}`;
    const run = runCli(['emit', '--lab', '1001', '--action', '1', '--entity', 'patient:1', '--event-id', eventId]);
    // Event identity is scoped by lab: the workflow is event-<labId>-<eventId>.
    expect(run.stderr).toContain(`Emitted ${eventId} via temporal; workflow event-1001-${eventId}`);
    expect(run.stderr).toContain(`/namespaces/default/workflows/event-1001-${eventId}`);
    expect(run.status).toBe(0);
  });

  it('given a bad entity or an unknown flag, exits 2 naming the problem and the usage', () => {
    const bad = runCli(['emit', '--lab', '1001', '--action', '1', '--entity', 'invoice:x']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('entity.type');
    expect(bad.stderr).toContain('Usage: labwire emit');
    const unknown = runCli(['emit', '--colour', 'red']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--colour'");
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
  });
});
