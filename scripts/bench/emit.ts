// One emit of a Labwire run, timed, with its outcome kept for the summary.
import { emitBusinessEvent, type EmitterDeps } from '../../src/client/emitter';
import type { LabFixture } from '../../test/support/lab-fixtures';

export interface EmitRecord {
  /** Epoch ms the emit call started (latency is measured from here). */
  startedAt: number;
  /** How long emitBusinessEvent took (starting the event workflow). */
  callMs?: number;
  via?: 'temporal' | 'outbox';
  /** The event workflow the emit started. */
  workflowId?: string;
  error?: string;
}

export async function emitOne(emitter: EmitterDeps, lab: LabFixture, eventId: string, emits: Map<string, EmitRecord>): Promise<void> {
  const record: EmitRecord = { startedAt: Date.now() };
  emits.set(eventId, record);
  const started = performance.now();
  try {
    const result = await emitBusinessEvent(emitter, {
      eventId,
      labId: lab.labId,
      actionCategoryId: 1,
      entity: { type: 'bill', id: lab.billId },
      activityDate: new Date().toISOString(),
    });
    if (result.ok) [record.via, record.workflowId] = [result.via, result.workflowId];
    else record.error = result.error;
  } catch (error) {
    record.error = error instanceof Error ? error.message : String(error);
  }
  record.callMs = performance.now() - started;
}
