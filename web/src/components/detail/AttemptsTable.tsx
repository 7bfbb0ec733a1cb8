import { duration, localDateTime, utcDateTime } from '../../format';
import type { Attempt, RetryRecord } from '../../types';
import { StatusBadge } from '../StatusBadge';
import { HeadersView } from './BodyView';

/** Every dispatch attempt recorded on the log, with its headers on demand. */
export function AttemptsTable({ attempts }: { attempts: Attempt[] }) {
  if (!attempts.length) return <p class="muted">No attempts recorded yet.</p>;
  return (
    <div class="table-scroll">
      <table class="table table-compact" data-testid="attempts-table">
        <thead>
          <tr>
            <th class="num">#</th>
            <th>At</th>
            <th class="num">Code</th>
            <th class="num">Latency</th>
            <th>Error</th>
            <th>Headers</th>
          </tr>
        </thead>
        <tbody>
          {attempts.map((a) => (
            <tr key={`${a.attempt}-${a.at}`}>
              <td class="num">{a.attempt}</td>
              <td class="nowrap" title={utcDateTime(a.at)}>
                {localDateTime(a.at)}
              </td>
              <td class="num mono">{a.statusCode ?? '—'}</td>
              <td class="num">{duration(a.latencyMs)}</td>
              <td class="error-text">{a.error ?? ''}</td>
              <td>
                <details>
                  <summary>Show</summary>
                  <h4>Request</h4>
                  <HeadersView headers={a.requestHeaders} />
                  <h4>Response</h4>
                  <HeadersView headers={a.responseHeaders} />
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** integration_retry_logs for this log: manual, automatic and bulk retries. */
export function RetryHistory({ retries }: { retries: RetryRecord[] }) {
  if (!retries.length) return <p class="muted">Never retried.</p>;
  return (
    <div class="table-scroll">
      <table class="table table-compact" data-testid="retry-history">
        <thead>
          <tr>
            <th>Requested</th>
            <th>Kind</th>
            <th>By</th>
            <th>Status</th>
            <th class="num">Code</th>
            <th>Finished</th>
            <th>Error</th>
          </tr>
        </thead>
        <tbody>
          {retries.map((r) => (
            <tr key={r._id} data-testid="retry-history-row">
              <td class="nowrap" title={utcDateTime(r.requested_at)}>
                {localDateTime(r.requested_at)}
              </td>
              <td>{r.kind}</td>
              <td>{r.requested_by}</td>
              <td>{r.finished_at ? <StatusBadge status={r.status} /> : <span class="muted">running…</span>}</td>
              <td class="num mono">{r.response_status_code ?? '—'}</td>
              <td class="nowrap" title={utcDateTime(r.finished_at)}>
                {r.finished_at ? localDateTime(r.finished_at) : '—'}
              </td>
              <td class="error-text">{r.error_message ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
