import type { FieldError } from '../../api';
import type { Authentication, ExtraDetails, IntegrationInput, IntegrationType, PayloadType } from '../../types';

/** One Flags-panel row: whether the action category triggers this authentication, and its overrides. */
export interface TriggerDraft {
  enabled: boolean;
  url: string;
  requestType: '' | '0' | '1';
  /** The lab_integration row, when it exists already. */
  existingId?: number;
  extraDetails?: ExtraDetails;
}

/** The Developer Authentication and Flags panels as the operator edits them (strings, as inputs hold them). */
export interface IntegrationDraft {
  authId?: number;
  /** The existing key's visible prefix; the key itself is shown once, in the toast of the call that made it. */
  authKeyPrefix?: string;
  developerId: string;
  developerName: string;
  integrationType: IntegrationType;
  url: string;
  requestType: '0' | '1';
  payloadType: '' | PayloadType;
  templateText: string;
  host: string;
  port: string;
  vendor: string;
  /** A new x-api-key to set; blank keeps the stored one (secrets are never read back). */
  xApiKey: string;
  callbackTimeoutMs: string;
  /** A new signing secret to set; blank keeps the stored one. */
  signingSecret: string;
  /** The stored secrets as the API shows them, masked (…last4); undefined when none is set. */
  storedXApiKey?: string;
  storedSigningSecret?: string;
  /** When a replaced signing secret stops signing beside the current one. */
  previousSigningSecretUntil?: string;
  removeXApiKey: boolean;
  removeSigningSecret: boolean;
  isOrg: boolean;
  orgId: string;
  isIntegrationEnable: boolean;
  triggers: Record<number, TriggerDraft>;
}

export const INTEGRATION_TYPES: { id: IntegrationType; label: string }[] = [
  { id: 'webhook', label: 'Webhook' },
  { id: 'api', label: 'API' },
  { id: 'mirth', label: 'Mirth (HL7 over MLLP)' },
  { id: 'async_vendor', label: 'Async vendor' },
];
export const PAYLOAD_TYPES: { id: PayloadType; label: string }[] = [
  { id: 'ORM', label: 'ORM (order)' },
  { id: 'ADT', label: 'ADT (patient)' },
  { id: 'ORU_R01', label: 'ORU^R01 (results)' },
];

export function newDraft(developerId: string, developerName: string): IntegrationDraft {
  return {
    developerId,
    developerName,
    integrationType: 'webhook',
    url: '',
    requestType: '1',
    payloadType: '',
    templateText: '',
    host: '',
    port: '',
    vendor: '',
    xApiKey: '',
    callbackTimeoutMs: '',
    signingSecret: '',
    removeXApiKey: false,
    removeSigningSecret: false,
    isOrg: false,
    orgId: '',
    isIntegrationEnable: true,
    triggers: {},
  };
}

/**
 * A trigger's extra details as they go back on save: without its secrets, which the API shows
 * masked; left out, the stored ones stay.
 */
function withoutSecrets(details: ExtraDetails | undefined): ExtraDetails | undefined {
  if (!details) return details;
  const { 'x-api-key': _key, signingSecret: _secret, previousSigningSecret: _previous, ...rest } = details;
  return rest;
}

const masked = (value: string | null | undefined) => (typeof value === 'string' ? value : undefined);

const str = (value: string | number | null | undefined) => (value === null || value === undefined ? '' : String(value));

export function draftFromAuthentication(auth: Authentication): IntegrationDraft {
  const extra = auth.extraDetails ?? {};
  const triggers: Record<number, TriggerDraft> = {};
  for (const row of auth.integrations) {
    triggers[row.actionCategoryId] = {
      enabled: !row.isDisable,
      url: str(row.url),
      requestType: row.requestType === null ? '' : row.requestType === 0 ? '0' : '1',
      existingId: row.id,
      extraDetails: withoutSecrets(row.integrationExtraDetails ?? undefined),
    };
  }
  return {
    authId: auth.id,
    authKeyPrefix: auth.authKeyPrefix,
    developerId: String(auth.developerId),
    developerName: str(auth.developerName),
    integrationType: auth.integrationType,
    url: str(auth.url),
    requestType: auth.requestType === 0 ? '0' : '1',
    payloadType: auth.payloadType ?? '',
    templateText: str(auth.templateText),
    host: str(extra.host),
    port: str(extra.port),
    vendor: str(extra.vendor),
    xApiKey: '',
    callbackTimeoutMs: str(extra.callbackTimeoutMs),
    signingSecret: '',
    storedXApiKey: masked(extra['x-api-key']),
    storedSigningSecret: masked(extra.signingSecret),
    previousSigningSecretUntil: extra.previousSigningSecret?.expiresAt,
    removeXApiKey: false,
    removeSigningSecret: false,
    isOrg: auth.isOrg,
    orgId: str(auth.orgId),
    isIntegrationEnable: auth.isIntegrationEnable,
    triggers,
  };
}

