import { z } from 'zod';
import { positiveId } from '../validation';

export const ENTITY_TYPES = ['patient', 'bill', 'report'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** A lab's business event (SPEC §4.1): the one input every delivery starts from. */
export const businessEventSchema = z
  .object({
    eventId: z
      .string({ error: 'expected a string' })
      .min(1, 'must not be empty')
      .max(200, 'must be at most 200 characters')
      .regex(/^[A-Za-z0-9._:-]+$/, 'may contain only letters, digits, dot, dash, underscore and colon'),
    labId: positiveId,
    orgId: positiveId.optional(),
    actionCategoryId: positiveId,
    entity: z.object({ type: z.enum(ENTITY_TYPES), id: positiveId }, { error: 'expected an object {type, id}' }).strict(),
    activityDate: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time, e.g. 2026-11-26T10:00:00Z' }),
  })
  .strict();

export type BusinessEvent = z.infer<typeof businessEventSchema>;

/**
 * Event identity is scoped by lab (SPEC §4.1): two labs may use the same event id. A repeat of
 * the same event in the same lab maps to the same workflow, so emitting twice is a no-op. The lab
 * id is digits only, so `event-<labId>-<eventId>` can be read back unambiguously.
 */
export const eventWorkflowId = (event: Pick<BusinessEvent, 'labId' | 'eventId'>) => `event-${event.labId}-${event.eventId}`;
