import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { Config } from '../config/schema';

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
  return new Client({ connection: await connectTemporal(temporal), namespace: temporal.namespace });
}

let runtimeInstalled = false;

/**
 * The SDK logs every poll at INFO; Labwire's own logs are what an operator reads. The runtime
 * is a process-wide singleton created by the first native connection, so install it first.
 */
function installTemporalRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

/** The connection a Worker polls on. */
export function connectWorker(temporal: TemporalConfig): Promise<NativeConnection> {
  installTemporalRuntime();
  return NativeConnection.connect(connectOptions(temporal));
}
