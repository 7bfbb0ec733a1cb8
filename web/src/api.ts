import { apiFilterQuery, type ApiFilter } from './filters';
import type {
  AuditPage,
  Authentication,
  BulkProgress,
  EndpointsPage, EndpointAlert,
  IntegrationInput,
  IntegrationSaved,
  Lab,
  LabIntegration,
  LabIntegrations,
  ListedUser,
  LogDocument,
  LogPage,
  LogStats,
  Meta,
  Role,
  Session,
  UserWithPassword,
  WorkflowHistory,
  PreviewAnswer,
  PreviewRequest,
  TestSendAnswer,
} from './types';

export interface FieldError {
  field: string;
  message: string;
  /** A template problem's place in the template (1-based). */
  line?: number;
  column?: number;
}

/** An application/problem+json answer (RFC 9457), thrown by every API call that fails. */
export class ProblemError extends Error {
  override name = 'ProblemError';
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly errors: FieldError[] = [],
  ) {
    super(detail ?? title);
  }
}

interface ProblemBody {
  title?: unknown;
  detail?: unknown;
  errors?: unknown;
}

function isFieldError(value: unknown): value is FieldError {
  const candidate = value as Partial<FieldError> | null;
  return typeof candidate?.field === 'string' && typeof candidate.message === 'string';
}

async function problemFrom(response: Response): Promise<ProblemError> {
  let body: ProblemBody = {};
  try {
    body = (await response.json()) as ProblemBody;
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): the status line is all we have.
  }
  const title = typeof body.title === 'string' ? body.title : response.statusText || `HTTP ${response.status}`;
  const detail = typeof body.detail === 'string' ? body.detail : undefined;
  const errors = Array.isArray(body.errors) ? body.errors.filter(isFieldError) : [];
  return new ProblemError(response.status, title, detail, errors);
}

