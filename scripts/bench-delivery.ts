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
 * The parts live in scripts/bench/: options and environment, the stack, the receiver, the Labwire
 * and ceiling runs, CPU accounting and the report; this file only runs them in order.
 */
import { loadConfig } from '../src/config/load';
import { runCeiling } from './bench/ceiling-run';
import { Cleanup, exitOnSignals } from './bench/cleanup';
import { withCpuNote } from './bench/cpu-usage';
import { applyBenchEnvironment } from './bench/environment';
import { runLabwire } from './bench/labwire-run';
import { parseOptions, WARMUP_EVENTS } from './bench/options';
import { say } from './bench/progress';
import { printReport } from './bench/report';
import type { RunResult } from './bench/run-result';
import { setUp, type Bench } from './bench/stack';

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
