import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { ParentClosePolicy, patched, proxyLocalActivities, setCurrentDetails, startChild } from '@temporalio/workflow';
import type { DeliveryActivities } from '../activities/delivery';
import { deliverySearchAttributes, deliveryWorkflowId } from './definitions';
import { deliveryWorkflow } from './delivery';
import { deliverEvent } from './event-deliveries';
import { patches } from './patches';
import { steps } from './step-names';
import type { BusinessEvent, EventRun } from './types';

// A short read of the config store: local, so it costs no extra task round trip.
const { resolveDeliveries } = proxyLocalActivities<DeliveryActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * One per business event (id `event-<labId>-<eventId>`, chosen by the emitter). It pre-creates the
 * event's logs and runs their deliveries itself (event-deliveries.ts); `run` says whether a retry
 * reopened it. Runs started before that change took the old branch: start one `delivery-<logId>`
 * workflow per integration and close (kept so their histories replay; README "Changing workflow code").
 */
export async function businessEventWorkflow(event: BusinessEvent, run: EventRun = {}): Promise<{ logIds: string[] }> {
  if (patched(patches.deliverInEventWorkflow)) return deliverEvent(event, run);
  return startDeliveryWorkflows(event);
}

/** The shape before 2026-11-30: resolve, then one abandoned child workflow per delivery. */
async function startDeliveryWorkflows(event: BusinessEvent): Promise<{ logIds: string[] }> {
  setCurrentDetails(`event ${event.eventId} of lab ${event.labId} · resolving integrations`);
  const { targets, settings } = await resolveDeliveries.executeWithOptions({ summary: steps.resolveDeliveries }, [event]);
  const logIds = targets.map((t) => t.logId).join(', ') || 'none';
  setCurrentDetails(`event ${event.eventId} of lab ${event.labId} · starting ${targets.length} deliveries · logs ${logIds}`);
  await Promise.all(
    targets.map(async (target) => {
      try {
        await startChild(deliveryWorkflow, {
          workflowId: deliveryWorkflowId(target.logId),
          taskQueue: target.taskQueue,
          args: [{ event, target, settings }],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          // Log ids derive from the event, so an existing delivery means this event was seen before.
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          // Set at start (not upserted by the delivery) so each delivery is findable by lab, log, action and event.
          typedSearchAttributes: deliverySearchAttributes(event, target),
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
    }),
  );
  setCurrentDetails(`event ${event.eventId} of lab ${event.labId} · started ${targets.length} deliveries · logs ${logIds}`);
  return { logIds: targets.map((t) => t.logId) };
}
