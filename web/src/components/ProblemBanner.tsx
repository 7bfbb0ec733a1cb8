import { problemMessage } from '../api';

/** A failed call's problem+json `detail`, where the operator looks for it. */
export function ProblemBanner({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  return (
    <div class="banner banner-error" role="alert" data-testid="error-banner">
      <span>{problemMessage(error)}</span>
      {onRetry && (
        <button type="button" class="btn btn-small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
