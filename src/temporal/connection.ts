import { Client, Connection } from '@temporalio/client';
import type { Logger as SdkLogger } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { Config } from '../config/schema';
import { join } from 'node:path';
import { labwireDataConverter, PAYLOAD_KEY_FILE } from './payload-codec';

type TemporalConfig = Config['temporal'];

function connectOptions(temporal: TemporalConfig) {
  return {
    address: temporal.address,
    tls: temporal.tls ? {} : undefined,
    apiKey: temporal.apiKey,
  };
}

export function connectTemporal(temporal: TemporalConfig, connectTimeout = 5_000): Promise<Connection> {
  return Connection.connect({ ...connectOptions(temporal), connectTimeout });
}

/** A client for starting, signalling and inspecting workflows. */
export async function connectClient(temporal: TemporalConfig): Promise<Client> {
  return new Client({ connection: await connectTemporal(temporal), namespace: temporal.namespace, dataConverter: labwireDataConverter(temporal.payloadKeys) });
}

let runtimeInstalled = false;

/**
 * The SDK's logs go where Labwire's go (src/temporal/sdk-logger.ts); without a logger, only its
 * warnings, as they are. The runtime is a process-wide singleton created by the first native
 * connection, so it is installed first, once: the first worker's logger serves the process.
 */
function installTemporalRuntime(logger: SdkLogger = new DefaultLogger('WARN')): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger });
  runtimeInstalled = true;
}

/** The connection a Worker polls on. */
export function connectWorker(temporal: TemporalConfig, logger?: SdkLogger): Promise<NativeConnection> {
  installTemporalRuntime(logger);
  return NativeConnection.connect(connectOptions(temporal));
}

/**
 * What a process says at start about its payload keys. The generated key file is a development
 * default: processes on other machines (a production cluster) each generate their own and could
 * not read each other's payloads, so with TEMPORAL_ADDRESS it warns.
 */
export function payloadKeysNotice(temporal: TemporalConfig): string {
  const { payloadKeys } = temporal;
  if (payloadKeys.kind === 'keys') {
    return `Temporal payloads: encrypted with key "${payloadKeys.keys.encryptWith}" of TEMPORAL_PAYLOAD_KEYS (${payloadKeys.keys.keys.length} key(s) decrypt)`;
  }
  const file = join(payloadKeys.dataDir, PAYLOAD_KEY_FILE);
  const line = `Temporal payloads: encrypted with the key generated into ${file}`;
  return temporal.externalAddress
    ? `${line}. WARNING: set TEMPORAL_PAYLOAD_KEYS for production; every API, worker and client process must hold the same keys (README, "Encrypted Temporal payloads")`
    : line;
}
