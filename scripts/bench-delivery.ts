/**
 * Delivery benchmark (prints figures, asserts nothing):
 *
 *   npx tsx scripts/bench-delivery.ts [--events 2000] [--rate 50] [--concurrency 50] [--timeout 120]
 *
 * Runs on a stack of its own (.labwire/bench, Temporal 27333, FerretDB 47117, PostgreSQL database
 * labwire_bench), so the dev and test data are never touched. Three runs over the same N events:
 *   1. Labwire at --rate events/s offered (open loop, at most --concurrency emits in flight);
 *   2. Labwire saturated (emits as fast as --concurrency allows);
 *   3. the ceiling: a plain loop (insert QUEUED log, POST, update to SUCCESS) without Temporal.
 * Before them: 20 warm-up events (not reported). Each start clears the bench's log collections and,
 * when it starts its own Temporal dev server, that server's SQLite file, so runs are comparable.
 * Progress goes to stderr, the report (Markdown tables) to stdout.
 */
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Collection, Db } from 'mongodb';
import { Agent, request } from 'undici';
import { emitBusinessEvent, type EmitterDeps } from '../src/client/emitter';
import { loadConfig } from '../src/config/load';
import type { Config } from '../src/config/schema';
import { migrateConfigStore } from '../src/db/config-store';
import { seedDemoConfiguration } from '../src/db/demo-seed';
import { portIsOpen } from '../src/devstack/process';
import { startStack } from '../src/devstack/stack';
import { addUpdateIntegration } from '../src/integrations/add-update-integration';
import { integrationInputSchema } from '../src/integrations/integration-input';
import { LOGS_COLLECTION, type LogDocument } from '../src/logstore/log-document';
import { openServices, type Services } from '../src/services';
import { startWorkers } from '../src/worker/run-workers';
import { createLabFixture, type LabFixture } from '../test/support/lab-fixtures';

// ───────────────────────────── options and environment ─────────────────────────────

interface BenchOptions {
  events: number;
  /** Events offered per second in the rated run. */
  rate: number;
  /** Most emits (or ceiling deliveries) in flight at once. */
  concurrency: number;
  /** A delivery slower than this counts as late; a run stops waiting once no log has become final for this long. */
  timeoutMs: number;
}

function positiveNumber(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} expects a positive number, got ${JSON.stringify(text)}`);
  return value;
}

function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: 'string' },
      rate: { type: 'string' },
      concurrency: { type: 'string' },
      timeout: { type: 'string' },
    },
    strict: true,
  });
  return {
    events: Math.round(positiveNumber('events', values.events, 2000)),
    rate: positiveNumber('rate', values.rate, 50),
    concurrency: Math.round(positiveNumber('concurrency', values.concurrency, 50)),
    timeoutMs: positiveNumber('timeout', values.timeout, 120) * 1000,
  };
}

const repoRoot = resolve(__dirname, '..');
const BENCH_DATA_DIR = resolve(repoRoot, '.labwire', 'bench');
const BENCH_DATABASE = 'labwire_bench';
const BASELINE_COLLECTION = 'bench_baseline';
const WARMUP_EVENTS = 20;

/** Everything that points Labwire at the bench stack; variables that could redirect it elsewhere are removed. */
function applyBenchEnvironment(): void {
  const env: Record<string, string> = {
    LABWIRE_DATA_DIR: BENCH_DATA_DIR,
    TEMPORAL_PORT: '27333',
    TEMPORAL_UI_PORT: '28333',
    FERRETDB_PORT: '47117',
    DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${BENCH_DATABASE}`,
    MONGODB_DATABASE: BENCH_DATABASE,
    TARGET_ALLOWLIST: '127.0.0.0/8,::1/128',
    LOG_LEVEL: 'warn',
    TASK_QUEUE: 'labwire-bench',
    CRELIO_TASK_QUEUE: 'labwire-bench-crelio',
  };
  // The lab fixture lives in PostgreSQL, so the context provider must be the default one.
  const redirecting = ['TEMPORAL_ADDRESS', 'TEMPORAL_UI_URL', 'MONGODB_URL', 'FERRETDB_POSTGRES_URL', 'WORKER_QUEUES', 'CONTEXT_PROVIDER', 'LAB_BACKEND_URL', 'LAB_BACKEND_API_KEY'];
  for (const name of redirecting) delete process.env[name];
  Object.assign(process.env, env);
}

