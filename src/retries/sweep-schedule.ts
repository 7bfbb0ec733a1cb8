import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Config } from '../config/schema';
import { sweepWorkflow } from '../../workflows/sweep';

export const SWEEP_SCHEDULE_ID = 'labwire-auto-retry-sweep';

/**
 * Creates the automatic-retry Schedule, or brings an existing one to the configured interval and
 * paused state: safe to call at every worker start, from every replica.
 */
export async function ensureSweepSchedule(client: Client, config: Config): Promise<'created' | 'updated'> {
  const spec = { intervals: [{ every: config.sweep.intervalMs }] };
  const action = { type: 'startWorkflow' as const, workflowType: sweepWorkflow, taskQueue: config.temporal.taskQueue, args: [{}] as [object] };
  // A sweep still running when the next is due is skipped, never doubled.
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: config.sweep.intervalMs };
  try {
    await client.schedule.create({
      scheduleId: SWEEP_SCHEDULE_ID,
      spec,
      action,
      policies,
      state: { paused: config.sweep.paused, note: config.sweep.paused ? 'paused by SWEEP_PAUSED' : 'automatic retries (SPEC §5)' },
    });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  const handle = client.schedule.getHandle(SWEEP_SCHEDULE_ID);
  await handle.update((previous) => ({ ...previous, spec, action, policies }));
  const { state } = await handle.describe();
  if (state.paused !== config.sweep.paused) {
    if (config.sweep.paused) await handle.pause('paused by SWEEP_PAUSED');
    else await handle.unpause('resumed: SWEEP_PAUSED is false');
  }
  return 'updated';
}
