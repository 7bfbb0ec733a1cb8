import { and, isNotNull, sql, type SQL } from 'drizzle-orm';
import type { ConfigDb } from '../db/config-store';
import { logIndex } from '../db/schema';
import type { LabScope } from '../auth/lab-scope';
import { filterConditions } from '../logstore/log-query';

/**
 * How each endpoint is doing (issue 13), from the read model only (no scan of the log store).
 * An endpoint is where deliveries go, as their rows record it: a webhook URL's host[:port] or a
 * Mirth peer's host:port, per integration type. The figures cover the deliveries made (inserted)
 * in the last hour and the last day; the last success is looked up however old it is.
 */
export interface EndpointHealth {
  endpoint: string;
  integrationType: string;
  health: Health;
  lastHour: WindowFigures;
  lastDay: WindowFigures;
  /** Final failures since the last success (within the last day; with no success in it, every final failure of the day). */
  consecutiveFailures: number;
  lastSuccessAt: string | null;
  lastFailure: { logId: string; at: string; errorMessage: string | null } | null;
  /** The developers, labs and authentications whose deliveries of the last day went here. */
  developers: Array<{ id: number; name: string | null }>;
  labIds: number[];
  authIds: number[];
}

export interface WindowFigures {
  deliveries: number;
  success: number;
  fail: number;
  queued: number;
  /** success / (success + fail); null with no final delivery. */
  successRate: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
}

/** Worst first: `failing`, `degraded`, `healthy`, then `idle` (nothing in the last hour). */
export type Health = 'failing' | 'degraded' | 'healthy' | 'idle';
const HEALTH_ORDER: Health[] = ['failing', 'degraded', 'healthy', 'idle'];

/** `failing`: this many final failures in a row (the default pause threshold issue 13 names)… */
export const FAILING_IN_A_ROW = 20;
/** …or at least half of at least this many final deliveries of the last hour failed. */
export const FAILING_MIN_DELIVERIES = 50;
/** `degraded`: a failure since the last success, or the last hour's success rate below this. */
export const DEGRADED_BELOW = 0.95;

export function healthOf(figures: Pick<EndpointHealth, 'consecutiveFailures' | 'lastHour'>): Health {
  const { lastHour, consecutiveFailures } = figures;
  const finals = lastHour.success + lastHour.fail;
  if (consecutiveFailures >= FAILING_IN_A_ROW || (finals >= FAILING_MIN_DELIVERIES && lastHour.fail * 2 >= finals)) return 'failing';
  if (consecutiveFailures > 0 || (lastHour.successRate !== null && lastHour.successRate < DEGRADED_BELOW)) return 'degraded';
  return lastHour.deliveries === 0 ? 'idle' : 'healthy';
}

