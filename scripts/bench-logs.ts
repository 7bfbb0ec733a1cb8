/**
 * Log-query benchmark (prints figures, asserts nothing):
 *
 *   npm run bench:logs -- [--iterations 20] [--warmup 2] [--budget 60] [--timeout 15] [--only <substring>] [--set NAME] [--keep-server]
 *
 * Runs the dashboard's common reads (scripts/bench-logs/cases.ts) through listLogs and logStats
 * against the bench log store that `npm run seed:logs` filled (FerretDB on port 47600 over the
 * PostgreSQL database labwire_bench_logs, started here when nothing answers there, stopped at the
 * end). Each case: warm-up runs, then up to --iterations timed runs, fewer when they would take
 * longer than --budget seconds (the sample count is printed); a run past --timeout seconds (the
 * queries' maxTimeMS) ends its case, reported as timed out. Also prints what FerretDB says it
 * pushes down to PostgreSQL for each case (`explain`). Progress on stderr, Markdown on stdout.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { LogQueryTimeoutError, pushdownQueries } from '../src/logstore/log-query';
import { benchCases, type BenchCase } from './bench-logs/cases';
import { openBenchLogStore, say, type BenchLogStore } from './bench-logs/log-store';

interface Options {
  iterations: number;
  warmup: number;
  budgetMs: number;
  timeoutMs: number;
  only?: string;
  set?: string;
  keepServer: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { iterations: 20, warmup: 2, budgetMs: 60_000, timeoutMs: 15_000, keepServer: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg}: expected a value`);
      return v;
    };
    const count = () => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0) throw new Error(`${arg}: expected a whole number`);
      return n;
    };
    if (arg === '--iterations') options.iterations = Math.max(1, count());
    else if (arg === '--warmup') options.warmup = count();
    else if (arg === '--budget') options.budgetMs = count() * 1000;
    else if (arg === '--timeout') options.timeoutMs = Math.max(1, count()) * 1000;
    else if (arg === '--only') options.only = value();
    else if (arg === '--set') options.set = value();
    else if (arg === '--keep-server') options.keepServer = true;
    else throw new Error(`unknown option ${arg}; options: --iterations N, --warmup N, --budget SECONDS, --timeout SECONDS, --only TEXT, --set NAME, --keep-server`);
  }
  return options;
}

const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

interface CaseResult {
  name: string;
  samples: number[];
  rows: number;
  pushdown: string;
  /** Set when a run passed --timeout: the case stopped there. */
  timedOut?: boolean;
}

async function pushdownOf(bench: BenchLogStore, c: BenchCase): Promise<string> {
  const facts = [];
  for (const filter of pushdownQueries(c.filter)) {
    const answer = await bench.store.db.command({
      explain: { find: bench.collection.collectionName, filter, sort: { inserted_at: -1, _id: -1 }, limit: 51 },
    });
    facts.push(`filter ${answer.filterPushdown ? 'yes' : 'no'}, sort ${answer.sortPushdown ? 'yes' : 'no'}, limit ${answer.limitPushdown ? 'yes' : 'no'}`);
  }
  return `${facts.length} quer${facts.length === 1 ? 'y' : 'ies'}: ${[...new Set(facts)].join(' / ')}`;
}

async function runCase(bench: BenchLogStore, c: BenchCase, options: Options): Promise<CaseResult> {
  let rows = 0;
  const samples: number[] = [];
  const pushdown = await pushdownOf(bench, c);
  const timed = async () => {
    const t0 = process.hrtime.bigint();
    rows = await c.run(bench.collection, options.timeoutMs);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  try {
    for (let i = 0; i < options.warmup; i++) await timed();
    const started = Date.now();
    while (samples.length < options.iterations && (samples.length < 3 || Date.now() - started < options.budgetMs)) samples.push(await timed());
  } catch (error) {
    if (!(error instanceof LogQueryTimeoutError)) throw error;
    return { name: c.name, samples: samples.sort((a, b) => a - b), rows, pushdown, timedOut: true };
  }
  return { name: c.name, samples: samples.sort((a, b) => a - b), rows, pushdown };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const bench = await openBenchLogStore(options.set);
  try {
    const seed = await bench.store.db.collection<{ _id: string; count: number; anchor: Date; done?: number }>('bench_seed_meta').findOne({ _id: 'seed' });
    if (!seed) throw new Error(`the bench log store is empty: run \`npm run seed:logs${options.set ? ` -- --set ${options.set} --count N` : ''}\` first`);
    if ((seed.done ?? seed.count) < seed.count) say(`Note: the seed stopped at ${seed.done} of ${seed.count} logs; run \`npm run seed:logs -- --count ${seed.count}\` to finish it`);
    say('Creating the indexes of INDEXES that are missing (once per data set; minutes at a million logs)…');
    await bench.logs.ensureIndexes();
    // Not a count: FerretDB 1.x counts by reading every document.
    const total = seed.done ?? seed.count;
    const build = await bench.store.db.admin().command({ buildInfo: 1 });
    const loadBefore = loadavg();
    const cases = benchCases(seed.anchor, seed.count).filter((c) => !options.only || c.name.includes(options.only));
    const results: Array<CaseResult & { kind: string }> = [];
    for (const c of cases) {
      say(`  ${c.name} …`);
      const result = await runCase(bench, c, options);
      say(
        result.timedOut
          ? `    timed out (> ${options.timeoutMs / 1000} s) after ${result.samples.length} measured runs`
          : `    p50 ${ms(percentile(result.samples, 50))} ms, p95 ${ms(percentile(result.samples, 95))} ms (${result.samples.length} runs, ${result.rows} rows)`,
      );
      results.push({ ...result, kind: c.kind });
    }
    const loadAfter = loadavg();
    const cpu = cpus();
    console.log(`## Log queries at ${total.toLocaleString('en')} logs\n`);
    console.log(`- Machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
    console.log(`- Log store: FerretDB ${String(build.ferretdbVersion ?? build.version)} (${bench.config.logStore.ferret.handler} handler), ${bench.config.logStore.url}${bench.config.logStore.database}`);
    console.log(`- Load average before/after: ${loadBefore.map((l) => l.toFixed(2)).join(' ')} / ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
    console.log(
      `- Per case: ${options.warmup} warm-up runs, then up to ${options.iterations} runs (fewer past ${options.budgetMs / 1000} s; at least 3); each query limited to ${options.timeoutMs / 1000} s (maxTimeMS)\n`,
    );
    console.log('| query | kind | runs | rows | p50 ms | p95 ms | max ms | FerretDB pushdown (explain) |');
    console.log('|---|---|---:|---:|---:|---:|---:|---|');
    for (const r of results) {
      const figures = r.timedOut
        ? `> ${options.timeoutMs} (timed out) | | `
        : `${ms(percentile(r.samples, 50))} | ${ms(percentile(r.samples, 95))} | ${ms(r.samples[r.samples.length - 1] ?? Number.NaN)}`;
      console.log(`| ${r.name} | ${r.kind} | ${r.samples.length} | ${r.timedOut ? '' : r.rows} | ${figures} | ${r.pushdown} |`);
    }
  } finally {
    await bench.close({ keepServer: options.keepServer });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    say(`bench-logs failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
