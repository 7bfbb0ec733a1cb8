import { createHash } from 'node:crypto';
import postgres from 'postgres';
import { openConfigStore } from '../src/db/config-store';
import { DeliveryLogs } from '../src/logstore/delivery-logs';
import { prepareLogStore } from '../src/logstore/ferret-lookup-indexes';
import { LogIndex } from '../src/logstore/log-index';
import { openLogStore, type LogStore } from '../src/logstore/log-store';
import { testConfig, uniqueId } from './support/fixtures';

describe('log store (MongoDB protocol on FerretDB)', () => {
  const config = testConfig();
  let store: LogStore;

  beforeAll(async () => {
    store = await openLogStore(config.logStore.url, config.logStore.database);
  });
  afterAll(async () => {
    await store.close();
  });

  it('inserts and queries documents with filter, sort and limit through an index', async () => {
    const collection = store.db.collection<{ _id: string; lab_id: string; status: string; inserted_at: Date }>(uniqueId('logs'));
    await collection.createIndex({ lab_id: 1, inserted_at: -1 }, { name: 'lab_recent' });
    const base = Date.UTC(2026, 10, 1);
    await collection.insertMany(
      Array.from({ length: 20 }, (_, i) => ({
        _id: `log-${i}`,
        lab_id: i % 2 === 0 ? 'lab-even' : 'lab-odd',
        status: i % 3 === 0 ? 'FAIL' : 'SUCCESS',
        inserted_at: new Date(base + i * 60_000),
      })),
    );

    const newest = await collection.find({ lab_id: 'lab-even' }).sort({ inserted_at: -1 }).limit(3).toArray();
    expect(newest.map((d) => d._id)).toEqual(['log-18', 'log-16', 'log-14']);
    expect(await collection.countDocuments({ lab_id: 'lab-odd', status: 'FAIL' })).toBe(3);

    const indexes = await collection.listIndexes().toArray();
    expect(indexes.map((index: { name?: string }) => index.name)).toContain('lab_recent');
  });

  it('keeps FerretDB lookups on the lookup index however often a connection repeats them (no generic plan that scans the table)', async () => {
    const own = { ...config, logStore: { ...config.logStore, database: uniqueId('labwire_test_plans').replace(/-/g, '_') } };
    const lookupStore = await openLogStore(own.logStore.url, own.logStore.database);
    const configStore = openConfigStore(own.postgres.url, { max: 1 });
    const sql = postgres(own.logStore.ferret.postgresUrl, { max: 1, onnotice: () => undefined });
    try {
      // The stack's start set it on FerretDB's database, before FerretDB connected.
      const [setting] = await sql<{ config: string[] }[]>`
        select s.setconfig as config from pg_db_role_setting s join pg_database d on d.oid = s.setdatabase where d.datname = current_database() and s.setrole = 0`;
      expect(setting?.config).toContain('plan_cache_mode=force_custom_plan');

      const logs = new DeliveryLogs(lookupStore.db, new LogIndex(configStore.db));
      const collection = lookupStore.db.collection<{ _id: string; n: number; pad: string }>('integration_directory');
      // A new store: FerretDB's connections first look documents up while the table is tiny…
      await collection.insertOne({ _id: 'log-000000', n: 0, pad: '' });
      await prepareLogStore(own, logs);
      for (let i = 0; i < 10; i++) expect((await collection.findOne({ _id: 'log-000000' }))?.n).toBe(0);
      // …and go on looking them up as it grows.
      await collection.insertMany(Array.from({ length: 2999 }, (_, i) => ({ _id: `log-${String(i + 1).padStart(6, '0')}`, n: i + 1, pad: 'x'.repeat(200) })));
      const [table] = await sql<{ table: string }[]>`select _jsonb->>'table' as table from ${sql(own.logStore.database)}._ferretdb_database_metadata where _jsonb->>'_id' = 'integration_directory'`;
      const scans = async () => {
        const [row] = await sql<{ seq: string; idx: string }[]>`
          select coalesce(seq_scan, 0) as seq, coalesce(idx_scan, 0) as idx from pg_stat_user_tables where schemaname = ${own.logStore.database} and relname = ${table!.table}`;
        return { seq: Number(row?.seq ?? 0), idx: Number(row?.idx ?? 0) };
      };
      // Wait until the lookups so far are counted (a backend reports within about ten seconds of going idle).
      let before = await scans();
      for (let waited = 0; before.seq + before.idx < 10 && waited < 15_000; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        before = await scans();
      }
      // More than the five runs after which PostgreSQL may keep a prepared statement's generic plan.
      for (let i = 1; i <= 30; i++) expect((await collection.findOne({ _id: `log-${String(i * 97).padStart(6, '0')}` }))?.n).toBe(i * 97);
      // A backend reports its table statistics within about ten seconds of going idle.
      let after = await scans();
      for (let waited = 0; after.idx + after.seq - before.idx - before.seq < 30 && waited < 15_000; waited += 200) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        after = await scans();
      }
      expect(after.idx - before.idx).toBeGreaterThanOrEqual(30);
      expect(after.seq - before.seq).toBeLessThan(5);
    } finally {
      await lookupStore.db.dropDatabase();
      await sql.end();
      await configStore.close();
      await lookupStore.close();
    }
  });

  it('gives FerretDB lookup indexes that serve its own _id / log_id predicate (it scanned the table for each), and drops the retired event_id one', async () => {
    const own = { ...config, logStore: { ...config.logStore, database: uniqueId('labwire_test_lookup').replace(/-/g, '_') } };
    const lookupStore = await openLogStore(own.logStore.url, own.logStore.database);
    const configStore = openConfigStore(own.postgres.url, { max: 1 });
    const sql = postgres(own.logStore.ferret.postgresUrl, { max: 1, onnotice: () => undefined });
    try {
      const logs = new DeliveryLogs(lookupStore.db, new LogIndex(configStore.db));
      // As a start before this change left it: the secondary indexes made, and the event_id lookup index
      await logs.ensureIndexes({ secondary: true });
      const [logsTable] = await sql<{ table: string }[]>`select _jsonb->>'table' as table from ${sql(own.logStore.database)}._ferretdb_database_metadata where _jsonb->>'_id' = 'integration_directory'`;
      await sql.unsafe(`create index "${logsTable!.table.slice(0, 40)}_${createHash('sha256').update('event_id').digest('hex').slice(0, 8)}_lookup" on "${own.logStore.database}"."${logsTable!.table}" using gin ((_jsonb -> 'event_id'))`);
      expect((await lookupStore.db.collection('integration_directory').listIndexes().toArray()).length).toBeGreaterThan(10);
      await prepareLogStore(own, logs);
      await prepareLogStore(own, logs); // idempotent: every worker and API start runs it
      // FerretDB on PostgreSQL reads through none of the secondary indexes; they only cost writes, so they go
      expect((await lookupStore.db.collection('integration_directory').listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
      const indexes = await sql<{ indexname: string; tablename: string; indexdef: string }[]>`
        select indexname, tablename, indexdef from pg_indexes where schemaname = ${own.logStore.database} and indexname like '%_lookup'`;
      const expressions = indexes.map((i) => /USING gin \(+_jsonb -> '(\w+)'::text\)+/.exec(i.indexdef)?.[1]).sort();
      expect(expressions).toEqual(['_id', '_id', 'log_id']);
      // Each entry goes into the index at once: no pending list, which every lookup would read in full
      for (const index of indexes) expect(index.indexdef).toMatch(/WITH \(fastupdate='?off'?\)$/);
      // and a lookup index an earlier start made with a pending list is switched over at the next start
      await sql.unsafe(`alter index "${own.logStore.database}"."${indexes[0]!.indexname}" set (fastupdate = on)`);
      await prepareLogStore(own, logs);
      const [again] = await sql<{ indexdef: string }[]>`select indexdef from pg_indexes where schemaname = ${own.logStore.database} and indexname = ${indexes[0]!.indexname}`;
      expect(again!.indexdef).toMatch(/WITH \(fastupdate='?off'?\)$/);

      // FerretDB pushes {_id: <string>} down as containment, which a btree cannot serve and GIN can.
      const explained = await lookupStore.db.command({ explain: { find: 'integration_directory', filter: { _id: 'aaaaaaaaaaaaaaaaaaaaaaaa' } } });
      expect(explained.filterPushdown).toBe(true);
      const predicate = JSON.stringify(explained.queryPlanner);
      expect(predicate).toContain(`-> '_id'::text) @> '\\"aaaaaaaaaaaaaaaaaaaaaaaa\\"'::jsonb`);
      const table = logsTable!.table;
      const plan = await sql.begin(async (tx) => {
        await tx`set local enable_seqscan = off`;
        return tx.unsafe(`explain select _jsonb from "${own.logStore.database}"."${table}" where (_jsonb -> '_id') @> '"aaaaaaaaaaaaaaaaaaaaaaaa"'::jsonb`);
      });
      const lookupIndex = indexes.find((i) => i.tablename === table && i.indexdef.includes("'_id'"))!.indexname;
      expect(plan.map((row) => Object.values(row)[0]).join('\n')).toContain(`Bitmap Index Scan on ${lookupIndex}`);
    } finally {
      await lookupStore.db.dropDatabase();
      await sql.end();
      await configStore.close();
      await lookupStore.close();
    }
  });

  it('enforces a unique index, so a repeated write cannot create a second document', async () => {
    const collection = store.db.collection<{ event_id: string }>(uniqueId('unique'));
    await collection.createIndex({ event_id: 1 }, { unique: true });
    await collection.insertOne({ event_id: 'e-1' });
    await expect(collection.insertOne({ event_id: 'e-1' })).rejects.toMatchObject({ code: 11000 });
    expect(await collection.countDocuments({})).toBe(1);
  });

  it('supports the updates and aggregation the log store relies on', async () => {
    const collection = store.db.collection<{ _id: string; status: string; retry_count: number; attempts: unknown[] }>(uniqueId('agg'));
    await collection.insertMany([
      { _id: 'a', status: 'QUEUED', retry_count: 0, attempts: [] },
      { _id: 'b', status: 'FAIL', retry_count: 0, attempts: [] },
    ]);
    const updated = await collection.findOneAndUpdate(
      { _id: 'a' },
      { $set: { status: 'SUCCESS' }, $inc: { retry_count: 1 }, $push: { attempts: { code: 200 } } },
      { returnDocument: 'after' },
    );
    expect(updated).toMatchObject({ status: 'SUCCESS', retry_count: 1, attempts: [{ code: 200 }] });
    const byStatus = await collection
      .aggregate<{ _id: string; count: number }>([{ $match: {} }, { $group: { _id: '$status', count: { $sum: 1 } } }, { $sort: { _id: 1 } }])
      .toArray();
    expect(byStatus).toEqual([
      { _id: 'FAIL', count: 1 },
      { _id: 'SUCCESS', count: 1 },
    ]);
  });
});
