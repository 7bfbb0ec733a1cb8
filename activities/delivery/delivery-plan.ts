import { InputError } from '../../src/errors';
import type { ExtraDetails } from '../../src/integrations/integration-input';
import { signingSecretsAt } from '../../src/integrations/integration-secrets';
import type { DeliveryConfig } from '../../src/integrations/test-deliveries';
import { withoutUrlCredentials } from '../../src/integrations/url-credentials';
import type { EntityContext, LabContext } from '../context/types';
import { buildHl7Message } from '../mirth/hl7-builders';
import { buildWebhookPayload, type PayloadData } from './payload';

/** What a webhook delivery sends, from its integration's settings and the live data. */
export interface WebhookPlan {
  url: string;
  method: 'GET' | 'POST';
  payload: Record<string, unknown>;
  apiKey?: string;
  signingSecrets: string[];
  callbackTimeoutMs?: number;
}

/** The trigger's own extra details win over the authentication's. */
export function extraDetailsOf(config: DeliveryConfig): ExtraDetails {
  return { ...config.auth.extraDetails, ...config.integration.integrationExtraDetails };
}

/**
 * One rule for deliveries, retries, previews and test deliveries: which URL, method, payload and
 * credentials. Throws InputError (no URL) or TemplateError (the template cannot render this data).
 */
export function planWebhook(config: DeliveryConfig, data: PayloadData, now: Date): WebhookPlan {
  const { auth, integration } = config;
  const extra = extraDetailsOf(config);
  const configured = integration.url ?? auth.url;
  if (!configured) throw new InputError('url', 'no URL is configured for this trigger or its authentication');
  // The signing secret and the one it replaced come from the same level: a trigger's own secret wins.
  const signingLevel = typeof integration.integrationExtraDetails.signingSecret === 'string' ? integration.integrationExtraDetails : auth.extraDetails;
  return {
    // Refused at save; one stored before is sent as undici always sent it (without them), and logged without them.
    url: withoutUrlCredentials(configured),
    method: (integration.requestType ?? auth.requestType) === 0 ? 'GET' : 'POST',
    payload: buildWebhookPayload(auth.templateText, data),
    apiKey: extra['x-api-key'] ?? undefined,
    signingSecrets: signingSecretsAt(signingLevel, now),
    callbackTimeoutMs: extra.callbackTimeoutMs,
  };
}

export interface Hl7Plan {
  host: string;
  port: number;
  message: string;
}

/** The HL7 message of a Mirth delivery and where it goes. Throws InputError or Hl7BuildError. */
export function planHl7(config: DeliveryConfig, entity: EntityContext, lab: LabContext, controlId: string, now: Date): Hl7Plan {
  const extra = extraDetailsOf(config);
  if (!extra.host || !extra.port) throw new InputError('integration_extra_details', 'Mirth host and port are not configured');
  if (!config.auth.payloadType) throw new InputError('payload_type', 'a Mirth integration needs a payload type (ORM, ADT or ORU_R01)');
  return { host: extra.host, port: extra.port, message: buildHl7Message(config.auth.payloadType, entity, { controlId, lab, timestamp: now }) };
}
