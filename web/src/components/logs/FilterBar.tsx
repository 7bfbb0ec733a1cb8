import { useEffect, useState } from 'preact/hooks';
import { useApp } from '../../app-context';
import { hasNarrowingFilter, statusChoices, type LogFilters } from '../../filters';
import { fromLocalInput, toLocalInput } from '../../format';
import type { StatusFilter } from '../../types';

interface Props {
  filters: LogFilters;
  onChange: (patch: Partial<LogFilters>) => void;
}

function optionalId(value: string): number | undefined {
  const n = Number(value);
  return value && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Text inputs apply on Enter or blur (onChange), so typing does not fire a request per key. */
export function FilterBar({ filters, onChange }: Props) {
  const { meta } = useApp();
  const [q, setQ] = useState(filters.q ?? '');
  const [labId, setLabId] = useState(filters.labId ? String(filters.labId) : '');
  useEffect(() => setQ(filters.q ?? ''), [filters.q]);
  useEffect(() => setLabId(filters.labId ? String(filters.labId) : ''), [filters.labId]);

  const toggleStatus = (status: StatusFilter, on: boolean) => {
    const next = on ? [...filters.status, status] : filters.status.filter((s) => s !== status);
    onChange({ status: next });
  };

  return (
    <form
      class="filters"
      role="search"
      aria-label="Filter deliveries"
      onSubmit={(e) => {
        e.preventDefault();
        onChange({ q: q.trim() || undefined, labId: optionalId(labId.trim()) });
      }}
    >
      <label class="field field-search">
        <span>Search</span>
        <input
          type="search"
          placeholder="Log id, event id or entity (bill:900001)"
          value={q}
          onInput={(e) => setQ(e.currentTarget.value)}
          onChange={(e) => onChange({ q: e.currentTarget.value.trim() || undefined })}
          data-testid="filter-search"
        />
      </label>
      <label class="field field-narrow">
        <span>Lab id</span>
        <input
          inputMode="numeric"
          pattern="[0-9]*"
          placeholder="Any"
          value={labId}
          onInput={(e) => setLabId(e.currentTarget.value)}
          onChange={(e) => onChange({ labId: optionalId(e.currentTarget.value.trim()) })}
          data-testid="filter-lab"
        />
      </label>
      <label class="field">
        <span>Developer</span>
        <select
          value={filters.developerId ?? ''}
          onChange={(e) => onChange({ developerId: optionalId(e.currentTarget.value) })}
          data-testid="filter-developer"
        >
          <option value="">All developers</option>
          {meta?.developers.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>Action category</span>
        <select
          value={filters.actionCategoryId ?? ''}
          onChange={(e) => onChange({ actionCategoryId: optionalId(e.currentTarget.value) })}
          data-testid="filter-action"
        >
          <option value="">All actions</option>
          {meta?.actionCategories.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name} ({a.id})
            </option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>Test deliveries</span>
        <select
          value={filters.test === undefined ? '' : String(filters.test)}
          onChange={(e) => onChange({ test: e.currentTarget.value === '' ? undefined : e.currentTarget.value === 'true' })}
          data-testid="filter-test"
        >
          <option value="">Shown (not counted)</option>
          <option value="true">Only tests</option>
          <option value="false">Hidden</option>
        </select>
      </label>
      {filters.endpoint && (
        <div class="field">
          <span>Endpoint</span>
          <span class="chip chip-removable" data-testid="filter-endpoint">
            <span class="mono">{filters.endpoint}</span>
            <button type="button" class="chip-remove" aria-label={`Remove the endpoint filter ${filters.endpoint}`} onClick={() => onChange({ endpoint: undefined })} data-testid="filter-endpoint-remove">
              ×
            </button>
          </span>
        </div>
      )}
      <fieldset class="field status-filter" data-testid="filter-status">
        <legend>Status</legend>
        <div class="chips">
          {statusChoices(filters.tab).map((s) => (
            <label key={s.id} class="chip">
              <input
                type="checkbox"
                checked={filters.status.includes(s.id)}
                onChange={(e) => toggleStatus(s.id, e.currentTarget.checked)}
                data-testid={`filter-status-${s.id}`}
              />
              <span>{s.label}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <label class="field">
        <span>Date field</span>
        <select
          value={filters.dateField}
          onChange={(e) => onChange({ dateField: e.currentTarget.value === 'activity_date' ? 'activity_date' : 'inserted_at' })}
          data-testid="filter-date-field"
        >
          <option value="inserted_at">Inserted at</option>
          <option value="activity_date">Activity date</option>
        </select>
      </label>
      <label class="field">
        <span>From</span>
        <input
          type="datetime-local"
          value={toLocalInput(filters.from)}
          onChange={(e) => onChange({ from: fromLocalInput(e.currentTarget.value) })}
          data-testid="filter-from"
        />
      </label>
      <label class="field">
        <span>To</span>
        <input
          type="datetime-local"
          value={toLocalInput(filters.to)}
          onChange={(e) => onChange({ to: fromLocalInput(e.currentTarget.value) })}
          data-testid="filter-to"
        />
      </label>
      <div class="filters-actions">
        <button type="submit" class="btn" data-testid="filter-apply">
          Apply
        </button>
        {hasNarrowingFilter(filters) && (
          <button
            type="button"
            class="btn btn-ghost"
            onClick={() => onChange({ labId: undefined, developerId: undefined, actionCategoryId: undefined, status: [], from: undefined, to: undefined, q: undefined, test: undefined, endpoint: undefined, dateField: 'inserted_at' })}
            data-testid="filter-clear"
          >
            Clear
          </button>
        )}
      </div>
    </form>
  );
}
