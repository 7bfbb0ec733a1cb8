import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Config } from '../config/schema';
import { bodyRetentionWorkflow } from '../../workflows/body-retention';

export const BODY_RETENTION_SCHEDULE_ID = 'labwire-body-retention';

/**
 * Creates the body-retention Schedule, or brings an existing one to the configured interval and
 * paused state: safe at every worker start, from every replica. With LOG_BODY_RETENTION_DAYS=0
 * bodies are kept forever, so there is no Schedule: one left by an earlier setting is deleted.
 */
export async function ensureBodyRetentionSchedule(client: Client, config: Config): Promise<'created' | 'updated' | 'deleted' | 'off'> {
  const { days, intervalMs, paused } = config.bodyRetention;
  const handle = client.schedule.getHandle(BODY_RETENTION_SCHEDULE_ID);
  if (days === 0) {
    try {
      await handle.delete();
      return 'deleted';
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return 'off';
      throw error;
    }
  }
  const spec = { intervals: [{ every: intervalMs }] };
  const action = { type: 'startWorkflow' as const, workflowType: bodyRetentionWorkflow, taskQueue: config.temporal.taskQueue, args: [{}] as [object] };
  // A removal still running when the next is due (the first pass over a large store) is skipped, never doubled.
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: intervalMs };
  const note = (isPaused: boolean) => (isPaused ? 'paused by LOG_BODY_RETENTION_PAUSED' : `removes log bodies after ${days} days`);
  try {
    await client.schedule.create({ scheduleId: BODY_RETENTION_SCHEDULE_ID, spec, action, policies, state: { paused, note: note(paused) } });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await handle.update((previous) => ({ ...previous, spec, action, policies }));
  const { state } = await handle.describe();
  if (state.paused !== paused) {
    if (paused) await handle.pause(note(true));
    else await handle.unpause('resumed: LOG_BODY_RETENTION_PAUSED is false');
  }
  return 'updated';
}
