import { useState } from 'preact/hooks';
import { api } from '../api';
import { showToast } from '../toast';
import type { LogStatus } from '../types';
import { ConfirmDialog } from './ConfirmDialog';

interface Props {
  log: { id: string; status: LogStatus; operation: string };
  onClose: () => void;
}

/** Confirms one manual retry; a SUCCESS log can only be re-sent with an explicit force. */
export function RetryDialog({ log, onClose }: Props) {
  const [force, setForce] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const delivered = log.status === 'SUCCESS';

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.retry(log.id, delivered && force);
      showToast('success', `Retry started for ${log.operation || 'log'} ${log.id}. The row updates when it finishes.`);
      onClose();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <ConfirmDialog
      title={delivered ? 'Re-send a delivered log?' : 'Retry this delivery?'}
      confirmLabel={delivered ? 'Re-send' : 'Retry'}
      danger={delivered}
      busy={busy}
      confirmDisabled={delivered && !force}
      error={error}
      onConfirm={() => void confirm()}
      onCancel={onClose}
    >
      <p>
        <strong>{log.operation || 'Delivery'}</strong> <span class="mono muted">{log.id}</span>
      </p>
      {delivered ? (
        <>
          <p>
            This log already succeeded. Retrying it <strong>sends the payload to the partner again</strong>, built from the current data; the partner may
            process it twice.
          </p>
          <label class="check">
            <input type="checkbox" checked={force} onChange={(e) => setForce(e.currentTarget.checked)} data-testid="retry-force" />
            <span>Yes, re-send it (force)</span>
          </label>
        </>
      ) : (
        <p>Labwire rebuilds the payload from live data and dispatches it again. The retry is recorded in the log's retry history.</p>
      )}
    </ConfirmDialog>
  );
}
