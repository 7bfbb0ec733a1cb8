import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Filter } from 'mongodb';
import type { Config } from '../src/config/schema';
import type { DeliveryLogs } from '../src/logstore/delivery-logs';
import type { LogDocument } from '../src/logstore/log-document';
import { logFilterQuery, type LogFilter } from '../src/logstore/log-filter';
import { RetryRejectedError, retryDelivery } from '../src/retries/retry-delivery';
import type { LogStatus } from '../workflows/types';

/** What a bulk retry covers: every log matching a filter, or a list of ids (only deliveries either way). */
export interface BulkSelection {
  filter?: LogFilter;
  ids?: string[];
}

export interface BulkRetryOne {
  logId: string;
  /** Derived from the bulk id and the log id: a re-run activity repeats the same update, which Temporal deduplicates. */
  retryId: string;
  force: boolean;
  requestedBy: string;
}

export type BulkRetryOutcome = { logId: string; refused: false; status: LogStatus } | { logId: string; refused: true; reason: string };

function selectionQuery(selection: BulkSelection): Filter<LogDocument> {
  const base: Filter<LogDocument> = { ...(selection.filter ? logFilterQuery(selection.filter) : {}), type: 'WEBHOOK' };
  return selection.ids ? { ...base, _id: { $in: selection.ids } } : base;
}

export function createBulkRetryActivities(deps: { config: Config; logs: DeliveryLogs; temporal: Client }) {
  return {
    countBulkSelection: (selection: BulkSelection) => deps.logs.collection.countDocuments(selectionQuery(selection)),

    async findBulkPage(selection: BulkSelection, after: string | undefined, limit: number): Promise<string[]> {
      const query = selectionQuery(selection);
      const page = await deps.logs.collection
        .find(after ? { $and: [query, { _id: { $gt: after } }] } : query, { projection: { _id: 1 } })
        .sort({ _id: 1 })
        .limit(limit)
        .toArray();
      return page.map((doc) => doc._id);
    },

    /** One retry, waited for (so the bulk's concurrency bounds real dispatches); heartbeats while it waits. */
    async bulkRetryOne(request: BulkRetryOne): Promise<BulkRetryOutcome> {
      const heartbeat = setInterval(() => Context.current().heartbeat(), 1_000);
      try {
        const answer = await retryDelivery(deps, request.logId, {
          kind: 'bulk',
          requestedBy: request.requestedBy,
          force: request.force,
          wait: true,
          retryId: request.retryId,
        });
        return { logId: request.logId, refused: false, status: answer.result?.status ?? 'QUEUED' };
      } catch (error) {
        if (error instanceof RetryRejectedError) return { logId: request.logId, refused: true, reason: error.message };
        throw error;
      } finally {
        clearInterval(heartbeat);
      }
    },
  };
}

export type BulkRetryActivities = ReturnType<typeof createBulkRetryActivities>;
