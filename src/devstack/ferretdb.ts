import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import type { Config } from '../config/schema';
import { FERRETDB, resolveBinary } from './binaries';
import { planFerretLookupsPerCall } from '../logstore/ferret-lookup-indexes';
import { ensureDatabase } from './postgres';
import { portIsOpen, ReadinessError, startProcess, waitUntilReady, type ManagedProcess } from './process';
import type { Say } from './say';

export interface LogStoreEndpoint {
  url: string;
  /** Present only when this stack started FerretDB (and so must stop it). */
  process?: ManagedProcess;
}

async function answersMongo(url: string): Promise<boolean> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 1_500, connectTimeoutMS: 1_500 });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    return true;
  } finally {
    await client.close();
  }
}

function ferretArgs(config: Config): string[] {
  const { ferret } = config.logStore;
  const stateDir = join(config.dataDir, 'ferretdb');
  mkdirSync(join(stateDir, 'sqlite'), { recursive: true });
  return [
    `--handler=${ferret.handler}`,
    `--postgresql-url=${ferret.postgresUrl}`,
    `--sqlite-url=file:${join(stateDir, 'sqlite')}/`,
    `--listen-addr=127.0.0.1:${ferret.port}`,
    `--state-dir=${stateDir}`,
    // No fixed debug port: two stacks (dev and test) must be able to run side by side.
    '--debug-addr=-',
    '--telemetry=disable',
    '--log-level=warn',
  ];
}

/** Uses MONGODB_URL, or a server already listening on FERRETDB_PORT, or starts FerretDB. */
export async function ensureLogStore(config: Config, say: Say): Promise<LogStoreEndpoint> {
  const { logStore } = config;
  const timeoutMs = config.timeouts.startupMs;
  if (logStore.externalUrl) {
    say('Log store: using MONGODB_URL');
    await waitUntilReady('MongoDB at MONGODB_URL', () => answersMongo(logStore.url), { timeoutMs });
    return { url: logStore.url };
  }
  if (await portIsOpen(logStore.ferret.port)) {
    if (!(await answersMongo(logStore.url).catch(() => false))) {
      throw new ReadinessError(
        `Port ${logStore.ferret.port} is taken by something that does not speak the MongoDB protocol. Stop it, or set FERRETDB_PORT to a free port.`,
      );
    }
    say(`Log store: reusing the server already listening on ${logStore.url}`);
    return { url: logStore.url };
  }
  const binary = await resolveBinary(FERRETDB, { explicitPath: logStore.ferret.path, cacheDir: config.cacheDir, say });
  if (logStore.ferret.handler === 'postgresql') {
    if (await ensureDatabase(logStore.ferret.postgresUrl)) say('Log store: created the FerretDB database in PostgreSQL');
    await planFerretLookupsPerCall(logStore.ferret.postgresUrl);
  }
  say(`Log store: starting FerretDB (${logStore.ferret.handler} handler) on ${logStore.url}`);
  const child = startProcess('ferretdb', binary, ferretArgs(config), join(config.dataDir, 'logs', 'ferretdb.log'), config.dataDir);
  try {
    await waitUntilReady('FerretDB', () => answersMongo(logStore.url), { timeoutMs, process: child });
  } catch (error) {
    await child.stop(config.timeouts.shutdownMs);
    throw error;
  }
  return { url: logStore.url, process: child };
}
