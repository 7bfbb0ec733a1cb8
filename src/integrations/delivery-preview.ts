import { desc, eq } from 'drizzle-orm';
import { planHl7, planWebhook } from '../../activities/delivery/delivery-plan';
import { TemplateError } from '../../activities/delivery/payload';
import { Hl7BuildError } from '../../activities/mirth/hl7-builders';
import { redactHeaders } from '../../activities/webhook/redact';
import { buildWebhookRequest } from '../../activities/webhook/dispatch-webhook';
import type { ContextProvider } from '../context/context-provider';
import type { ConfigDb } from '../db/config-store';
import { actionCategories, bills, patients, reports, type Origin } from '../db/schema';
import { InputError, NotFoundError } from '../errors';
import type { BusinessEvent, EntityType } from '../events/business-event';
import { JsonTemplateError } from '../templates/json-template';
import { templateTextProblem } from '../templates/template-check';
import type { IntegrationInput } from './integration-input';
import { draftDelivery, type DraftDelivery } from './test-deliveries';

/** The event a preview or test delivery is rendered for: an action of the draft and one entity of its lab. */
export interface PreviewEventInput {
  actionCategoryId: number;
  /** Without an id: the lab's most recent entity of that type. */
  entity: { type: EntityType; id?: number };
}

export type DeliveryPreview =
  | { kind: 'http'; method: 'GET' | 'POST'; url: string; headers: Record<string, string>; body: string | null }
  | { kind: 'hl7'; url: string; message: string };

export interface PreparedDelivery {
  preview: DeliveryPreview;
  draft: DraftDelivery;
  event: BusinessEvent;
  action: { name: string; origin: Origin };
}

/** A draft's template that cannot produce the payload: where (line, column) and why, never the data. */
export class TemplatePreviewError extends Error {
  override name = 'TemplatePreviewError';
  constructor(readonly problem: JsonTemplateError) {
    super(problem.message);
  }
}

/** The most recent entity of a type in the lab's sample domain (PostgreSQL), for a preview that names none. */
async function mostRecentEntityId(db: ConfigDb, labId: number, type: EntityType): Promise<number | undefined> {
  const table = type === 'patient' ? patients : type === 'bill' ? bills : reports;
  const [row] = await db.select({ id: table.id }).from(table).where(eq(table.labId, labId)).orderBy(desc(table.id)).limit(1);
  return row?.id;
}

/** The template's own problems first, as a save reports them: syntax, then rendering sample data. */
function checkTemplate(templateText: string | null | undefined): void {
  if (!templateText) return;
  const problem = templateTextProblem(templateText);
  if (problem) throw new TemplatePreviewError(problem);
}

/**
 * Renders what a delivery of the unsaved draft would send for one event, from live data, as the
 * delivery itself renders it (activities/delivery/delivery-plan.ts): the request with its secret
 * headers redacted, or the HL7 message. Nothing is sent and nothing is saved.
 */
export async function prepareDelivery(
  deps: { db: ConfigDb; contextProvider: ContextProvider },
  input: IntegrationInput,
  eventInput: PreviewEventInput,
  logId: string,
  now = new Date(),
): Promise<PreparedDelivery> {
  checkTemplate(input.templateText);
  const draft = await draftDelivery(deps.db, input, eventInput.actionCategoryId);
  const [action] = await deps.db
    .select({ name: actionCategories.name, origin: actionCategories.origin })
    .from(actionCategories)
    .where(eq(actionCategories.id, eventInput.actionCategoryId));
  if (!action) throw new NotFoundError('event.actionCategoryId', `action category ${eventInput.actionCategoryId} does not exist`);
  const entityId = eventInput.entity.id ?? (await mostRecentEntityId(deps.db, input.labId, eventInput.entity.type));
  if (entityId === undefined) throw new InputError('event.entity.id', `lab ${input.labId} has no ${eventInput.entity.type} yet: name one by id`);
  const event: BusinessEvent = {
    eventId: `test-${logId}`,
    labId: input.labId,
    ...(input.isOrg && input.orgId !== undefined ? { orgId: input.orgId } : {}),
    actionCategoryId: eventInput.actionCategoryId,
    entity: { type: eventInput.entity.type, id: entityId },
    activityDate: now.toISOString(),
  };
  const [lab, entity] = await Promise.all([deps.contextProvider.loadLab(event.labId), deps.contextProvider.loadEntity(event.labId, event.entity)]);
  try {
    if (input.integrationType === 'mirth') {
      // The control id a first attempt of this delivery would carry (activities/delivery/deliver.ts).
      const plan = planHl7(draft.config, entity, lab, `${logId.slice(0, 16)}-1`, now);
      return { draft, event, action, preview: { kind: 'hl7', url: `mllp://${plan.host}:${plan.port}`, message: plan.message } };
    }
    const plan = planWebhook(draft.config, { logId, action: action.name, event, lab, entity }, now);
    const request = buildWebhookRequest({ logId, ...plan }, now);
    return {
      draft,
      event,
      action,
      preview: { kind: 'http', method: plan.method, url: request.url, headers: redactHeaders(request.headers), body: request.body ?? null },
    };
  } catch (error) {
    if (error instanceof TemplateError && error.cause instanceof JsonTemplateError) throw new TemplatePreviewError(error.cause);
    if (error instanceof Hl7BuildError) throw new InputError('integration.payloadType', error.message);
    if (error instanceof InputError) throw new InputError(`integration.${error.field === 'payload_type' ? 'payloadType' : error.field === 'integration_extra_details' ? 'extraDetails.host' : error.field}`, error.reason);
    throw error;
  }
}
