import { eq } from 'drizzle-orm';
import type { Response } from 'express';
import { emitBusinessEvent, type EmitterDeps, type EmitResult } from '../client/emitter';
import type { ConfigDb } from '../db/config-store';
import { actionCategories, labs } from '../db/schema';
import { businessEventSchema, type BusinessEvent } from '../events/business-event';
import { NotFoundError } from '../errors';
import { HttpProblem } from './problem';
import { defineRoute, type ApiRoute } from './route';

/** Unknown lab or action → 404 naming it, before anything is started or written. */
async function checkEventReferences(db: ConfigDb, event: BusinessEvent): Promise<void> {
  const [lab] = await db.select({ id: labs.id }).from(labs).where(eq(labs.id, event.labId));
  if (!lab) throw new NotFoundError('labId', `lab ${event.labId} does not exist`);
  const [action] = await db.select({ id: actionCategories.id }).from(actionCategories).where(eq(actionCategories.id, event.actionCategoryId));
  if (!action) throw new NotFoundError('actionCategoryId', `action category ${event.actionCategoryId} does not exist`);
}

/**
 * An event received over HTTP (operator or partner API): its references checked (404), then
 * emitted; answers 202 when started, 200 for a duplicate, 503 when neither Temporal nor the outbox took it.
 */
export async function emitOverHttp(db: ConfigDb, emitter: EmitterDeps, event: BusinessEvent, res: Response): Promise<EmitResult> {
  await checkEventReferences(db, event);
  const result = await emitBusinessEvent(emitter, event);
  if (!result.ok) throw new HttpProblem(503, 'Service Unavailable', result.error);
  res.status(result.duplicate ? 200 : 202);
  return result;
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
        return emitOverHttp(db, emitter, body, res);
      },
    }),
  ];
}
