import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api';
import { canRetry, isAdmin, useApp } from '../../app-context';
import { positiveInt } from '../../filters';
import { duration, localDateTime, percent, utcDateTime } from '../../format';
import { useEndpointChanges, useLogChanges, useResync } from '../../live';
import { navigate, onLinkClick } from '../../router';
import type { EndpointAlert, EndpointHealth, EndpointHealthState, EndpointWindow } from '../../types';
import { problemMessage } from '../../api';
import { ProblemBanner } from '../ProblemBanner';

const HEALTH_LABEL: Record<EndpointHealthState, string> = { failing: 'Failing', degraded: 'Degraded', healthy: 'Healthy', idle: 'Idle' };
const HEALTH_BADGE: Record<EndpointHealthState, string> = { failing: 'badge-fail', degraded: 'badge-queued', healthy: 'badge-success', idle: 'badge-suppressed' };
const HEALTH_HELP: Record<EndpointHealthState, string> = {
  failing: '20 final failures in a row, or at least half of at least 50 final deliveries of the last hour failed',
  degraded: 'A failure since the last success, or less than 95% success in the last hour',
  healthy: 'Deliveries in the last hour, no failure since the last success',
  idle: 'No delivery in the last hour',
};
/** Live changes refresh the figures at most this often. */
const REFRESH_EVERY_MS = 5_000;

interface Filters {
  labId?: number;
  developerId?: number;
}

function filtersFrom(search: string): Filters {
  const params = new URLSearchParams(search);
  return { labId: positiveInt(params.get('labId')), developerId: positiveInt(params.get('developerId')) };
}

function searchOf(filters: Filters): string {
  const params = new URLSearchParams();
  if (filters.labId) params.set('labId', String(filters.labId));
  if (filters.developerId) params.set('developerId', String(filters.developerId));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function WindowCell({ figures }: { figures: EndpointWindow }) {
  return (
    <div>
      <div>
        <strong>{percent(figures.successRate)}</strong> <span class="muted">of {figures.success + figures.fail}</span>
      </div>
      <div class="muted">
        {figures.deliveries} {figures.deliveries === 1 ? 'delivery' : 'deliveries'}
        {figures.queued ? `, ${figures.queued} queued` : ''}
      </div>
      <div class="muted">
        p50 {duration(figures.p50Ms)} · p95 {duration(figures.p95Ms)}
      </div>
    </div>
  );
}

/** The deliveries list with this endpoint's failures, as the page counted them (its filters, no test deliveries). */
function errorsLink(item: EndpointHealth, filters: Filters): string {
  const params = new URLSearchParams({ tab: 'errors', status: 'FAIL', endpoint: item.endpoint, test: 'false' });
  if (filters.labId) params.set('labId', String(filters.labId));
  if (filters.developerId) params.set('developerId', String(filters.developerId));
  return `/logs?${params.toString()}`;
}

/** Paused or flowing; an operator pauses or resumes it here, with a reason. */
function FlowCell({ item, operator, onChanged }: { item: EndpointHealth; operator: boolean; onChanged: () => void }) {
  const { flow } = item;
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const act = flow.paused ? 'Resume' : 'Pause';
  const submit = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    (flow.paused ? api.resumeEndpoint(item.endpoint, reason.trim()) : api.pauseEndpoint(item.endpoint, reason.trim())).then(
      () => {
        setBusy(false);
        setAsking(false);
        setReason('');
        onChanged();
      },
      (failure: unknown) => {
        setBusy(false);
        setProblem(problemMessage(failure));
      },
    );
  };
  return (
    <td data-testid="endpoint-flow" data-paused={String(flow.paused)}>
      {flow.paused ? (
        <>
          <span class="badge badge-fail" title={flow.pausedReason ?? ''}>
            Paused
          </span>
          <div class="muted endpoint-flow-note" data-testid="endpoint-pause-reason">
            since {localDateTime(flow.pausedAt)} by {flow.pausedBy}: {flow.pausedReason}
            {flow.nextProbeAt && <> · next probe {localDateTime(flow.nextProbeAt)}</>}
          </div>
        </>
      ) : (
        <>
          <span class="badge badge-success">Flowing</span>
          {flow.resumedAt && (
            <div class="muted endpoint-flow-note">
              resumed {localDateTime(flow.resumedAt)} by {flow.resumedBy}: {flow.resumedReason}
            </div>
          )}
        </>
      )}
      {operator && !asking && (
        <div>
          <button type="button" class="btn btn-small" onClick={() => setAsking(true)} data-testid={`endpoint-${act.toLowerCase()}`}>
            {act}…
          </button>
        </div>
      )}
      {operator && asking && (
        <form class="endpoint-action" onSubmit={submit}>
          <input required minLength={3} maxLength={500} placeholder={`Why ${act.toLowerCase()}?`} value={reason} onInput={(e) => setReason(e.currentTarget.value)} aria-label={`Reason to ${act.toLowerCase()} ${item.endpoint}`} data-testid="endpoint-reason" />
          <button type="submit" class="btn btn-small" disabled={busy} data-testid="endpoint-confirm">
            {act}
          </button>
          <button type="button" class="btn btn-ghost btn-small" onClick={() => setAsking(false)}>
            Cancel
          </button>
          {problem && <div class="field-error">{problem}</div>}
        </form>
      )}
    </td>
  );
}

