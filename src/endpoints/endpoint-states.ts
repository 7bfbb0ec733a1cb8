import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type postgres from 'postgres';
import type { ConfigDb } from '../db/config-store';
import { preparedPerDb } from '../db/prepared';
import { endpointStates, logIndex } from '../db/schema';

/** A paused endpoint, as a delivery prepared for it needs to know. */
export interface PausedEndpoint {
  pausedAt: Date;
  pausedBy: string;
  reason: string;
}

/** The endpoints of `endpoints` that are paused now: one indexed read per event (prepareDeliveries). */
export async function pausedEndpoints(db: ConfigDb, endpoints: string[]): Promise<Map<string, PausedEndpoint>> {
  const paused = new Map<string, PausedEndpoint>();
  if (endpoints.length === 0) return paused;
  const rows = await pausedAmong(db).execute({ endpoints: `{${endpoints.map((e) => `"${e.replace(/["\\]/g, '')}"`).join(',')}}` });
  for (const row of rows) if (row.pausedAt) paused.set(row.endpoint, { pausedAt: row.pausedAt, pausedBy: row.pausedBy ?? 'breaker', reason: row.pausedReason ?? '' });
  return paused;
}

const pausedAmong = preparedPerDb((db) =>
  db
    .select({ endpoint: endpointStates.endpoint, pausedAt: endpointStates.pausedAt, pausedBy: endpointStates.pausedBy, pausedReason: endpointStates.pausedReason })
    .from(endpointStates)
    .where(and(sql`${endpointStates.endpoint} = any(${sql.placeholder('endpoints')}::text[])`, isNotNull(endpointStates.pausedAt)))
    .prepare('paused_endpoints'),
);

/** What a waiting log says while its endpoint is paused (its error_message, shown in the list and the detail). */
export function pausedWaitingReason(paused: PausedEndpoint): string {
  return `Waiting: endpoint paused since ${paused.pausedAt.toISOString()} by ${paused.pausedBy}: ${paused.reason}`;
}

/** One change of an endpoint's state, as its workflow records it. */
export interface EndpointChange {
  endpoint: string;
  kind: 'paused' | 'resumed';
  by: string;
  reason: string;
  /** ISO 8601. */
  at: string;
  labIds: number[];
  nextProbeAt?: string;
}

/** Endpoint changes cross processes (worker → every API's /api/stream) through PostgreSQL NOTIFY, like log changes. */
export const ENDPOINT_CHANGES_CHANNEL = 'labwire_endpoint_changes';

/** Records a change of state and tells open dashboards, in one statement. */
export async function recordEndpointChange(db: ConfigDb, change: EndpointChange): Promise<void> {
  const at = new Date(change.at);
  const paused = change.kind === 'paused';
  const values = {
    endpoint: change.endpoint,
    pausedAt: paused ? at : null,
    pausedBy: paused ? change.by : null,
    pausedReason: paused ? change.reason : null,
    nextProbeAt: paused && change.nextProbeAt ? new Date(change.nextProbeAt) : null,
    labIds: change.labIds,
    updatedAt: at,
    ...(paused ? {} : { resumedAt: at, resumedBy: change.by, resumedReason: change.reason }),
  };
  const payload = JSON.stringify({ endpoint: change.endpoint, state: paused ? 'paused' : 'open', by: change.by, reason: change.reason, at: change.at, labIds: change.labIds });
  await db.transaction(async (tx) => {
    await tx.insert(endpointStates).values(values).onConflictDoUpdate({ target: endpointStates.endpoint, set: values });
    await tx.execute(sql`select pg_notify(${ENDPOINT_CHANGES_CHANNEL}, ${payload})`);
  });
}

export type EndpointStateRow = typeof endpointStates.$inferSelect;

/** The recorded state of every endpoint (the Endpoints page): one row per endpoint ever paused. */
export function endpointStateRows(db: ConfigDb): Promise<EndpointStateRow[]> {
  return db.select().from(endpointStates);
}

export async function endpointStateRow(db: ConfigDb, endpoint: string): Promise<EndpointStateRow | undefined> {
  const [row] = await db.select().from(endpointStates).where(eq(endpointStates.endpoint, endpoint));
  return row;
}

/** An endpoint's pause or resume, as `event: endpoint` of /api/stream carries it. */
export interface EndpointChangeNotice {
  endpoint: string;
  state: 'paused' | 'open';
  by: string;
  reason: string;
  at: string;
  labIds: number[];
}

export async function subscribeEndpointChanges(sql: postgres.Sql, onChange: (change: EndpointChangeNotice) => void): Promise<() => Promise<void>> {
  const subscription = await sql.listen(ENDPOINT_CHANGES_CHANNEL, (payload) => {
    try {
      onChange(JSON.parse(payload) as EndpointChangeNotice);
    } catch {
      // not ours
    }
  });
  return () => subscription.unlisten();
}

/** The labs whose deliveries of the last day went to the endpoint: its alerts' per-lab recipients, and who sees its pause live. */
export async function labsDeliveringTo(db: ConfigDb, endpoint: string): Promise<number[]> {
  const rows = await db
    .selectDistinct({ labId: logIndex.labId })
    .from(logIndex)
    .where(and(eq(logIndex.endpoint, endpoint), sql`${logIndex.insertedAt} > now() - interval '1 day'`, isNotNull(logIndex.labId)))
    .limit(100);
  return rows.map((row) => row.labId!);
}

/** The deliveries waiting for the endpoint (QUEUED, with a waiting reason), oldest first, at most 1,000. */
export async function waitingLogIds(db: ConfigDb, endpoint: string): Promise<string[]> {
  const rows = await db
    .select({ id: logIndex.id })
    .from(logIndex)
    .where(and(eq(logIndex.endpoint, endpoint), eq(logIndex.status, 'QUEUED'), eq(logIndex.type, 'WEBHOOK'), sql`${logIndex.errorMessage} like 'Waiting:%'`))
    .orderBy(logIndex.insertedAt)
    .limit(1000);
  return rows.map((row) => row.id);
}
