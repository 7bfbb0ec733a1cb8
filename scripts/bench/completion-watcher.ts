// Learns when a Labwire run's logs are final without reading the log store while the run lasts.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Collection } from 'mongodb';
import type postgres from 'postgres';
import { subscribeLogChanges } from '../../src/logstore/log-changes';
import type { LogDocument } from '../../src/logstore/log-document';
import type { EmitRecord } from './emit';

/** What is read of a log after the run: the final status and the timestamps that split the latency into phases. */
type FinalLog = Pick<LogDocument, 'event_id' | 'status' | 'inserted_at' | 'updated_at' | 'attempts'>;

export interface Completion {
  status: string;
  /** Epoch ms: the log's updated_at (written by the worker, which runs in this process: same clock). */
  doneAt: number;
  /** Epoch ms the bench heard that the log was final (its NOTIFY arrived). */
  seenAt: number;
  insertedAt: number;
  attemptAt?: number;
  attemptLatencyMs?: number;
}

function toCompletion(log: FinalLog, seenAt: number): Completion {
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

const FINAL_PROJECTION = { event_id: 1, status: 1, inserted_at: 1, updated_at: 1, attempts: 1 } as const;

/**
 * Labwire tells every API process when a log changes (PostgreSQL NOTIFY on labwire_log_changes,
 * right after the worker wrote it); the bench listens to the same channel, so it measures the run
 * without loading the log store it measures (an earlier poller's reads cost FerretDB and its
 * PostgreSQL several ms per delivery, counted against Labwire). After the run the logs are read
 * once, in batches, for their own timestamps: latency is emit → the log's `updated_at`, as before.
 */
export class CompletionWatcher {
  /** Filled after the run from the logs themselves: event id → its final log. */
  readonly done = new Map<string, Completion>();
  private readonly heard = new Map<string, { status: string; at: number }>();
  private unlisten: (() => Promise<void>) | undefined;
  notifications = 0;
  readMs = 0;

  constructor(
    private readonly sql: postgres.Sql,
    private readonly logs: Collection<LogDocument>,
    private readonly emits: Map<string, EmitRecord>,
    private readonly eventOfLog: (logId: string) => string | undefined,
  ) {}

  /** Before the first emit: a change published before LISTEN would be missed. */
  async listen(): Promise<void> {
    this.unlisten = await subscribeLogChanges(this.sql, (change) => {
      this.notifications += 1;
      if (change.status === 'QUEUED') return;
      const eventId = this.eventOfLog(change.logId);
      if (eventId !== undefined && !this.heard.has(eventId)) this.heard.set(eventId, { status: change.status, at: Date.now() });
    });
  }

  /** Final so far (live, for progress): [succeeded, failed]. */
  counts(): [number, number] {
    let succeeded = 0;
    for (const { status } of this.heard.values()) if (status === 'SUCCESS') succeeded += 1;
    return [succeeded, this.heard.size - succeeded];
  }

  private pending(): number {
    let pending = 0;
    for (const [id, emit] of this.emits) if (!this.heard.has(id) && emit.error === undefined) pending += 1;
    return pending;
  }

  /**
   * Waits until every emitted event is final, or, once emitting is over, no log has become final
   * for `stallMs` (a backlog that still drains is waited for); then reads the logs.
   */
  async run(isEmitting: () => boolean, stallMs: number, stop: AbortSignal): Promise<void> {
    let lastProgressAt = Date.now();
    let heardBefore = 0;
    try {
      while (!stop.aborted) {
        const emitting = isEmitting();
        if (this.heard.size > heardBefore) [heardBefore, lastProgressAt] = [this.heard.size, Date.now()];
        if (!emitting && this.pending() === 0) break;
        if (!emitting && Date.now() - lastProgressAt > stallMs) break;
        await sleep(100);
      }
    } finally {
      await this.unlisten?.();
    }
    await this.readFinalLogs();
  }

  /** One `$in` read per 500 events (FerretDB reads the collection for each), after the run's last delivery. */
  private async readFinalLogs(): Promise<void> {
    const started = performance.now();
    const ids = [...this.emits.keys()];
    for (let i = 0; i < ids.length; i += 500) {
      const found = await this.logs.find<FinalLog>({ event_id: { $in: ids.slice(i, i + 500) } }, { projection: FINAL_PROJECTION }).toArray();
      for (const log of found) {
        if (log.event_id === null || log.status === 'QUEUED') continue;
        this.done.set(log.event_id, toCompletion(log, this.heard.get(log.event_id)?.at ?? Date.now()));
      }
    }
    this.readMs = performance.now() - started;
  }
}
