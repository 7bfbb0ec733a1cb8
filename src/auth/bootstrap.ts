import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Config } from '../config/schema';
import type { ConfigDb } from '../db/config-store';
import { users } from '../db/schema';
import type { Say } from '../devstack/say';
import { SYSTEM_ACTOR } from '../audit/audit-actions';
import { AuditTrail } from '../audit/audit-trail';
import { ensureFirstAdmin, generatePassword } from './users';

function recordFirstAdmin(db: ConfigDb, id: number, username: string, password: 'ADMIN_PASSWORD' | 'generated'): Promise<void> {
  return new AuditTrail(db).record(SYSTEM_ACTOR, null, { action: 'user.create', target: { type: 'user', id }, detail: { username, role: 'admin', via: 'first start', passwordGenerated: password === 'generated' } });
}

/**
 * The first admin when the user table is empty: ADMIN_USERNAME / ADMIN_PASSWORD, or a generated
 * password printed once and kept (mode 600) in the data directory, as Jenkins does. The file is
 * written before the user exists: a data directory this process cannot write (a container's
 * user) stops the start with the reason, instead of leaving an admin whose password nobody has.
 */
export async function bootstrapAdmin(config: Config, db: ConfigDb, say: Say): Promise<void> {
  const [{ count } = { count: 0 }] = await db.select({ count: sql<number>`count(*)::int` }).from(users);
  if (count > 0) return;
  if (config.auth.adminPassword) {
    const result = await ensureFirstAdmin(db, config.auth.adminUsername, config.auth.adminPassword);
    if (result.created) {
      await recordFirstAdmin(db, result.id, result.username, 'ADMIN_PASSWORD');
      say(`Created the first admin "${result.username}" with the password from ADMIN_PASSWORD`);
    }
    return;
  }
  const password = generatePassword();
  const file = join(config.dataDir, 'initial-admin-password');
  try {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, `${password}\n`, { mode: 0o600 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot keep the first admin's generated password in ${file} (${reason}); make LABWIRE_DATA_DIR writable for this process, or set ADMIN_PASSWORD`);
  }
  const result = await ensureFirstAdmin(db, config.auth.adminUsername, password);
  if (!result.created) {
    // Another process created the first admin meanwhile: this password belongs to nobody (unless
    // that process, sharing the directory, has already put its own password in the file).
    if (readFileSync(file, 'utf8').trim() === password) rmSync(file, { force: true });
    return;
  }
  await recordFirstAdmin(db, result.id, result.username, 'generated');
  say(`Created the first admin "${result.username}" with password ${password} (also in ${file}); add more on the dashboard's Users page or with "labwire user add"`);
}
