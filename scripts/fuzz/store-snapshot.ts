import type { Db } from 'mongodb';
import type postgres from 'postgres';
import { LOGS_COLLECTION } from '../../src/logstore/log-document';

/**
 * What the stores hold, as comparable figures: for each PostgreSQL table of the config store its
 * row count and a digest of every row (so an UPDATE shows too); for the log store each
 * collection's document count. API logs are counted apart (`…:api`): refused partner calls
 * write them by design (SPEC §6). So are the audit trail's failed sign-ins: a refused sign-in
 * (401) records one by design.
 */
export type StoreSnapshot = Record<string, string>;

export const isApiLogKey = (key: string) => key.endsWith(':api');
const FAILED_SIGN_INS = 'pg:audit_events:sign_in_failed';

/** Keys that may change on a refused request: the API logs it records, and a failed sign-in's audit row. */
export const isExpectedWrite = (key: string) => isApiLogKey(key) || key === FAILED_SIGN_INS;

/** Tables counted only: the read model follows the log store, and the outbox relay updates rows by itself. */
const COUNTED_ONLY = new Set(['log_index', 'event_outbox']);

export interface StoreProbe {
  /** The config store's figures: a few milliseconds, taken around every request. */
  configStore(): Promise<StoreSnapshot>;
  /** The log store's counts: FerretDB takes ~0.1 s for them, so they are taken around groups of requests. */
  logStore(): Promise<StoreSnapshot>;
}

export async function storeProbe(sql: postgres.Sql, logStore: Db): Promise<StoreProbe> {
  const tables = (await sql<Array<{ name: string }>>`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`).map((t) => t.name);
  const parts = tables.map((table) => {
    const ident = `"${table.replace(/"/g, '""')}"`;
    if (table === 'log_index') return `select 'pg:log_index' as key, (select count(*) from log_index where type <> 'API')::text as value union all select 'pg:log_index:api' as key, (select count(*) from log_index where type = 'API')::text as value`;
    if (table === 'audit_events') {
      const others = `(select count(*) || ' ' || md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from audit_events t where action <> 'session.sign_in_failed')`;
      return `select 'pg:audit_events' as key, ${others} as value union all select '${FAILED_SIGN_INS}' as key, (select count(*) from audit_events where action = 'session.sign_in_failed')::text as value`;
    }
    if (COUNTED_ONLY.has(table)) return `select 'pg:${table}' as key, (select count(*) from ${ident})::text as value`;
    return `select 'pg:${table}' as key, (select count(*) || ' ' || md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from ${ident} t) as value`;
  });
  const statement = parts.join(' union all ');
  return {
    async configStore() {
      const rows = await sql.unsafe<Array<{ key: string; value: string }>>(statement);
      return Object.fromEntries(rows.map((row) => [row.key, row.value]));
    },
    async logStore() {
      const snapshot: StoreSnapshot = {};
      const collections = await logStore.listCollections({}, { nameOnly: true }).toArray();
      await Promise.all(
        collections.map(async ({ name }) => {
          const collection = logStore.collection(name);
          if (name === LOGS_COLLECTION) {
            const [others, api] = await Promise.all([collection.countDocuments({ type: { $ne: 'API' } }), collection.countDocuments({ type: 'API' })]);
            snapshot[`logs:${name}`] = String(others);
            snapshot[`logs:${name}:api`] = String(api);
          } else {
            snapshot[`logs:${name}`] = String(await collection.countDocuments({}));
          }
        }),
      );
      return snapshot;
    },
  };
}

/** Keys whose figure differs, with before → after. */
export function snapshotChanges(before: StoreSnapshot, after: StoreSnapshot): Array<{ key: string; before?: string; after?: string }> {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.filter((key) => before[key] !== after[key]).map((key) => ({ key, before: before[key], after: after[key] }));
}
