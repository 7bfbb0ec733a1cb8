// A floor run: N floor workflows started as Labwire's events are (at most --concurrency start calls in flight), timed from the start call to the workflow's close.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { FLOOR_TASK_QUEUE, type Floor } from './floor/floors';
import { offerLoad } from './offered-load';
import type { BenchOptions } from './options';
import { percentiles } from './percentiles';
import { startProgress } from './progress';
import type { RunResult } from './run-result';

interface FloorStart {
  workflowId: string;
  /** Epoch ms the start call began (latency is measured from here, as a Labwire emit's is). */
  startedAt: number;
  /** Settles with the handle, or undefined when the start call failed. */
  starting: Promise<WorkflowHandle | undefined>;
  outcome?: 'completed' | 'failed' | 'start error';
  startError?: string;
  /** Epoch ms of the workflow's close, by the server's clock (same machine). */
  closedAt?: number;
}

const DESCRIBES_IN_FLIGHT = 10;

/** The promise's value, or 'stalled' once `ms` have passed. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'stalled'> {
  const timer = new AbortController();
  try {
    return await Promise.race([promise, sleep(Math.max(0, ms), 'stalled' as const, { signal: timer.signal })]);
  } finally {
    timer.abort();
  }
}

/**
 * Awaits each workflow's result in start order while the starts go on; one long poll at a time
 * keeps the measuring light. Like the Labwire runs' completion watcher, it gives up once no workflow has
 * finished for `stallMs` (the rest count as never finished).
 */
async function awaitResults(starts: FloorStart[], total: number, emitting: () => boolean, stallMs: number, stop: AbortSignal): Promise<void> {
  let lastProgressAt = Date.now();
  for (let index = 0; index < total && !stop.aborted; index += 1) {
    while (starts.length <= index) {
      if (!emitting()) return;
      await sleep(20);
    }
    const start = starts[index]!;
    const handle = await start.starting;
    if (!handle) {
      start.outcome = 'start error';
      continue;
    }
    const settled = handle.result().then(
      () => 'completed' as const,
      () => 'failed' as const,
    );
    const outcome = await within(settled, lastProgressAt + stallMs - Date.now());
    if (outcome === 'stalled') return;
    start.outcome = outcome;
    lastProgressAt = Date.now();
  }
}

/** Close times, read after the run so the reading costs nothing inside it. */
async function readCloseTimes(starts: FloorStart[], stop: AbortSignal): Promise<void> {
  const completed = starts.filter((start) => start.outcome === 'completed');
  await offerLoad(completed.length, undefined, DESCRIBES_IN_FLIGHT, stop, async (index) => {
    const start = completed[index]!;
    const handle = await start.starting;
    start.closedAt = (await handle?.describe())?.closeTime?.getTime();
  });
}

function summarizeFloor(floor: Floor, options: BenchOptions, events: number, starts: FloorStart[]): RunResult {
  const closed = starts.filter((start): start is FloorStart & { closedAt: number } => start.closedAt !== undefined);
  const latencies = closed.map((start) => start.closedAt - start.startedAt);
  const firstStart = Math.min(...starts.map((start) => start.startedAt));
  const lastClose = Math.max(...closed.map((start) => start.closedAt));
  const failed = new Map<string, number>();
  for (const outcome of ['failed', 'start error'] as const) {
    const count = starts.filter((start) => start.outcome === outcome).length;
    if (count > 0) failed.set(outcome, count);
  }
  return {
    label: floor.label,
    offered: `unbounded (≤${options.concurrency} starts in flight)`,
    events,
    completed: closed.length,
    failed,
    late: latencies.filter((latency) => latency > options.timeoutMs).length,
    unfinished: starts.filter((start) => start.outcome === undefined).length + (events - starts.length),
    deliveriesPerSecond: closed.length > 0 ? closed.length / ((lastClose - firstStart) / 1000) : Number.NaN,
    latency: percentiles(latencies),
    notes: [
      `workflow ${floor.workflowType} on queue ${FLOOR_TASK_QUEUE}; latency: start call → the workflow's close time (server clock, same machine)`,
      'results awaited in start order, one long poll at a time; close times read with describe() after the run',
      ...starts.flatMap((start) => (start.startError ? [`first start error: ${start.startError}`] : [])).slice(0, 1),
    ],
    rootWorkflowIds: closed.map((start) => start.workflowId),
  };
}

export async function runFloor(client: Client, floor: Floor, options: BenchOptions, stop: AbortSignal, events = options.events): Promise<RunResult> {
  const runTag = `${floor.workflowType}-${Date.now().toString(36)}`;
  const starts: FloorStart[] = [];
  let emitting = true;
  const stopProgress = startProgress(floor.label, events, () => ({
    emitted: starts.length,
    completed: starts.filter((start) => start.outcome === 'completed').length,
    failed: starts.filter((start) => start.outcome === 'failed' || start.outcome === 'start error').length,
  }));
  try {
    const results = awaitResults(starts, events, () => emitting, options.timeoutMs, stop);
    results.catch(() => undefined); // awaited below; this only keeps a failure from counting as unhandled meanwhile
    await offerLoad(events, undefined, options.concurrency, stop, async (index) => {
      const workflowId = `${runTag}-${index}`;
      const startedAt = Date.now();
      const start: FloorStart = { workflowId, startedAt, starting: client.workflow.start(floor.workflowType, { taskQueue: FLOOR_TASK_QUEUE, workflowId }) };
      start.starting = start.starting.catch((error: unknown) => {
        start.startError = error instanceof Error ? error.message : String(error);
        return undefined;
      });
      starts.push(start);
      await start.starting;
    }).finally(() => {
      emitting = false;
    });
    await results;
  } finally {
    stopProgress();
  }
  await readCloseTimes(starts, stop);
  return summarizeFloor(floor, options, events, starts);
}
