import { eq } from 'drizzle-orm';
import { emitBusinessEvent, type EmitterDeps, type EmitResult } from '../client/emitter';
import type { ConfigDb } from '../db/config-store';
import { actionCategories, labs } from '../db/schema';
import { businessEventSchema, type BusinessEvent } from '../events/business-event';
import { NotFoundError } from '../errors';
import { HttpProblem } from './problem';
import { defineRoute, type ApiRoute } from './route';

/** Unknown lab or action → 404 naming it, before anything is started or written. */
export async function checkEventReferences(db: ConfigDb, event: BusinessEvent): Promise<void> {
  const [lab] = await db.select({ id: labs.id }).from(labs).where(eq(labs.id, event.labId));
  if (!lab) throw new NotFoundError('labId', `lab ${event.labId} does not exist`);
  const [action] = await db.select({ id: actionCategories.id }).from(actionCategories).where(eq(actionCategories.id, event.actionCategoryId));
  if (!action) throw new NotFoundError('actionCategoryId', `action category ${event.actionCategoryId} does not exist`);
}

export function emitResponse(result: EmitResult): { status: number; body: object } {
  if (!result.ok) throw new HttpProblem(503, 'Service Unavailable', result.error);
  return { status: result.duplicate ? 200 : 202, body: result };
}

/** POST /api/events: what the client library's emitBusinessEvent does, over HTTP. */
export function eventRoutes(db: ConfigDb, emitter: EmitterDeps): ApiRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/events',
      access: 'operator',
      tag: 'Events',
      summary: 'Emit a business event; its deliveries start at once (or wait in the outbox while Temporal is down)',
      body: businessEventSchema,
      responses: { 200: 'Duplicate event: already started', 202: 'Started', 400: 'Bad input', 404: 'Unknown lab or action category', 503: 'Neither Temporal nor the outbox took it' },
      async handle({ body, res }) {
        await checkEventReferences(db, body);
        const { status, body: answer } = emitResponse(await emitBusinessEvent(emitter, body));
        res.status(status);
        return answer;
      },
    }),
  ];
}
