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

/** A client connection for starting, signalling and inspecting workflows. */
export async function connectClient(temporal: TemporalConfig): Promise<Client> {
  const connection = await Connection.connect({ ...connectOptions(temporal), connectTimeout: 5_000 });
  return new Client({ connection, namespace: temporal.namespace });
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
