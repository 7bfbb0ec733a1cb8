import { dismissToast, useToasts, type Toast } from '../toast';
import { useState } from 'preact/hooks';

function CopyButton({ value }: { value: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    navigator.clipboard.writeText(value).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return (
    <button type="button" class="btn btn-small" onClick={copy} data-testid="toast-copy">
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

function ToastItem({ toast }: { toast: Toast }) {
  return (
    <div class={`toast toast-${toast.kind}`} role={toast.kind === 'error' ? 'alert' : 'status'} data-testid="toast">
      <div class="toast-text">
        <span>{toast.message}</span>
        {toast.copyValue && (
          <code class="toast-value" data-testid="toast-value">
            {toast.copyValue}
          </code>
        )}
        {toast.note && (
          <small class="toast-note" data-testid="toast-note">
            {toast.note}
          </small>
        )}
      </div>
      {toast.copyValue && <CopyButton value={toast.copyValue} />}
      <button type="button" class="icon-btn" aria-label="Dismiss" onClick={() => dismissToast(toast.id)}>
        ×
      </button>
    </div>
  );
}

export function Toasts() {
  const toasts = useToasts();
  return (
    <div class="toasts" aria-live="polite">
      {toasts.map((toast) => (
        <ToastItem key={toast.id} toast={toast} />
      ))}
    </div>
  );
}
