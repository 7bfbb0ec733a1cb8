import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config/schema';
import { connectTemporal } from '../temporal/connection';
import { ensureSearchAttributes } from '../temporal/search-attributes';
import { searchAttributes } from '../../workflows/definitions';
import { resolveBinary, TEMPORAL_CLI } from './binaries';
import { portIsOpen, ReadinessError, startProcess, waitUntilReady, type ManagedProcess } from './process';
import type { Say } from './say';

export interface TemporalEndpoint {
  address: string;
  uiUrl: string;
  /** Present only when this stack started the dev server (and so must stop it). */
  process?: ManagedProcess;
}

export async function answersGrpc(temporal: Config['temporal']): Promise<boolean> {
  const connection = await connectTemporal(temporal, 1_000);
  try {
    await connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({}));
    return true;
  } finally {
    await connection.close();
  }
}

async function registerSearchAttributes(temporal: Config['temporal'], say: Say): Promise<void> {
  const connection = await connectTemporal(temporal);
  try {
    const added = await ensureSearchAttributes(connection, temporal.namespace);
    if (added.length > 0) say(`Registered Temporal search attributes: ${added.join(', ')}`);
  } finally {
    await connection.close();
  }
}

/** The API's codec endpoint as the browser reaches it (a wildcard bind address is reached on loopback). */
export function codecEndpoint(config: Config): string {
  const host = ['0.0.0.0', '::', '[::]'].includes(config.api.host) ? '127.0.0.1' : config.api.host;
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${config.api.port}/api/temporal-codec`;
}

const devServerDatabase = (dataDir: string) => join(dataDir, 'temporal', 'temporal.sqlite');

/** Deletes the dev server's SQLite file (with its WAL) under `dataDir`, for a stack that must start empty (bench, chaos run). */
export function removeDevServerDatabase(dataDir: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${devServerDatabase(dataDir)}${suffix}`, { force: true });
}

/** The dev server's command line (the recorder of replay histories adds dynamic config to it). */
export function devServerArgs(config: Config): string[] {
  const { temporal } = config;
  mkdirSync(dirname(devServerDatabase(config.dataDir)), { recursive: true });
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(temporal.port),
    '--ui-port', String(temporal.uiPort),
    '--db-filename', devServerDatabase(config.dataDir),
    '--log-level', 'warn',
    // WAL with synchronous=OFF is what the SDK's own CI uses: file-backed but fast enough.
    '--sqlite-pragma', 'journal_mode=WAL',
    '--sqlite-pragma', 'synchronous=OFF',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    '--dynamic-config-value', 'frontend.enableExecuteMultiOperation=true',
    '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
    // The Web UI decodes encrypted payloads through the API (src/api/codec-routes.ts).
    '--ui-codec-endpoint', codecEndpoint(config),
  ];
  if (temporal.namespace !== 'default') args.push('--namespace', temporal.namespace);
  for (const key of Object.values(searchAttributes)) args.push('--search-attribute', `${key.name}=Keyword`);
  return args;
}

/** Uses TEMPORAL_ADDRESS, or a dev server already listening, or starts one. */
export async function ensureTemporal(config: Config, say: Say): Promise<TemporalEndpoint> {
  const { temporal } = config;
  const timeoutMs = config.timeouts.startupMs;
  if (temporal.externalAddress) {
    say(`Temporal: using TEMPORAL_ADDRESS=${temporal.externalAddress}`);
    await waitUntilReady(`Temporal at ${temporal.address}`, () => answersGrpc(temporal), { timeoutMs });
    await registerSearchAttributes(temporal, say);
    return { address: temporal.address, uiUrl: temporal.uiUrl };
  }

  if (await portIsOpen(temporal.port)) {
    const isTemporal = await answersGrpc(temporal).catch(() => false);
    if (!isTemporal) {
      throw new ReadinessError(
        `Port ${temporal.port} is taken by something that is not a Temporal server. Stop it, or set TEMPORAL_PORT to a free port.`,
      );
    }
    say(`Temporal: reusing the server already listening on ${temporal.address}`);
    await registerSearchAttributes(temporal, say);
    return { address: temporal.address, uiUrl: temporal.uiUrl };
  }

  const binary = await resolveBinary(TEMPORAL_CLI, { explicitPath: temporal.cliPath, cacheDir: config.cacheDir, say });
  say(`Temporal: starting the dev server on ${temporal.address} (Web UI ${temporal.uiUrl})`);
  const child = startProcess('temporal', binary, devServerArgs(config), join(config.dataDir, 'logs', 'temporal.log'), config.dataDir);
  try {
    await waitUntilReady('Temporal dev server', () => answersGrpc(temporal), { timeoutMs, process: child });
    await waitUntilReady('Temporal Web UI', () => portIsOpen(temporal.uiPort), { timeoutMs, process: child });
    await registerSearchAttributes(temporal, say);
  } catch (error) {
    await child.stop(config.timeouts.shutdownMs);
    throw error;
  }
  return { address: temporal.address, uiUrl: temporal.uiUrl, process: child };
}
