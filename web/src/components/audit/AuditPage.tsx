import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import { fromLocalInput, localDateTime, toLocalInput, utcDateTime } from '../../format';
import { navigate, onLinkClick } from '../../router';
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES, type AuditAction, type AuditEntry, type AuditTargetType } from '../../types';
import { ProblemBanner } from '../ProblemBanner';
import { ACTION_LABELS, auditQuery, parseAuditFilters, type AuditFilters } from './audit-filters';

interface List {
  items: AuditEntry[];
  nextCursor: string | null;
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
}

const EMPTY: List = { items: [], nextCursor: null, loading: true, loadingMore: false, error: null };

function Target({ entry }: { entry: AuditEntry }) {
  const { target } = entry;
  if (!target) return <span class="muted">—</span>;
  if (target.type === 'log') {
    return (
      <a href={`/logs/${encodeURIComponent(target.id)}`} onClick={onLinkClick} class="mono">
        log {target.id}
      </a>
    );
  }
  return (
    <span class="mono">
      {target.type.replace('_', ' ')} {target.id}
    </span>
  );
}

function Actor({ entry }: { entry: AuditEntry }) {
  const { actor } = entry;
  return (
    <span>
      <strong>{actor.name}</strong>
      {actor.type === 'anonymous' && <span class="muted"> (not signed in)</span>}
      {actor.type === 'user' && actor.userId !== null && <span class="muted"> #{actor.userId}</span>}
    </span>
  );
}

/** Filters: text fields apply on Enter or leaving them, lists and dates at once. */
function AuditFilterBar({ filters, onChange }: { filters: AuditFilters; onChange: (next: AuditFilters) => void }) {
  const [actor, setActor] = useState(filters.actor ?? '');
  const [targetId, setTargetId] = useState(filters.targetId ?? '');
  useEffect(() => setActor(filters.actor ?? ''), [filters.actor]);
  useEffect(() => setTargetId(filters.targetId ?? ''), [filters.targetId]);
  const set = (patch: Partial<AuditFilters>) => onChange({ ...filters, ...patch });
  return (
    <form
      class="filters"
      role="search"
      aria-label="Filter the audit trail"
      onSubmit={(e) => {
        e.preventDefault();
        set({ actor: actor.trim() || undefined, targetId: targetId.trim() || undefined });
      }}
    >
      <label class="field">
        <span>Who</span>
        <input value={actor} placeholder="Username, partner key… or system" onInput={(e) => setActor(e.currentTarget.value)} onChange={(e) => set({ actor: e.currentTarget.value.trim() || undefined })} data-testid="audit-filter-actor" />
      </label>
      <label class="field">
        <span>Action</span>
        <select value={filters.action ?? ''} onChange={(e) => set({ action: (e.currentTarget.value || undefined) as AuditAction | undefined })} data-testid="audit-filter-action">
          <option value="">All actions</option>
          {AUDIT_ACTIONS.map((action) => (
            <option key={action} value={action}>
              {ACTION_LABELS[action]} ({action})
            </option>
          ))}
        </select>
      </label>
      <label class="field field-narrow">
        <span>Target</span>
        <select value={filters.targetType ?? ''} onChange={(e) => set({ targetType: (e.currentTarget.value || undefined) as AuditTargetType | undefined })} data-testid="audit-filter-target-type">
          <option value="">Any</option>
          {AUDIT_TARGET_TYPES.map((type) => (
            <option key={type} value={type}>
              {type.replace('_', ' ')}
            </option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>Target id</span>
        <input value={targetId} placeholder="Any" onInput={(e) => setTargetId(e.currentTarget.value)} onChange={(e) => set({ targetId: e.currentTarget.value.trim() || undefined })} data-testid="audit-filter-target-id" />
      </label>
      <label class="field">
        <span>From</span>
        <input type="datetime-local" value={toLocalInput(filters.from)} onChange={(e) => set({ from: fromLocalInput(e.currentTarget.value) })} data-testid="audit-filter-from" />
      </label>
      <label class="field">
        <span>To</span>
        <input type="datetime-local" value={toLocalInput(filters.to)} onChange={(e) => set({ to: fromLocalInput(e.currentTarget.value) })} data-testid="audit-filter-to" />
      </label>
      <div class="filters-actions">
        <button type="submit" class="btn" data-testid="audit-filter-apply">
          Apply
        </button>
        {Object.keys(filters).length > 0 && (
          <button type="button" class="btn btn-ghost" onClick={() => onChange({})} data-testid="audit-filter-clear">
            Clear
          </button>
        )}
      </div>
    </form>
  );
}

/** /audit — the admin's view of who did what and when, newest first; the same rows export as JSON lines. */
export function AuditPage({ search }: { search: string }) {
  const filters = parseAuditFilters(search);
  const query = auditQuery(filters).toString();
  const [list, setList] = useState<List>(EMPTY);

  const load = () => {
    setList(EMPTY);
    let current = true;
    api.audit(new URLSearchParams(query)).then(
      (page) => current && setList({ items: page.items, nextCursor: page.nextCursor, loading: false, loadingMore: false, error: null }),
      (error: unknown) => current && setList({ ...EMPTY, loading: false, error }),
    );
    return () => {
      current = false;
    };
  };
  useEffect(load, [query]);

  const loadMore = () => {
    if (!list.nextCursor) return;
    setList((l) => ({ ...l, loadingMore: true, error: null }));
    api.audit(new URLSearchParams(query), list.nextCursor).then(
      (page) => setList((l) => ({ ...l, items: [...l.items, ...page.items], nextCursor: page.nextCursor, loadingMore: false })),
      (error: unknown) => setList((l) => ({ ...l, loadingMore: false, error })),
    );
  };

  const change = (next: AuditFilters) => {
    const params = auditQuery(next).toString();
    navigate(params ? `/audit?${params}` : '/audit', { replace: true });
  };

  return (
    <main class="page" data-testid="audit-page">
      <div class="page-head">
        <h1>Audit trail</h1>
        <a class="btn" href={api.auditExportUrl(new URLSearchParams(query))} download data-testid="audit-export">
          Export JSON lines
        </a>
      </div>
      <p class="muted">Who signed in, viewed bodies, retried, and changed integrations, keys and users: newest first. Rows cannot be changed or deleted.</p>
      <AuditFilterBar filters={filters} onChange={change} />
      <ProblemBanner error={list.error} onRetry={load} />
      {list.loading && (
        <div class="empty card" aria-busy="true">
          <span class="spinner" aria-label="Loading" />
        </div>
      )}
      {!list.loading && !list.error && list.items.length === 0 && (
        <div class="empty card" data-testid="audit-empty">
          <h2>Nothing recorded</h2>
          <p>No action matches these filters.</p>
        </div>
      )}
      {list.items.length > 0 && (
        <div class="table-scroll">
          <table class="table" data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Detail</th>
                <th scope="col">Address</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((entry) => (
                <tr key={entry.id} data-testid="audit-row" data-action={entry.action} data-actor={entry.actor.name} data-target={entry.target ? `${entry.target.type}:${entry.target.id}` : ''}>
                  <td title={utcDateTime(entry.at)} class="nowrap">
                    {localDateTime(entry.at)}
                  </td>
                  <td>
                    <Actor entry={entry} />
                  </td>
                  <td>
                    {ACTION_LABELS[entry.action] ?? entry.action}
                    <div class="muted mono">{entry.action}</div>
                  </td>
                  <td>
                    <Target entry={entry} />
                  </td>
                  <td class="mono audit-detail">{Object.keys(entry.detail).length > 0 ? JSON.stringify(entry.detail) : <span class="muted">—</span>}</td>
                  <td class="mono">{entry.clientAddress ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.nextCursor && (
        <div class="load-more">
          <button type="button" class="btn" onClick={loadMore} disabled={list.loadingMore} data-testid="audit-load-more">
            {list.loadingMore ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </main>
  );
}
