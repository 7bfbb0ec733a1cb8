import { continueAsNew, log, proxyActivities } from '@temporalio/workflow';
import type { SweepActivities } from '../activities/sweep';
import { steps } from './step-names';

const { findSweepPage, autoRetry } = proxyActivities<SweepActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

export interface SweepInput {
  /** Explicit range (ISO dates); default: the configured window ending now. */
  from?: string;
  to?: string;
  after?: string;
  retried?: number;
  refused?: number;
}

export interface SweepResult {
  from: string;
  to: string;
  retried: number;
  refused: number;
}

const PAGE = 50;
const CONCURRENCY = 5;

/**
 * The automatic-retry sweep (SPEC §5), started by a Temporal Schedule: pages through eligible
 * logs and asks each delivery for an `auto` retry, a few at a time. A full page continues as a
 * new run, so a large sweep never grows one history without bound.
 */
export async function sweepWorkflow(input: SweepInput = {}): Promise<SweepResult> {
  const page = await findSweepPage.executeWithOptions({ summary: steps.findSweepPage }, [{ from: input.from, to: input.to, after: input.after, limit: PAGE }]);
  let retried = input.retried ?? 0;
  let refused = input.refused ?? 0;
  for (let i = 0; i < page.logIds.length; i += CONCURRENCY) {
    const answers = await Promise.all(page.logIds.slice(i, i + CONCURRENCY).map((logId) => autoRetry.executeWithOptions({ summary: steps.autoRetry }, [logId])));
    retried += answers.filter((a) => a.accepted).length;
    refused += answers.filter((a) => !a.accepted).length;
  }
  if (page.logIds.length === PAGE) {
    await continueAsNew<typeof sweepWorkflow>({ from: page.from, to: page.to, after: page.logIds.at(-1), retried, refused });
  }
  log.info('sweep finished', { from: page.from, to: page.to, retried, refused });
  return { from: page.from, to: page.to, retried, refused };
}