/** The newest alerts (pause, resume) and where each went. */
function AlertsList({ alerts }: { alerts: EndpointAlert[] | null }) {
  if (!alerts) return null;
  return (
    <section class="card" data-testid="alerts-list" aria-labelledby="alerts-title">
      <h2 id="alerts-title">Alerts</h2>
      {alerts.length === 0 ? (
        <p class="muted">No endpoint has been paused or resumed yet. Alerts go to ALERT_WEBHOOK_URL and, through SMTP_URL, to ALERT_EMAIL_TO.</p>
      ) : (
        <ul class="alerts">
          {alerts.map((alert) => (
            <li key={alert.id} data-testid="alert-item" data-kind={alert.kind}>
              <span class={`badge ${alert.kind === 'paused' ? 'badge-fail' : 'badge-success'}`}>{alert.kind}</span> <span title={utcDateTime(alert.createdAt)}>{localDateTime(alert.createdAt)}</span> · {alert.text}
              <div class="muted">
                {Object.entries(alert.channels)
                  .map(([channel, outcome]) => `${channel}: ${outcome}`)
                  .join(' · ')}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function EndpointRow({ item, admin, operator, filters, onChanged }: { item: EndpointHealth; admin: boolean; operator: boolean; filters: Filters; onChanged: () => void }) {
  const errors = errorsLink(item, filters);
  const manage = item.labIds.length === 1 && item.authIds.length === 1 ? `/integrations?labId=${item.labIds[0]}&authId=${item.authIds[0]}` : undefined;
  return (
    <tr data-testid="endpoint-row" data-endpoint={item.endpoint} data-health={item.health}>
      <td>
        <div class="mono">{item.endpoint}</div>
        <div class="muted">
          {item.integrationType} · {item.developers.map((d) => d.name ?? `Developer ${d.id}`).join(', ') || '—'} · lab {item.labIds.join(', ') || '—'}
        </div>
      </td>
      <td>
        <span class={`badge ${HEALTH_BADGE[item.health]}`} title={HEALTH_HELP[item.health]} data-testid="endpoint-health">
          {HEALTH_LABEL[item.health]}
        </span>
      </td>
      <FlowCell item={item} operator={operator} onChanged={onChanged} />
      <td class="num" data-testid="endpoint-consecutive">
        {item.consecutiveFailures}
      </td>
      <td>
        <WindowCell figures={item.lastHour} />
      </td>
      <td>
        <WindowCell figures={item.lastDay} />
      </td>
      <td class="nowrap" title={utcDateTime(item.lastSuccessAt)}>
        {item.lastSuccessAt ? localDateTime(item.lastSuccessAt) : <span class="muted">never</span>}
      </td>
      <td>
        {item.lastFailure ? (
          <>
            <a href={`/logs/${encodeURIComponent(item.lastFailure.logId)}`} onClick={onLinkClick} class="nowrap" title={utcDateTime(item.lastFailure.at)}>
              {localDateTime(item.lastFailure.at)}
            </a>
            <div class="muted endpoint-error">{item.lastFailure.errorMessage ?? '—'}</div>
          </>
        ) : (
          <span class="muted">—</span>
        )}
      </td>
      <td class="nowrap">
        <a href={errors} onClick={onLinkClick} data-testid="endpoint-errors-link">
          Errors
        </a>
        {admin && manage && (
          <>
            {' · '}
            <a href={manage} onClick={onLinkClick} data-testid="endpoint-manage-link">
              Manage
            </a>
          </>
        )}
      </td>
    </tr>
  );
}

/** /endpoints — where deliveries go and how each place is doing, worst first (GET /api/endpoints). */
export function EndpointsPage({ search }: { search: string }) {
  const { user, meta } = useApp();
  const filters = filtersFrom(search);
  const key = searchOf(filters);
  const [items, setItems] = useState<EndpointHealth[] | null>(null);
  const [alerts, setAlerts] = useState<EndpointAlert[] | null>(null);
  const [generatedAt, setGeneratedAt] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [labText, setLabText] = useState(filters.labId ? String(filters.labId) : '');
  useEffect(() => setLabText(filters.labId ? String(filters.labId) : ''), [filters.labId]);

  // Only the newest request's answer is shown: a slow answer for an earlier filter never overwrites it.
  const latest = useRef(0);
  const load = useCallback(() => {
    const request = ++latest.current;
    setError(null);
    api.endpoints(filters).then(
      (page) => {
        if (request !== latest.current) return;
        setItems(page.items);
        setGeneratedAt(page.generatedAt);
      },
      (failure: unknown) => request === latest.current && setError(failure),
    );
    api.alerts().then(
      (page) => request === latest.current && setAlerts(page.items),
      () => undefined,
    );
  }, [key]);

  // A log change refreshes the figures, at most every REFRESH_EVERY_MS, with the filter shown then.
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const loadNow = useRef(load);
  loadNow.current = load;
  useEffect(() => {
    if (pending.current) clearTimeout(pending.current);
    pending.current = null;
    setItems(null);
    load();
  }, [load]);
  const onChange = useCallback(() => {
    pending.current ??= setTimeout(() => {
      pending.current = null;
      loadNow.current();
    }, REFRESH_EVERY_MS);
  }, []);
  useLogChanges(onChange);
  // A pause or resume shows at once.
  useEndpointChanges(useCallback(() => loadNow.current(), []));
  useResync(useCallback(() => loadNow.current(), []));
  useEffect(
    () => () => {
      if (pending.current) clearTimeout(pending.current);
    },
    [],
  );

  const change = (next: Filters) => navigate(`/endpoints${searchOf(next)}`, { replace: true });

  return (
    <main class="page" data-testid="endpoints-page">
      <div class="page-head">
        <h1>Endpoints</h1>
        {generatedAt && <span class="muted" title={utcDateTime(generatedAt)}>Updated {localDateTime(generatedAt)}</span>}
      </div>
      <p class="muted">Where deliveries went in the last day, paused ones first, then worst first: success rate and response times over the last hour and day, failures in a row, the last success and the last error. A paused endpoint's new deliveries wait (QUEUED, with the reason) and go out oldest first when it resumes.</p>
      <form
        class="filters"
        role="search"
        aria-label="Filter endpoints"
        onSubmit={(e) => {
          e.preventDefault();
          change({ ...filters, labId: positiveInt(labText.trim()) });
        }}
      >
        <label class="field field-narrow">
          <span>Lab id</span>
          <input inputMode="numeric" pattern="[0-9]*" placeholder="Any" value={labText} onInput={(e) => setLabText(e.currentTarget.value)} onChange={(e) => change({ ...filters, labId: positiveInt(e.currentTarget.value.trim()) })} data-testid="endpoints-filter-lab" />
        </label>
        <label class="field">
          <span>Developer</span>
          <select value={filters.developerId ? String(filters.developerId) : ''} onChange={(e) => change({ ...filters, developerId: positiveInt(e.currentTarget.value) })} data-testid="endpoints-filter-developer">
            <option value="">Any</option>
            {(meta?.developers ?? []).map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <div class="filters-actions">
          <button type="submit" class="btn">
            Apply
          </button>
          {(filters.labId || filters.developerId) && (
            <button type="button" class="btn btn-ghost" onClick={() => change({})}>
              Clear
            </button>
          )}
        </div>
      </form>
      <ProblemBanner error={error} onRetry={load} />
      {items === null && !error && (
        <div class="empty card" aria-busy="true">
          <span class="spinner" aria-label="Loading" />
        </div>
      )}
      {items?.length === 0 && (
        <div class="empty card" data-testid="endpoints-empty">
          <h2>No deliveries in the last day</h2>
          <p>Endpoints appear here once deliveries go to them.</p>
        </div>
      )}
      {items && items.length > 0 && (
        <div class="table-scroll">
          <table class="table" data-testid="endpoints-table">
            <thead>
              <tr>
                <th scope="col">Endpoint</th>
                <th scope="col">Health</th>
                <th scope="col" title="Paused deliveries wait (QUEUED, with the reason) and go out oldest first when it resumes">
                  Flow
                </th>
                <th scope="col" class="num" title="Final failures since the last success">
                  Failures in a row
                </th>
                <th scope="col">Last hour</th>
                <th scope="col">Last day</th>
                <th scope="col">Last success</th>
                <th scope="col">Last error</th>
                <th scope="col">Links</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <EndpointRow key={`${item.integrationType} ${item.endpoint}`} item={item} admin={isAdmin(user.role)} operator={canRetry(user.role)} filters={filters} onChanged={load} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <AlertsList alerts={alerts} />
    </main>
  );
}
