import type { JSX } from 'preact';
import type { Named } from '../../types';
import { FieldError } from '../FieldError';
import { INTEGRATION_TYPES, PAYLOAD_TYPES, type FieldMessages, type IntegrationDraft } from './integration-form';

interface Props {
  draft: IntegrationDraft;
  errors: FieldMessages;
  organisations: Named[];
  onChange: (patch: Partial<IntegrationDraft>) => void;
}

/** The draft's plain text fields. */
type TextKey = { [K in keyof IntegrationDraft]-?: IntegrationDraft[K] extends string ? K : never }[keyof IntegrationDraft];

type Input = JSX.TargetedEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>;

/** Ids derived from the field path keep label, input, error and test hook in step. */
function slug(field: string): string {
  return `int-${field.replace(/[^a-zA-Z0-9]+/g, '-')}`;
}

function TextField(props: { field: string; label: string; value: string; errors: FieldMessages; onInput: (value: string) => void; type?: string; placeholder?: string; hint?: string }) {
  const id = slug(props.field);
  const message = props.errors[props.field];
  return (
    <label class="field" for={id}>
      <span>{props.label}</span>
      <input
        id={id}
        type={props.type ?? 'text'}
        value={props.value}
        placeholder={props.placeholder}
        aria-invalid={message ? true : undefined}
        aria-describedby={message ? `${id}-error` : undefined}
        onInput={(e: Input) => props.onInput(e.currentTarget.value)}
        data-testid={id}
      />
      {props.hint && <small class="muted">{props.hint}</small>}
      <FieldError id={`${id}-error`} message={message} />
    </label>
  );
}

/**
 * A write-only secret: the stored one is shown masked (…last4) and is never sent back; typing a
 * value replaces it, "Remove" deletes it, blank keeps it.
 */
function SecretField(props: {
  field: string;
  label: string;
  value: string;
  stored: string | undefined;
  remove: boolean;
  errors: FieldMessages;
  hint: string;
  placeholder?: string;
  onInput: (value: string) => void;
  onRemove: (remove: boolean) => void;
}) {
  const id = slug(props.field);
  const hint = props.stored ? `${props.hint}. Stored: ${props.stored}; leave blank to keep it` : props.hint;
  return (
    <div class="secret-field">
      <TextField
        field={props.field}
        label={props.label}
        value={props.value}
        errors={props.errors}
        type="password"
        placeholder={props.stored ? `${props.stored} (set)` : props.placeholder}
        hint={hint}
        onInput={props.onInput}
      />
      {props.stored && (
        <label class="check">
          <input type="checkbox" checked={props.remove} onChange={(e) => props.onRemove(e.currentTarget.checked)} data-testid={`${id}-remove`} />
          <span>Remove the stored value</span>
        </label>
      )}
    </div>
  );
}

