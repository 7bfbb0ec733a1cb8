// The run's events, and the five ways a lab's systems hand them to Labwire: either API replica,
// the partner API, the client library, and the client library's outbox inside a transaction.
import type postgres from 'postgres';
import type { Config } from '../../src/config/schema';
import { createLabwireClient, type LabwireClient } from '../../src/client';
import type { LabFixture } from '../../test/support/lab-fixtures';
import type { ApiClient } from '../../test/support/api-client';
import { sleepUntil } from './inject';
import { pick, type Random } from './random';

export type DeliveryKind = 'webhook' | 'mirth' | 'vendor';
export type Source = 'api-1' | 'api-2' | 'partner' | 'client' | 'outbox';
const SOURCES: readonly Source[] = ['api-1', 'api-2', 'partner', 'client', 'outbox'];

/** Which action category (and so which integration) each kind of delivery is triggered by. */
export const ACTION_OF: Record<DeliveryKind, number> = { webhook: 1, vendor: 3, mirth: 4 };

export interface PlannedEvent {
  index: number;
  eventId: string;
  kind: DeliveryKind;
  source: Source;
  /** When, after the run's start, it is handed over. */
  atMs: number;
}

export interface EmittedEvent extends PlannedEvent {
  /** The id Labwire knows it by (a partner's is `partner-<authId>:<eventId>`); unset until accepted. */
  acceptedAs?: string;
  tries: number;
  /** The answers of the tries that were not accepted (status or error name), for the report. */
  refusals: string[];
}

/** ~70 % webhook, ~20 % Mirth, ~10 % async vendor, from the five sources in turn at random, spread over `spreadMs`. */
export function planEvents(random: Random, count: number, spreadMs: number, runId: string): PlannedEvent[] {
  return Array.from({ length: count }, (_, index) => {
    const roll = random();
    const kind: DeliveryKind = roll < 0.7 ? 'webhook' : roll < 0.9 ? 'mirth' : 'vendor';
    return { index, eventId: `chaos-${runId}-${index}`, kind, source: pick(random, SOURCES), atMs: Math.round((index / count) * spreadMs) };
  });
}

export interface EmitDeps {
  lab: LabFixture;
  apis: [ApiClient, ApiClient];
  /** Unsigned-in clients of each replica, and the lab's auth key, for the partner API. */
  partnerApis: [ApiClient, ApiClient];
  partnerKey: string;
  client: LabwireClient;
  sql: postgres.Sql;
}

/** The same body on every try: a repeat with other content would be a conflict (409), not a duplicate. */
function eventBody(lab: LabFixture, event: PlannedEvent, activityDate: string) {
  const entity = event.kind === 'mirth' ? { type: 'report', id: lab.reportId } : { type: 'bill', id: lab.billId };
  return { eventId: event.eventId, labId: lab.labId, actionCategoryId: ACTION_OF[event.kind], entity, activityDate };
}

type Body = ReturnType<typeof eventBody>;

/** One try; the id Labwire accepted it under, or why not. */
async function tryOnce(deps: EmitDeps, event: PlannedEvent, body: Body, attempt: number): Promise<{ acceptedAs?: string; refusal?: string }> {
  const viaApi = async (api: ApiClient, path: string, headers: Record<string, string> = {}, sent: unknown = body) => {
    const answer = await api.request('POST', path, sent, headers);
    if (answer.status === 202 || answer.status === 200) return { acceptedAs: String((answer.body as { eventId?: string } | undefined)?.eventId ?? event.eventId) };
    return { refusal: `HTTP ${answer.status}` };
  };
  // A replica that is down is tried again on the other one, as a load balancer would.
  const api = (first: 0 | 1) => deps.apis[(first + attempt) % 2]!;
  switch (event.source) {
    case 'api-1':
      return viaApi(api(0), '/api/events');
    case 'api-2':
      return viaApi(api(1), '/api/events');
    case 'partner': {
      // The key names the lab.
      const { labId: _lab, ...partnerBody } = body;
      return viaApi(deps.partnerApis[attempt % 2]!, '/partner/v1/events', { authorization: `Bearer ${deps.partnerKey}` }, partnerBody);
    }
    case 'client': {
      const result = await deps.client.emitBusinessEvent(body);
      return result.ok ? { acceptedAs: event.eventId } : { refusal: result.error };
    }
    case 'outbox': {
      const result = await deps.sql.begin((tx) => deps.client.enqueueBusinessEvent(tx, body));
      return result.ok ? { acceptedAs: event.eventId } : { refusal: result.error };
    }
  }
}

/** Hands the event over, trying again (every second, up to `giveUpMs`) as a lab system would until it is accepted. */
async function emitUntilAccepted(deps: EmitDeps, event: PlannedEvent, giveUpMs: number, stop: AbortSignal): Promise<EmittedEvent> {
  const emitted: EmittedEvent = { ...event, tries: 0, refusals: [] };
  const deadline = Date.now() + giveUpMs;
  const body = eventBody(deps.lab, event, new Date().toISOString());
  while (!stop.aborted && Date.now() < deadline) {
    emitted.tries++;
    const outcome: { acceptedAs?: string; refusal?: string } = await tryOnce(deps, event, body, emitted.tries - 1).catch((error: unknown) => ({ refusal: errorName(error) }));
    if (outcome.acceptedAs) {
      emitted.acceptedAs = outcome.acceptedAs;
      return emitted;
    }
    emitted.refusals.push(outcome.refusal ?? 'unknown');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return emitted;
}

function errorName(error: unknown): string {
  const cause = (error as { cause?: { code?: string } })?.cause?.code;
  return cause ?? (error instanceof Error ? error.message.slice(0, 80) : String(error));
}

/** The client library as a lab backend would configure it, on the run's queues. */
export function labClient(temporal: Config['temporal'], databaseUrl: string): LabwireClient {
  return createLabwireClient({ temporalAddress: temporal.address, databaseUrl, taskQueue: temporal.taskQueue, crelioTaskQueue: temporal.crelioTaskQueue, startTimeoutMs: 3_000 });
}

/** Every planned event at its time, at most 20 in flight, each tried until accepted. */
export async function emitAll(deps: EmitDeps, planned: PlannedEvent[], startedAt: number, stop: AbortSignal): Promise<EmittedEvent[]> {
  const results: EmittedEvent[] = [];
  const inFlight = new Set<Promise<void>>();
  for (const event of planned) {
    await sleepUntil(startedAt, event.atMs, stop);
    while (inFlight.size >= 20) await Promise.race(inFlight);
    const one: Promise<void> = emitUntilAccepted(deps, event, 5 * 60_000, stop).then((emitted) => {
      results.push(emitted);
      inFlight.delete(one);
    });
    inFlight.add(one);
  }
  await Promise.all(inFlight);
  return results.sort((a, b) => a.index - b.index);
}
