import { createHash } from 'node:crypto';
import postgres from 'postgres';
import type { Config } from '../config/schema';
import type { DeliveryLogs } from './delivery-logs';
import { LOGS_COLLECTION, RETRY_LOGS_COLLECTION } from './log-document';

/**
 * The fields the log writer and the detail view look documents up by, per collection.
 *
 * FerretDB 1.x (PostgreSQL handler) turns `{field: value}` into `(_jsonb -> 'field') @> value`
 * (containment, so that an array holding the value matches too, as in MongoDB). The btree
 * indexes it creates for `createIndex` cannot serve `@>`, so every lookup by `_id` scanned the
 * whole table: about 1.8 s per read at 1,000,000 logs, and four of them per delivery. A GIN
 * index on the same expression serves `@>` (0.04 ms for the same read).
 *
 * Without fastupdate: by default a GIN index queues new entries in a pending list that every
 * lookup reads in full until a vacuum merges it, so under a steady stream of new logs each lookup
 * grew with the backlog (2.4 ms with 7,660 queued entries after a 3,000-delivery benchmark, 0.1 ms
 * merged). Writing each entry into the index at once costs the insert a little and keeps lookups flat.
 */
const LOOKUPS: Record<string, string[]> = {
  [LOGS_COLLECTION]: ['_id'],
  [RETRY_LOGS_COLLECTION]: ['_id', 'log_id'],
};

/**
 * Lookup indexes an earlier version made that nothing reads any more, dropped at start: every
 * insert and update of a log wrote an entry into each (FerretDB rewrites the whole row). Logs are
 * found by event through the read model (log_index.event_id) now, not in the log store.
 */
const RETIRED_LOOKUPS: Record<string, string[]> = {
  [LOGS_COLLECTION]: ['event_id'],
};

const indexName = (table: string, field: string) => `${table.slice(0, 40)}_${createHash('sha256').update(field).digest('hex').slice(0, 8)}_lookup`;

/**
 * Adds the GIN lookup indexes to FerretDB's own tables in PostgreSQL. Only for the local FerretDB
 * with the PostgreSQL handler: MongoDB (MONGODB_URL) uses its `_id` index and the collection
 * indexes, and SQLite has no GIN. Idempotent; the collections must exist (ensureIndexes first).
 */
export async function ensureFerretLookupIndexes(logStore: Config['logStore']): Promise<string[]> {
  if (!onFerretPostgres(logStore)) return [];
  const sql = postgres(logStore.ferret.postgresUrl, { max: 1, onnotice: () => undefined });
  const created: string[] = [];
  try {
    await planLookupsPerCall(sql, logStore.ferret.postgresUrl);
    // FerretDB keeps a database as a schema of that name, and a collection's table name in its metadata table.
    const [schema] = await sql<{ name: string }[]>`select schema_name as name from information_schema.schemata where schema_name = ${logStore.database}`;
    if (!schema) return [];
    const tables = await sql<{ collection: string; table: string }[]>`
      select _jsonb->>'_id' as collection, _jsonb->>'table' as table
      from ${sql(logStore.database)}._ferretdb_database_metadata
      where _jsonb->>'_id' in ${sql([...new Set([...Object.keys(LOOKUPS), ...Object.keys(RETIRED_LOOKUPS)])])}`;
    for (const { collection, table } of tables) {
      for (const field of RETIRED_LOOKUPS[collection] ?? []) await sql`drop index if exists ${sql(logStore.database)}.${sql(indexName(table, field))}`;
      for (const field of LOOKUPS[collection] ?? []) {
        if (!/^[a-z_]+$/.test(field)) throw new Error(`not a plain field name: ${field}`);
        const name = indexName(table, field);
        try {
          await sql`create index if not exists ${sql(name)} on ${sql(logStore.database)}.${sql(table)} using gin ((_jsonb -> ${sql.unsafe(`'${field}'`)})) with (fastupdate = off)`;
          // An index made before fastupdate was turned off (once): turn it off and merge what it had queued.
          const qualified = `${logStore.database}.${name}`;
          const [options] = await sql<{ off: boolean }[]>`select coalesce('fastupdate=off' = any(reloptions), false) as off from pg_class where oid = ${qualified}::regclass`;
          if (!options?.off) {
            await sql`alter index ${sql(logStore.database)}.${sql(name)} set (fastupdate = off)`;
            await sql`select gin_clean_pending_list(${qualified}::regclass)`;
          }
          created.push(name);
        } catch (error) {
          // Another process created it at the same moment.
          if ((error as { code?: string }).code !== '23505' && (error as { code?: string }).code !== '42P07') throw error;
        }
      }
    }
    return created;
  } finally {
    await sql.end();
  }
}

/** The local FerretDB with the PostgreSQL handler, not MongoDB (MONGODB_URL) or FerretDB on SQLite. */
const onFerretPostgres = (logStore: Config['logStore']) => !logStore.externalUrl && logStore.ferret.handler === 'postgresql';

/** The log store's indexes: the collection indexes (MongoDB uses them, FerretDB on PostgreSQL cannot), then (there) the lookup indexes. */
export async function prepareLogStore(config: Config, logs: DeliveryLogs): Promise<void> {
  await logs.ensureIndexes({ secondary: !onFerretPostgres(config.logStore) });
  await ensureFerretLookupIndexes(config.logStore);
}

/**
 * FerretDB 1.x looks a document up with `SELECT _jsonb FROM t WHERE _jsonb->$1 @> $2`, a prepared
 * statement whose field name is a parameter. After five runs PostgreSQL may switch a prepared
 * statement to its generic plan, in which `_jsonb->$1` cannot match the lookup index on
 * `_jsonb->'_id'` (LOOKUPS above): every later lookup on that connection
 * scanned the whole table, reading and decompressing each document (seen as 8.3 million rows read
 * for 4,730 logs in one benchmark, on a PostgreSQL without autovacuum). Planning each execution
 * with its values keeps the index in use. Set on FerretDB's own database: by `labwire start` before
 * it starts FerretDB, and again at every worker and API start (new connections take it).
 */
export async function planFerretLookupsPerCall(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined, connect_timeout: 5 });
  try {
    await planLookupsPerCall(sql, url);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** The setting itself, on a connection to FerretDB's database (`url` names it). */
async function planLookupsPerCall(sql: postgres.Sql, url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  try {
    await sql.unsafe(`alter database "${name.replace(/"/g, '""')}" set plan_cache_mode = force_custom_plan`);
  } catch (error) {
    // Not the database's owner (a FerretDB database set up by someone else): theirs to tune.
    if ((error as { code?: string }).code !== '42501') throw error;
  }
}
