import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { LogIndex } from '../logstore/log-index';
import { drizzle } from 'drizzle-orm/postgres-js';
import * as schema from '../db/schema';
import postgres from 'postgres';
import { loadConfig } from '../config/load';
import { DeliveryLogs } from '../logstore/delivery-logs';
import { retryDelivery, type RetryAnswer } from '../retries/retry-delivery';
import { emitBusinessEvent, enqueueBusinessEvent, lazyTemporalClient, type EmitResult } from './emitter';
import { parsePayloadKeys, PAYLOAD_KEY_FILE, PayloadKeyError, type PayloadKeySource } from '../temporal/payload-codec';

export type { EmitResult } from './emitter';
export type { BusinessEvent } from '../events/business-event';

export interface LabwireClientOptions {
  temporalAddress: string;
  namespace?: string;
  /** The Labwire PostgreSQL database that holds the event outbox. */
  databaseUrl: string;
  taskQueue?: string;
  crelioTaskQueue?: string;
  /** How long emitBusinessEvent waits for Temporal before it writes the event to the outbox instead (default 3000: the caller is usually answering a request of its own). */
  startTimeoutMs?: number;
  /** The log store (needed by retryDelivery only). */
  logStoreUrl?: string;
  logStoreDatabase?: string;
  /**
   * The workers' Temporal payload keys, as TEMPORAL_PAYLOAD_KEYS gives them (`<keyId>:<base64>`,
   * comma-separated; the first encrypts). Without it: TEMPORAL_PAYLOAD_KEYS of this process's
   * environment, else the key file in LABWIRE_DATA_DIR (a development stack on this machine).
   */
  payloadKeys?: string;
}

export type RetryDeliveryResult = ({ ok: true } & RetryAnswer) | { ok: false; error: string };

export interface LabwireClient {
  emitBusinessEvent(event: unknown): Promise<EmitResult>;
  enqueueBusinessEvent(tx: postgres.TransactionSql | postgres.Sql, event: unknown): Promise<EmitResult>;
  /** A manual retry of one delivery, on live data; never throws (a refusal comes back with its reason). */
  retryDelivery(logId: string, options?: { force?: boolean; requestedBy?: string; wait?: boolean }): Promise<RetryDeliveryResult>;
  close(): Promise<void>;
}

/** The library a lab backend (LIS) imports to fire business events. */
export function createLabwireClient(options: LabwireClientOptions): LabwireClient {
  const payloadKeys: PayloadKeySource = options.payloadKeys
    ? { kind: 'keys', keys: parsePayloadKeys(options.payloadKeys, undefined, 'payloadKeys') }
    : loadConfig().temporal.payloadKeys;
  // The library never makes a key of its own: events it encrypted with a key no worker holds would never start.
  if (payloadKeys.kind === 'file' && !existsSync(join(payloadKeys.dataDir, PAYLOAD_KEY_FILE))) {
    throw new PayloadKeyError(
      `createLabwireClient: no Temporal payload keys. Pass payloadKeys (the workers' TEMPORAL_PAYLOAD_KEYS) or set TEMPORAL_PAYLOAD_KEYS; ` +
        `without them only a development stack's key file is read (${join(payloadKeys.dataDir, PAYLOAD_KEY_FILE)}, not there).`,
    );
  }
  const temporal = lazyTemporalClient(options.temporalAddress, options.namespace ?? 'default', payloadKeys);
  const sql = postgres(options.databaseUrl, { max: 2, onnotice: () => undefined });
  const deps = { temporal, sql, taskQueue: options.taskQueue ?? 'labwire-default', startTimeoutMs: options.startTimeoutMs ?? 3_000 };
  let mongo: MongoClient | undefined;
  return {
    emitBusinessEvent: (event) => emitBusinessEvent(deps, event),
    enqueueBusinessEvent: (tx, event) => enqueueBusinessEvent(tx, event),
    async retryDelivery(logId, retry = {}) {
      try {
        if (!options.logStoreUrl) return { ok: false, error: 'retryDelivery needs logStoreUrl (the MongoDB URL of the log store)' };
        mongo ??= new MongoClient(options.logStoreUrl, { serverSelectionTimeoutMS: 5_000 });
        // Task queues and timeouts as the workers use them: the library reads the same environment schema.
        const config = loadConfig({ ...process.env, TASK_QUEUE: deps.taskQueue, CRELIO_TASK_QUEUE: options.crelioTaskQueue ?? 'labwire-crelio-app' });
        const logs = new DeliveryLogs(mongo.db(options.logStoreDatabase ?? 'labwire'), new LogIndex(drizzle(sql, { schema })));
        const answer = await retryDelivery({ temporal, logs, config }, logId, { kind: 'manual', requestedBy: retry.requestedBy ?? 'client', force: retry.force, wait: retry.wait });
        return { ok: true, ...answer };
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
    },
    async close() {
      await temporal.connection.close().catch(() => undefined);
      await mongo?.close();
      await sql.end({ timeout: 5 });
    },
  };
}
