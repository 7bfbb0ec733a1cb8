import type { ActionCategory } from '../../types';
import { FieldError } from '../FieldError';
import type { FieldMessages, TriggerDraft } from './integration-form';

interface Props {
  categories: ActionCategory[];
  triggers: Record<number, TriggerDraft>;
  errors: FieldMessages;
  onChange: (categoryId: number, patch: Partial<TriggerDraft>) => void;
  /** Flips an existing lab_integration row's isDisable right away (PATCH), outside the form. */
  onToggleExisting: (categoryId: number, rowId: number, disable: boolean) => void;
}

function ExistingRow({ categoryId, trigger, onToggle }: { categoryId: number; trigger: TriggerDraft; onToggle: Props['onToggleExisting'] }) {
  const rowId = trigger.existingId;
  if (rowId === undefined) return <span class="muted">new</span>;
  return (
    <>
      <span class="mono">#{rowId}</span>{' '}
      <button type="button" class="btn btn-small" onClick={() => onToggle(categoryId, rowId, trigger.enabled)} data-testid={`flag-toggle-${categoryId}`}>
        {trigger.enabled ? 'Disable now' : 'Enable now'}
      </button>
    </>
  );
}

const EMPTY: TriggerDraft = { enabled: false, url: '', requestType: '' };

/** One row per action category: enable the trigger, optionally override its URL and request type. */
export function FlagsPanel({ categories, triggers, errors, onChange, onToggleExisting }: Props) {
  return (
    <div class="table-scroll">
      <table class="table table-compact flags" data-testid="flags-panel">
        <thead>
          <tr>
            <th>Trigger (action category)</th>
            <th>URL override</th>
            <th>Request type</th>
            <th>Row</th>
          </tr>
        </thead>
        <tbody>
          {categories.map((category) => {
            const trigger = triggers[category.id] ?? EMPTY;
            const key = `trigger.${category.id}`;
            const urlError = errors[`${key}.url`];
            return (
              <tr key={category.id} data-testid="flag-row" data-action-category-id={category.id}>
                <td>
                  <label class="check">
                    <input
                      type="checkbox"
                      checked={trigger.enabled}
                      onChange={(e) => onChange(category.id, { enabled: e.currentTarget.checked })}
                      data-testid={`flag-enabled-${category.id}`}
                    />
                    <span>
                      {category.name} <span class="muted">#{category.id}</span>
                      {category.origin !== 'livehealth' && <span class="tag">{category.origin}</span>}
                    </span>
                  </label>
                  <FieldError id={`flag-${category.id}-error`} message={errors[`${key}.enabled`] ?? errors[`${key}.actionCategoryId`] ?? errors[`${key}.isDisable`]} />
                </td>
                <td>
                  <input
                    type="url"
                    aria-label={`URL override for ${category.name}`}
                    placeholder="Use the authentication's URL"
                    value={trigger.url}
                    aria-invalid={urlError ? true : undefined}
                    onInput={(e) => onChange(category.id, { url: e.currentTarget.value })}
                    data-testid={`flag-url-${category.id}`}
                  />
                  <FieldError id={`flag-url-${category.id}-error`} message={urlError} />
                </td>
                <td>
                  <select
                    aria-label={`Request type for ${category.name}`}
                    value={trigger.requestType}
                    onChange={(e) => onChange(category.id, { requestType: e.currentTarget.value as TriggerDraft['requestType'] })}
                    data-testid={`flag-request-type-${category.id}`}
                  >
                    <option value="">Inherit</option>
                    <option value="0">GET</option>
                    <option value="1">POST</option>
                  </select>
                  <FieldError id={`flag-rt-${category.id}-error`} message={errors[`${key}.requestType`]} />
                </td>
                <td class="nowrap">
                  <ExistingRow categoryId={category.id} trigger={trigger} onToggle={onToggleExisting} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
