import { Context } from '@temporalio/activity';
import type { ContextProvider } from '../../src/context/context-provider';
import type { ConfigDb } from '../../src/db/config-store';
import { InputError, NotFoundError } from '../../src/errors';
import { loadIntegration } from '../../src/integrations/active-integrations';
import { loadTestDelivery, type DeliveryConfig } from '../../src/integrations/test-deliveries';
import { truncateBody } from '../../src/logstore/truncate';
import { BlockedTargetError } from '../../src/net/target-guard';
import type { DeliveryInput, DeliveryOutcome } from '../../workflows/types';
import { Hl7BuildError } from '../mirth/hl7-builders';
import type { MirthSendInput, MirthSendOutcome } from '../mirth/send-to-mirth';
import type { WebhookActivities } from '../webhook/dispatch-webhook';
import { planHl7, planWebhook } from './delivery-plan';
import { TemplateError } from './payload';

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
 * and the live lab entity. A change (or an edited bill) applies to the very next attempt. A test
 * delivery reads the draft it was sent from (src/integrations/test-deliveries.ts).
 */
async function loadDeliveryConfig(deps: DeliverDeps, input: DeliveryInput) {
  const { event, target } = input;
  const config: DeliveryConfig | undefined = target.test ? await loadTestDelivery(deps.db, target.logId) : await loadIntegration(deps.db, target.labIntegrationId);
  if (!config) {
    throw target.test
      ? new NotFoundError('logId', `the settings of test delivery ${target.logId} are gone`)
      : new NotFoundError('labIntegrationId', `lab integration ${target.labIntegrationId} no longer exists`);
  }
  const [lab, entity] = await Promise.all([deps.contextProvider.loadLab(event.labId), deps.contextProvider.loadEntity(event.labId, event.entity)]);
  return { config, lab, entity };
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
    const { config, lab, entity } = await loadDeliveryConfig(deps, input);
    const plan = planWebhook(config, { logId: target.logId, action: target.operation, event, lab, entity }, new Date());
    const outcome = await deps.webhook.dispatchWebhook({
      logId: target.logId,
      url: plan.url,
      method: plan.method,
      payload: plan.payload,
      apiKey: plan.apiKey,
      signingSecrets: plan.signingSecrets,
      timeoutMs: settings.webhookTimeoutMs,
      retry: {
        // A test delivery is sent once: the partner's first answer, 5xx included, is what the tester sees.
        maxAttempts: target.test ? 1 : settings.webhookMaxAttempts,
        baseDelayMs: settings.retryBaseDelayMs,
        maxDelayMs: settings.retryMaxDelayMs,
      },
    });
    return {
      kind: 'http',
      request: { ...outcome.request, body: truncateBody(outcome.request.body, deps.maxBodyBytes) ?? undefined },
      statusCode: outcome.statusCode,
      responseBody: truncateBody(outcome.responseBody, deps.maxBodyBytes) ?? undefined,
      responseTimeMs: outcome.responseTimeMs,
      errorMessage: outcome.errorMessage,
      awaitingCallback: target.integrationType === 'async_vendor',
      callbackTimeoutMs: plan.callbackTimeoutMs,
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
    const { config, lab, entity } = await loadDeliveryConfig(deps, input);
    const attempt = currentAttempt();
    const id = controlId(target.logId, attempt);
    const at = new Date();
    const { host, port, message } = planHl7(config, entity, lab, id, at);
    const outcome = await deps.mirth.sendToMirth({
      logId: target.logId,
      host,
      port,
      message,
      controlId: id,
      timeoutMs: settings.mirthAckTimeoutMs,
      origin: target.origin,
    });
    return {
      kind: 'mirth',
      request: { method: 'MLLP', url: `mllp://${host}:${port}`, headers: {}, body: truncateBody(message, deps.maxBodyBytes) ?? undefined },
      status: outcome.status,
      sentToMirth: outcome.sentToMirth,
      ackCode: outcome.ackCode,
      responseBody: truncateBody(outcome.responseBody, deps.maxBodyBytes) ?? undefined,
      responseTimeMs: outcome.responseTimeMs,
      errorMessage: outcome.errorMessage,
      attempt: {
        attempt,
        at: at.toISOString(),
        latencyMs: outcome.responseTimeMs,
        // The ACK code, not its text: the text is the partner's answer, which goes with the bodies (retention).
        ...(outcome.status === 'FAIL' ? { error: outcome.ackCode ? `ACK ${outcome.ackCode}` : (outcome.errorMessage ?? 'failed') } : {}),
        requestHeaders: {},
      },
    };
  });
}
