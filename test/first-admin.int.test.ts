import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { bootstrapAdmin } from '../src/auth/bootstrap';
import { verifyCredentials } from '../src/auth/users';
import { migrateConfigStore, openConfigStore, type ConfigStore } from '../src/db/config-store';
import { auditEvents, users } from '../src/db/schema';
import { ensureDatabase } from '../src/devstack/postgres';
import { testConfig, uniqueId } from './support/fixtures';

/** Issue 10 (deployment defaults): the generated first-admin password is kept before the admin exists. */
describe('the first admin of an empty database', () => {
  const base = testConfig();
  const databaseUrl = (() => {
    const url = new URL(base.postgres.url);
    url.pathname = `/${uniqueId('labwire_test_first_admin').replace(/-/g, '_')}`;
    return url.toString();
  })();
  let store: ConfigStore;

  beforeAll(async () => {
    await ensureDatabase(databaseUrl);
    await migrateConfigStore(databaseUrl);
    store = openConfigStore(databaseUrl, { max: 2 });
  });
  afterAll(async () => {
    await store.close();
    const admin = postgres(base.postgres.url, { max: 1, onnotice: () => undefined });
    await admin.unsafe(`drop database if exists "${new URL(databaseUrl).pathname.slice(1)}" with (force)`);
    await admin.end();
  });

  const userCount = async () => (await store.db.select({ n: sql<number>`count(*)::int` }).from(users))[0]!.n;
  const lines: string[] = [];
  const say = (line: string) => lines.push(line);

  it('given a data directory it cannot write, stops with the reason and the fix, and creates no admin', async () => {
    const blocker = join(mkdtempSync(join(tmpdir(), 'labwire-admin-')), 'a-file');
    writeFileSync(blocker, '');
    // A directory under a file: never writable, even as root. No ADMIN_PASSWORD, so one is generated.
    const config = { ...base, dataDir: join(blocker, 'data'), auth: { ...base.auth, adminPassword: undefined } };

    await expect(bootstrapAdmin(config, store.db, say)).rejects.toThrow(/^Cannot keep the first admin's generated password in .*make LABWIRE_DATA_DIR writable for this process, or set ADMIN_PASSWORD$/);
    expect(await userCount()).toBe(0);
  });

  it('given a writable data directory, keeps the password (mode 600) before creating the admin, who can sign in with it', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'labwire-admin-')), 'data');
    const config = { ...base, dataDir, auth: { ...base.auth, adminPassword: undefined, adminUsername: 'first-admin' } };

    await bootstrapAdmin(config, store.db, say);

    const file = join(dataDir, 'initial-admin-password');
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const password = readFileSync(file, 'utf8').trim();
    expect(await verifyCredentials(store.db, 'first-admin', password)).toMatchObject({ username: 'first-admin', role: 'admin' });
    expect(lines.at(-1)).toContain(`Created the first admin "first-admin" with password ${password}`);
    expect(await userCount()).toBe(1);
    // Recorded in the audit trail as the system's doing, without the password.
    const trail = await store.db.select().from(auditEvents);
    expect(trail.map((row) => [row.actorType, row.action, row.detail])).toEqual([['system', 'user.create', { username: 'first-admin', role: 'admin', via: 'first start', passwordGenerated: true }]]);
    expect(JSON.stringify(trail)).not.toContain(password);
  });
});
