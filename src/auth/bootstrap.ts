import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema';
import type { ConfigDb } from '../db/config-store';
import type { Say } from '../devstack/say';
import { ensureFirstAdmin } from './users';

/**
 * The first admin when the user table is empty: ADMIN_USERNAME / ADMIN_PASSWORD, or a generated
 * password printed once and kept (mode 600) in the data directory, as Jenkins does.
 */
export async function bootstrapAdmin(config: Config, db: ConfigDb, say: Say): Promise<void> {
  const result = await ensureFirstAdmin(db, config.auth.adminUsername, config.auth.adminPassword);
  if (!result.created) return;
  if (!result.generatedPassword) {
    say(`Created the first admin "${result.username}" with the password from ADMIN_PASSWORD`);
    return;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, 'initial-admin-password');
  writeFileSync(file, `${result.generatedPassword}\n`, { mode: 0o600 });
  say(`Created the first admin "${result.username}" with password ${result.generatedPassword} (also in ${file}); add more on the dashboard's Users page or with "labwire user add"`);
}
