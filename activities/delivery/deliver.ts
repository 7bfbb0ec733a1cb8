import { Context } from '@temporalio/activity';
import type { ContextProvider } from '../../src/context/context-provider';
import type { ConfigDb } from '../../src/db/config-store';
import { InputError, NotFoundError } from '../../src/errors';
import type { ExtraDetails } from '../../src/integrations/integration-input';
import { loadIntegration } from '../../src/integrations/active-integrations';
import { signingSecretsAt } from '../../src/integrations/integration-secrets';
import { withoutUrlCredentials } from '../../src/integrations/url-credentials';
import { truncateBody } from '../../src/logstore/truncate';
import { BlockedTargetError } from '../../src/net/target-guard';
import type { DeliveryInput, DeliveryOutcome } from '../../workflows/types';
import { Hl7BuildError, buildHl7Message } from '../mirth/hl7-builders';
import type { MirthSendInput, MirthSendOutcome } from '../mirth/send-to-mirth';
import type { WebhookActivities } from '../webhook/dispatch-webhook';
import { TemplateError, buildWebhookPayload } from './payload';

export interface DeliverDeps {
  db: ConfigDb;
  contextProvider: ContextProvider;
  webhook: WebhookActivities;
  mirth: { sendToMirth(input: MirthSendInput): Promise<MirthSendOutcome> };
  maxBodyBytes: number;
}

/**
 * Caller-caused problems no retry can fix: recorded on the log as a FAIL, never retried. A
 * BlockedTargetError reaches here from the lab backend (the context provider); webhook and
 * Mirth targets refused by the guard already come back as FAIL outcomes.
 */
function isPermanent(error: unknown): error is Error {
  return (
    error instanceof NotFoundError ||
    error instanceof InputError ||
    error instanceof TemplateError ||
    error instanceof Hl7BuildError ||
    error instanceof BlockedTargetError
  );
}

function currentAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

/**
 * Everything is read fresh here, on every attempt: the integration's URL, keys and template,
 * and the live lab entity. A change (or an edited bill) applies to the very next attempt.
 */
async function loadDeliveryConfig(deps: DeliverDeps, input: DeliveryInput) {
  const { event, target } = input;
  const row = await loadIntegration(deps.db, target.labIntegrationId);
  if (!row) throw new NotFoundError('labIntegrationId', `lab integration ${target.labIntegrationId} no longer exists`);
  const extra: ExtraDetails = { ...row.auth.extraDetails, ...row.integration.integrationExtraDetails };
  // The signing secret and the one it replaced come from the same level: a trigger's own secret wins.
  const signingLevel = typeof row.integration.integrationExtraDetails.signingSecret === 'string' ? row.integration.integrationExtraDetails : row.auth.extraDetails;
  const signingSecrets = signingSecretsAt(signingLevel, new Date());
  const [lab, entity] = await Promise.all([deps.contextProvider.loadLab(event.labId), deps.contextProvider.loadEntity(event.labId, event.entity)]);
  return { auth: row.auth, integration: row.integration, extra, signingSecrets, lab, entity };
}

async function permanentFailuresAsOutcome(run: () => Promise<DeliveryOutcome>): Promise<DeliveryOutcome> {
  try {
    return await run();
  } catch (error) {
    if (isPermanent(error)) return { kind: 'error', errorMessage: error.message };
    throw error;
  }
}

export function deliverWebhook(deps: DeliverDeps, input: DeliveryInput): Promise<DeliveryOutcome> {
  return permanentFailuresAsOutcome(async () => {
    const { event, target, settings } = input;
    const { auth, integration, extra, signingSecrets, lab, entity } = await loadDeliveryConfig(deps, input);
    const configured = integration.url ?? auth.url;
    if (!configured) throw new InputError('url', `no URL is configured for lab integration ${target.labIntegrationId}`);
    // Refused at save; one stored before is sent as undici always sent it (without them), and logged without them.
    const url = withoutUrlCredentials(configured);
    const requestType = integration.requestType ?? auth.requestType;
    const payload = buildWebhookPayload(auth.templateText, { logId: target.logId, action: target.operation, event, lab, entity });
    const outcome = await deps.webhook.dispatchWebhook({
      logId: target.logId,
      url,
      method: requestType === 0 ? 'GET' : 'POST',
      payload,
      apiKey: extra['x-api-key'] ?? undefined,
      signingSecrets,
      timeoutMs: settings.webhookTimeoutMs,
    });
    return {
      kind: 'http',
      request: { ...outcome.request, body: truncateBody(outcome.request.body, deps.maxBodyBytes) ?? undefined },
      statusCode: outcome.statusCode,
      responseBody: truncateBody(outcome.responseBody, deps.maxBodyBytes) ?? undefined,
      responseTimeMs: outcome.responseTimeMs,
      errorMessage: outcome.errorMessage,
      awaitingCallback: target.integrationType === 'async_vendor',
      callbackTimeoutMs: extra.callbackTimeoutMs,
      attempt: outcome.attempt,
    };
  });
}

/** HL7 MSH-10 is at most 20 characters; each attempt gets its own, so a late ACK cannot confirm a newer send. */
function controlId(logId: string, attempt: number): string {
  return `${logId.slice(0, 16)}-${attempt % 1000}`;
}

export function deliverToMirth(deps: DeliverDeps, input: DeliveryInput): Promise<DeliveryOutcome> {
  return permanentFailuresAsOutcome(async () => {
    const { target, settings } = input;
    const { auth, extra, lab, entity } = await loadDeliveryConfig(deps, input);
    if (!extra.host || !extra.port) throw new InputError('integration_extra_details', 'Mirth host and port are not configured');
    if (!auth.payloadType) throw new InputError('payload_type', 'a Mirth integration needs a payload type (ORM, ADT or ORU_R01)');
    const id = controlId(target.logId, currentAttempt());
    const message = buildHl7Message(auth.payloadType, entity, { controlId: id, lab, timestamp: new Date() });
    const outcome = await deps.mirth.sendToMirth({
      logId: target.logId,
      host: extra.host,
      port: extra.port,
      message,
      controlId: id,
      timeoutMs: settings.mirthAckTimeoutMs,
      origin: target.origin,
    });
    return {
      kind: 'mirth',
      request: { method: 'MLLP', url: `mllp://${extra.host}:${extra.port}`, headers: {}, body: truncateBody(message, deps.maxBodyBytes) ?? undefined },
      status: outcome.status,
      sentToMirth: outcome.sentToMirth,
      ackCode: outcome.ackCode,
      responseBody: truncateBody(outcome.responseBody, deps.maxBodyBytes) ?? undefined,
      responseTimeMs: outcome.responseTimeMs,
      errorMessage: outcome.errorMessage,
    };
  });
}
