import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { deliverySettings } from '../../activities/delivery/resolve-deliveries';
import { deliverySearchAttributes, deliveryWorkflowId } from '../../workflows/definitions';
import { deliveryWorkflow } from '../../workflows/delivery';
import type { DeliveryTarget, LogStatus } from '../../workflows/types';
import { labScopeOf, scopeIncludes } from '../auth/lab-scope';
import { roleAllows } from '../auth/users';
import type { Config } from '../config/schema';
import type { ContextProvider } from '../context/context-provider';
import type { ConfigDb } from '../db/config-store';
import { developers } from '../db/schema';
import { InputError, NotFoundError } from '../errors';
import { ENTITY_TYPES, type BusinessEvent } from '../events/business-event';
import { TemplatePreviewError, prepareDelivery, type DeliveryPreview, type PreparedDelivery } from '../integrations/delivery-preview';
import { integrationDraftSchema, type IntegrationInput } from '../integrations/integration-input';
import { assertTargetsAllowed } from '../integrations/literal-targets';
import { saveTestDelivery } from '../integrations/test-deliveries';
import type { DeliveryLogs } from '../logstore/delivery-logs';
import type { LogDocument } from '../logstore/log-document';
import { endpointOfMirth, endpointOfUrl } from '../logstore/endpoint';
import { createTargetPolicy } from '../net/target-guard';
import { positiveId } from '../validation';
import { HttpProblem } from './problem';
import { defineRoute, type ApiRoute } from './route';
import type { Session } from '../auth/sessions';

const previewBody = z
  .object({
    /** The Add/Update body as the form holds it, unsaved. */
    integration: integrationDraftSchema,
    event: z
      .object({
        actionCategoryId: positiveId,
        entity: z.object({ type: z.enum(ENTITY_TYPES, { error: 'expected patient, bill or report' }), id: positiveId.optional() }, { error: 'expected an object {type, id}' }).strict(),
      })
      .strict(),
  })
  .strict();
type PreviewBody = z.output<typeof previewBody>;

const testSendQuery = z.object({ wait: z.enum(['true', 'false'], { error: 'expected true or false' }).optional() }).strict();

export interface IntegrationTestDeps {
  db: ConfigDb;
  contextProvider: ContextProvider;
  temporal: Client;
  logs: DeliveryLogs;
  config: Config;
}

/** A template problem as the form shows it: under the template field, with its line and column. */
function templateProblem(error: TemplatePreviewError): HttpProblem {
  const { position, message } = error.problem;
  return new HttpProblem(422, 'Unprocessable Content', `integration.templateText: ${message}`, {
    errors: [{ field: 'integration.templateText', message, ...(position ? { line: position.line, column: position.column } : {}) }],
  });
}

/** POST /api/integrations/preview's answer (the dashboard's PreviewAnswer; test/contract/web-types.ts). */
export interface PreviewAnswer {
  preview: DeliveryPreview;
  event: { actionCategoryId: number; action: string; entity: BusinessEvent['entity'] };
}

/** POST /api/integrations/test-send?wait=true's answer. */
export interface TestSendAnswer {
  logId: string;
  status: LogStatus;
  responseStatusCode: number | null;
  responseBody: string | null;
  errorMessage: string | null;
  responseTimeMs: number | null;
}

const newLogId = () => randomBytes(12).toString('hex');

/**
 * The test delivery's log once the partner answered: final, or (an async vendor, whose log stays
 * QUEUED until its callback) with the submit's status code. Read from the log store rather than the
 * workflow's result, which an async vendor holds back until its callback or timeout.
 */
async function answered(logs: DeliveryLogs, logId: string, limitMs: number): Promise<LogDocument | null> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const log = await logs.get(logId);
    if ((log && (log.status !== 'QUEUED' || (log.response_status_code ?? null) !== null)) || Date.now() >= deadline) return log;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/**
 * Send a test (issue 11): render what a draft integration would send for one event from live data,
 * before it is saved, and send that once as a test delivery. A preview shows patient data, so it
 * is for the roles that may read decoded payloads (TEMPORAL_CODEC_ROLE, operator by default); a
 * test send hands patient data to whatever URL the draft names, so it is for admins, who could
 * save that URL anyway.
 */
