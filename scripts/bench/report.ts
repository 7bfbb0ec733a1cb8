// The report on stdout: Markdown tables of the runs, Labwire as a share of the Temporal floor, CPU and history per delivery, the targets, the machine, and each run's notes.
import os from 'node:os';
import { benchProcess } from './cpu-usage';
import { ms, percent, perSecond } from './figures';
import type { Floor } from './floor/floors';
import { WARMUP_EVENTS, type BenchOptions } from './options';
import type { RunResult } from './run-result';

export interface BenchResults {
  /** In the order of `floors` (floor/floors.ts). */
  floors: Array<{ floor: Floor; result: RunResult }>;
  /** Saturated at N/10 and at N: equal throughput means no decay as the backlog grows. */
  saturatedSmall: RunResult;
  saturated: RunResult;
  /** Offered at a fixed rate (by default half the saturated throughput): the latency a delivery sees below capacity. */
  rated: RunResult;
  ceiling: RunResult;
  /** Which Temporal server ran, in a few words. */
  server: string;
}

function resultRow(result: RunResult): string {
  const failed = [...result.failed.entries()].map(([status, count]) => `${count} ${status}`).join(', ') || '0';
  const { p50, p95, p99, max } = result.latency;
  return `| ${result.label} | ${result.events} | ${result.offered} | ${perSecond(result.deliveriesPerSecond)} | ${ms(p50)} | ${ms(p95)} | ${ms(p99)} | ${ms(max)} | ${result.late} / ${result.unfinished} | ${failed} |`;
}

function ratioTable({ floors, saturatedSmall, saturated, rated, ceiling }: BenchResults): string[] {
  const header = floors.map(({ floor, result }) => `${floor.short} (${perSecond(result.deliveriesPerSecond)}/s)`);
  const row = (result: RunResult) =>
    `| ${result.label} | ${perSecond(result.deliveriesPerSecond)} | ${floors.map((f) => percent(result.deliveriesPerSecond / f.result.deliveriesPerSecond)).join(' | ')} | ${percent(result.deliveriesPerSecond / ceiling.deliveriesPerSecond)} |`;
  return [
    '### Labwire as a share of the Temporal floor (the figures that travel between machines)',
    '',
    `| Labwire run | Deliveries/s | ${header.join(' | ')} | ceiling (${perSecond(ceiling.deliveriesPerSecond)}/s) |`,
    `|---|---|${header.map(() => '---|').join('')}---|`,
    row(saturatedSmall),
    row(saturated),
    row(rated),
  ];
}

function cpuTable(runs: RunResult[]): string[] {
  const names = [...(runs.find((run) => run.cpu)?.cpu?.seconds.keys() ?? [])];
  const perDelivery = (seconds: number | undefined, run: RunResult) => (seconds === undefined || run.completed === 0 ? '?' : ((seconds * 1000) / run.completed).toFixed(1));
  const rows = runs.map((run) => {
    const values = names.map((name) => run.cpu?.seconds.get(name));
    const total = values.every((v) => v !== undefined) ? values.reduce<number>((sum, v) => sum + (v ?? 0), 0) : undefined;
    const wall = run.cpu ? (run.cpu.wallMs / 1000).toFixed(1) : '?';
    return `| ${run.label} | ${wall} | ${run.completed} | ${values.map((v) => perDelivery(v, run)).join(' | ')} | ${perDelivery(total, run)} |`;
  });
  return [
    '### CPU per delivery (ms; per workflow for the floors)',
    '',
    `| Run | Wall s | Completed | ${names.join(' | ')} | Total |`,
    `|---|---|---|${names.map(() => '---|').join('')}---|`,
    ...rows,
    '',
    `CPU time (user + system, from /proc) each process spent during the run, divided by the deliveries completed in it; ${os.cpus().length} cores give ${os.cpus().length} core-seconds per wall second.`,
    'The bench process runs the workers, the emitter or floor client, the receiver and the completion watcher. "PostgreSQL: …" counts the backends connected to those databases',
    "(pg_stat_activity), not PostgreSQL's shared background processes; other users of the machine's PostgreSQL are not in these columns.",
  ];
}

function historyTable(runs: RunResult[]): string[] {
  const per = (value: number, roots: number) => (value / roots).toFixed(1);
  return [
    '### History per delivery (from a sample of each run\'s workflows)',
    '',
    '| Run (sampled deliveries) | Workflows | Workflow tasks (WorkflowTaskCompleted) | History events | Activity tasks | Local activities (markers) |',
    '|---|---|---|---|---|---|',
    ...runs.flatMap(({ label, history: h }) =>
      h && h.roots > 0
        ? [`| ${label} (${h.roots}) | ${per(h.workflows, h.roots)} | ${per(h.workflowTasks, h.roots)} | ${per(h.events, h.roots)} | ${per(h.activityTasks, h.roots)} | ${per(h.localActivities, h.roots)} |`]
        : [],
    ),
    '',
    "Labwire's figures cover the event workflow and any workflow it starts (the bench's integration makes one delivery per event).",
  ];
}

