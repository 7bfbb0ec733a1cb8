import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import type postgres from 'postgres';
import { businessEventSchema, eventWorkflowId, type BusinessEvent } from '../events/business-event';
import { compareRepeat } from '../events/event-repeat';
import { describeProblems, fieldProblems, type FieldProblem } from '../validation';
import { businessEventWorkflow } from '../../workflows/business-event';
import { eventSearchAttributes } from '../../workflows/definitions';
import { labwireDataConverter, type PayloadKeySource } from '../temporal/payload-codec';

export type EmitResult =
  | { ok: true; eventId: string; workflowId: string; via: 'temporal' | 'outbox'; duplicate: boolean }
  | {
      ok: false;
      eventId?: string;
      /** invalid: the event failed validation; conflict: its id was used for a different event of the lab; unavailable: neither Temporal nor the outbox took it. */
      reason: 'invalid' | 'conflict' | 'unavailable';
      error: string;
      problems?: FieldProblem[];
    };

export interface EmitterDeps {
  temporal: Client;
  sql: postgres.Sql;
  taskQueue: string;
  /** How long to wait for Temporal before writing to the outbox instead. */
  startTimeoutMs: number;
}

/** How an event was taken: as new, as a repeat of itself (a no-op), or refused as a different event under a used id. */
export type EventAcceptance = { outcome: 'new' } | { outcome: 'duplicate' } | { outcome: 'conflict'; problems: FieldProblem[] };

export const OUTBOX_CHANNEL = 'labwire_outbox';

type Executor = postgres.Sql | postgres.TransactionSql;

function acceptRepeat(stored: unknown, event: BusinessEvent): EventAcceptance {
  const repeat = compareRepeat(stored, event);
  return repeat.kind === 'same' ? { outcome: 'duplicate' } : { outcome: 'conflict', problems: repeat.problems };
}

/**
 * Writes the event to the outbox, unique per (lab, event id); a repeat writes nothing and is
 * compared with the stored event. Notifies the relay at commit.
 */
export async function writeToOutbox(executor: Executor, event: BusinessEvent): Promise<EventAcceptance> {
  // Sent as text and cast: `sql.json()` breaks on a pool drizzle also uses (drizzle replaces the
  // jsonb serializer with a pass-through), and the API and CLI hand us exactly that pool.
  const inserted = await executor`
    insert into event_outbox (lab_id, event_id, event) values (${event.labId}, ${event.eventId}, ${JSON.stringify(event)}::text::jsonb)
    on conflict (lab_id, event_id) do nothing
    returning id`;
  if (inserted.length > 0) {
    await executor`select pg_notify(${OUTBOX_CHANNEL}, ${event.eventId})`;
    return { outcome: 'new' };
  }
  const [stored] = await executor<{ event: unknown }[]>`select event from event_outbox where lab_id = ${event.labId} and event_id = ${event.eventId}`;
  return acceptRepeat(stored?.event, event);
}

/**
 * Starts the event workflow. An id that already exists means the lab sent this event id before:
 * the repeat is compared with the event kept in that workflow's memo (set here, by the caller, so
 * workflow code and its histories are untouched).
 */
export async function startEventWorkflow(temporal: Client, taskQueue: string, event: BusinessEvent): Promise<EventAcceptance> {
  const workflowId = eventWorkflowId(event);
  try {
    await temporal.workflow.start(businessEventWorkflow, {
      workflowId,
      taskQueue,
      args: [event],
      memo: { event },
      typedSearchAttributes: eventSearchAttributes(event),
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      workflowIdConflictPolicy: 'FAIL',
    });
    return { outcome: 'new' };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    const { memo } = await temporal.workflow.getHandle(workflowId).describe();
    return acceptRepeat(memo?.event, event);
  }
}

function validate(event: unknown): { event: BusinessEvent } | { problems: FieldProblem[] } {
  const parsed = businessEventSchema.safeParse(event);
  return parsed.success ? { event: parsed.data } : { problems: fieldProblems(parsed.error) };
}

function eventIdOf(event: unknown): string | undefined {
  const id = (event as { eventId?: unknown } | null)?.eventId;
  return typeof id === 'string' ? id : undefined;
}

function invalid(input: unknown, problems: FieldProblem[]): EmitResult {
  return { ok: false, reason: 'invalid', eventId: eventIdOf(input), error: `Invalid business event: ${describeProblems(problems)}`, problems };
}

function resultOf(event: BusinessEvent, via: 'temporal' | 'outbox', acceptance: EventAcceptance): EmitResult {
  if (acceptance.outcome === 'conflict') {
    const fields = acceptance.problems.map((p) => p.field).join(', ');
    return {
      ok: false,
      reason: 'conflict',
      eventId: event.eventId,
      error: `Event ${event.eventId} of lab ${event.labId} was already received with a different ${fields}; send a new event id for a different event.`,
      problems: acceptance.problems,
    };
  }
  return { ok: true, eventId: event.eventId, workflowId: eventWorkflowId(event), via, duplicate: acceptance.outcome === 'duplicate' };
}

/**
 * SPEC §4.1: never throws into the caller's business code and never loses the event. Temporal
 * first; when it is unreachable, the PostgreSQL outbox, which the worker's relay drains later.
 */
export async function emitBusinessEvent(deps: EmitterDeps, input: unknown): Promise<EmitResult> {
  const checked = validate(input);
  if ('problems' in checked) return invalid(input, checked.problems);
  const { event } = checked;
  try {
    const acceptance = await deps.temporal.connection.withDeadline(Date.now() + deps.startTimeoutMs, () =>
      startEventWorkflow(deps.temporal, deps.taskQueue, event),
    );
    return resultOf(event, 'temporal', acceptance);
  } catch (temporalError) {
    try {
      return resultOf(event, 'outbox', await writeToOutbox(deps.sql, event));
    } catch (outboxError) {
      const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));
      return { ok: false, reason: 'unavailable', eventId: event.eventId, error: `Temporal (${reason(temporalError)}) and the outbox (${reason(outboxError)}) both failed` };
    }
  }
}

/**
 * For the lab backend that shares our PostgreSQL: the event is written in its own transaction,
 * so it exists exactly when the business change does. Invalid events and a different event under
 * a used id are returned, not thrown (the caller's transaction goes on; it decides).
 */
export async function enqueueBusinessEvent(tx: Executor, input: unknown): Promise<EmitResult> {
  const checked = validate(input);
  if ('problems' in checked) return invalid(input, checked.problems);
  return resultOf(checked.event, 'outbox', await writeToOutbox(tx, checked.event));
}

/**
 * A Temporal client that connects on first use, so creating it never fails while Temporal is down.
 * It encrypts what it sends (the event, the memo) with the workers' payload keys.
 */
export function lazyTemporalClient(address: string, namespace: string, payloadKeys: PayloadKeySource): Client {
  return new Client({ connection: Connection.lazy({ address, connectTimeout: 2_000 }), namespace, dataConverter: labwireDataConverter(payloadKeys) });
}
