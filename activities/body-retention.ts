import type { Config } from '../src/config/schema';
import type { DeliveryLogs } from '../src/logstore/delivery-logs';
import type { BodyRetentionPosition } from '../src/logstore/log-index';
import { logBodiesRemovedTotal } from '../src/metrics';

const DAY_MS = 86_400_000;

export interface BodyRetentionPageRequest {
  /** ISO date; unset on the first page, which fixes it (now − LOG_BODY_RETENTION_DAYS) so continued runs page the same set. */
  before?: string;
  after?: BodyRetentionPosition;
  limit: number;
}

export interface BodyRetentionPage {
  /** Null when LOG_BODY_RETENTION_DAYS is 0: bodies are kept forever and nothing was looked at. */
  before: string | null;
  /** The last log looked at: the next page starts after it. */
  after?: BodyRetentionPosition;
  /** Logs looked at on this page; fewer than the limit means the last page. */
  seen: number;
  removed: number;
  /** Rows of the read model whose log the store does not hold (marked, so never looked at again). */
  missing: number;
}

/** Removes the bodies of one page of logs last written more than LOG_BODY_RETENTION_DAYS ago (src/retention). */
export function createBodyRetentionActivities(deps: { config: Config; logs: DeliveryLogs }) {
  return {
    async removeExpiredBodies(request: BodyRetentionPageRequest): Promise<BodyRetentionPage> {
      const { days } = deps.config.bodyRetention;
      if (days === 0) return { before: null, seen: 0, removed: 0, missing: 0 };
      const now = new Date();
      const before = request.before ? new Date(request.before) : new Date(now.getTime() - days * DAY_MS);
      const page = await deps.logs.withBodiesWrittenBefore(before, request.after, request.limit);
      let removed = 0;
      const missing: string[] = [];
      for (const { id } of page) {
        const outcome = await deps.logs.removeBodies(id, before, now, days);
        if (outcome === 'removed') removed += 1;
        if (outcome === 'missing') missing.push(id);
      }
      await deps.logs.markRowsBodiesRemoved(missing, now);
      // Working copies of dispatch outcomes whose finalize never came hold bodies too.
      if (!request.after) await deps.logs.dropOrphanedDispatches(before);
      logBodiesRemovedTotal.inc(removed);
      return { before: before.toISOString(), after: page.at(-1) ?? request.after, seen: page.length, removed, missing: missing.length };
    },
  };
}

export type BodyRetentionActivities = ReturnType<typeof createBodyRetentionActivities>;