function commandLine(): string {
  return ['npx tsx scripts/bench-delivery.ts', ...process.argv.slice(2)].join(' ');
}

function machineRows(server: string): string[] {
  const cpus = os.cpus();
  return [
    '| Machine | |',
    '|---|---|',
    `| CPUs | ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'} |`,
    `| Memory | ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB |`,
    `| Node | ${process.version} (${process.platform} ${os.release()}) |`,
    `| Temporal | ${server} |`,
    `| Date | ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC |`,
    `| Command | \`${commandLine()}\` |`,
  ];
}

/** The Done-when lines of issue 12, each with its figure and whether it holds. */
function targetLines({ floors, saturatedSmall, saturated, rated }: BenchResults): string[] {
  const oneActivity = floors.find(({ floor }) => floor.workflowType === 'floorActivityWorkflow')?.result;
  const share = oneActivity ? saturated.deliveriesPerSecond / oneActivity.deliveriesPerSecond : Number.NaN;
  const backlog = saturated.deliveriesPerSecond / saturatedSmall.deliveriesPerSecond;
  const benchCpu = (run: RunResult) => {
    const seconds = run.cpu?.seconds.get(benchProcess.name);
    return seconds === undefined || run.completed === 0 ? Number.NaN : (seconds * 1000) / run.completed;
  };
  const verdict = (holds: boolean) => (holds ? 'met' : 'not met');
  return [
    '### Targets',
    '',
    `- Saturated throughput ≥ 80 % of the "workflow + 1 activity" floor (stretch 100 %): ${percent(share)} — ${verdict(share >= 0.8)}${share >= 1 ? ' (stretch met)' : ''}`,
    `- Saturated at N (${saturated.events}) within 15 % of N/10 (${saturatedSmall.events}): ${perSecond(saturated.deliveriesPerSecond)}/s vs ${perSecond(saturatedSmall.deliveriesPerSecond)}/s (${percent(backlog)}) — ${verdict(backlog >= 0.85)}`,
    `- p99 emit → SUCCESS < 1000 ms at ${rated.offered} offered: ${ms(rated.latency.p99)} ms — ${verdict(rated.latency.p99 < 1000 && rated.unfinished === 0)}`,
    `- Bench-process CPU per delivery (workers, emitter, receiver, completion watcher), saturated: ${benchCpu(saturated).toFixed(1)} ms (issue 12 measured ~45 ms for the worker before the change; the floor's empty workflow costs this process ${benchCpu(floors[0]!.result).toFixed(1)} ms)`,
    `- Sustained ≥ 100 deliveries/s (SPEC §2, a production cluster): ${perSecond(saturated.deliveriesPerSecond)}/s — ${verdict(saturated.deliveriesPerSecond >= 100)}`,
  ];
}

export function printReport(options: BenchOptions, results: BenchResults): void {
  const { floors, saturatedSmall, saturated, rated, ceiling } = results;
  const runs = [...floors.map((f) => f.result), saturatedSmall, saturated, rated, ceiling];
  const lines = [
    '',
    '## Labwire delivery benchmark',
    '',
    `| Run | Events | Offered | Deliveries/s | p50 ms | p95 ms | p99 ms | max ms | Late (>${options.timeoutMs / 1000} s) / never | Failed |`,
    '|---|---|---|---|---|---|---|---|---|---|',
    ...runs.map(resultRow),
    '',
    'The floor runs start trivial workflows on a worker built as Labwire\'s is (same server, payload codec, worker options) at the same N and concurrency;',
    `their latency is start call → the workflow's close. Labwire runs measure emit start → the log's \`updated_at\` (set by the worker, same process and clock) when it`,
    `reaches SUCCESS; the ceiling measures insert → POST → update. Deliveries/s = successful deliveries / (last completion − first start).`,
    `"Late" = SUCCESS after more than ${options.timeoutMs / 1000} s; "never" = not final when the run gave up (${options.timeoutMs / 1000} s without any log becoming final).`,
    `The saturation runs give the sustained figure, at N/10 and at N; the rated run's throughput is bounded by what it is offered. ${WARMUP_EVENTS} warm-up events (and floor workflows) ran first, not reported.`,
    '',
    ...ratioTable(results),
    '',
    ...cpuTable(runs),
    '',
    ...historyTable(runs),
    '',
    ...targetLines(results),
    '',
    ...machineRows(results.server),
    '',
    ...runs.flatMap((result) => [`${result.label}:`, ...result.notes.map((note) => `  - ${note}`)]),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
