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
