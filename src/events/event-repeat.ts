import type { FieldProblem } from '../validation';
import { businessEventSchema, type BusinessEvent } from './business-event';

/** What a repeat of an event id is: the same event again (a no-op), or a different event under a used id. */
export type EventRepeat = { kind: 'same' } | { kind: 'different'; problems: FieldProblem[] };

// The fields that make an event what it is (labId and eventId are its identity, so they agree).
// The same instant written differently (`Z` or `+00:00`, with or without milliseconds) is one date.
const comparedFields: ReadonlyArray<readonly [string, (event: BusinessEvent) => string | number | undefined]> = [
  ['orgId', (e) => e.orgId],
  ['actionCategoryId', (e) => e.actionCategoryId],
  ['entity.type', (e) => e.entity.type],
  ['entity.id', (e) => e.entity.id],
  ['activityDate', (e) => Date.parse(e.activityDate)],
];

/**
 * Compares a repeat with the event first received under its id (the outbox row or the event
 * workflow's memo). The message does not echo the stored values: they may be another caller's.
 * A stored event that no longer parses cannot be compared and counts as the same — its id was
 * used, and a repeat must not start a second run.
 */
export function compareRepeat(stored: unknown, repeat: BusinessEvent): EventRepeat {
  const parsed = businessEventSchema.safeParse(stored);
  if (!parsed.success) return { kind: 'same' };
  const problems = comparedFields
    .filter(([, value]) => value(parsed.data) !== value(repeat))
    .map(([field]) => ({ field, message: `differs from event ${repeat.eventId} already received for lab ${repeat.labId}` }));
  return problems.length === 0 ? { kind: 'same' } : { kind: 'different', problems };
}