export interface EndpointFilter {
  labId?: number;
  developerId?: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const t = logIndex;

/** Every endpoint with deliveries in the last day, within the caller's labs, worst first. */
export async function endpointHealth(db: ConfigDb, scope: LabScope, filter: EndpointFilter, now = new Date()): Promise<EndpointHealth[]> {
  const hour = new Date(now.getTime() - HOUR_MS).toISOString();
  const day = new Date(now.getTime() - DAY_MS).toISOString();
  // Deliveries only (not API logs nor tests), not suppressed, within the caller's labs and
  // filter: the logs list's own conditions (filterConditions), and a recorded endpoint.
  const where = and(...filterConditions({ type: 'WEBHOOK', test: false, ...filter }, scope), isNotNull(t.endpoint));
  const inHour = sql`r.inserted_at >= ${hour}::timestamptz`;
  const figures = (name: 'hour' | 'day', when: SQL) => {
    const as = (column: string) => sql.raw(`${name}_${column}`);
    return sql`
      count(*) filter (where ${when}) as ${as('deliveries')},
      count(*) filter (where ${when} and r.status = 'SUCCESS') as ${as('success')},
      count(*) filter (where ${when} and r.status = 'FAIL') as ${as('fail')},
      count(*) filter (where ${when} and r.status = 'QUEUED') as ${as('queued')},
      percentile_disc(0.5) within group (order by r.response_time) filter (where ${when} and r.status <> 'QUEUED') as ${as('p50')},
      percentile_disc(0.95) within group (order by r.response_time) filter (where ${when} and r.status <> 'QUEUED') as ${as('p95')}`;
  };
  // The last success of a group, however old (log_index_endpoint_status_idx answers it).
  const lastSuccess = sql`(select max(${t.updatedAt}) from ${t} where ${where} and ${t.endpoint} = g.endpoint and ${t.integrationType} is not distinct from g.integration_type and ${t.status} = 'SUCCESS')`;
  const result = await db.execute<Record<string, unknown>>(sql`
    with recent as (select * from ${t} where ${where} and ${t.insertedAt} >= ${day}::timestamptz),
    g as (select distinct endpoint, integration_type from recent),
    ok as (select g.endpoint, g.integration_type, ${lastSuccess} as at from g)
    select r.endpoint, r.integration_type,
      ${figures('hour', inHour)},
      ${figures('day', sql`true`)},
      count(*) filter (where r.status = 'FAIL' and r.updated_at > coalesce(ok.at, '-infinity')) as consecutive,
      max(ok.at) as last_success_at,
      (array_agg(json_build_object('logId', r.id, 'at', r.updated_at, 'errorMessage', r.error_message) order by r.updated_at desc) filter (where r.status = 'FAIL'))[1] as last_failure,
      coalesce(json_agg(distinct jsonb_build_object('id', r.developer_id, 'name', r.developer_name)) filter (where r.developer_id is not null), '[]') as developers,
      coalesce(array_agg(distinct r.lab_id) filter (where r.lab_id is not null), '{}') as lab_ids,
      coalesce(array_agg(distinct r.auth_id) filter (where r.auth_id is not null), '{}') as auth_ids
    from recent r join ok on ok.endpoint = r.endpoint and ok.integration_type is not distinct from r.integration_type
    group by r.endpoint, r.integration_type`);
  return rowsOf(result).map(toEndpointHealth).sort(worstFirst);
}

function worstFirst(a: EndpointHealth, b: EndpointHealth): number {
  return (
    HEALTH_ORDER.indexOf(a.health) - HEALTH_ORDER.indexOf(b.health) ||
    b.consecutiveFailures - a.consecutiveFailures ||
    (a.lastHour.successRate ?? 1) - (b.lastHour.successRate ?? 1) ||
    b.lastDay.deliveries - a.lastDay.deliveries ||
    a.endpoint.localeCompare(b.endpoint)
  );
}

/** drizzle's postgres-js `execute` answers the rows themselves, in arrays' clothing. */
function rowsOf(result: unknown): Array<Record<string, unknown>> {
  return Array.from(result as ArrayLike<Record<string, unknown>>);
}

const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
/** A timestamp as drizzle's postgres-js client answers it (text), or a Date. */
const isoOf = (value: unknown): string | null => (value === null || value === undefined ? null : new Date(value as string | Date).toISOString());

function windowFigures(row: Record<string, unknown>, name: 'hour' | 'day'): WindowFigures {
  const [deliveries, success, fail, queued] = ['deliveries', 'success', 'fail', 'queued'].map((column) => num(row[`${name}_${column}`]) ?? 0) as [number, number, number, number];
  const finals = success + fail;
  return {
    deliveries,
    success,
    fail,
    queued,
    successRate: finals === 0 ? null : Math.round((success / finals) * 10_000) / 10_000,
    p50Ms: num(row[`${name}_p50`]),
    p95Ms: num(row[`${name}_p95`]),
  };
}

/** Each developer once (a renamed one appears under both names in a day's rows: the last name in id order wins). */
function oneNamePerDeveloper(developers: Array<{ id: number; name: string | null }>): Array<{ id: number; name: string | null }> {
  return [...new Map(developers.map((d) => [d.id, d])).values()].sort((a, b) => a.id - b.id);
}

function toEndpointHealth(row: Record<string, unknown>): EndpointHealth {
  const lastFailure = row.last_failure as { logId: string; at: string; errorMessage: string | null } | null;
  const figures = {
    consecutiveFailures: Number(row.consecutive),
    lastHour: windowFigures(row, 'hour'),
  };
  return {
    endpoint: row.endpoint as string,
    integrationType: (row.integration_type as string | null) ?? 'webhook',
    health: healthOf(figures),
    ...figures,
    lastDay: windowFigures(row, 'day'),
    lastSuccessAt: isoOf(row.last_success_at),
    lastFailure: lastFailure ? { logId: lastFailure.logId, at: isoOf(lastFailure.at)!, errorMessage: lastFailure.errorMessage } : null,
    developers: oneNamePerDeveloper(row.developers as Array<{ id: number; name: string | null }>),
    labIds: (row.lab_ids as number[]).map(Number).sort((a, b) => a - b),
    authIds: (row.auth_ids as number[]).map(Number).sort((a, b) => a - b),
  };
}
