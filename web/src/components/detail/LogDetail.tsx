import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api';
import { canRetry, useApp } from '../../app-context';
import { useLogChanges, useResync } from '../../live';
import { lastListUrl, onLinkClick } from '../../router';
import type { LogChange, LogDocument } from '../../types';
import { ProblemBanner } from '../ProblemBanner';
import { RetryDialog } from '../RetryDialog';
import { StatusBadge } from '../StatusBadge';
import { AttemptsTable, RetryHistory } from './AttemptsTable';
import { BodyView, HeadersView } from './BodyView';
import { HistoryTimeline } from './HistoryTimeline';
import { LogFields } from './LogFields';

function Section({ title, children, testId }: { title: string; children: ComponentChildren; testId?: string }) {
  return (
    <section class="card section" data-testid={testId}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

/** /logs/:id — one delivery: every field, request and response, attempts, retries, Temporal history. */
export function LogDetail({ id }: { id: string }) {
  const { user } = useApp();
  const [log, setLog] = useState<LogDocument | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [retrying, setRetrying] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const loaded = log !== null;
  // Opening a log from the keyboard moves focus to it, as a page change would.
  useEffect(() => {
    if (loaded) heading.current?.focus();
  }, [loaded]);

  const load = useCallback(() => {
    api.log(id).then(
      (doc) => {
        setLog(doc);
        setError(null);
      },
      setError,
    );
  }, [id]);
  useEffect(load, [load]);
  useLogChanges(useCallback((change: LogChange) => change.logId === id && load(), [id, load]));
  useResync(load);

  const back = (
    <a href={lastListUrl()} class="back" onClick={onLinkClick} data-testid="detail-back">
      ← Deliveries
    </a>
  );
  if (!log) {
    return (
      <main class="page" data-testid="log-detail">
        {back}
        {error ? <ProblemBanner error={error} onRetry={load} /> : <div class="skeleton skeleton-block" aria-busy="true" aria-label="Loading log" />}
      </main>
    );
  }
  const temporalUrl = log.temporalUrl;
  const removed = log.bodies_removed_at ? { at: log.bodies_removed_at, retentionDays: log.body_retention_days } : undefined;
  return (
    <main class="page" data-testid="log-detail" data-log-id={log._id} data-status={log.status || 'SUPPRESSED'}>
      {back}
      <div class="detail-head">
        <div>
          <h1 ref={heading} tabIndex={-1}>
            {log.operation || log.endpoint || 'Delivery'} <StatusBadge status={log.status} />
            {log.test && (
              <span class="badge badge-test" title="A test delivery sent from Manage Integrations: not in the figures, never retried" data-testid="detail-test">
                test
              </span>
            )}
          </h1>
          <p class="muted mono">{log._id}</p>
        </div>
        <div class="detail-actions">
          {temporalUrl && (
            <a class="btn" href={temporalUrl} target="_blank" rel="noopener noreferrer" data-testid="temporal-link">
              Open in Temporal UI ↗
            </a>
          )}
          {canRetry(user.role) && log.type === 'WEBHOOK' && !log.test && (
            <button type="button" class="btn btn-primary" onClick={() => setRetrying(true)} data-testid="detail-retry">
              Retry
            </button>
          )}
        </div>
      </div>
      <ProblemBanner error={error} />
      <div class="detail-grid">
        <Section title="Log" testId="detail-fields">
          <LogFields log={log} />
        </Section>
        <div class="detail-col">
          <Section title="Request" testId="detail-request">
            {log.request ? (
              <>
                <p class="mono request-line">
                  <strong>{log.request.method}</strong> {log.request.url}
                </p>
                <details>
                  <summary>Headers</summary>
                  <HeadersView headers={log.request.headers} />
                </details>
                <BodyView body={log.request.body} testId="request-body" removed={removed} />
              </>
            ) : (
              <p class="muted">No request recorded yet.</p>
            )}
          </Section>
          <Section title="Response" testId="detail-response">
            <p>
              Status code <strong class="mono">{log.response_status_code ?? '—'}</strong>
            </p>
            <BodyView body={log.response_body} testId="response-body" removed={removed} />
          </Section>
        </div>
      </div>
      <Section title={`Attempts (${log.attempts.length})`} testId="detail-attempts">
        <AttemptsTable attempts={log.attempts} />
      </Section>
      <Section title={`Retry history (${log.retries.length})`} testId="detail-retries">
        <RetryHistory retries={log.retries} />
      </Section>
      <Section title="Temporal history" testId="detail-history">
        {log.workflow_id ? (
          <HistoryTimeline logId={log._id} refreshKey={log.updated_at} />
        ) : (
          <p class="muted">No workflow: {log.type === 'API' ? 'inbound API calls are recorded, not executed by Temporal.' : 'this log has not started one yet.'}</p>
        )}
      </Section>
      {retrying && <RetryDialog log={{ id: log._id, status: log.status, operation: log.operation }} onClose={() => setRetrying(false)} />}
    </main>
  );
}