// The CSRF token lives in memory only: a reload asks GET /api/session for it again.
let csrfToken: string | null = null;
let onUnauthorized: () => void = () => undefined;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called on any 401 outside the sign-in call: the app returns to the sign-in page. */
export function handleUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ProblemError(0, 'Network error', 'Could not reach the Labwire API. Check your connection and try again.');
  }
  if (!response.ok) {
    const problem = await problemFrom(response);
    if (response.status === 401 && path !== '/api/session') onUnauthorized();
    throw problem;
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

function withQuery(path: string, params: URLSearchParams): string {
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

/** A bulk retry or its preview targets either a whole filter or a list of log ids. */
export type RetryTarget = { filter: ApiFilter } | { ids: string[] };

export const api = {
  session: () => request<Session>('GET', '/api/session'),
  signIn: (username: string, password: string) => request<Session>('POST', '/api/session', { username, password }),
  signOut: () => request<void>('DELETE', '/api/session'),
  meta: () => request<Meta>('GET', '/api/meta'),

  logs: (filter: ApiFilter, cursor?: string, limit = 50) => {
    const params = apiFilterQuery(filter);
    params.set('limit', String(limit));
    if (cursor) params.set('cursor', cursor);
    return request<LogPage>('GET', withQuery('/api/logs', params));
  },
  stats: (filter: ApiFilter) => request<LogStats>('GET', withQuery('/api/logs/stats', apiFilterQuery(filter))),
  /** A plain link (the browser downloads it with the session cookie): the filter's logs as JSON lines. */
  exportUrl: (filter: ApiFilter) => withQuery('/api/logs/export', apiFilterQuery(filter)),
  log: (id: string) => request<LogDocument>('GET', `/api/logs/${encodeURIComponent(id)}`),
  history: (id: string) => request<WorkflowHistory>('GET', `/api/logs/${encodeURIComponent(id)}/history`),
  retry: (id: string, force: boolean) =>
    request<{ accepted: boolean; retryId: string; logId: string }>('POST', `/api/logs/${encodeURIComponent(id)}/retry`, { force }),
  retryPreview: (target: RetryTarget) => request<{ count: number }>('POST', '/api/logs/retry/preview', target),
  bulkRetry: (target: RetryTarget) => request<{ bulkId: string; workflowId: string }>('POST', '/api/logs/retry', target),
  bulkProgress: (bulkId: string) => request<BulkProgress>('GET', `/api/bulk-retries/${encodeURIComponent(bulkId)}`),
  cancelBulk: (bulkId: string) => request<void>('POST', `/api/bulk-retries/${encodeURIComponent(bulkId)}/cancel`),

  labs: (q: string) => request<{ items: Lab[] }>('GET', withQuery('/api/labs', new URLSearchParams({ q, limit: '20' }))),
  labIntegrations: (labId: number) => request<LabIntegrations>('GET', `/api/labs/${labId}/integrations`),
  saveIntegration: (input: IntegrationInput) => request<IntegrationSaved>('POST', '/api/integrations', input),
  previewDelivery: (body: PreviewRequest) => request<PreviewAnswer>('POST', '/api/integrations/preview', body),
  sendTest: (body: PreviewRequest) => request<TestSendAnswer>('POST', '/api/integrations/test-send?wait=true', body),
  setAuthenticationEnabled: (id: number, isIntegrationEnable: boolean) =>
    request<Authentication>('PATCH', `/api/authentications/${id}`, { isIntegrationEnable }),
  setTriggerDisabled: (id: number, isDisable: boolean) => request<LabIntegration>('PATCH', `/api/lab-integrations/${id}`, { isDisable }),
  users: () => request<{ items: ListedUser[] }>('GET', '/api/users'),
  addUser: (username: string, role: Role, labIds: number[]) => request<UserWithPassword>('POST', '/api/users', { username, role, labIds }),
  changeUser: (id: number, change: { role?: Role; disabled?: boolean; labIds?: number[] }) => request<ListedUser>('PATCH', `/api/users/${id}`, change),
  resetPassword: (id: number) => request<UserWithPassword>('POST', `/api/users/${id}/reset-password`),
  regenerateKey: (id: number) => request<{ id: number; authKey: string; authKeyPrefix: string }>('POST', `/api/authentications/${id}/regenerate-key`),
  rotateSigningSecret: (id: number) =>
    request<{ id: number; signingSecret: string; previousSecretSignsUntil: string | null }>('POST', `/api/authentications/${id}/rotate-signing-secret`, {}),

  /** `filter` is the audit filter's query (see components/audit/audit-filters.ts). */
  audit: (filter: URLSearchParams, cursor?: string, limit = 50) => {
    const params = new URLSearchParams(filter);
    params.set('limit', String(limit));
    if (cursor) params.set('cursor', cursor);
    return request<AuditPage>('GET', withQuery('/api/audit', params));
  },
  endpoints: (filter: { labId?: number; developerId?: number }) => {
    const params = new URLSearchParams();
    if (filter.labId) params.set('labId', String(filter.labId));
    if (filter.developerId) params.set('developerId', String(filter.developerId));
    return request<EndpointsPage>('GET', withQuery('/api/endpoints', params));
  },
  pauseEndpoint: (endpoint: string, reason: string) => request<{ endpoint: string; state: string }>('POST', '/api/endpoints/pause', { endpoint, reason }),
  resumeEndpoint: (endpoint: string, reason: string) => request<{ endpoint: string; state: string }>('POST', '/api/endpoints/resume', { endpoint, reason }),
  alerts: (limit = 20) => request<{ items: EndpointAlert[] }>('GET', `/api/alerts?limit=${limit}`),
  /** A link, not a call: the browser downloads the streamed JSON lines with the session cookie. */
  auditExportUrl: (filter: URLSearchParams) => withQuery('/api/audit/export', filter),
};

/** The message to show for a failed call: the problem's detail, else its title. */
export function problemMessage(error: unknown): string {
  if (error instanceof ProblemError) return error.detail ?? error.title;
  return error instanceof Error ? error.message : String(error);
}
