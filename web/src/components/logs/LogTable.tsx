import type { JSX } from 'preact';
import { duration, localDateTime, utcDateTime } from '../../format';
import type { LogRow } from '../../types';
import { StatusBadge } from '../StatusBadge';

interface Props {
  rows: LogRow[];
  selectable: boolean;
  selection: ReadonlySet<string>;
  onSelect: (id: string, selected: boolean) => void;
  onSelectAll: (selected: boolean) => void;
  onOpen: (row: LogRow) => void;
  onRetry: (row: LogRow) => void;
}

/** Clicks on the row's own controls (checkbox, buttons, links) do not open the detail view. */
function fromControl(event: Event): boolean {
  return event.target instanceof Element && event.target.closest('button, a, input, label') !== null;
}

/** The trigger and authentication a delivery belongs to, as the endpoint's tooltip. */
function integrationIds(row: LogRow): string | undefined {
  const ids = [typeof row.lab_integration_id === 'number' ? `integration #${row.lab_integration_id}` : null, typeof row.auth_id === 'number' ? `auth #${row.auth_id}` : null].filter(Boolean);
  return ids.length > 0 ? `${row.endpoint} · ${ids.join(' · ')}` : undefined;
}

function Row({ row, selectable, selected, onSelect, onOpen, onRetry }: { row: LogRow; selected: boolean } & Omit<Props, 'rows' | 'selection' | 'onSelectAll'>) {
  const open = (event: Event) => {
    if (!fromControl(event)) onOpen(row);
  };
  const onKeyDown = (event: JSX.TargetedKeyboardEvent<HTMLTableRowElement>) => {
    if (event.key === 'Enter' && event.target === event.currentTarget) {
      event.preventDefault();
      onOpen(row);
    }
  };
  const subject = row.type === 'API' ? (row.endpoint ?? row.operation) : row.operation;
  return (
    <tr
      tabIndex={0}
      class={selected ? 'row row-selected' : 'row'}
      onClick={open}
      onKeyDown={onKeyDown}
      data-testid="log-row"
      data-log-id={row.id}
      data-status={row.status || 'SUPPRESSED'}
      aria-label={`${subject}, lab ${row.lab_id ?? '—'}, ${row.status || 'suppressed'}`}
    >
      {selectable && (
        <td class="col-check">
          <input type="checkbox" checked={selected} aria-label={`Select log ${row.id}`} onChange={(e) => onSelect(row.id, e.currentTarget.checked)} data-testid="row-select" />
        </td>
      )}
      <td class="col-operation">
        <div class="cell-main">{subject || '—'}</div>
        <div class="cell-sub mono">{row.entity ?? row.id}</div>
      </td>
      <td>
        <div class="cell-main">{row.lab_name ?? (row.lab_id !== null ? `Lab ${row.lab_id}` : '—')}</div>
        {row.lab_id !== null && <div class="cell-sub">#{row.lab_id}</div>}
      </td>
      <td>
        <div class="cell-main">{row.developer_name ?? '—'}</div>
        {row.integration_type && <div class="cell-sub">{row.integration_type}</div>}
        {row.type === 'WEBHOOK' && row.endpoint && (
          <div class="cell-sub mono" data-testid="row-endpoint" title={integrationIds(row)}>
            {row.endpoint}
          </div>
        )}
      </td>
      <td>
        <StatusBadge status={row.status} />
        {row.test && (
          <span class="badge badge-test" title="A test delivery sent from Manage Integrations: not in the figures, never retried" data-testid="row-test">
            test
          </span>
        )}
      </td>
      <td class="num mono" title={row.error_message ?? undefined}>
        {row.response_status_code ?? '—'}
      </td>
      <td class="num">{duration(row.response_time)}</td>
      <td class="nowrap" title={utcDateTime(row.inserted_at)}>
        {localDateTime(row.inserted_at)}
      </td>
      <td class="num" title={`${row.retry_count} manual / ${row.auto_retry_count} automatic`} data-testid="row-retries">
        {row.retry_count} / {row.auto_retry_count}
      </td>
      {selectable && (
        <td class="col-actions">
          {row.type === 'WEBHOOK' && !row.test && (
            <button type="button" class="btn btn-small" onClick={() => onRetry(row)} data-testid="row-retry" aria-label={`Retry log ${row.id}`}>
              Retry
            </button>
          )}
        </td>
      )}
    </tr>
  );
}

/** The deliveries table; rows are focusable and open the detail view on click or Enter. */
export function LogTable({ rows, selectable, selection, onSelect, onSelectAll, onOpen, onRetry }: Props) {
  const allSelected = rows.length > 0 && rows.every((r) => selection.has(r.id));
  return (
    <div class="table-scroll">
      <table class="table" data-testid="log-table">
        <thead>
          <tr>
            {selectable && (
              <th class="col-check">
                <input type="checkbox" checked={allSelected} aria-label="Select all shown" onChange={(e) => onSelectAll(e.currentTarget.checked)} data-testid="select-all" />
              </th>
            )}
            <th>Operation</th>
            <th>Lab</th>
            <th>Developer</th>
            <th>Status</th>
            <th class="num">Code</th>
            <th class="num">Response time</th>
            <th>Date &amp; Time</th>
            <th class="num" title="manual / automatic">
              Retries
            </th>
            {selectable && (
              <th class="col-actions">
                <span class="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <Row key={row.id} row={row} selectable={selectable} selected={selection.has(row.id)} onSelect={onSelect} onOpen={onOpen} onRetry={onRetry} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function TableSkeleton() {
  return (
    <div class="table-scroll" aria-busy="true" aria-label="Loading deliveries" data-testid="log-table-loading">
      <table class="table">
        <tbody>
          {[0, 1, 2, 3, 4, 5].map((i) => (
            <tr key={i}>
              {[0, 1, 2, 3, 4, 5, 6].map((j) => (
                <td key={j}>
                  <span class="skeleton" />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
