import type { Config } from '../config/schema';
import { ensureLogStore, type LogStoreEndpoint } from './ferretdb';
import { ensureDatabase } from './postgres';
import type { ManagedProcess } from './process';
import type { Say } from './say';
import { ensureTemporal, type TemporalEndpoint } from './temporal-server';

/** The servers Labwire needs, started or reused; `stop` ends only those this stack started. */
export interface Stack {
  temporal: TemporalEndpoint;
  logStore: LogStoreEndpoint;
  processes: ManagedProcess[];
  stop(): Promise<void>;
}

export async function startStack(config: Config, say: Say): Promise<Stack> {
  const started: ManagedProcess[] = [];
  const stop = async () => {
    await Promise.all(started.map((p) => p.stop(config.timeouts.shutdownMs)));
    started.length = 0;
  };
  try {
    if (await ensureDatabase(config.postgres.url)) say(`PostgreSQL: created database ${new URL(config.postgres.url).pathname.slice(1)}`);
    // Sequential on purpose: a first run builds each binary with Go, and two builds at once on 2 cores take longer.
    const temporal = await ensureTemporal(config, say);
    if (temporal.process) started.push(temporal.process);
    const logStore = await ensureLogStore(config, say);
    if (logStore.process) started.push(logStore.process);
    return { temporal, logStore, processes: started, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