export function integrationTestRoutes(deps: IntegrationTestDeps): ApiRoute[] {
  const targetPolicy = createTargetPolicy(deps.config.delivery.allowedNetworks);

  /** Every check of a preview, in the order a form needs them; a lab out of the caller's scope does not exist. */
  async function prepare(body: PreviewBody, session: Session, logId: string): Promise<PreparedDelivery> {
    const input: IntegrationInput = body.integration;
    if (!scopeIncludes(labScopeOf(session.user), input.labId)) throw new NotFoundError('integration.labId', `lab ${input.labId} does not exist`);
    try {
      assertTargetsAllowed(input, targetPolicy);
      return await prepareDelivery(deps, input, body.event, logId);
    } catch (error) {
      if (error instanceof InputError && !/^(integration|event)\./.test(error.field)) throw new InputError(`integration.${error.field}`, error.reason);
      if (error instanceof TemplatePreviewError) throw templateProblem(error);
      if (error instanceof NotFoundError && error.field === 'entity.id') throw new NotFoundError('event.entity.id', error.message);
      if (error instanceof NotFoundError && error.field === 'labId') throw new NotFoundError('integration.labId', error.message);
      throw error;
    }
  }

  const mayReadPayloads = (session: Session) => roleAllows(session.user.role, deps.config.temporal.codecRole);

  return [
    defineRoute({
      method: 'post',
      path: '/integrations/preview',
      access: 'operator',
      tag: 'Integrations',
      summary:
        "Render what a delivery of a draft integration (the Add/Update body, unsaved) would send for one event of its lab, from live data: `event` names the action (one of the draft's triggers) and the entity (`{type, id}`; without `id`, the lab's most recent one of that type). Answers the request — method, URL (a GET's query string included), headers with secrets redacted, body — or, for Mirth, the HL7 message. Nothing is sent or saved. Only for roles TEMPORAL_CODEC_ROLE allows (it shows patient data); each answer is recorded in the audit trail as integration.preview",
      body: previewBody,
      responses: {
        200: '{preview: {kind: "http", method, url, headers, body} | {kind: "hl7", url, message}, event: {actionCategoryId, action, entity: {type, id}}}',
        400: 'Bad input, naming the field (a URL or Mirth host the target guard refuses, too)',
        403: 'The role may not read payloads (TEMPORAL_CODEC_ROLE)',
        404: "Unknown lab (or not one of the caller's), authentication, action category or entity",
        422: 'The template cannot produce the payload: errors[0] is {field: "integration.templateText", message, line, column}',
      },
      async handle({ body, session, audit }) {
        if (!mayReadPayloads(session)) throw new HttpProblem(403, 'Forbidden', `A preview shows patient data: it needs the ${deps.config.temporal.codecRole} role (TEMPORAL_CODEC_ROLE)`);
        const prepared = await prepare(body, session, newLogId());
        await audit({
          action: 'integration.preview',
          ...(body.integration.authId !== undefined ? { target: { type: 'authentication' as const, id: body.integration.authId } } : {}),
          detail: { labId: body.integration.labId, actionCategoryId: body.event.actionCategoryId, entity: prepared.event.entity, integrationType: body.integration.integrationType },
        });
        const answer: PreviewAnswer = { preview: prepared.preview, event: { actionCategoryId: prepared.event.actionCategoryId, action: prepared.action.name, entity: prepared.event.entity } };
        return answer;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/integrations/test-send',
      access: 'admin',
      tag: 'Integrations',
      summary:
        "Send the preview's delivery once, for real, as a test delivery: the same body as the preview. It runs through the normal delivery workflow (`delivery-<logId>`: target guard, signing, x-api-key) with one attempt and no retries, and its log is marked `test: true` (a 'test' badge on the dashboard, left out of the figures, never retried). ?wait=true answers once the partner answered (an async vendor's submit: its log stays QUEUED until the callback): status, its status code and body",
      query: testSendQuery,
      body: previewBody,
      responses: {
        200: 'wait=true: {logId, status, responseStatusCode, responseBody, errorMessage, responseTimeMs}',
        202: '{logId}: follow it on GET /api/logs/:id',
        400: 'Bad input, naming the field (a URL or Mirth host the target guard refuses, too)',
        404: 'Unknown lab, authentication, action category or entity',
        422: 'The template cannot produce the payload: errors[0] is {field: "integration.templateText", message, line, column}',
      },
      async handle({ body, query, res, session, audit }) {
        const logId = newLogId();
        const { draft, event, action } = await prepare(body, session, logId);
        const input = body.integration;
        const [developer] = await deps.db.select({ name: developers.name }).from(developers).where(eq(developers.id, input.developerId));
        if (!developer) throw new NotFoundError('integration.developerId', `developer ${input.developerId} does not exist`);
        await saveTestDelivery(deps.db, logId, input.labId, draft.config, session.user.username);
        const { auth, integration } = draft.config;
        const extra = { ...auth.extraDetails, ...integration.integrationExtraDetails };
        const target: DeliveryTarget = {
          logId,
          authId: draft.authId ?? 0,
          labIntegrationId: draft.labIntegrationId ?? 0,
          developerId: input.developerId,
          developerName: input.developerName ?? developer.name,
          actionCategoryId: event.actionCategoryId,
          operation: action.name,
          origin: action.origin,
          integrationType: input.integrationType,
          payloadType: input.payloadType ?? null,
          taskQueue: action.origin === 'crelio-app' ? deps.config.temporal.crelioTaskQueue : deps.config.temporal.taskQueue,
          endpoint: input.integrationType === 'mirth' ? endpointOfMirth(extra.host, extra.port) : endpointOfUrl(integration.url ?? auth.url),
          test: true,
        };
        // One attempt, and the workflow closes once the log is final: a test is not retried.
        const settings = { ...deliverySettings(deps.config), webhookMaxAttempts: 1, retentionMs: 0 };
        await deps.temporal.workflow.start(deliveryWorkflow, {
          workflowId: deliveryWorkflowId(logId),
          taskQueue: target.taskQueue,
          args: [{ event, target, settings }],
          typedSearchAttributes: deliverySearchAttributes(event, target),
        });
        await audit({
          action: 'integration.test_send',
          target: { type: 'log', id: logId },
          detail: { labId: input.labId, authId: draft.authId, actionCategoryId: event.actionCategoryId, entity: event.entity, integrationType: input.integrationType },
        });
        if (query.wait !== 'true') {
          res.status(202);
          return { logId };
        }
        const log = await answered(deps.logs, logId, Math.max(settings.webhookTimeoutMs, settings.mirthAckTimeoutMs) + 15_000);
        const answer: TestSendAnswer = {
          logId,
          status: log?.status ?? 'QUEUED',
          responseStatusCode: log?.response_status_code ?? null,
          responseBody: log?.response_body ?? null,
          errorMessage: log?.error_message ?? null,
          responseTimeMs: log?.response_time ?? null,
        };
        return answer;
      },
    }),
  ];
}
