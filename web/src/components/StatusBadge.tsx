import type { LogStatus } from '../types';

const LABELS: Record<Exclude<LogStatus, ''>, string> = { SUCCESS: 'Success', FAIL: 'Fail', QUEUED: 'Queued' };

/** SUCCESS green, FAIL red, QUEUED amber; a suppressed (blank) status is a grey dash. */
export function StatusBadge({ status }: { status: LogStatus }) {
  if (status === '') {
    return (
      <span class="badge badge-suppressed" data-testid="status-badge" data-status="SUPPRESSED" title="Suppressed (HTTP 209 or #NOTFORDASHBOARD)">
        —
      </span>
    );
  }
  return (
    <span class={`badge badge-${status.toLowerCase()}`} data-testid="status-badge" data-status={status}>
      {LABELS[status]}
    </span>
  );
}
