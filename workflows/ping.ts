import { proxyActivities } from '@temporalio/workflow';
import type { StackActivities } from '../activities/stack';

const { describeWorker } = proxyActivities<StackActivities>({ startToCloseTimeout: '10 seconds' });

export interface PingResult {
  message: string;
  worker: string;
}

/** Proves the whole path: client → server → worker → activity → back. Replaced by deliveries later. */
export async function ping(message: string): Promise<PingResult> {
  const worker = await describeWorker();
  return { message, worker };
}
