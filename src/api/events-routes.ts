import { and, eq } from 'drizzle-orm';
import type { Response } from 'express';
import { emitBusinessEvent, type EmitterDeps, type EmitResult } from '../client/emitter';
import { entityInOrg, type ContextProvider } from '../context/context-provider';
import type { ConfigDb } from '../db/config-store';
import { actionCategories, labs, organisations } from '../db/schema';
import { businessEventSchema, type BusinessEvent } from '../events/business-event';
import { NotFoundError } from '../errors';
import { HttpProblem } from './problem';
import { labScopeOf, scopeIncludes, type LabScope } from '../auth/lab-scope';
import { defineRoute, type ApiRoute } from './route';

export interface EventRouteDeps {
  db: ConfigDb;
  emitter: EmitterDeps;
  /** Where the lab's entities are read (postgres or the lab backend), to check the event's entity exists. */
  contextProvider: ContextProvider;
}

/**
 * The entity must exist in the event's lab, and in its organisation when one is named (a patient
 * is the lab's, so any organisation of the lab may name it). An entity of another organisation
 * gets the same answer as an unknown one, so an org-scoped caller cannot confirm ids.
 */
async function checkEventEntity(contextProvider: ContextProvider, event: BusinessEvent): Promise<void> {
  const { type, id } = event.entity;
  const where = event.orgId === undefined ? `lab ${event.labId}` : `organisation ${event.orgId} of lab ${event.labId}`;
  const unknown = new NotFoundError('entity.id', `${type} ${id} does not exist in ${where}`);
  let entity;
  try {
    entity = await contextProvider.loadEntity(event.labId, event.entity);
  } catch (error) {
    if (error instanceof NotFoundError) throw unknown;
    // The lab backend (http provider) did not answer: the caller may send the event again.
    throw new HttpProblem(503, 'Service Unavailable', `The lab's data could not be read to check entity.id (${type} ${id}); nothing was emitted, try again.`);
  }
  if (event.orgId !== undefined && !entityInOrg(entity, event.orgId)) throw unknown;
}

/**
 * Unknown lab, action, organisation or entity → 404 naming it, before anything is started or
 * written. A lab outside the caller's labs is an unknown lab.
 */
async function checkEventReferences(deps: EventRouteDeps, event: BusinessEvent, scope: LabScope): Promise<void> {
  const [lab] = scopeIncludes(scope, event.labId) ? await deps.db.select({ id: labs.id }).from(labs).where(eq(labs.id, event.labId)) : [];
  if (!lab) throw new NotFoundError('labId', `lab ${event.labId} does not exist`);
  const [action] = await deps.db.select({ id: actionCategories.id }).from(actionCategories).where(eq(actionCategories.id, event.actionCategoryId));
  if (!action) throw new NotFoundError('actionCategoryId', `action category ${event.actionCategoryId} does not exist`);
  if (event.orgId !== undefined) {
    const [org] = await deps.db
      .select({ id: organisations.id })
      .from(organisations)
      .where(and(eq(organisations.id, event.orgId), eq(organisations.labId, event.labId)));
    if (!org) throw new NotFoundError('orgId', `organisation ${event.orgId} does not exist in lab ${event.labId}`);
  }
  await checkEventEntity(deps.contextProvider, event);
}

/**
 * An event received over HTTP (operator or partner API): its references checked (404), then
 * emitted; answers 202 when started, 200 for a repeat of the same event, 409 when the lab already
 * used the event id for a different event (naming the fields that differ), 503 when neither
 * Temporal nor the outbox took it.
 */
export async function emitOverHttp(deps: EventRouteDeps, event: BusinessEvent, res: Response, scope: LabScope): Promise<EmitResult> {
  await checkEventReferences(deps, event, scope);
  const result = await emitBusinessEvent(deps.emitter, event);
  if (!result.ok) {
    switch (result.reason) {
      case 'conflict':
        throw new HttpProblem(409, 'Conflict', result.error, { errors: result.problems ?? [] });
      case 'invalid':
        throw new HttpProblem(400, 'Bad Request', result.error, { errors: result.problems ?? [] });
      case 'unavailable':
        throw new HttpProblem(503, 'Service Unavailable', result.error);
    }
  }
  res.status(result.duplicate ? 200 : 202);
  return result;
}

/** What every event route answers, for the OpenAPI document. */
export const EVENT_RESPONSES = {
  200: 'Duplicate: the same event was already received under this id (nothing new starts)',
  202: 'Started',
  400: 'Bad input',
  404: 'Unknown lab, action category, organisation or entity (`errors` names the field, e.g. `entity.id`)',
  409: 'The lab already used this event id for a different event (`errors` names the fields that differ)',
  503: 'Neither Temporal nor the outbox took it, or the lab backend could not be asked whether the entity exists',
} as const;

/** POST /api/events: what the client library's emitBusinessEvent does, over HTTP. */
export function eventRoutes(deps: EventRouteDeps): ApiRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/events',
      access: 'operator',
      tag: 'Events',
      summary: "Emit a business event of one of the caller's labs; its deliveries start at once (or wait in the outbox while Temporal is down)",
      body: businessEventSchema,
      responses: EVENT_RESPONSES,
      async handle({ body, res, session }) {
        return emitOverHttp(deps, body, res, labScopeOf(session.user));
      },
    }),
  ];
}
