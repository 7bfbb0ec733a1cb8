import Handlebars from 'handlebars';
import type { BusinessEvent } from '../../workflows/types';
import type { EntityContext, LabContext } from '../context/types';

export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** Everything a template or the default payload can use. */
export interface PayloadData {
  logId: string;
  action: string;
  event: BusinessEvent;
  lab: LabContext;
  entity: EntityContext;
}

const engine = Handlebars.create();
// Templates produce JSON, so values are inserted as they are; {{json x}} writes any value as JSON.
engine.registerHelper('json', (value: unknown) => new Handlebars.SafeString(JSON.stringify(value ?? null)));

const compiled = new Map<string, HandlebarsTemplateDelegate>();
function compile(templateText: string): HandlebarsTemplateDelegate {
  let template = compiled.get(templateText);
  if (!template) {
    template = engine.compile(templateText, { noEscape: true, strict: false });
    if (compiled.size > 500) compiled.clear();
    compiled.set(templateText, template);
  }
  return template;
}

function templateContext(data: PayloadData): Record<string, unknown> {
  const entity = data.entity;
  return {
    logId: data.logId,
    action: data.action,
    event: data.event,
    lab: data.lab,
    entity,
    patient: entity.type === 'patient' ? entity.patient : entity.type === 'bill' ? entity.bill.patient : entity.report.patient,
    bill: entity.type === 'bill' ? entity.bill : undefined,
    report: entity.type === 'report' ? entity.report : undefined,
  };
}

/** The payload sent when an integration has no template: the event and the live entity. */
export function defaultPayload(data: PayloadData): Record<string, unknown> {
  const { event, entity } = data;
  const { type, ...body } = entity;
  return {
    logId: data.logId,
    eventId: event.eventId,
    action: data.action,
    actionCategoryId: event.actionCategoryId,
    labId: event.labId,
    ...(event.orgId !== undefined ? { orgId: event.orgId } : {}),
    activityDate: event.activityDate,
    entityType: type,
    ...body,
  };
}

/** Renders the integration's template_text; the result must be a JSON object (a permanent error otherwise). */
export function renderTemplate(templateText: string, data: PayloadData): Record<string, unknown> {
  let text: string;
  try {
    text = compile(templateText)(templateContext(data));
  } catch (error) {
    throw new TemplateError(`template_text could not be rendered: ${error instanceof Error ? error.message : String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new TemplateError(`template_text did not produce valid JSON (${error instanceof Error ? error.message : String(error)}): ${text.slice(0, 200)}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TemplateError('template_text must produce a JSON object');
  }
  return parsed as Record<string, unknown>;
}

export function buildWebhookPayload(templateText: string | null, data: PayloadData): Record<string, unknown> {
  return templateText ? renderTemplate(templateText, data) : defaultPayload(data);
}
