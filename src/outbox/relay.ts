import type { Client } from '@temporalio/client';
import type postgres from 'postgres';
import type { Logger } from 'pino';
import { OUTBOX_CHANNEL, startEventWorkflow } from '../client/emitter';
import type { BusinessEvent } from '../events/business-event';

export interface OutboxRelay {
  /** Starts workflows for pending events; returns how many were dispatched. */
  drainOnce(): Promise<number>;
  stop(): Promise<void>;
}

interface PendingRow {
  id: number;
  event: BusinessEvent;
}

/**
 * Drains the event outbox into workflows: at least once (a row is marked only after its workflow
 * started), deduplicated by the workflow id derived from the lab and the event id. Rows are locked with SKIP LOCKED so
 * several workers can relay side by side. Wakes on NOTIFY and polls as a fallback.
 */
export function startOutboxRelay(deps: { sql: postgres.Sql; temporal: Client; taskQueue: string; pollMs: number; startTimeoutMs: number; logger: Logger }): OutboxRelay {
  let stopped = false;
  let running: Promise<number> | undefined;

  async function drainBatch(): Promise<number> {
    return deps.sql.begin(async (tx) => {
      const rows = await tx<PendingRow[]>`
        select id, event from event_outbox where dispatched_at is null order by id limit 50 for update skip locked`;
      let dispatched = 0;
      for (const row of rows) {
        try {
          const acceptance = await deps.temporal.connection.withDeadline(Date.now() + deps.startTimeoutMs, () => startEventWorkflow(deps.temporal, deps.taskQueue, row.event));
          // A different event already ran under this lab's event id (emitted straight to Temporal while
          // this row waited): it is not started, and the row keeps the reason instead of retrying forever.
          const conflict = acceptance.outcome === 'conflict' ? `not started: event ${row.event.eventId} of lab ${row.event.labId} already ran with a different ${acceptance.problems.map((p) => p.field).join(', ')}` : null;
          if (conflict) deps.logger.warn({ eventId: row.event.eventId, labId: row.event.labId }, `outbox relay: ${conflict}`);
          await tx`update event_outbox set dispatched_at = now(), attempts = attempts + 1, last_error = ${conflict} where id = ${row.id}`;
          dispatched += 1;
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          await tx`update event_outbox set attempts = attempts + 1, last_error = ${message} where id = ${row.id}`;
          deps.logger.warn({ eventId: row.event.eventId, labId: row.event.labId, err: message }, 'outbox relay could not start the event workflow; will retry');
          break; // Temporal is most likely down: keep the rest for the next round.
        }
      }
      return dispatched;
    });
  }

  function drainOnce(): Promise<number> {
    running ??= drainBatch().finally(() => (running = undefined));
    return running;
  }

  const tick = () => {
    if (!stopped) drainOnce().catch((error: unknown) => deps.logger.warn({ err: error }, 'outbox relay round failed'));
  };
  const timer = setInterval(tick, deps.pollMs);
  const listening = deps.sql.listen(OUTBOX_CHANNEL, tick).catch((error: unknown) => {
    deps.logger.warn({ err: error }, 'outbox relay could not LISTEN; polling only');
    return undefined;
  });
  tick();

  return {
    drainOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      const subscription = await listening;
      await subscription?.unlisten();
      await running?.catch(() => undefined);
    },
  };
}
