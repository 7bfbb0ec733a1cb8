import { proxyActivities } from '@temporalio/workflow';
import type { StackActivities } from '../activities/stack';
import { steps } from './step-names';

const { describeWorker } = proxyActivities<StackActivities>({ startToCloseTimeout: '10 seconds' });

export interface PingResult {
  message: string;
  worker: string;
}

/** Proves the whole path: client → server → worker → activity → back. Replaced by deliveries later. */
export async function ping(message: string): Promise<PingResult> {
  const worker = await describeWorker.executeWithOptions({ summary: steps.describeWorker }, []);
  return { message, worker };
}
