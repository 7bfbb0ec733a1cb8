// The Temporal floor (bench code, never product workflows): the least a delivery could cost on this server and worker.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { FloorActivities } from './activities';

// The timeouts match the order of Labwire's own (workflows/delivery.ts); a no-op never meets them.
const { floorNoop } = proxyActivities<FloorActivities>({ startToCloseTimeout: '30 seconds' });
const { floorNoop: floorNoopLocal } = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '10 seconds' });

/** Start and complete: one workflow task. */
export async function floorEmptyWorkflow(): Promise<void> {}

/** One no-op activity: the task round trips a Labwire delivery pays for its HTTP attempt. */
export async function floorActivityWorkflow(): Promise<void> {
  await floorNoop();
}

/** One no-op local activity: what a Labwire log write costs in Temporal terms. */
export async function floorLocalActivityWorkflow(): Promise<void> {
  await floorNoopLocal();
}