/** The seed's Developer Authentication panel: who the partner is, where and how to deliver. */
export function AuthenticationPanel({ draft, errors, organisations, onChange }: Props) {
  const isMirth = draft.integrationType === 'mirth';
  const field = (name: TextKey, label: string, extra: { type?: string; placeholder?: string; hint?: string; errorKey?: string } = {}) => (
    <TextField
      field={extra.errorKey ?? name}
      label={label}
      value={draft[name]}
      errors={errors}
      type={extra.type}
      placeholder={extra.placeholder}
      hint={extra.hint}
      onInput={(value) => onChange({ [name]: value })}
    />
  );
  return (
    <div class="form-grid" data-testid="authentication-panel">
      {field('developerName', 'Developer name')}
      <label class="field" for="int-integrationType">
        <span>Integration type</span>
        <select
          id="int-integrationType"
          value={draft.integrationType}
          onChange={(e) => onChange({ integrationType: e.currentTarget.value as IntegrationDraft['integrationType'] })}
          data-testid="int-integrationType"
        >
          {INTEGRATION_TYPES.map((t) => (
            <option key={t.id} value={t.id}>
              {t.label}
            </option>
          ))}
        </select>
        <FieldError id="int-integrationType-error" message={errors.integrationType} />
      </label>
      <div class="field-span">{field('url', isMirth ? 'URL (optional for Mirth)' : 'URL / Endpoint', { type: 'url', placeholder: 'https://partner.example.com/hooks/labwire' })}</div>
      <label class="field" for="int-requestType">
        <span>Request type</span>
        <select
          id="int-requestType"
          value={draft.requestType}
          onChange={(e) => onChange({ requestType: e.currentTarget.value === '0' ? '0' : '1' })}
          data-testid="int-requestType"
        >
          <option value="0">GET (query string)</option>
          <option value="1">POST (JSON body)</option>
        </select>
        <FieldError id="int-requestType-error" message={errors.requestType} />
      </label>
      <label class="field" for="int-payloadType">
        <span>Payload type{isMirth ? '' : ' (HL7, Mirth only)'}</span>
        <select
          id="int-payloadType"
          value={draft.payloadType}
          onChange={(e) => onChange({ payloadType: e.currentTarget.value as IntegrationDraft['payloadType'] })}
          data-testid="int-payloadType"
        >
          <option value="">None</option>
          {PAYLOAD_TYPES.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
        <FieldError id="int-payloadType-error" message={errors.payloadType} />
      </label>
      <label class="field field-span" for="int-templateText">
        <span>Template text</span>
        <textarea
          id="int-templateText"
          rows={4}
          class="mono"
          placeholder='Optional Handlebars template, e.g. {"bill": "{{bill.id}}"}'
          value={draft.templateText}
          onInput={(e) => onChange({ templateText: e.currentTarget.value })}
          data-testid="int-templateText"
        />
        <FieldError id="int-templateText-error" message={errors.templateText} />
      </label>
      <fieldset class="field-span subpanel">
        <legend>Extra details</legend>
        <div class="form-grid">
          {field('host', 'Mirth host', { errorKey: 'extraDetails.host', placeholder: '127.0.0.1' })}
          {field('port', 'Mirth port', { errorKey: 'extraDetails.port', placeholder: '6661' })}
          {field('vendor', 'Vendor', { errorKey: 'extraDetails.vendor' })}
          <SecretField
            field="extraDetails.x-api-key"
            label="x-api-key"
            value={draft.xApiKey}
            stored={draft.storedXApiKey}
            remove={draft.removeXApiKey}
            errors={errors}
            hint="Sent as the x-api-key header"
            onInput={(value) => onChange({ xApiKey: value })}
            onRemove={(remove) => onChange({ removeXApiKey: remove })}
          />
          {field('callbackTimeoutMs', 'Callback timeout (ms)', { errorKey: 'extraDetails.callbackTimeoutMs', hint: 'Async vendors only' })}
          <SecretField
            field="extraDetails.signingSecret"
            label="Signing secret"
            value={draft.signingSecret}
            stored={draft.storedSigningSecret}
            remove={draft.removeSigningSecret}
            errors={errors}
            placeholder="whsec_…"
            hint={
              draft.previousSigningSecretUntil
                ? `Signs webhooks (Standard Webhooks headers); the previous secret also signs until ${new Date(draft.previousSigningSecretUntil).toLocaleString()}`
                : 'Signs webhooks (Standard Webhooks headers)'
            }
            onInput={(value) => onChange({ signingSecret: value })}
            onRemove={(remove) => onChange({ removeSigningSecret: remove })}
          />
        </div>
        <FieldError id="int-extraDetails-error" message={errors.extraDetails} />
      </fieldset>
      <label class="check">
        <input type="checkbox" checked={draft.isOrg} onChange={(e) => onChange({ isOrg: e.currentTarget.checked })} data-testid="int-isOrg" />
        <span>isOrg — scope to one organisation instead of the whole lab</span>
      </label>
      {draft.isOrg && (
        <label class="field" for="int-orgId">
          <span>Organisation</span>
          <select id="int-orgId" value={draft.orgId} onChange={(e) => onChange({ orgId: e.currentTarget.value })} data-testid="int-orgId">
            <option value="">Choose an organisation</option>
            {organisations.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name} (#{o.id})
              </option>
            ))}
          </select>
          <FieldError id="int-orgId-error" message={errors.orgId} />
        </label>
      )}
      <label class="check field-span">
        <input
          type="checkbox"
          checked={draft.isIntegrationEnable}
          onChange={(e) => onChange({ isIntegrationEnable: e.currentTarget.checked })}
          data-testid="int-isIntegrationEnable"
        />
        <span>isIntegrationEnable — master switch for this authentication</span>
      </label>
    </div>
  );
}
