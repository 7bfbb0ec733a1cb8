import { defineQuery, isCancellation, makeContinueAsNewFunc, proxyActivities, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { BulkRetryActivities, BulkSelection } from '../activities/bulk-retry';
import { steps } from './step-names';

const { countBulkSelection, findBulkPage } = proxyActivities<BulkRetryActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});
// Each retry is waited for; the heartbeat lets a killed worker's retry move to another worker within seconds.
const { bulkRetryOne } = proxyActivities<BulkRetryActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export interface BulkProgress {
  total: number;
  done: number;
  succeeded: number;
  failed: number;
  refused: number;
  state: 'running' | 'done' | 'cancelled';
}

export interface BulkRetryInput {
  bulkId: string;
  selection: BulkSelection;
  force: boolean;
  requestedBy: string;
  concurrency: number;
  /** Carried across continue-as-new. */
  progress?: BulkProgress;
  after?: string;
}

export const bulkProgressQuery = defineQuery<BulkProgress>('progress');
export const bulkRetryWorkflowId = (bulkId: string) => `bulk-retry-${bulkId}`;

const PAGE = 100;

/**
 * Retries every log of a selection (the whole filtered set, page by page), at most `concurrency`
 * at a time. Each retry's id derives from the bulk id and the log id, so a retry repeated after a
 * worker restart is the same retry, never a second one. Cancel it like any workflow.
 */
export async function bulkRetryWorkflow(input: BulkRetryInput): Promise<BulkProgress> {
  const progress: BulkProgress = input.progress ?? { total: await countBulkSelection.executeWithOptions({ summary: steps.countBulkSelection }, [input.selection]), done: 0, succeeded: 0, failed: 0, refused: 0, state: 'running' };
  setHandler(bulkProgressQuery, () => progress);
  // The Web UI's current details: the same progress as the query, in a line.
  const report = () =>
    setCurrentDetails(`bulk retry ${input.bulkId} · ${progress.state} · ${progress.done} of ${progress.total} done (${progress.succeeded} succeeded, ${progress.failed} failed, ${progress.refused} refused)`);
  report();
  let after = input.after;
  try {
    for (;;) {
      const page = await findBulkPage.executeWithOptions({ summary: steps.findBulkPage }, [input.selection, after, PAGE]);
      const queue = [...page];
      const lane = async () => {
        for (let logId = queue.shift(); logId !== undefined; logId = queue.shift()) {
          const outcome = await bulkRetryOne.executeWithOptions({ summary: steps.bulkRetryOne }, [
            { logId, retryId: `${input.bulkId}-${logId}`, force: input.force, requestedBy: input.requestedBy },
          ]);
          progress.done += 1;
          if (outcome.refused) progress.refused += 1;
          else if (outcome.status === 'FAIL') progress.failed += 1;
          else progress.succeeded += 1;
          report();
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, input.concurrency) }, lane));
      if (page.length < PAGE) break;
      after = page.at(-1);
      if (workflowInfo().continueAsNewSuggested) {
        // The memo (the labs it was started for, read by the API's lab check) goes with the new run.
        await makeContinueAsNewFunc<typeof bulkRetryWorkflow>({ memo: workflowInfo().memo })({ ...input, progress, after });
      }
    }
    progress.state = 'done';
    report();
  } catch (error) {
    if (!isCancellation(error)) throw error;
    progress.state = 'cancelled';
    report();
  }
  return progress;
}