/** A number typed by the operator; left as NaN when it is not one, so the API names the field. */
function numberInput(value: string): number | undefined {
  const trimmed = value.trim();
  return trimmed === '' ? undefined : Number(trimmed);
}

function text(value: string): string | undefined {
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * The POST /api/integrations body, and the action category of each `integrations[i]`
 * so that a 400 on `integrations.2.url` lands next to the right Flags row.
 */
export function draftToInput(draft: IntegrationDraft, labId: number): { input: IntegrationInput; triggerOrder: number[] } {
  const extraDetails: ExtraDetails = {};
  const host = text(draft.host);
  if (host) extraDetails.host = host;
  const port = numberInput(draft.port);
  if (port !== undefined) extraDetails.port = port;
  const vendor = text(draft.vendor);
  if (vendor) extraDetails.vendor = vendor;
  const key = text(draft.xApiKey);
  if (key) extraDetails['x-api-key'] = key;
  else if (draft.removeXApiKey) extraDetails['x-api-key'] = null;
  const timeout = numberInput(draft.callbackTimeoutMs);
  if (timeout !== undefined) extraDetails.callbackTimeoutMs = timeout;
  const secret = text(draft.signingSecret);
  if (secret) extraDetails.signingSecret = secret;
  else if (draft.removeSigningSecret) extraDetails.signingSecret = null;

  const triggerOrder: number[] = [];
  const integrations: IntegrationInput['integrations'] = [];
  for (const [id, trigger] of Object.entries(draft.triggers)) {
    // An unchecked row that never existed is simply not sent; an existing one is soft-disabled.
    if (!trigger.enabled && trigger.existingId === undefined) continue;
    triggerOrder.push(Number(id));
    integrations.push({
      actionCategoryId: Number(id),
      url: text(trigger.url),
      requestType: trigger.requestType === '' ? undefined : trigger.requestType === '0' ? 0 : 1,
      extraDetails: trigger.extraDetails,
      isDisable: !trigger.enabled,
    });
  }

  const input: IntegrationInput = {
    authId: draft.authId,
    labId,
    isOrg: draft.isOrg,
    orgId: draft.isOrg ? numberInput(draft.orgId) : undefined,
    developerId: Number(draft.developerId),
    developerName: text(draft.developerName),
    integrationType: draft.integrationType,
    url: text(draft.url),
    requestType: draft.requestType === '0' ? 0 : 1,
    payloadType: draft.payloadType === '' ? undefined : draft.payloadType,
    templateText: text(draft.templateText),
    extraDetails,
    isIntegrationEnable: draft.isIntegrationEnable,
    integrations,
  };
  return { input, triggerOrder };
}

/** Messages keyed by the form's own field keys: `url`, `extraDetails.port`, `trigger.<actionCategoryId>.url`… */
export type FieldMessages = Record<string, string>;

export function fieldMessages(errors: FieldError[], triggerOrder: number[]): { byField: FieldMessages; unplaced: string[] } {
  const byField: FieldMessages = {};
  const unplaced: string[] = [];
  for (const error of errors) {
    const path = error.field.replace(/^body\./, '').replace(/\[(\d+)\]/g, '.$1');
    const trigger = /^integrations\.(\d+)(?:\.(\w+))?/.exec(path);
    let key = path;
    if (trigger) {
      const category = triggerOrder[Number(trigger[1])];
      key = category === undefined ? 'integrations' : `trigger.${category}.${trigger[2] ?? 'enabled'}`;
    } else if (path.startsWith('extraDetails.x-api-key')) {
      key = 'extraDetails.x-api-key';
    } else if (path.startsWith('extraDetails.')) {
      key = path.split('.').slice(0, 2).join('.');
    }
    if (KNOWN_FIELDS.has(key) || key.startsWith('trigger.')) byField[key] = byField[key] ? `${byField[key]}; ${error.message}` : error.message;
    else unplaced.push(`${error.field}: ${error.message}`);
  }
  return { byField, unplaced };
}

const KNOWN_FIELDS = new Set([
  'labId',
  'developerId',
  'developerName',
  'integrationType',
  'url',
  'requestType',
  'payloadType',
  'templateText',
  'isOrg',
  'orgId',
  'isIntegrationEnable',
  'integrations',
  'authId',
  'extraDetails',
  'extraDetails.host',
  'extraDetails.port',
  'extraDetails.vendor',
  'extraDetails.x-api-key',
  'extraDetails.callbackTimeoutMs',
  'extraDetails.signingSecret',
]);
