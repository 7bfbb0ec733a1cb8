import postgres from 'postgres';
import { emitBusinessEvent, enqueueBusinessEvent, lazyTemporalClient, type EmitResult } from './emitter';

export type { EmitResult } from './emitter';
export type { BusinessEvent } from '../events/business-event';

export interface LabwireClientOptions {
  temporalAddress: string;
  namespace?: string;
  /** The Labwire PostgreSQL database that holds the event outbox. */
  databaseUrl: string;
  taskQueue?: string;
  startTimeoutMs?: number;
}

export interface LabwireClient {
  emitBusinessEvent(event: unknown): Promise<EmitResult>;
  enqueueBusinessEvent(tx: postgres.TransactionSql | postgres.Sql, event: unknown): Promise<EmitResult>;
  close(): Promise<void>;
}

/** The library a lab backend (LIS) imports to fire business events. */
export function createLabwireClient(options: LabwireClientOptions): LabwireClient {
  const temporal = lazyTemporalClient(options.temporalAddress, options.namespace ?? 'default');
  const sql = postgres(options.databaseUrl, { max: 2, onnotice: () => undefined });
  const deps = { temporal, sql, taskQueue: options.taskQueue ?? 'labwire-default', startTimeoutMs: options.startTimeoutMs ?? 3_000 };
  return {
    emitBusinessEvent: (event) => emitBusinessEvent(deps, event),
    enqueueBusinessEvent: (tx, event) => enqueueBusinessEvent(tx, event),
    async close() {
      await temporal.connection.close().catch(() => undefined);
      await sql.end({ timeout: 5 });
    },
  };
}
