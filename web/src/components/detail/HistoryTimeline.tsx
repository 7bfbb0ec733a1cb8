import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import { localDateTime, utcDateTime } from '../../format';
import type { WorkflowHistory } from '../../types';
import { ProblemBanner } from '../ProblemBanner';

function tone(type: string): string {
  if (/Failed|TimedOut|Terminated|Canceled/.test(type)) return 'fail';
  if (/Completed/.test(type)) return 'ok';
  if (/Signal|Update/.test(type)) return 'signal';
  return '';
}

/** The delivery workflow's Temporal event history (GET /api/logs/:id/history). */
export function HistoryTimeline({ logId, refreshKey }: { logId: string; refreshKey: string }) {
  const [history, setHistory] = useState<WorkflowHistory | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let stale = false;
    setError(null);
    api.history(logId).then(
      (h) => !stale && setHistory(h),
      (e: unknown) => !stale && setError(e),
    );
    return () => {
      stale = true;
    };
  }, [logId, refreshKey, attempt]);

  if (error) return <ProblemBanner error={error} onRetry={() => setAttempt((n) => n + 1)} />;
  if (!history) return <span class="spinner" aria-label="Loading history" />;
  if (!history.events.length) return <p class="muted">No workflow history recorded.</p>;
  return (
    <ol class="timeline" data-testid="history-timeline">
      {history.events.map((event) => (
        <li key={event.eventId} class={`timeline-item timeline-${tone(event.type) || 'plain'}`} data-testid="history-event">
          <span class="timeline-dot" aria-hidden="true" />
          <div class="timeline-body">
            <div>
              <span class="timeline-type">{event.type}</span> <span class="muted">#{event.eventId}</span>
            </div>
            {event.summary && <div class="timeline-summary">{event.summary}</div>}
            {event.details && (
              <pre class="timeline-details" data-testid="history-details">
                {event.details}
              </pre>
            )}
          </div>
          <time class="timeline-time muted" dateTime={event.time} title={utcDateTime(event.time)}>
            {localDateTime(event.time)}
          </time>
        </li>
      ))}
    </ol>
  );
}
