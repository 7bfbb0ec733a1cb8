import { useEffect, useState } from 'preact/hooks';
import { api, problemMessage, type RetryTarget } from '../../api';
import type { ApiFilter } from '../../filters';
import { showToast } from '../../toast';
import type { BulkProgress } from '../../types';
import { ConfirmDialog } from '../ConfirmDialog';

interface Pending {
  target: RetryTarget;
  what: string;
  count: number | null;
  error: unknown;
}

const POLL_MS = 1000;

/** Polls GET /api/bulk-retries/:id every second until the bulk retry is done or cancelled. */
function BulkProgressCard({ bulkId, onDismiss }: { bulkId: string; onDismiss: () => void }) {
  const [progress, setProgress] = useState<BulkProgress | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [cancelling, setCancelling] = useState(false);
  const finished = progress !== null && progress.state !== 'running';

  useEffect(() => {
    if (finished) return;
    let stopped = false;
    let timer = 0;
    const poll = async () => {
      try {
        const next = await api.bulkProgress(bulkId);
        if (stopped) return;
        setProgress(next);
        setError(null);
        if (next.state !== 'running') return;
      } catch (failure) {
        if (stopped) return;
        setError(failure);
      }
      timer = window.setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [bulkId, finished]);

  const cancel = async () => {
    setCancelling(true);
    try {
      await api.cancelBulk(bulkId);
    } catch (failure) {
      showToast('error', problemMessage(failure));
      setCancelling(false);
    }
  };

  const total = progress?.total ?? 0;
  const done = progress?.done ?? 0;
  const ratio = total > 0 ? Math.min(done / total, 1) : finished ? 1 : 0;
  return (
    <section class="card bulk" data-testid="bulk-progress" data-state={progress?.state ?? 'starting'} aria-label="Bulk retry progress">
      <div class="bulk-head">
        <strong>{finished ? (progress.state === 'cancelled' ? 'Bulk retry cancelled' : 'Bulk retry finished') : 'Bulk retry running…'}</strong>
        <span class="muted" data-testid="bulk-counts">
          {done} / {total} done · {progress?.succeeded ?? 0} succeeded · {progress?.failed ?? 0} failed · {progress?.refused ?? 0} refused
        </span>
        {finished ? (
          <button type="button" class="btn btn-small" onClick={onDismiss} data-testid="bulk-dismiss">
            Dismiss
          </button>
        ) : (
          <button type="button" class="btn btn-small btn-danger" onClick={() => void cancel()} disabled={cancelling} data-testid="bulk-cancel">
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
      </div>
      <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={total} aria-valuenow={done} data-testid="bulk-progress-bar">
        <div class="progress-fill" style={{ width: `${(ratio * 100).toFixed(1)}%` }} />
      </div>
      {error !== null && <p class="field-error">{problemMessage(error)}</p>}
    </section>
  );
}

interface Props {
  filter: ApiFilter;
  selectedIds: string[];
  onStarted: () => void;
}

/** "Retry selection" and "Retry all matching the filter": preview the count, confirm, then follow progress. */
export function BulkRetry({ filter, selectedIds, onStarted }: Props) {
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  const [bulkId, setBulkId] = useState<string | null>(null);

  const ask = (target: RetryTarget, what: string) => {
    setPending({ target, what, count: null, error: null });
    api.retryPreview(target).then(
      ({ count }) => setPending((p) => (p && p.target === target ? { ...p, count } : p)),
      (error: unknown) => setPending((p) => (p && p.target === target ? { ...p, error } : p)),
    );
  };

  const start = async () => {
    if (!pending) return;
    setBusy(true);
    try {
      const started = await api.bulkRetry(pending.target);
      setBulkId(started.bulkId);
      setPending(null);
      onStarted();
    } catch (error) {
      setPending({ ...pending, error });
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <div class="bulk-actions">
        <button
          type="button"
          class="btn"
          disabled={selectedIds.length === 0}
          onClick={() => ask({ ids: selectedIds }, `${selectedIds.length} selected`)}
          data-testid="retry-selection"
        >
          Retry selection{selectedIds.length ? ` (${selectedIds.length})` : ''}
        </button>
        <button type="button" class="btn" onClick={() => ask({ filter }, 'every log matching the filter')} data-testid="retry-all-matching">
          Retry all matching
        </button>
      </div>
      {pending && (
        <ConfirmDialog
          title="Retry in bulk?"
          confirmLabel={pending.count === null ? 'Retry' : `Retry ${pending.count}`}
          busy={busy}
          confirmDisabled={pending.count === null || pending.count === 0}
          error={pending.error}
          onConfirm={() => void start()}
          onCancel={() => setPending(null)}
        >
          {pending.count === null && pending.error === null ? (
            <p>
              <span class="spinner spinner-inline" /> Counting the deliveries to retry…
            </p>
          ) : (
            <p data-testid="bulk-preview-count" data-count={pending.count ?? ''}>
              {pending.count === 0 ? (
                `Nothing to retry in ${pending.what}.`
              ) : (
                <>
                  <strong>{pending.count}</strong> {pending.count === 1 ? 'delivery' : 'deliveries'} ({pending.what}) will be retried as one Temporal workflow. You can
                  follow and cancel it here.
                </>
              )}
            </p>
          )}
        </ConfirmDialog>
      )}
      {bulkId && <BulkProgressCard key={bulkId} bulkId={bulkId} onDismiss={() => setBulkId(null)} />}
    </>
  );
}
