import postgres from 'postgres';

/** Creates the database named in `url` when it does not exist yet. Returns true if it was created. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const sql = postgres(maintenance.toString(), { max: 1, onnotice: () => undefined, connect_timeout: 5 });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${name}`;
    if (rows.length > 0) return false;
    await sql.unsafe(`create database "${name.replace(/"/g, '""')}"`);
    return true;
  } catch (error) {
    // Two processes starting together may both try; the loser sees "already exists".
    if ((error as { code?: string }).code === '42P04') return false;
    throw error;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export async function postgresAnswers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined, connect_timeout: 3 });
  try {
    await sql`select 1`;
    return true;
  } finally {
    await sql.end({ timeout: 2 });
  }
}

/**
 * FerretDB 1.x looks a document up with `SELECT _jsonb FROM t WHERE _jsonb->$1 @> $2`, a prepared
 * statement whose field name is a parameter. After five runs PostgreSQL may switch a prepared
 * statement to its generic plan, in which `_jsonb->$1` cannot match the lookup index on
 * `_jsonb->'_id'` (src/logstore/ferret-lookup-indexes.ts): every later lookup on that connection
 * scanned the whole table, reading and decompressing each document (seen as 8.3 million rows read
 * for 4,730 logs in one benchmark, on a PostgreSQL without autovacuum). Planning each execution
 * with its values keeps the index in use. Set on FerretDB's own database, before FerretDB connects.
 */
export async function planFerretLookupsPerCall(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  const sql = postgres(url, { max: 1, onnotice: () => undefined, connect_timeout: 5 });
  try {
    await sql.unsafe(`alter database "${name.replace(/"/g, '""')}" set plan_cache_mode = force_custom_plan`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
