// A Labwire run: emit N events through Temporal while the poller waits for their logs to be final.
import type { EmitterDeps } from '../../src/client/emitter';
import type { Config } from '../../src/config/schema';
import { LOGS_COLLECTION, type LogDocument } from '../../src/logstore/log-document';
import type { Services } from '../../src/services';
import type { LabFixture } from '../../test/support/lab-fixtures';
import { CompletionPoller } from './completion-poller';
import { emitOne, type EmitRecord } from './emit';
import { summarizeLabwire } from './labwire-summary';
import { offerLoad } from './offered-load';
import type { BenchOptions } from './options';
import { startProgress } from './progress';
import type { Receiver } from './receiver';
import type { RunResult } from './run-result';

export interface LabwireContext {
  /** Aborted on Ctrl-C / SIGTERM: loops stop starting new work. */
  stop: AbortSignal;
  config: Config;
  services: Services;
  lab: LabFixture;
  receiver: Receiver;
  emitter: EmitterDeps;
  options: BenchOptions;
}

export async function runLabwire(ctx: LabwireContext, label: string, ratePerSecond: number | undefined, events = ctx.options.events): Promise<RunResult> {
  const { concurrency, timeoutMs } = ctx.options;
  const emits = new Map<string, EmitRecord>();
  const poller = new CompletionPoller(ctx.services.logStore.db.collection<LogDocument>(LOGS_COLLECTION), emits, ctx.receiver);
  const runTag = `bench-${Date.now().toString(36)}`;
  let emitting = true;
  const stopProgress = startProgress(label, events, () => ({
    emitted: emits.size,
    completed: [...poller.done.values()].filter((c) => c.status === 'SUCCESS').length,
    failed: [...poller.done.values()].filter((c) => c.status !== 'SUCCESS').length + [...emits.values()].filter((e) => e.error !== undefined).length,
  }));
  try {
    const polling = poller.run(() => emitting, timeoutMs, ctx.stop);
    polling.catch(() => undefined); // awaited below; this only keeps a failure from counting as unhandled meanwhile
    const emit = (index: number) => emitOne(ctx.emitter, ctx.lab, `${runTag}-${index}`, emits);
    const { maxLagMs } = await offerLoad(events, ratePerSecond, concurrency, ctx.stop, emit).finally(() => {
      emitting = false;
    });
    await polling;
    const offered = ratePerSecond === undefined ? `unbounded (≤${concurrency} emits in flight)` : `${ratePerSecond}/s`;
    return summarizeLabwire(label, offered, timeoutMs, events, emits, poller, maxLagMs);
  } finally {
    stopProgress();
  }
}
