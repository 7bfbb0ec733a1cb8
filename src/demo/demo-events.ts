import { emitBusinessEvent, type EmitterDeps } from '../client/emitter';
import type { BusinessEvent, EntityType } from '../events/business-event';

/** The lab entities the demo events are about (lab 1001's demo patient, bill and report on `labwire start`). */
export interface DemoEntities {
  patientId: number;
  billId: number;
  reportId: number;
}

/**
 * The demo's events and what each shows. Fixed ids: event identity makes a repeat on the next
 * start a no-op, so restarts add no rows.
 */
export const DEMO_EVENTS: ReadonlyArray<{ eventId: string; actionCategoryId: number; entity: EntityType; shows: string }> = [
  { eventId: 'demo-bill-generated', actionCategoryId: 1, entity: 'bill', shows: 'webhook SUCCESS and Mirth ORM SUCCESS (AA)' },
  { eventId: 'demo-patient-registered', actionCategoryId: 2, entity: 'patient', shows: 'webhook SUCCESS' },
  { eventId: 'demo-sample-collected', actionCategoryId: 3, entity: 'bill', shows: 'courier QUEUED, then SUCCESS by its callback' },
  { eventId: 'demo-report-submitted', actionCategoryId: 4, entity: 'report', shows: 'webhook SUCCESS' },
  { eventId: 'demo-report-approved', actionCategoryId: 5, entity: 'report', shows: 'webhook FAIL (HTTP 503 on every attempt); a retry succeeds' },
  { eventId: 'demo-bill-cancelled', actionCategoryId: 6, entity: 'bill', shows: 'Mirth FAIL (AE)' },
  { eventId: 'demo-home-collection-scheduled', actionCategoryId: 61, entity: 'bill', shows: 'courier QUEUED for minutes' },
];

export interface DemoEventsFired {
  fired: number;
  alreadyThere: number;
  /** Events neither Temporal nor the outbox took, with why. */
  problems: string[];
}

function entityId(entities: DemoEntities, type: EntityType): number {
  switch (type) {
    case 'patient':
      return entities.patientId;
    case 'bill':
      return entities.billId;
    case 'report':
      return entities.reportId;
  }
}

/** Emits the demo events as the lab backend would; `activityDate` is the same on every start, so a repeat is the same event. */
export async function fireDemoEvents(emitter: EmitterDeps, labId: number, entities: DemoEntities, activityDate: Date): Promise<DemoEventsFired> {
  const result: DemoEventsFired = { fired: 0, alreadyThere: 0, problems: [] };
  for (const demo of DEMO_EVENTS) {
    const event: BusinessEvent = {
      eventId: demo.eventId,
      labId,
      actionCategoryId: demo.actionCategoryId,
      entity: { type: demo.entity, id: entityId(entities, demo.entity) },
      activityDate: activityDate.toISOString(),
    };
    const emitted = await emitBusinessEvent(emitter, event);
    if (!emitted.ok) result.problems.push(`${demo.eventId}: ${emitted.error}`);
    else if (emitted.duplicate) result.alreadyThere += 1;
    else result.fired += 1;
  }
  return result;
}
