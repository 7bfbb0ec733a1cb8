import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../../api';
import { canRetry, useApp } from '../../app-context';
import { filtersFromSearch, filtersToSearch, TABS, toApiFilter, type LogFilters } from '../../filters';
import { useLogChanges, useResync } from '../../live';
import { navigate, rememberListUrl } from '../../router';
import type { LogChange, LogDocument, LogRow, LogStats } from '../../types';
import { ProblemBanner } from '../ProblemBanner';
import { RetryDialog } from '../RetryDialog';
import { BulkRetry } from './BulkRetry';
import { FilterBar } from './FilterBar';
import { LogTable, TableSkeleton } from './LogTable';
import { StatsPanel } from './StatsPanel';

const LIVE_DEBOUNCE_MS = 1000;

function rowFromDocument(row: LogRow, doc: LogDocument): LogRow {
  return {
    ...row,
    status: doc.status,
    response_status_code: doc.response_status_code,
    response_time: doc.response_time,
    error_message: doc.error_message,
    updated_at: doc.updated_at,
    retry_count: doc.retry_count,
    auto_retry_count: doc.auto_retry_count,
  };
}

interface ListState {
  rows: LogRow[];
  nextCursor: string | null;
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
}

/** Webhook / API / Errors tabs: filters in the URL, stats, the table, retries, live updates. */
export function LogsPage({ search }: { search: string }) {
  const { user } = useApp();
  const filters = useMemo(() => filtersFromSearch(search), [search]);
  const apiFilter = useMemo(() => toApiFilter(filters), [filters]);
  const filterKey = JSON.stringify(apiFilter);
  rememberListUrl(`/${filtersToSearch(filters)}`);

  const [list, setList] = useState<ListState>({ rows: [], nextCursor: null, loading: true, loadingMore: false, error: null });
  const [stats, setStats] = useState<LogStats | null>(null);
  const [statsError, setStatsError] = useState<unknown>(null);
  const [selection, setSelection] = useState<ReadonlySet<string>>(new Set());
  const [newCount, setNewCount] = useState(0);
  const [retrying, setRetrying] = useState<LogRow | null>(null);
  const generation = useRef(0);
  const rowsRef = useRef<LogRow[]>([]);
  rowsRef.current = list.rows;

  const setFilters = (patch: Partial<LogFilters>) => navigate(`/${filtersToSearch({ ...filters, ...patch })}`);

  const loadStats = useCallback(() => {
    const mine = generation.current;
    api.stats(apiFilter).then(
      (next) => {
        if (mine !== generation.current) return;
        setStats(next);
        setStatsError(null);
      },
      (error: unknown) => mine === generation.current && setStatsError(error),
    );
  }, [filterKey]);

  const loadFirstPage = useCallback(() => {
    const mine = ++generation.current;
    setList((l) => ({ ...l, loading: true, error: null }));
    setSelection(new Set());
    setNewCount(0);
    setStats(null);
    api.logs(apiFilter).then(
      (page) => mine === generation.current && setList({ rows: page.items, nextCursor: page.nextCursor, loading: false, loadingMore: false, error: null }),
      (error: unknown) => mine === generation.current && setList({ rows: [], nextCursor: null, loading: false, loadingMore: false, error }),
    );
    loadStats();
  }, [filterKey, loadStats]);

  useEffect(loadFirstPage, [loadFirstPage]);

  const loadMore = () => {
    if (!list.nextCursor) return;
    const mine = generation.current;
    setList((l) => ({ ...l, loadingMore: true }));
    api.logs(apiFilter, list.nextCursor).then(
      (page) => {
        if (mine !== generation.current) return;
        setList((l) => {
          const known = new Set(l.rows.map((r) => r.id));
          return { ...l, rows: [...l.rows, ...page.items.filter((r) => !known.has(r.id))], nextCursor: page.nextCursor, loadingMore: false };
        });
      },
      (error: unknown) => mine === generation.current && setList((l) => ({ ...l, loadingMore: false, error })),
    );
  };

  // Live updates: a row on screen is refetched in place; others may be new rows for this filter.
  const timers = useRef<{ stats?: number; fresh?: number }>({});
  const countNew = useCallback(() => {
    const mine = generation.current;
    api.logs(apiFilter).then(
      (page) => {
        if (mine !== generation.current) return;
        const shown = rowsRef.current;
        const known = new Set(shown.map((r) => r.id));
        const newest = shown[0]?.inserted_at ?? '';
        setNewCount(page.items.filter((r) => !known.has(r.id) && r.inserted_at >= newest).length);
      },
      () => undefined,
    );
  }, [filterKey]);

  const onChange = useCallback(
    (change: LogChange) => {
      const t = timers.current;
      window.clearTimeout(t.stats);
      t.stats = window.setTimeout(loadStats, LIVE_DEBOUNCE_MS);
      if (rowsRef.current.some((r) => r.id === change.logId)) {
        const mine = generation.current;
        api.log(change.logId).then(
          (doc) => mine === generation.current && setList((l) => ({ ...l, rows: l.rows.map((r) => (r.id === doc._id ? rowFromDocument(r, doc) : r)) })),
          () => undefined,
        );
      } else {
        window.clearTimeout(t.fresh);
        t.fresh = window.setTimeout(countNew, LIVE_DEBOUNCE_MS);
      }
    },
    [loadStats, countNew],
  );
  useLogChanges(onChange);
  useResync(loadFirstPage);
  useEffect(() => {
    const t = timers.current;
    return () => {
      window.clearTimeout(t.stats);
      window.clearTimeout(t.fresh);
    };
  }, []);

  const select = (id: string, on: boolean) =>
    setSelection((s) => {
      const next = new Set(s);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const selectAll = (on: boolean) => setSelection(on ? new Set(list.rows.map((r) => r.id)) : new Set());
  const retryAllowed = canRetry(user.role);

  return (
    <main class="page" data-testid="logs-page">
      <div class="page-head">
        <h1>Deliveries</h1>
        <div class="tabs" role="tablist" aria-label="Log type">
          {TABS.map((tab) => (
            <button
              key={tab.id}
              type="button"
              role="tab"
              class="tab"
              aria-selected={filters.tab === tab.id}
              onClick={() => setFilters({ tab: tab.id, status: [] })}
              data-testid={`tab-${tab.id}`}
            >
              {tab.label}
            </button>
          ))}
        </div>
        <a class="btn btn-small" href={api.exportUrl(apiFilter)} download title="Every log of this filter as JSON lines (no bodies)" data-testid="export-logs">
          Export
        </a>
      </div>
      <FilterBar filters={filters} onChange={setFilters} />
      <ProblemBanner error={statsError} />
      <StatsPanel stats={stats} />
      <div class="toolbar">
        {newCount > 0 ? (
          <button type="button" class="pill" onClick={loadFirstPage} data-testid="new-logs-pill">
            {newCount} new — show
          </button>
        ) : (
          <span />
        )}
        {retryAllowed && <BulkRetry filter={apiFilter} selectedIds={[...selection]} onStarted={() => setSelection(new Set())} />}
      </div>
      <ProblemBanner error={list.error} onRetry={loadFirstPage} />
      {list.loading ? (
        <TableSkeleton />
      ) : list.rows.length === 0 && !list.error ? (
        <div class="empty card" data-testid="empty-state">
          <h2>No deliveries match these filters</h2>
          <p class="muted">New deliveries appear here as they happen. Try a wider date range or clear the filters.</p>
        </div>
      ) : (
        list.rows.length > 0 && (
          <LogTable
            rows={list.rows}
            selectable={retryAllowed}
            selection={selection}
            onSelect={select}
            onSelectAll={selectAll}
            onOpen={(row) => navigate(`/logs/${row.id}`)}
            onRetry={setRetrying}
          />
        )
      )}
      {list.nextCursor && !list.loading && (
        <div class="load-more">
          <button type="button" class="btn" onClick={loadMore} disabled={list.loadingMore} data-testid="load-more">
            {list.loadingMore ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
      {retrying && <RetryDialog log={retrying} onClose={() => setRetrying(null)} />}
    </main>
  );
}
