import { eq } from 'drizzle-orm';
import { migrateConfigStore, openConfigStore, type ConfigStore } from '../src/db/config-store';
import { ACTION_CATEGORIES, DEMO_ENTITY_ID, seedDemoConfiguration } from '../src/db/demo-seed';
import { postgresContextProvider } from '../src/context/postgres-context-provider';
import { actionCategories, labs, organisations } from '../src/db/schema';
import { testConfig, uniqueId } from './support/fixtures';

describe('config store (PostgreSQL with drizzle)', () => {
  const config = testConfig();
  let store: ConfigStore;

  beforeAll(() => {
    store = openConfigStore(config.postgres.url, { max: 2 });
  });
  afterAll(async () => {
    await store.close();
  });

  it('migrates idempotently, also when two processes migrate at once', async () => {
    await Promise.all([migrateConfigStore(config.postgres.url), migrateConfigStore(config.postgres.url)]);
    const tables = await store.sql<{ table_name: string }[]>`
      select table_name from information_schema.tables where table_schema = 'public' order by table_name`;
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['action_categories', 'developers', 'labs', 'organisations']));
  });

  it('seeds the action categories of SPEC §3, with 60 and 61 from crelio-app, and seeding twice adds nothing', async () => {
    await seedDemoConfiguration(store.db);
    await seedDemoConfiguration(store.db);
    const rows = await store.db.select().from(actionCategories).orderBy(actionCategories.id);
    expect(rows.map((r) => r.name)).toEqual(ACTION_CATEGORIES.map((c) => c.name));
    expect(rows.filter((r) => r.origin === 'crelio-app').map((r) => r.id)).toEqual([60, 61]);
    expect(rows.map((r) => r.name)).toEqual(
      expect.arrayContaining(['Bill Generated', 'Patient Registered', 'Sample Collected', 'Report Submitted', 'Report Approved', 'Bill Cancelled']),
    );
  });

  it('accepts new labs and organisations after the demo rows (their fixed ids do not collide)', async () => {
    const name = uniqueId('Lab');
    const [lab] = await store.db.insert(labs).values({ name }).returning();
    expect(lab?.id).toBeGreaterThan(1003);
    const [org] = await store.db.insert(organisations).values({ labId: lab!.id, name: `${name} org` }).returning();
    const found = await store.db.select().from(organisations).where(eq(organisations.labId, lab!.id));
    expect(found).toEqual([org]);
  });

  it('seeds a demo patient, bill and report in lab 1001 that the context provider reads', async () => {
    await seedDemoConfiguration(store.db);
    const provider = postgresContextProvider(store.db);
    const bill = await provider.loadEntity(1001, { type: 'bill', id: DEMO_ENTITY_ID });
    expect(bill).toMatchObject({ type: 'bill', bill: { billNumber: 'SUN-B-0001', totalAmount: 770, patient: { lastName: 'Rao' } } });
    const report = await provider.loadEntity(1001, { type: 'report', id: DEMO_ENTITY_ID });
    expect(report.type === 'report' && report.report.results.map((r) => r.flag ?? '')).toEqual(['', 'H']);
  });
});
