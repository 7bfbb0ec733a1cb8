// The report on stdout: Markdown tables of the three runs, the targets, the machine, and each run's notes.
import os from 'node:os';
import { ms, perSecond } from './figures';
import { WARMUP_EVENTS, type BenchOptions } from './options';
import type { RunResult } from './run-result';

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

export function printReport(options: BenchOptions, rated: RunResult, saturated: RunResult, ceiling: RunResult): void {
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
