import type { Client } from '@temporalio/client';
import type { Config } from './config/schema';
import { migrateConfigStore, openConfigStore, type ConfigStore } from './db/config-store';
import { openLogStore, type LogStore } from './logstore/log-store';
import { connectClient } from './temporal/connection';

/** The long-lived clients a process holds: opened once here, closed once on shutdown. */
export interface Services {
  configStore: ConfigStore;
  logStore: LogStore;
  temporal: Client;
  close(): Promise<void>;
}

export async function openServices(config: Config, options: { migrate?: boolean } = {}): Promise<Services> {
  if (options.migrate) await migrateConfigStore(config.postgres.url);
  const configStore = openConfigStore(config.postgres.url);
  const opened: Array<() => Promise<void>> = [() => configStore.close()];
  try {
    const logStore = await openLogStore(config.logStore.url, config.logStore.database);
    opened.push(() => logStore.close());
    const temporal = await connectClient(config.temporal);
    opened.push(() => temporal.connection.close());
    return { configStore, logStore, temporal, close: () => closeAll(opened) };
  } catch (error) {
    await closeAll(opened);
    throw error;
  }
}

async function closeAll(closers: Array<() => Promise<void>>): Promise<void> {
  await Promise.allSettled([...closers].reverse().map((close) => close()));
}
