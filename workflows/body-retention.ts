import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { BodyRetentionActivities } from '../activities/body-retention';
import type { BodyRetentionPosition } from '../src/logstore/log-index';
import { steps } from './step-names';

const { removeExpiredBodies } = proxyActivities<BodyRetentionActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

export interface BodyRetentionInput {
  /** Fixed by the first page (ISO); a continued run keeps it. */
  before?: string;
  after?: BodyRetentionPosition;
  removed?: number;
  missing?: number;
  /** Logs per activity call (default 100). */
  pageSize?: number;
}

export interface BodyRetentionResult {
  /** Null when LOG_BODY_RETENTION_DAYS is 0 (nothing is removed). */
  before: string | null;
  removed: number;
  missing: number;
}

const PAGE = 100;
const PAGES_PER_RUN = 25;

/**
 * The body retention, started by a Temporal Schedule: removes the bodies of logs last written
 * before now − LOG_BODY_RETENTION_DAYS, one page at a time, oldest first. Running it again finds
 * only logs that still have bodies, so a repeat is harmless. After PAGES_PER_RUN pages it
 * continues as a new run, so the first pass over a large store never grows one history without bound.
 */
export async function bodyRetentionWorkflow(input: BodyRetentionInput = {}): Promise<BodyRetentionResult> {
  let { before, after } = input;
  let removed = input.removed ?? 0;
  let missing = input.missing ?? 0;
  const pageSize = input.pageSize ?? PAGE;
  for (let page = 0; page < PAGES_PER_RUN; page++) {
    const result = await removeExpiredBodies.executeWithOptions({ summary: steps.removeExpiredBodies }, [{ before, after, limit: pageSize }]);
    if (result.before === null) return { before: null, removed, missing };
    ({ before, after } = result);
    removed += result.removed;
    missing += result.missing;
    if (result.seen < pageSize) return { before: result.before, removed, missing };
  }
  return continueAsNew<typeof bodyRetentionWorkflow>({ before, after, removed, missing, pageSize });
}
