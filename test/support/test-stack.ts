import { ensureFirstAdmin } from '../../src/auth/users';
import type { Config } from '../../src/config/schema';
import { migrateConfigStore, openConfigStore } from '../../src/db/config-store';
import { seedDemoConfiguration } from '../../src/db/demo-seed';
import type { Say } from '../../src/devstack/say';
import { ensureDatabase } from '../../src/devstack/postgres';
import { startStack, type Stack } from '../../src/devstack/stack';

/** The servers of a test slot, started or reused, with the configuration store migrated, seeded and its first admin. */
export async function prepareTestStack(config: Config, say: Say): Promise<Stack> {
  const stack = await startStack(config, say);
  await prepareConfigStore(config);
  return stack;
}

/** The configuration store of `config` (created when missing), migrated, seeded, with its first admin. */
export async function prepareConfigStore(config: Config): Promise<void> {
  await ensureDatabase(config.postgres.url);
  await migrateConfigStore(config.postgres.url);
  const store = openConfigStore(config.postgres.url, { max: 1 });
  try {
    await seedDemoConfiguration(store.db);
    await ensureFirstAdmin(store.db, config.auth.adminUsername, config.auth.adminPassword);
  } finally {
    await store.close();
  }
}
