import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { join } from 'node:path';
import postgres from 'postgres';
import * as schema from './schema';

export type ConfigDb = PostgresJsDatabase<typeof schema>;

/** The one owner of the PostgreSQL pool: opened once at start, closed on shutdown. */
export interface ConfigStore {
  db: ConfigDb;
  sql: postgres.Sql;
  close(): Promise<void>;
}

export function openConfigStore(url: string, options: { max?: number } = {}): ConfigStore {
  const sql = postgres(url, { max: options.max ?? 10, onnotice: () => undefined, connect_timeout: 10 });
  return {
    db: drizzle(sql, { schema }),
    sql,
    close: () => sql.end({ timeout: 5 }),
  };
}

export const migrationsFolder = join(__dirname, 'migrations');

/**
 * Applies pending drizzle migrations. A session advisory lock on a single connection makes
 * concurrent starts (API and worker replicas) take turns instead of racing on the same DDL.
 */
export async function migrateConfigStore(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined, connect_timeout: 10 });
  try {
    await sql`select pg_advisory_lock(7233001)`;
    await migrate(drizzle(sql), { migrationsFolder });
  } finally {
    await sql.end({ timeout: 5 });
  }
}
