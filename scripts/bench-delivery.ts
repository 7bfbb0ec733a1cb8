/**
 * Delivery benchmark (prints figures, asserts nothing):
 *
 *   npx tsx scripts/bench-delivery.ts [--events 3000] [--rate <per s>] [--concurrency 50] [--timeout 120] [--server dev|production]
 *
 * Runs on a stack of its own (.labwire/bench, Temporal 27333, FerretDB 47117, PostgreSQL database
 * labwire_bench), so the dev and test data are never touched. `--server production` replaces the
 * dev server by Temporal server v1.29.1 on the local PostgreSQL (built once with Go and cached,
 * fresh databases temporal_bench*, 4 history shards, port 27433). Seven runs:
 *   1-3. the Temporal floor at N: an empty workflow, one with a no-op local activity, one with a
 *        no-op activity, on a worker built as Labwire's is, ≤ --concurrency starts in flight;
 *   4. Labwire saturated at N/10 (emits as fast as --concurrency allows);
 *   5. Labwire saturated at N: the same throughput as run 4 means no decay with the backlog;
 *   6. Labwire at --rate events/s offered (default: half of run 5's throughput; about a minute of
 *      events, open loop, at most --concurrency emits in flight): its latency;
 *   7. the ceiling: a plain loop (insert QUEUED log, POST, update to SUCCESS) without Temporal.
 * Before them: 20 warm-up events and 20 of each floor workflow (not reported). Each start clears the
 * bench's log collections and Temporal's database, so runs are comparable. The report gives Labwire
 * as a share of each floor (the figure that travels between machines), CPU per delivery of each
 * process and history events and workflow tasks per delivery (from a sample of histories).
 * Progress goes to stderr, the report (Markdown tables) to stdout.
 * The parts live in scripts/bench/: options and environment, the stack, the receiver, the floor,
 * Labwire and ceiling runs, CPU accounting, history sampling and the report; this file only runs them in order.
 */
import { loadConfig } from '../src/config/load';
import { runCeiling } from './bench/ceiling-run';
import { Cleanup, exitOnSignals } from './bench/cleanup';
import { withCpu } from './bench/cpu-usage';
import { applyBenchEnvironment } from './bench/environment';
import { startFloorWorker } from './bench/floor/floor-worker';
import { floors } from './bench/floor/floors';
import { runFloor } from './bench/floor-run';
import { sampleHistories } from './bench/history-sample';
import { runLabwire } from './bench/labwire-run';
import { parseOptions, ratedRunEvents, smallRunEvents, WARMUP_EVENTS } from './bench/options';
import { say } from './bench/progress';
import { printReport, type BenchResults } from './bench/report';
import { setUp, type Bench } from './bench/stack';

const RUNS = floors.length + 4;

/** The floor runs, on a worker that runs only while they do; undefined when interrupted. */
async function runFloors(bench: Bench): Promise<BenchResults['floors'] | undefined> {
  const { ctx, cpuSources } = bench;
  const { events, concurrency } = ctx.options;
  const client = ctx.services.temporal;
  say('Starting the floor worker (bundling the floor workflows)…');
  const worker = await startFloorWorker(ctx.config);
  try {
    say(`Floor warm-up: ${WARMUP_EVENTS} of each floor workflow, not reported`);
    for (const floor of floors) await runFloor(client, floor, ctx.options, ctx.stop, WARMUP_EVENTS);
    const results: BenchResults['floors'] = [];
    for (const [index, floor] of floors.entries()) {
      if (ctx.stop.aborted) return undefined;
      say(`Run ${index + 1}/${RUNS}: ${floor.label}, ${events} workflows, ≤${concurrency} starts in flight`);
      results.push({ floor, result: await withCpu(cpuSources, () => runFloor(client, floor, ctx.options, ctx.stop)) });
    }
    return ctx.stop.aborted ? undefined : results;
  } finally {
    await worker.stop();
  }
}

/** The warm-up and the runs; undefined when interrupted (no report from partial runs). */
async function runAll(bench: Bench): Promise<BenchResults | undefined> {
  const { ctx, cpuSources } = bench;
  const { events, concurrency } = ctx.options;
  say(`Warm-up: ${WARMUP_EVENTS} events at 10/s, not reported (JIT, workflow cache, connection pools)`);
  await runLabwire(ctx, 'warm-up', 10, WARMUP_EVENTS);
  if (ctx.stop.aborted) return undefined;
  const floorResults = await runFloors(bench);
  if (!floorResults) return undefined;
  const small = smallRunEvents(events);
  say(`Run ${RUNS - 3}/${RUNS}: Labwire saturated, ${small} events (N/10), ≤${concurrency} emits in flight`);
  const saturatedSmall = await withCpu(cpuSources, () => runLabwire(ctx, `Labwire, saturation, N/10 = ${small}`, undefined, small));
  if (ctx.stop.aborted) return undefined;
  say(`Run ${RUNS - 2}/${RUNS}: Labwire saturated, ${events} events, ≤${concurrency} emits in flight`);
  const saturated = await withCpu(cpuSources, () => runLabwire(ctx, 'Labwire, saturation', undefined));
  if (ctx.stop.aborted) return undefined;
  // Half the saturated throughput unless --rate says otherwise, rounded to a tenth of an event per second.
  const rate = ctx.options.rate ?? Math.max(0.1, Math.round(saturated.deliveriesPerSecond * 5) / 10);
  const ratedEvents = ratedRunEvents(events, rate);
  say(`Run ${RUNS - 1}/${RUNS}: Labwire, ${ratedEvents} events offered at ${rate}/s${ctx.options.rate === undefined ? ' (half the saturated rate)' : ''}`);
  const rated = await withCpu(cpuSources, () => runLabwire(ctx, `Labwire @ ${rate}/s`, rate, ratedEvents));
  if (ctx.stop.aborted) return undefined;
  say(`Run ${RUNS}/${RUNS}: ceiling without Temporal, ${events} deliveries, ${concurrency} in flight`);
  const ceiling = await withCpu(cpuSources, () => runCeiling(ctx.services.logStore.db, bench.receiver, ctx.lab.labId, ctx.options, ctx.stop));
  if (ctx.stop.aborted) return undefined;
  say(`Receiver answered ${bench.receiver.received()} requests in all.`);
  say("Reading a sample of each run's workflow histories…");
  for (const run of [...floorResults.map((f) => f.result), saturatedSmall, saturated, rated]) run.history = await sampleHistories(ctx.services.temporal, run.rootWorkflowIds);
  return { floors: floorResults, saturatedSmall, saturated, rated, ceiling, server: bench.server };
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  applyBenchEnvironment(options.server);
  const config = loadConfig();
  const cleanup = new Cleanup();
  const stopping = new AbortController();
  exitOnSignals(cleanup, stopping);
  try {
    const results = await runAll(await setUp(config, options, cleanup, stopping.signal));
    if (results) printReport(options, results);
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
