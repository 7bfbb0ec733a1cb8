import type { DateField, LogType, StatusFilter } from './types';

/** The dashboard's three tabs; Errors is FAIL and QUEUED across both log types. */
export type Tab = 'webhook' | 'api' | 'errors';
export const TABS: { id: Tab; label: string }[] = [
  { id: 'webhook', label: 'Webhook' },
  { id: 'api', label: 'API' },
  { id: 'errors', label: 'Errors' },
];
export const STATUSES: { id: StatusFilter; label: string }[] = [
  { id: 'SUCCESS', label: 'Success' },
  { id: 'FAIL', label: 'Fail' },
  { id: 'QUEUED', label: 'Queued' },
  { id: 'SUPPRESSED', label: 'Suppressed' },
];
const ERROR_STATUSES: StatusFilter[] = ['FAIL', 'QUEUED'];

/** What the operator chose; every field lives in the URL query string so a view can be shared. */
export interface LogFilters {
  tab: Tab;
  labId?: number;
  developerId?: number;
  actionCategoryId?: number;
  status: StatusFilter[];
  /** ISO 8601 instants. */
  from?: string;
  to?: string;
  dateField: DateField;
  q?: string;
  /** Test deliveries (Send a test): true = only them, false = none; absent = listed with a badge. */
  test?: boolean;
  /** Where deliveries went (host[:port]), as the Endpoints page links to it. */
  endpoint?: string;
}

/** The filter as the API's JSON body takes it (bulk retry and its preview). */
export interface ApiFilter {
  type?: LogType;
  labId?: number;
  developerId?: number;
  actionCategoryId?: number;
  status?: StatusFilter[];
  from?: string;
  to?: string;
  dateField?: DateField;
  q?: string;
  test?: boolean;
  endpoint?: string;
}

/** A positive whole number from a query-string value or an input, else undefined. */
export function positiveInt(value: string | null): number | undefined {
  if (!value) return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

function isTab(value: string | null): value is Tab {
  return value === 'webhook' || value === 'api' || value === 'errors';
}

function isStatus(value: string): value is StatusFilter {
  return STATUSES.some((s) => s.id === value);
}

export function filtersFromSearch(search: string): LogFilters {
  const params = new URLSearchParams(search);
  const tab = params.get('tab');
  return {
    tab: isTab(tab) ? tab : 'webhook',
    labId: positiveInt(params.get('labId')),
    developerId: positiveInt(params.get('developerId')),
    actionCategoryId: positiveInt(params.get('actionCategoryId')),
    status: (params.get('status') ?? '').split(',').filter(isStatus),
    from: params.get('from') || undefined,
    to: params.get('to') || undefined,
    dateField: params.get('dateField') === 'activity_date' ? 'activity_date' : 'inserted_at',
    q: params.get('q')?.trim() || undefined,
    test: params.get('test') === 'true' ? true : params.get('test') === 'false' ? false : undefined,
    endpoint: params.get('endpoint')?.trim() || undefined,
  };
}

/** The dashboard URL's query string for these filters (defaults left out). */
export function filtersToSearch(filters: LogFilters): string {
  const params = new URLSearchParams();
  if (filters.tab !== 'webhook') params.set('tab', filters.tab);
  if (filters.labId) params.set('labId', String(filters.labId));
  if (filters.developerId) params.set('developerId', String(filters.developerId));
  if (filters.actionCategoryId) params.set('actionCategoryId', String(filters.actionCategoryId));
  if (filters.status.length) params.set('status', filters.status.join(','));
  if (filters.from) params.set('from', filters.from);
  if (filters.to) params.set('to', filters.to);
  if (filters.dateField !== 'inserted_at') params.set('dateField', filters.dateField);
  if (filters.q) params.set('q', filters.q);
  if (filters.test !== undefined) params.set('test', String(filters.test));
  if (filters.endpoint) params.set('endpoint', filters.endpoint);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Errors is FAIL + QUEUED; a status chosen there narrows it, never widens it. */
function effectiveStatus(filters: LogFilters): StatusFilter[] {
  if (filters.tab !== 'errors') return filters.status;
  const narrowed = filters.status.filter((s) => ERROR_STATUSES.includes(s));
  return narrowed.length ? narrowed : ERROR_STATUSES;
}

export function statusChoices(tab: Tab): typeof STATUSES {
  return tab === 'errors' ? STATUSES.filter((s) => ERROR_STATUSES.includes(s.id)) : STATUSES;
}

export function toApiFilter(filters: LogFilters): ApiFilter {
  const status = effectiveStatus(filters);
  const api: ApiFilter = {};
  if (filters.tab === 'webhook') api.type = 'WEBHOOK';
  if (filters.tab === 'api') api.type = 'API';
  if (filters.labId) api.labId = filters.labId;
  if (filters.developerId) api.developerId = filters.developerId;
  if (filters.actionCategoryId) api.actionCategoryId = filters.actionCategoryId;
  if (status.length) api.status = status;
  if (filters.from) api.from = filters.from;
  if (filters.to) api.to = filters.to;
  if ((filters.from || filters.to) && filters.dateField !== 'inserted_at') api.dateField = filters.dateField;
  if (filters.q) api.q = filters.q;
  if (filters.test !== undefined) api.test = filters.test;
  if (filters.endpoint) api.endpoint = filters.endpoint;
  return api;
}

/** The API's query-string form of a filter (list, stats). */
export function apiFilterQuery(filter: ApiFilter): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter) as [string, string | number | string[] | undefined][]) {
    if (value === undefined) continue;
    params.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  return params;
}

export function hasNarrowingFilter(filters: LogFilters): boolean {
  return Boolean(filters.labId || filters.developerId || filters.actionCategoryId || filters.status.length || filters.from || filters.to || filters.q || filters.test !== undefined || filters.endpoint);
}
