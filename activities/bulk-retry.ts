import type { ConfigDb } from '../src/db/config-store';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { eq, inArray, type SQL } from 'drizzle-orm';
import type { Config } from '../src/config/schema';
import type { DeliveryLogs } from '../src/logstore/delivery-logs';
import { logIndex } from '../src/db/schema';
import type { LogFilter } from '../src/logstore/log-filter';
import { countLogs, logIdsAfter } from '../src/logstore/log-query';
import { scopeFromLabIds } from '../src/auth/lab-scope';
import { RetryRejectedError, retryDelivery } from '../src/retries/retry-delivery';
import type { LogStatus } from '../workflows/types';

/** What a bulk retry covers: every log matching a filter, or a list of ids (only deliveries either way). */
export interface BulkSelection {
  filter?: LogFilter;
  ids?: string[];
  /**
   * The labs of the user who started it (src/auth/lab-scope.ts; absent = every lab): the selection
   * never reaches beyond them, whatever the filter or ids say.
   */
  labIds?: number[];
}

export interface BulkRetryOne {
  logId: string;
  /** Derived from the bulk id and the log id: a re-run activity repeats the same update, which Temporal deduplicates. */
  retryId: string;
  force: boolean;
  requestedBy: string;
}

export type BulkRetryOutcome = { logId: string; refused: false; status: LogStatus } | { logId: string; refused: true; reason: string };

/** Only deliveries can be retried: API logs and test deliveries are left out of every selection. */
function selectionConditions(selection: BulkSelection): SQL[] {
  return [eq(logIndex.type, 'WEBHOOK'), eq(logIndex.test, false), ...(selection.ids ? [inArray(logIndex.id, selection.ids)] : [])];
}

export function createBulkRetryActivities(deps: { config: Config; db: ConfigDb; logs: DeliveryLogs; temporal: Client }) {
  // Selections are read from the dashboard's read model (indexed), not by scanning the log store.
  const { db } = deps;
  return {
    countBulkSelection: (selection: BulkSelection) => countLogs(db, scopeFromLabIds(selection.labIds), selection.filter ?? {}, selectionConditions(selection)),

    async findBulkPage(selection: BulkSelection, after: string | undefined, limit: number): Promise<string[]> {
      return logIdsAfter(db, scopeFromLabIds(selection.labIds), selection.filter ?? {}, selectionConditions(selection), after, limit);
    },

    /** One retry, waited for (so the bulk's concurrency bounds real dispatches); heartbeats while it waits. */
    async bulkRetryOne(request: BulkRetryOne): Promise<BulkRetryOutcome> {
      // A re-run of this activity (its worker died after the retry finished, before it reported)
      // finds the retry's record, its last write, and answers from it: the delivery's workflow may
      // be closed by now, and a new run would see the log SUCCESS and refuse the retry.
      const done = await deps.logs.retryRecord(request.retryId, request.logId);
      if (done) return { logId: request.logId, refused: false, status: done.status };
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
