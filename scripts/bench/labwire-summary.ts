// Turns a Labwire run's emits and completions into its row and notes: latency split by phase.
import type { Completion, CompletionWatcher } from './completion-watcher';
import type { EmitRecord } from './emit';
import { ms } from './figures';
import { percentiles } from './percentiles';
import type { RunResult } from './run-result';

function phaseNotes(emits: Map<string, EmitRecord>, done: Map<string, Completion>): string[] {
  const emitCall: number[] = [];
  const toQueued: number[] = [];
  const toDispatch: number[] = [];
  const http: number[] = [];
  const toFinal: number[] = [];
  const detection: number[] = [];
  for (const [id, completion] of done) {
    const emit = emits.get(id);
    if (!emit) continue;
    if (emit.callMs !== undefined) emitCall.push(emit.callMs);
    toQueued.push(completion.insertedAt - emit.startedAt);
    detection.push(completion.seenAt - completion.doneAt);
    if (completion.attemptAt !== undefined && completion.attemptLatencyMs !== undefined) {
      toDispatch.push(completion.attemptAt - completion.insertedAt);
      http.push(completion.attemptLatencyMs);
      toFinal.push(completion.doneAt - (completion.attemptAt + completion.attemptLatencyMs));
    }
  }
  const line = (name: string, samples: number[]) => {
    const p = percentiles(samples);
    return `${name}: p50 ${ms(p.p50)} / p95 ${ms(p.p95)} / p99 ${ms(p.p99)} ms`;
  };
  return [
    line('emit call (start event workflow)', emitCall),
    line('emit → QUEUED log written (event workflow task, prepareDeliveries)', toQueued),
    line('QUEUED → HTTP attempt starts (sendAndRecordWebhook: config + context read from PostgreSQL)', toDispatch),
    line('HTTP request to the receiver', http),
    line('HTTP answered → SUCCESS written (the same local activity records the outcome)', toFinal),
    line('the log\'s NOTIFY heard by the bench after its updated_at (not counted in latency)', detection),
  ];
}

export function summarizeLabwire(label: string, offered: string, timeoutMs: number, events: number, emits: Map<string, EmitRecord>, watcher: CompletionWatcher, maxLagMs: number): RunResult {
  const failed = new Map<string, number>();
  const latencies: number[] = [];
  let lastDone = 0;
  for (const [id, completion] of watcher.done) {
    if (completion.status !== 'SUCCESS') failed.set(completion.status || '(empty)', (failed.get(completion.status || '(empty)') ?? 0) + 1);
    else latencies.push(completion.doneAt - (emits.get(id)?.startedAt ?? completion.doneAt));
    lastDone = Math.max(lastDone, completion.doneAt);
  }
  const emitErrors = [...emits.values()].filter((e) => e.error !== undefined);
  if (emitErrors.length > 0) failed.set('emit error', emitErrors.length);
  const firstEmit = Math.min(...[...emits.values()].map((e) => e.startedAt));
  const succeeded = latencies.length;
  const viaOutbox = [...emits.values()].filter((e) => e.via === 'outbox').length;
  const notes = [
    ...phaseNotes(emits, watcher.done),
    `emits that fell back to the outbox (no relay runs in the bench, so they never finish): ${viaOutbox}`,
    `largest delay of an emit behind its time slot (concurrency cap): ${ms(maxLagMs)} ms`,
    `completion: ${watcher.notifications} log-change notifications heard; the final logs read once after the run in ${ms(watcher.readMs)} ms`,
  ];
  if (emitErrors[0]) notes.push(`first emit error: ${emitErrors[0].error}`);
  return {
    label,
    offered,
    events,
    completed: succeeded,
    failed,
    late: latencies.filter((latency) => latency > timeoutMs).length,
    unfinished: events - watcher.done.size - emitErrors.length,
    deliveriesPerSecond: succeeded > 0 ? succeeded / ((lastDone - firstEmit) / 1000) : Number.NaN,
    latency: percentiles(latencies),
    notes,
    rootWorkflowIds: [...emits.entries()].filter(([id]) => watcher.done.get(id)?.status === 'SUCCESS').flatMap(([, emit]) => emit.workflowId ?? []),
  };
}
