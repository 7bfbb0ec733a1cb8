import type { Db } from 'mongodb';
import type { ConfigDb } from '../../src/db/config-store';
import {
  DISPATCHES_COLLECTION,
  LOGS_COLLECTION,
  RETRY_LOGS_COLLECTION,
  type DispatchDocument,
  type LogDocument,
  type RetryLogDocument,
} from '../../src/logstore/log-document';
import { LogIndex } from '../../src/logstore/log-index';

/**
 * The stored data behind DeliveryLogs, reached directly: tests set up states (backdated logs,
 * a history of thousands) and inspect what was written. Product code asks DeliveryLogs' named queries.
 */
export function rawLogStore(logStore: Db, configDb: ConfigDb) {
  return {
    logs: logStore.collection<LogDocument>(LOGS_COLLECTION),
    retries: logStore.collection<RetryLogDocument>(RETRY_LOGS_COLLECTION),
    dispatches: logStore.collection<DispatchDocument>(DISPATCHES_COLLECTION),
    index: new LogIndex(configDb),
  };
}

export type RawLogStore = ReturnType<typeof rawLogStore>;
