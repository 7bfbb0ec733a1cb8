// Watches the log store until the logs of a Labwire run's events are final.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Collection } from 'mongodb';
import type { LogDocument } from '../../src/logstore/log-document';
import type { EmitRecord } from './emit';
import type { Receiver } from './receiver';

/** What the poller reads of a log: the final status and the timestamps that split the latency into phases. */
type PolledLog = Pick<LogDocument, 'event_id' | 'status' | 'inserted_at' | 'updated_at' | 'attempts'>;

export interface Completion {
  status: string;
  /** Epoch ms: the log's updated_at (written by the worker, which runs in this process: same clock). */
  doneAt: number;
  /** Epoch ms the poller first saw the final status. */
  seenAt: number;
  insertedAt: number;
  attemptAt?: number;
  attemptLatencyMs?: number;
}

function toCompletion(log: PolledLog, seenAt: number): Completion {
  const attempt = log.attempts?.[log.attempts.length - 1];
  return {
    status: log.status,
    doneAt: log.updated_at.getTime(),
    seenAt,
    insertedAt: log.inserted_at.getTime(),
    attemptAt: attempt ? Date.parse(attempt.at) : undefined,
    attemptLatencyMs: attempt?.latencyMs,
  };
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const POLL_PROJECTION = { event_id: 1, status: 1, inserted_at: 1, updated_at: 1, attempts: 1 } as const;
const SWEEP_EVERY_MS = 60_000;

/**
 * Reads final statuses from the log store every 100 ms. FerretDB 1.24 does not push `$in` down to
 * PostgreSQL, so `find({event_id: {$in}})` decodes every finished log in the collection, and doing
 * that ten times a second took a large share of the 2 cores away from the worker. So each tick
 * asks, by `event_id` equality (pushed down), only about the events whose POST the receiver has
 * seen; a `$in` sweep over all pending events every 60 s (and at the end) catches any log that
 * became final without a request (FAIL before sending). The log stays the source of truth.
 */
export class CompletionPoller {
  readonly done = new Map<string, Completion>();
  private readonly hinted = new Set<string>();
  private lastSweepAt = Date.now();
  polls = 0;
  pointQueries = 0;
  sweeps = 0;
  busyMs = 0;

  constructor(
    private readonly logs: Collection<LogDocument>,
    private readonly emits: Map<string, EmitRecord>,
    private readonly receiver: Receiver,
  ) {}

  pending(): string[] {
    return [...this.emits.entries()].filter(([id, emit]) => !this.done.has(id) && emit.error === undefined).map(([id]) => id);
  }

  private record(log: PolledLog): void {
    if (log.event_id === null) return;
    this.done.set(log.event_id, toCompletion(log, Date.now()));
    this.hinted.delete(log.event_id);
  }

  private async checkHinted(): Promise<void> {
    for (const id of this.receiver.takeEventIds()) if (this.emits.has(id) && !this.done.has(id)) this.hinted.add(id);
    for (const batch of chunks([...this.hinted], 8)) {
      const found = await Promise.all(
        batch.map((id) => this.logs.findOne<PolledLog>({ event_id: id, status: { $ne: 'QUEUED' } }, { projection: POLL_PROJECTION })),
      );
      this.pointQueries += batch.length;
      for (const log of found) if (log) this.record(log);
    }
  }

  private async sweep(): Promise<void> {
    for (const batch of chunks(this.pending(), 500)) {
      const found = await this.logs.find<PolledLog>({ event_id: { $in: batch }, status: { $ne: 'QUEUED' } }, { projection: POLL_PROJECTION }).toArray();
      for (const log of found) this.record(log);
    }
    this.sweeps += 1;
    this.lastSweepAt = Date.now();
  }

  /** Every 60 s, or sooner once the run looks finished but events are still pending. */
  private sweepDue(emitting: boolean): boolean {
    const now = Date.now();
    if (now - this.lastSweepAt >= SWEEP_EVERY_MS) return true;
    const quiet = now - this.receiver.lastReceiptAt() > 2_000 && now - this.lastSweepAt > 2_000;
    return !emitting && this.hinted.size === 0 && quiet && this.pending().length > 0;
  }

  async pollOnce(emitting: boolean): Promise<void> {
    const started = performance.now();
    await this.checkHinted();
    if (this.sweepDue(emitting)) await this.sweep();
    this.polls += 1;
    this.busyMs += performance.now() - started;
  }

  /**
   * Polls until every emitted event is final, or, once emitting is over, no log has become final
   * for `stallMs` (a backlog that still drains is waited for); a last sweep settles the count.
   */
  async run(isEmitting: () => boolean, stallMs: number, stop: AbortSignal): Promise<void> {
    let lastProgressAt = Date.now();
    let doneBefore = 0;
    while (!stop.aborted) {
      const emitting = isEmitting();
      await this.pollOnce(emitting);
      if (this.done.size > doneBefore) [doneBefore, lastProgressAt] = [this.done.size, Date.now()];
      if (!emitting && this.pending().length === 0) return;
      if (!emitting && Date.now() - lastProgressAt > stallMs) return this.sweep();
      await sleep(100);
    }
  }
}
