import type { Client } from '@temporalio/client';
import type { Config } from '../src/config/schema';
import type { DeliveryLogs } from '../src/logstore/delivery-logs';
import { RetryRejectedError, retryDelivery } from '../src/retries/retry-delivery';
import { sweepFilter } from '../src/retries/sweep-candidates';
import { sweepRetriesTotal } from '../src/metrics';

export interface SweepPageRequest {
  /** ISO dates; unset on the first page, which fixes the window so continued runs page the same set. */
  from?: string;
  to?: string;
  after?: string;
  limit: number;
}

export interface SweepPage {
  from: string;
  to: string;
  logIds: string[];
}

export type AutoRetryAnswer = { logId: string; accepted: boolean; reason?: string };

export function createSweepActivities(deps: { config: Config; logs: DeliveryLogs; temporal: Client }) {
  return {
    async findSweepPage(request: SweepPageRequest): Promise<SweepPage> {
      const now = new Date();
      const to = request.to ? new Date(request.to) : now;
      const from = request.from ? new Date(request.from) : new Date(now.getTime() - deps.config.sweep.windowMs);
      const logIds = await deps.logs.idsAfter(sweepFilter(deps.config.sweep, { from, to }, now), request.after, request.limit);
      return { from: from.toISOString(), to: to.toISOString(), logIds };
    },

    /** Asks the delivery for an automatic retry; a refusal (already running, or SUCCESS by now) is an answer, not an error. */
    async autoRetry(logId: string): Promise<AutoRetryAnswer> {
      try {
        await retryDelivery(deps, logId, { kind: 'auto', requestedBy: 'sweep' });
        sweepRetriesTotal.inc({ result: 'accepted' });
        return { logId, accepted: true };
      } catch (error) {
        if (error instanceof RetryRejectedError) {
          sweepRetriesTotal.inc({ result: 'refused' });
          return { logId, accepted: false, reason: error.message };
        }
        throw error;
      }
    },
  };
}

export type SweepActivities = ReturnType<typeof createSweepActivities>;
