import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import type postgres from 'postgres';
import { businessEventSchema, eventWorkflowId, type BusinessEvent } from '../events/business-event';
import { describeProblems, fieldProblems, type FieldProblem } from '../validation';
import { businessEventWorkflow } from '../../workflows/business-event';

export type EmitResult =
  | { ok: true; eventId: string; workflowId: string; via: 'temporal' | 'outbox'; duplicate: boolean }
  | { ok: false; eventId?: string; error: string; problems?: FieldProblem[] };

export interface EmitterDeps {
  temporal: Client;
  sql: postgres.Sql;
  taskQueue: string;
  /** How long to wait for Temporal before writing to the outbox instead. */
  startTimeoutMs: number;
}

export const OUTBOX_CHANNEL = 'labwire_outbox';

type Executor = postgres.Sql | postgres.TransactionSql;

/** Writes the event to the outbox; a repeat of the same event id is a no-op. Notifies the relay at commit. */
export async function writeToOutbox(executor: Executor, event: BusinessEvent): Promise<void> {
  await executor`
    insert into event_outbox (event_id, event) values (${event.eventId}, ${executor.json(event)})
    on conflict (event_id) do nothing`;
  await executor`select pg_notify(${OUTBOX_CHANNEL}, ${event.eventId})`;
}

/** Starts the event workflow; an id that already exists means the event was seen before (a no-op). */
export async function startEventWorkflow(temporal: Client, taskQueue: string, event: BusinessEvent): Promise<{ duplicate: boolean }> {
  try {
    await temporal.workflow.start(businessEventWorkflow, {
      workflowId: eventWorkflowId(event.eventId),
      taskQueue,
      args: [event],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      workflowIdConflictPolicy: 'FAIL',
    });
    return { duplicate: false };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { duplicate: true };
    throw error;
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

/**
 * SPEC §4.1: never throws into the caller's business code and never loses the event. Temporal
 * first; when it is unreachable, the PostgreSQL outbox, which the worker's relay drains later.
 */
export async function emitBusinessEvent(deps: EmitterDeps, input: unknown): Promise<EmitResult> {
  const checked = validate(input);
  if ('problems' in checked) {
    return { ok: false, eventId: eventIdOf(input), error: `Invalid business event: ${describeProblems(checked.problems)}`, problems: checked.problems };
  }
  const { event } = checked;
  const workflowId = eventWorkflowId(event.eventId);
  try {
    const { duplicate } = await deps.temporal.connection.withDeadline(Date.now() + deps.startTimeoutMs, () =>
      startEventWorkflow(deps.temporal, deps.taskQueue, event),
    );
    return { ok: true, eventId: event.eventId, workflowId, via: 'temporal', duplicate };
  } catch (temporalError) {
    try {
      await writeToOutbox(deps.sql, event);
      return { ok: true, eventId: event.eventId, workflowId, via: 'outbox', duplicate: false };
    } catch (outboxError) {
      const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));
      return { ok: false, eventId: event.eventId, error: `Temporal (${reason(temporalError)}) and the outbox (${reason(outboxError)}) both failed` };
    }
  }
}

/**
 * For the lab backend that shares our PostgreSQL: the event is written in its own transaction,
 * so it exists exactly when the business change does. Invalid events are returned, not thrown.
 */
export async function enqueueBusinessEvent(tx: Executor, input: unknown): Promise<EmitResult> {
  const checked = validate(input);
  if ('problems' in checked) {
    return { ok: false, eventId: eventIdOf(input), error: `Invalid business event: ${describeProblems(checked.problems)}`, problems: checked.problems };
  }
  await writeToOutbox(tx, checked.event);
  return { ok: true, eventId: checked.event.eventId, workflowId: eventWorkflowId(checked.event.eventId), via: 'outbox', duplicate: false };
}

/** A Temporal client that connects on first use, so creating it never fails while Temporal is down. */
export function lazyTemporalClient(address: string, namespace: string): Client {
  return new Client({ connection: Connection.lazy({ address, connectTimeout: 2_000 }), namespace });
}
