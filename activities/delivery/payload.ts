import { JsonTemplateError, compileJsonTemplate, type JsonTemplate } from '../../src/templates/json-template';
import { templateContext, type PayloadData } from '../../src/templates/template-context';

export type { PayloadData };

/** A template that cannot produce the payload: permanent (retrying renders the same). Its message never holds patient data. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

const compiled = new Map<string, JsonTemplate>();
function compile(templateText: string): JsonTemplate {
  let template = compiled.get(templateText);
  if (!template) {
    template = compileJsonTemplate(templateText);
    if (compiled.size > 500) compiled.clear();
    compiled.set(templateText, template);
  }
  return template;
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

/**
 * Renders the integration's template_text into a JSON object (src/templates/json-template.ts:
 * every value is JSON-encoded for where it lands). Templates are checked when saved; one stored
 * before that check can still fail here, as a TemplateError naming the template's line and column.
 */
export function renderTemplate(templateText: string, data: PayloadData): Record<string, unknown> {
  try {
    return compile(templateText).render(templateContext(data));
  } catch (error) {
    if (error instanceof JsonTemplateError) throw new TemplateError(`template_text ${error.message}`, { cause: error });
    throw error;
  }
}

export function buildWebhookPayload(templateText: string | null, data: PayloadData): Record<string, unknown> {
  return templateText ? renderTemplate(templateText, data) : defaultPayload(data);
}
