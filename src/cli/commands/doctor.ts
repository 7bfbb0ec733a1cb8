import { existsSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import postgres from 'postgres';
import type { Config } from '../../config/schema';
import { cachedBinaryPath, FERRETDB, TEMPORAL_CLI, type ServerBinary } from '../../devstack/binaries';
import type { Say } from '../../devstack/say';
import { searchAttributes } from '../../../workflows/definitions';
import { redactUrl } from '../redact';
import { connectTemporal } from '../../temporal/connection';

interface Check {
  name: string;
  run(): Promise<string>;
  /** What to do when the check fails. */
  fix: string;
}

function binaryStatus(binary: ServerBinary, explicit: string | undefined, config: Config): string {
  if (explicit) return existsSync(explicit) ? explicit : `${explicit} (missing!)`;
  const cached = cachedBinaryPath(binary, config.cacheDir);
  return existsSync(cached) ? cached : `not built yet (labwire start builds ${binary.name} ${binary.version} once)`;
}

function checks(config: Config): Check[] {
  const { temporal, logStore } = config;
  return [
    {
      name: 'PostgreSQL',
      fix: 'start PostgreSQL or correct DATABASE_URL (labwire start creates the database when it is missing)',
      async run() {
        const sql = postgres(config.postgres.url, { max: 1, connect_timeout: 3, onnotice: () => undefined });
        try {
          const [row] = await sql<{ version: string }[]>`select current_setting('server_version') as version`;
          const [migrations] = await sql<{ count: string }[]>`
            select count(*)::text as count from information_schema.tables where table_schema = 'drizzle' and table_name = '__drizzle_migrations'`;
          return `server ${row?.version}; migrations table ${migrations?.count === '1' ? 'present' : 'missing (run labwire start or labwire api)'}`;
        } finally {
          await sql.end({ timeout: 2 });
        }
      },
    },
    {
      name: 'Temporal',
      fix: temporal.externalAddress ? 'check TEMPORAL_ADDRESS, TLS and API key' : 'run labwire start (or labwire stack) to start the dev server',
      async run() {
        const connection = await connectTemporal(temporal, 3_000);
        try {
          const info = await connection.withDeadline(Date.now() + 3_000, () => connection.workflowService.getSystemInfo({}));
          const attrs = await connection.operatorService.listSearchAttributes({ namespace: temporal.namespace });
          const missing = Object.values(searchAttributes).filter((k) => !(k.name in (attrs.customAttributes ?? {})));
          const sa = missing.length === 0 ? 'search attributes registered' : `search attributes missing: ${missing.map((k) => k.name).join(', ')}`;
          return `server ${info.serverVersion}; namespace ${temporal.namespace}; ${sa}`;
        } finally {
          await connection.close();
        }
      },
    },
    {
      name: 'Temporal Web UI',
      fix: `open ${temporal.uiUrl}; set TEMPORAL_UI_URL when the UI lives elsewhere`,
      async run() {
        const response = await fetch(temporal.uiUrl, { signal: AbortSignal.timeout(3_000) });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return `${temporal.uiUrl} answers`;
      },
    },
    {
      name: 'Log store',
      fix: logStore.externalUrl ? 'check MONGODB_URL' : 'run labwire start (or labwire stack) to start FerretDB',
      async run() {
        const client = new MongoClient(logStore.url, { serverSelectionTimeoutMS: 3_000 });
        try {
          await client.connect();
          const info = await client.db('admin').command({ buildInfo: 1 });
          const ferret = (info as { ferretdbVersion?: string }).ferretdbVersion;
          return `${ferret ? `FerretDB ${ferret}` : `MongoDB ${String(info.version)}`}; database ${logStore.database}`;
        } finally {
          await client.close();
        }
      },
    },
    {
      name: 'API',
      fix: 'run labwire start or labwire api',
      async run() {
        const response = await fetch(`${config.api.publicUrl}/readyz`, { signal: AbortSignal.timeout(3_000) });
        return `${config.api.publicUrl} answers /readyz with ${response.status}`;
      },
    },
  ];
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

/** `labwire doctor`: prints the resolved configuration, then checks each server and says what is wrong. */
export async function doctorCommand(config: Config, say: Say): Promise<number> {
  say('Resolved configuration');
  const rows: Array<[string, string]> = [
    ['Data directory', config.dataDir],
    ['Binary cache', config.cacheDir],
    ['Temporal', `${config.temporal.address} (${config.temporal.externalAddress ? 'external' : 'local dev server'}), namespace ${config.temporal.namespace}`],
    ['Temporal Web UI', config.temporal.uiUrl],
    ['Task queues', `${config.temporal.taskQueue}, ${config.temporal.crelioTaskQueue} (crelio-app)`],
    ['temporal binary', config.temporal.externalAddress ? 'not needed' : binaryStatus(TEMPORAL_CLI, config.temporal.cliPath, config)],
    ['PostgreSQL', redactUrl(config.postgres.url)],
    ['Log store', `${redactUrl(config.logStore.url)} (${config.logStore.externalUrl ? 'MONGODB_URL' : `FerretDB, ${config.logStore.ferret.handler} handler`}), database ${config.logStore.database}`],
    ['ferretdb binary', config.logStore.externalUrl ? 'not needed' : binaryStatus(FERRETDB, config.logStore.ferret.path, config)],
    ['API', config.api.publicUrl],
    ['Demo partner', config.demo ? 'on under labwire start (LABWIRE_DEMO=false turns it off)' : 'off (LABWIRE_DEMO=false)'],
  ];
  for (const [key, value] of rows) say(`  ${key.padEnd(16)} ${value}`);
  say('');
  say('Checks');
  let failures = 0;
  for (const check of checks(config)) {
    try {
      say(`  ok    ${check.name.padEnd(16)} ${await check.run()}`);
    } catch (error) {
      failures += 1;
      say(`  FAIL  ${check.name.padEnd(16)} ${describeError(error)}\n        fix: ${check.fix}`);
    }
  }
  say('');
  say(failures === 0 ? 'All checks passed.' : `${failures} check(s) failed.`);
  return failures === 0 ? 0 : 1;
}
