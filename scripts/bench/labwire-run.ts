// A Labwire run: emit N events through Temporal while the watcher waits for their logs to be final.
import type { EmitterDeps } from '../../src/client/emitter';
import type { Config } from '../../src/config/schema';
import { LOGS_COLLECTION, type LogDocument } from '../../src/logstore/log-document';
import type { Services } from '../../src/services';
import type { LabFixture } from '../../test/support/lab-fixtures';
import { deliveryLogId } from '../../activities/delivery/log-id';
import { CompletionWatcher } from './completion-watcher';
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
  /** The bench's one webhook trigger: a log id is deliveryLogId(eventId, this). */
  labIntegrationId: number;
  receiver: Receiver;
  emitter: EmitterDeps;
  options: BenchOptions;
}

export async function runLabwire(ctx: LabwireContext, label: string, ratePerSecond: number | undefined, events = ctx.options.events): Promise<RunResult> {
  const { concurrency, timeoutMs } = ctx.options;
  const emits = new Map<string, EmitRecord>();
  const logToEvent = new Map<string, string>();
  const watcher = new CompletionWatcher(ctx.services.configStore.sql, ctx.services.logStore.db.collection<LogDocument>(LOGS_COLLECTION), emits, (logId) => logToEvent.get(logId));
  const runTag = `bench-${Date.now().toString(36)}`;
  let emitting = true;
  const stopProgress = startProgress(label, events, () => {
    const [completed, failed] = watcher.counts();
    return { emitted: emits.size, completed, failed: failed + [...emits.values()].filter((e) => e.error !== undefined).length };
  });
  try {
    await watcher.listen();
    const watching = watcher.run(() => emitting, timeoutMs, ctx.stop);
    watching.catch(() => undefined); // awaited below; this only keeps a failure from counting as unhandled meanwhile
    const emit = (index: number) => {
      const eventId = `${runTag}-${index}`;
      logToEvent.set(deliveryLogId(eventId, ctx.labIntegrationId), eventId);
      return emitOne(ctx.emitter, ctx.lab, eventId, emits);
    };
    const { maxLagMs } = await offerLoad(events, ratePerSecond, concurrency, ctx.stop, emit).finally(() => {
      emitting = false;
    });
    await watching;
    const offered = ratePerSecond === undefined ? `unbounded (≤${concurrency} emits in flight)` : `${ratePerSecond}/s`;
    return summarizeLabwire(label, offered, timeoutMs, events, emits, watcher, maxLagMs);
  } finally {
    stopProgress();
  }
}
