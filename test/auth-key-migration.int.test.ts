import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { migrateConfigStore, migrationsFolder, openConfigStore } from '../src/db/config-store';
import { ensureDatabase } from '../src/devstack/postgres';
import { testConfig } from './support/fixtures';
import { Harness } from './support/harness';
import { createLabFixture } from './support/lab-fixtures';

/** The migrations folder as it was before 0005: the same SQL files, the journal cut after `lastIdx`. */
function migrationsUpTo(lastIdx: number): string {
  const folder = mkdtempSync(join(tmpdir(), 'labwire-migrations-'));
  cpSync(migrationsFolder, folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ idx: number }> };
  journal.entries = journal.entries.filter((e) => e.idx <= lastIdx);
  writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

describe('migration 0005: auth keys issued before it keep working, stored as hash and prefix', () => {
  const base = testConfig().postgres.url;
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/^\//, '')}_keys_${randomBytes(4).toString('hex')}`;
  const databaseUrl = url.toString();
  const oldKey = `lw_${randomBytes(24).toString('base64url')}`;
  const handMadeKey = 'legacy-key-0001';
  const harness = new Harness((config) => {
    config.postgres.url = databaseUrl;
  });
  let billId = 0;
  let folder = '';

  beforeAll(async () => {
    // Given a configuration store at migration 0004 holding keys in plaintext (the old shape)…
    await ensureDatabase(databaseUrl);
    folder = migrationsUpTo(4);
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined });
    try {
      await migrate(drizzle(sql), { migrationsFolder: folder });
      const store = openConfigStore(databaseUrl, { max: 1 });
      const lab = await createLabFixture(store.db);
      await store.close();
      billId = lab.billId;
      for (const key of [oldKey, handMadeKey]) {
        await sql`insert into developer_authentication (auth_key, lab_id, developer_id, developer_name, integration_type)
          values (${key}, ${lab.labId}, ${lab.developerId}, 'Before 0005', 'webhook')`;
      }
    } finally {
      await sql.end({ timeout: 5 });
    }
    // …when the API's start applies the pending migrations.
    await migrateConfigStore(databaseUrl);
    await harness.start({ workers: false });
  }, 60_000);

  afterAll(async () => {
    await harness.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
    const maintenance = new URL(base);
    maintenance.pathname = '/postgres';
    const sql = postgres(maintenance.toString(), { max: 1, onnotice: () => undefined });
    await sql.unsafe(`drop database if exists "${new URL(databaseUrl).pathname.slice(1)}" with (force)`);
    await sql.end({ timeout: 5 });
  });

  it('stores each key as its SHA-256 and a prefix, the plaintext column gone', async () => {
    const rows = await harness.services.configStore.sql<Array<Record<string, unknown>>>`select * from developer_authentication order by id`;
    expect(rows.map((r) => [r.auth_key_hash, r.auth_key_prefix])).toEqual([
      [createHash('sha256').update(oldKey).digest('hex'), oldKey.slice(0, 12)],
      // A short hand-made key shows a quarter of itself at most.
      [createHash('sha256').update(handMadeKey).digest('hex'), 'leg'],
    ]);
    expect(rows[0]).not.toHaveProperty('auth_key');
    expect(JSON.stringify(rows)).not.toContain(oldKey);
  });

  it('a partner still calls /partner/v1 with the key it had before the migration', async () => {
    const call = (key: string) => harness.anonymous().request('GET', `/partner/v1/bills/${billId}`, undefined, { authorization: `Bearer ${key}` });
    const answer = await call(oldKey);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ bill: { id: billId } });
    expect((await call(handMadeKey)).status).toBe(200);
    expect((await call(createHash('sha256').update(oldKey).digest('hex'))).status).toBe(401);
    expect((await call(`${oldKey}x`)).status).toBe(401);
  });
});
