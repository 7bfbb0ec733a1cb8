import type { ComponentChildren } from 'preact';
import { duration, localDateTime, utcDateTime } from '../../format';
import type { LogDocument } from '../../types';
import { StatusBadge } from '../StatusBadge';

function When({ iso }: { iso: string | null }) {
  if (!iso) return <>—</>;
  return (
    <time dateTime={iso} title={utcDateTime(iso)}>
      {localDateTime(iso)}
    </time>
  );
}

function text(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return String(value);
}

/** Every field of the log document (SPEC §4), in the order an operator reads them. */
export function LogFields({ log }: { log: LogDocument }) {
  const fields: [string, ComponentChildren][] = [
    ['_id', <span class="mono">{log._id}</span>],
    ['type', log.type],
    ['status', <StatusBadge status={log.status} />],
    ['operation', text(log.operation)],
    ['action_category_id', text(log.action_category_id)],
    ['lab_id', text(log.lab_name ? `${log.lab_id ?? '—'} (${log.lab_name})` : log.lab_id)],
    ['org_id', text(log.org_id)],
    ['developer', text(log.developer_name ? `${log.developer_name} (#${log.developer_id ?? '—'})` : log.developer_id)],
    ['auth_id', text(log.auth_id)],
    ['lab_integration_id', text(log.lab_integration_id)],
    ['integration_type', text(log.integration_type)],
    ...(log.endpoint ? ([['endpoint', <span class="mono">{log.endpoint}</span>]] as [string, ComponentChildren][]) : []),
    ['error_message', log.error_message ? <span class="error-text">{log.error_message}</span> : '—'],
    ['response_status_code', text(log.response_status_code)],
    ['response_time', duration(log.response_time)],
    ['fusion_log', text(log.fusion_log)],
    ['sent_to_mirth', text(log.sent_to_mirth)],
    ['retry_count', text(log.retry_count)],
    ['auto_retry_count', text(log.auto_retry_count)],
    ['triggered_by_py3', text(log.triggered_by_py3)],
    ['origin', text(log.origin)],
    ['event_id', <span class="mono">{text(log.event_id)}</span>],
    ['entity', text(log.entity ?? (log.retry_context ? `${log.retry_context.entity_type}:${log.retry_context.entity_id}` : null))],
    ['workflow_id', <span class="mono">{text(log.workflow_id)}</span>],
    ['run_id', <span class="mono">{text(log.run_id)}</span>],
    ['inserted_at', <When iso={log.inserted_at} />],
    ['activity_date', <When iso={log.activity_date} />],
    ['updated_at', <When iso={log.updated_at} />],
    ...(log.bodies_removed_at ? ([['bodies_removed_at', <When iso={log.bodies_removed_at} />]] as [string, ComponentChildren][]) : []),
  ];
  return (
    <dl class="fields" data-testid="log-fields">
      {fields.map(([name, value]) => (
        <div key={name} class="field-row" data-field={name}>
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
      <div class="field-row field-wide" data-field="retry_context">
        <dt>retry_context</dt>
        <dd>{log.retry_context ? <pre class="code code-inline">{JSON.stringify(log.retry_context, null, 2)}</pre> : '—'}</dd>
      </div>
    </dl>
  );
}