const say = (line: string): void => void process.stderr.write(`${line}\n`);

// ───────────────────────────── cleanup ─────────────────────────────

/** Closers run once, last opened first, whether the run ends, fails or is interrupted. */
class Cleanup {
  private readonly closers: Array<{ name: string; close: () => Promise<void> }> = [];
  private running?: Promise<void>;

  add(name: string, close: () => Promise<void>): void {
    this.closers.push({ name, close });
  }

  run(): Promise<void> {
    this.running ??= this.closeAll();
    return this.running;
  }

  private async closeAll(): Promise<void> {
    for (const { name, close } of [...this.closers].reverse()) {
      try {
        await close();
      } catch (error) {
        say(`cleanup: ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

/** Ctrl-C or SIGTERM: tell the runs to stop (`stopping`), clean up, exit. A second signal exits at once. */
function exitOnSignals(cleanup: Cleanup, stopping: AbortController): void {
  const handle = (signal: NodeJS.Signals): void => {
    if (stopping.signal.aborted) process.exit(130);
    stopping.abort();
    say(`\n${signal}: stopping the bench stack…`);
    void cleanup.run().finally(() => process.exit(130));
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}

/** Last resort if the process dies before cleanup finished: no server the bench started outlives it. */
function killOnExit(processes: ReadonlyArray<{ pid: number }>): void {
  process.on('exit', () => {
    for (const { pid } of processes) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });
}

// ───────────────────────────── small helpers ─────────────────────────────

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** Caps work in flight: acquire before starting, release when done. */
class Semaphore {
  private available: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    this.available = size;
  }

  async acquire(): Promise<void> {
    if (this.available > 0) {
      this.available -= 1;
      return;
    }
    await new Promise<void>((granted) => this.waiting.push(granted));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.available += 1;
  }
}

interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles; NaN when there are no samples. */
function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
  return { p50: rank(50), p95: rank(95), p99: rank(99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

const ms = (value: number) => (Number.isNaN(value) ? '–' : String(Math.round(value)));
const perSecond = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** One line a second on stderr while a run is going. */
function startProgress(label: string, total: number, read: () => { emitted: number; completed: number; failed: number }): () => void {
  const started = Date.now();
  const timer = setInterval(() => {
    const { emitted, completed, failed } = read();
    const seconds = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
    say(`  [${label}] ${seconds} s  emitted ${emitted}/${total}  completed ${completed}/${total}${failed > 0 ? `  failed ${failed}` : ''}`);
  }, 1000);
  return () => clearInterval(timer);
}

/** CPU seconds used so far by this process and by the servers the bench stack started (Linux /proc; others show "?"). */
type CpuSnapshot = Map<string, number | undefined>;

function childCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return undefined;
  }
}

function cpuSnapshot(processes: ReadonlyArray<{ name: string; pid: number }>): CpuSnapshot {
  const { user, system } = process.cpuUsage();
  const snapshot: CpuSnapshot = new Map([['bench process (worker, emitter, receiver, poller)', (user + system) / 1e6]]);
  for (const child of processes) snapshot.set(child.name, childCpuSeconds(child.pid));
  return snapshot;
}

function cpuNote(before: CpuSnapshot, after: CpuSnapshot, wallMs: number): string {
  const parts = [...after.entries()].map(([name, seconds]) => {
    const start = before.get(name);
    return `${name} ${seconds === undefined || start === undefined ? '?' : (seconds - start).toFixed(1)} s`;
  });
  const available = (os.cpus().length * wallMs) / 1000;
  return `CPU over ${(wallMs / 1000).toFixed(1)} s wall (${available.toFixed(0)} core-s available): ${parts.join(', ')}; PostgreSQL is shared with other users, not counted`;
}

async function withCpuNote(processes: ReadonlyArray<{ name: string; pid: number }>, run: () => Promise<RunResult>): Promise<RunResult> {
  const before = cpuSnapshot(processes);
  const started = Date.now();
  const result = await run();
  result.notes.push(cpuNote(before, cpuSnapshot(processes), Date.now() - started));
  return result;
}

// ───────────────────────────── receiver ─────────────────────────────

interface Receiver {
  url: string;
  received(): number;
  /** Event ids of the payloads received since the last call (Labwire's default payload carries `eventId`). */
  takeEventIds(): string[];
  /** Epoch ms of the last request. */
  lastReceiptAt(): number;
  /** The first body received: the ceiling run posts the very same payload. */
  sampleBody(): string | undefined;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  let count = 0;
  let lastAt = 0;
  let sample: string | undefined;
  let eventIds: string[] = [];
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
      const body = Buffer.concat(parts).toString('utf8');
      count += 1;
      lastAt = Date.now();
      sample ??= body;
      const eventId = /"eventId":"([^"]+)"/.exec(body)?.[1];
      if (eventId !== undefined) eventIds.push(eventId);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/bench`,
    received: () => count,
    takeEventIds: () => {
      const taken = eventIds;
      eventIds = [];
      return taken;
    },
    lastReceiptAt: () => lastAt,
    sampleBody: () => sample,
    close: () =>
      new Promise<void>((closed) => {
        server.closeAllConnections();
        server.close(() => closed());
      }),
  };
}

// ───────────────────────────── run results ─────────────────────────────

interface RunResult {
  label: string;
  offered: string;
  events: number;
  completed: number;
  /** Finished with a final status other than SUCCESS. */
  failed: Map<string, number>;
  /** Reached SUCCESS, but later than the timeout. */
  late: number;
  /** Never became final (the run stopped waiting after the timeout without progress). */
  unfinished: number;
  deliveriesPerSecond: number;
  latency: Percentiles;
  notes: string[];
}

/** What the poller reads of a log: the final status and the timestamps that split the latency into phases. */
type PolledLog = Pick<LogDocument, 'event_id' | 'status' | 'inserted_at' | 'updated_at' | 'attempts'>;

interface Completion {
  status: string;
  /** Epoch ms: the log's updated_at (written by the worker, which runs in this process: same clock). */
  doneAt: number;
  /** Epoch ms the poller first saw the final status. */
  seenAt: number;
  insertedAt: number;
  attemptAt?: number;
  attemptLatencyMs?: number;
}

interface EmitRecord {
  /** Epoch ms the emit call started (latency is measured from here). */
  startedAt: number;
  /** How long emitBusinessEvent took (starting the event workflow). */
  callMs?: number;
  via?: 'temporal' | 'outbox';
  error?: string;
}

// ───────────────────────────── Labwire runs ─────────────────────────────

interface LabwireContext {
  /** Aborted on Ctrl-C / SIGTERM: loops stop starting new work. */
  stop: AbortSignal;
  config: Config;
  services: Services;
  lab: LabFixture;
  receiver: Receiver;
  emitter: EmitterDeps;
  options: BenchOptions;
}

/** Offers `count` tasks on a fixed schedule (open loop) or as fast as the cap allows (rate undefined). */
async function offerLoad(
  count: number,
  ratePerSecond: number | undefined,
  cap: Semaphore,
  stop: AbortSignal,
  task: (index: number) => Promise<void>,
): Promise<{ maxLagMs: number }> {
  const start = performance.now();
  const running: Array<Promise<void>> = [];
  let maxLagMs = 0;
  for (let index = 0; index < count && !stop.aborted; index += 1) {
    const slot = ratePerSecond === undefined ? performance.now() : start + (index * 1000) / ratePerSecond;
    const wait = slot - performance.now();
    if (wait > 0) await sleep(wait);
    await cap.acquire();
    maxLagMs = Math.max(maxLagMs, performance.now() - slot);
    running.push(task(index).finally(() => cap.release()));
  }
  await Promise.all(running);
  return { maxLagMs };
}

async function emitOne(ctx: LabwireContext, eventId: string, emits: Map<string, EmitRecord>): Promise<void> {
  const record: EmitRecord = { startedAt: Date.now() };
  emits.set(eventId, record);
  const started = performance.now();
  try {
    const result = await emitBusinessEvent(ctx.emitter, {
      eventId,
      labId: ctx.lab.labId,
      actionCategoryId: 1,
      entity: { type: 'bill', id: ctx.lab.billId },
      activityDate: new Date().toISOString(),
    });
    if (result.ok) record.via = result.via;
    else record.error = result.error;
  } catch (error) {
    record.error = error instanceof Error ? error.message : String(error);
  }
  record.callMs = performance.now() - started;
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
class CompletionPoller {
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
    line('emit → QUEUED log written (event workflow, resolveDeliveries, child start, createLog)', toQueued),
    line('QUEUED → HTTP attempt starts (deliverWebhook scheduled, config + context read from PostgreSQL)', toDispatch),
    line('HTTP request to the receiver', http),
    line('HTTP answered → SUCCESS written (recordAttempt, activity completion, finalizeLog)', toFinal),
    line('poller detection delay after updated_at (not counted in latency)', detection),
  ];
}

function summarizeLabwire(label: string, offered: string, ctx: LabwireContext, events: number, emits: Map<string, EmitRecord>, poller: CompletionPoller, maxLagMs: number): RunResult {
  const failed = new Map<string, number>();
  const latencies: number[] = [];
  let lastDone = 0;
  for (const [id, completion] of poller.done) {
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
    ...phaseNotes(emits, poller.done),
    `emits that fell back to the outbox (no relay runs in the bench, so they never finish): ${viaOutbox}`,
    `largest delay of an emit behind its time slot (concurrency cap): ${ms(maxLagMs)} ms`,
    `poller: ${poller.polls} ticks, ${poller.pointQueries} event_id point queries, ${poller.sweeps} $in sweeps, ${ms(poller.busyMs)} ms busy in all`,
  ];
  if (emitErrors[0]) notes.push(`first emit error: ${emitErrors[0].error}`);
  return {
    label,
    offered,
    events,
    completed: succeeded,
    failed,
    late: latencies.filter((latency) => latency > ctx.options.timeoutMs).length,
    unfinished: events - poller.done.size - emitErrors.length,
    deliveriesPerSecond: succeeded > 0 ? succeeded / ((lastDone - firstEmit) / 1000) : Number.NaN,
    latency: percentiles(latencies),
    notes,
  };
}

async function runLabwire(ctx: LabwireContext, label: string, ratePerSecond: number | undefined, events = ctx.options.events): Promise<RunResult> {
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
    const cap = new Semaphore(concurrency);
    const { maxLagMs } = await offerLoad(events, ratePerSecond, cap, ctx.stop, (index) => emitOne(ctx, `${runTag}-${index}`, emits)).finally(() => {
      emitting = false;
    });
    await polling;
    const offered = ratePerSecond === undefined ? `unbounded (≤${concurrency} emits in flight)` : `${ratePerSecond}/s`;
    return summarizeLabwire(label, offered, ctx, events, emits, poller, maxLagMs);
  } finally {
    stopProgress();
  }
}

// ───────────────────────────── ceiling run (no Temporal) ─────────────────────────────

/** A log shaped like Labwire's, copied from a real one when there is one, so both runs write similar documents. */
async function baselineTemplate(db: Db, labId: number): Promise<LogDocument> {
  const sample = await db.collection<LogDocument>(LOGS_COLLECTION).findOne({ lab_id: labId, status: 'SUCCESS' });
  const now = new Date();
  const base: LogDocument = sample ?? {
    _id: '', type: 'WEBHOOK', lab_id: labId, org_id: null, developer_id: null, developer_name: null, auth_id: null, lab_integration_id: null,
    action_category_id: 1, operation: 'Bill Generated', integration_type: 'webhook', status: 'QUEUED', error_message: null, request: null,
    response_body: null, response_status_code: null, response_time: null, fusion_log: null, sent_to_mirth: false, retry_count: 0,
    auto_retry_count: 0, triggered_by_py3: false, origin: 'livehealth', retry_context: null, workflow_id: null, run_id: null, event_id: null,
    inserted_at: now, activity_date: now, updated_at: now, attempts: [],
  };
  return { ...base, status: 'QUEUED', request: null, response_body: null, response_status_code: null, response_time: null, attempts: [] };
}

async function deliverPlain(
  collection: Collection<LogDocument>,
  agent: Agent,
  target: { url: string; body: string },
  template: LogDocument,
  id: string,
): Promise<{ ok: boolean; latencyMs: number }> {
  const started = performance.now();
  const now = new Date();
  await collection.insertOne({ ...template, _id: id, event_id: id, inserted_at: now, updated_at: now });
  const response = await request(target.url, {
    dispatcher: agent,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': id },
    body: target.body,
  });
  const responseBody = await response.body.text();
  const responseTime = Math.round(performance.now() - started);
  const ok = response.statusCode >= 200 && response.statusCode < 300;
  await collection.updateOne(
    { _id: id },
    { $set: { status: ok ? 'SUCCESS' : 'FAIL', response_status_code: response.statusCode, response_body: responseBody, response_time: responseTime, updated_at: new Date() } },
  );
  return { ok, latencyMs: performance.now() - started };
}

async function runCeiling(db: Db, receiver: Receiver, labId: number, options: BenchOptions, stop: AbortSignal): Promise<RunResult> {
  const collection = db.collection<LogDocument>(BASELINE_COLLECTION);
  const template = await baselineTemplate(db, labId);
  const target = { url: receiver.url, body: receiver.sampleBody() ?? JSON.stringify({ eventId: 'bench', labId }) };
  const agent = new Agent();
  const latencies: number[] = [];
  let started = 0;
  let failed = 0;
  const runTag = `ceiling-${Date.now().toString(36)}`;
  const stopProgress = startProgress('ceiling', options.events, () => ({ emitted: started, completed: latencies.length, failed }));
  const begin = performance.now();
  try {
    const loop = async () => {
      while (started < options.events && !stop.aborted) {
        const id = `${runTag}-${started++}`;
        try {
          const { ok, latencyMs } = await deliverPlain(collection, agent, target, template, id);
          if (ok) latencies.push(latencyMs);
          else failed += 1;
        } catch {
          failed += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, loop));
  } finally {
    stopProgress();
    await agent.close();
  }
  const seconds = (performance.now() - begin) / 1000;
  return {
    label: 'Ceiling: plain loop, no Temporal',
    offered: `unbounded (${options.concurrency} in flight)`,
    events: options.events,
    completed: latencies.length,
    failed: new Map<string, number>(failed > 0 ? [['error', failed]] : []),
    late: latencies.filter((latency) => latency > options.timeoutMs).length,
    unfinished: 0,
    deliveriesPerSecond: latencies.length / seconds,
    latency: percentiles(latencies),
    notes: ['per delivery: insertOne QUEUED → POST (same JSON payload Labwire sent) → updateOne SUCCESS; no PostgreSQL reads, no attempt record'],
  };
}

// ───────────────────────────── report ─────────────────────────────

function resultRow(result: RunResult): string {
  const failed = [...result.failed.entries()].map(([status, count]) => `${count} ${status}`).join(', ') || '0';
  const { p50, p95, p99, max } = result.latency;
  return `| ${result.label} | ${result.events} | ${result.offered} | ${perSecond(result.deliveriesPerSecond)} | ${ms(p50)} | ${ms(p95)} | ${ms(p99)} | ${ms(max)} | ${result.late} / ${result.unfinished} | ${failed} |`;
}

function commandLine(): string {
  return ['npx tsx scripts/bench-delivery.ts', ...process.argv.slice(2)].join(' ');
}

function machineRows(): string[] {
  const cpus = os.cpus();
  return [
    '| Machine | |',
    '|---|---|',
    `| CPUs | ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'} |`,
    `| Memory | ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB |`,
    `| Node | ${process.version} (${process.platform} ${os.release()}) |`,
    `| Command | \`${commandLine()}\` |`,
  ];
}

function printReport(options: BenchOptions, rated: RunResult, saturated: RunResult, ceiling: RunResult): void {
  const lines = [
    '',
    '## Labwire delivery benchmark',
    '',
    `| Run | Events | Offered | Deliveries/s | p50 ms | p95 ms | p99 ms | max ms | Late (>${options.timeoutMs / 1000} s) / never | Failed |`,
    '|---|---|---|---|---|---|---|---|---|---|',
    resultRow(rated),
    resultRow(saturated),
    resultRow(ceiling),
    '',
    `Latency: Labwire runs measure emit start → the log's \`updated_at\` (set by the worker, same process and clock) when it reaches SUCCESS;`,
    `the ceiling measures insert → POST → update. Deliveries/s = successful deliveries / (last completion − first emit).`,
    `"Late" = SUCCESS after more than ${options.timeoutMs / 1000} s; "never" = not final when the run gave up (${options.timeoutMs / 1000} s without any log becoming final).`,
    `The rated run's throughput is bounded by the offered ${options.rate}/s; the saturation run gives the sustained figure. ${WARMUP_EVENTS} warm-up events ran first (not reported).`,
    '',
    `Labwire / ceiling throughput: ${(saturated.deliveriesPerSecond / ceiling.deliveriesPerSecond).toFixed(2)} (${perSecond(saturated.deliveriesPerSecond)} vs ${perSecond(ceiling.deliveriesPerSecond)} deliveries/s)`,
    `Target ≥100 deliveries/s sustained: ${perSecond(saturated.deliveriesPerSecond)}/s — ${saturated.deliveriesPerSecond >= 100 ? 'met' : 'not met'}`,
    `Target p99 < 2000 ms at 50 events/s offered: ${options.rate === 50 ? `${ms(rated.latency.p99)} ms — ${rated.latency.p99 < 2000 ? 'met' : 'not met'}` : `not measured (offered ${options.rate}/s)`}`,
    '',
    ...machineRows(),
    '',
    ...[rated, saturated, ceiling].flatMap((result) => [`${result.label}:`, ...result.notes.map((note) => `  - ${note}`)]),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

// ───────────────────────────── setup and main ─────────────────────────────

/**
 * The dev server's SQLite file keeps every workflow of earlier bench runs and slows later ones,
 * so a bench that starts its own server starts it on a fresh file (bench data directory only).
 */
async function freshTemporalDatabase(config: Config): Promise<void> {
  if (config.dataDir !== BENCH_DATA_DIR) throw new Error(`refusing to delete Temporal data outside ${BENCH_DATA_DIR}`);
  if (config.temporal.externalAddress !== undefined || (await portIsOpen(config.temporal.port))) {
    say(`Temporal: a server already answers on ${config.temporal.address}; its history from earlier runs is kept`);
    return;
  }
  const file = join(config.dataDir, 'temporal', 'temporal.sqlite');
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
}

/** The bench's own log-store collections start empty, so runs are comparable (bench database only). */
async function resetBenchCollections(config: Config, db: Db): Promise<void> {
  if (config.logStore.database !== BENCH_DATABASE) throw new Error(`refusing to clear collections of database ${config.logStore.database}`);
  for (const name of [LOGS_COLLECTION, BASELINE_COLLECTION]) {
    if ((await db.listCollections({ name }).toArray()).length > 0) await db.collection(name).drop();
  }
}

async function createWebhookIntegration(services: Services, receiverUrl: string): Promise<LabFixture> {
  const db = services.configStore.db;
  await seedDemoConfiguration(db);
  const lab = await createLabFixture(db);
  await addUpdateIntegration(
    db,
    integrationInputSchema.parse({
      labId: lab.labId,
      developerId: lab.developerId,
      integrationType: 'webhook',
      url: receiverUrl,
      requestType: 1,
      integrations: [{ actionCategoryId: 1 }],
    }),
  );
  return lab;
}

interface Bench {
  ctx: LabwireContext;
  receiver: Receiver;
  /** The servers this bench started (empty when it reused running ones). */
  processes: ReadonlyArray<{ name: string; pid: number }>;
}

/** Starts the bench stack, the receiver, the integration and the workers; each registers its own cleanup. */
async function setUp(config: Config, options: BenchOptions, cleanup: Cleanup, stop: AbortSignal): Promise<Bench> {
  say(`Bench stack: data ${config.dataDir}, Temporal ${config.temporal.address}, log store ${config.logStore.url}${config.logStore.database}`);
  await freshTemporalDatabase(config);
  const stack = await startStack(config, say);
  cleanup.add('stack', () => stack.stop());
  killOnExit(stack.processes);
  await migrateConfigStore(config.postgres.url);
  const services = await openServices(config);
  cleanup.add('services', () => services.close());
  await resetBenchCollections(config, services.logStore.db);
  const receiver = await startReceiver();
  cleanup.add('receiver', () => receiver.close());
  const lab = await createWebhookIntegration(services, receiver.url);
  say('Starting workers (bundling workflows takes a few seconds)…');
  const workers = await startWorkers(config, services);
  cleanup.add('workers', () => workers.stop());
  const emitter: EmitterDeps = { temporal: services.temporal, sql: services.configStore.sql, taskQueue: config.temporal.taskQueue, startTimeoutMs: 5000 };
  return { ctx: { stop, config, services, lab, receiver, emitter, options }, receiver, processes: stack.processes };
}

/** The warm-up and the three runs; undefined when interrupted (no report from partial runs). */
async function runAll(bench: Bench): Promise<[RunResult, RunResult, RunResult] | undefined> {
  const { ctx, processes } = bench;
  const { events, rate, concurrency } = ctx.options;
  say(`Warm-up: ${WARMUP_EVENTS} events at 10/s, not reported (JIT, workflow cache, connection pools)`);
  await runLabwire(ctx, 'warm-up', 10, WARMUP_EVENTS);
  if (ctx.stop.aborted) return undefined;
  say(`Run 1/3: Labwire, ${events} events offered at ${rate}/s`);
  const rated = await withCpuNote(processes, () => runLabwire(ctx, `Labwire @ ${rate}/s`, rate));
  if (ctx.stop.aborted) return undefined;
  say(`Run 2/3: Labwire saturated, ${events} events, ≤${concurrency} emits in flight`);
  const saturated = await withCpuNote(processes, () => runLabwire(ctx, 'Labwire, saturation', undefined));
  if (ctx.stop.aborted) return undefined;
  say(`Run 3/3: ceiling without Temporal, ${events} deliveries, ${concurrency} in flight`);
  const ceiling = await withCpuNote(processes, () => runCeiling(ctx.services.logStore.db, bench.receiver, ctx.lab.labId, ctx.options, ctx.stop));
  if (ctx.stop.aborted) return undefined;
  say(`Receiver answered ${bench.receiver.received()} requests in all.`);
  return [rated, saturated, ceiling];
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  applyBenchEnvironment();
  const config = loadConfig();
  const cleanup = new Cleanup();
  const stopping = new AbortController();
  exitOnSignals(cleanup, stopping);
  try {
    const results = await runAll(await setUp(config, options, cleanup, stopping.signal));
    if (results) printReport(options, ...results);
    return results ? 0 : 130;
  } catch (error) {
    if (stopping.signal.aborted) return 130;
    throw error;
  } finally {
    say('Stopping workers, clients and the bench stack…');
    await cleanup.run();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(`bench-delivery failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
