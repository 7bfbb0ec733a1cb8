/**
 * Log-query benchmark (prints figures, asserts nothing):
 *
 *   npm run bench:logs -- [--iterations 30] [--warmup 3] [--budget 30] [--get-iterations 5] [--only <substring>] [--set NAME] [--keep-server]
 *
 * Runs the dashboard's common reads (scripts/bench-logs/cases.ts) through listLogs and logStats,
 * the functions the API's log routes call, on the read model `log_index` in the bench's own config
 * database (labwire_bench_index) that `npm run seed:logs` filled; and the detail view's read of a
 * whole document, DeliveryLogs.get, on the bench log store (FerretDB on port 47600 over
 * labwire_bench_logs, started here when nothing answers there and stopped at the end).
 * Each case: warm-up runs, then up to --iterations timed runs, fewer when they would take longer
 * than --budget seconds (at least 3; the count is printed). Then EXPLAIN (ANALYZE, BUFFERS) of the
 * slowest list case, and of every list case whose p95 is over 100 ms.
 * Progress on stderr, Markdown on stdout.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { count } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import type { ConfigDb } from '../src/db/config-store';
import * as schema from '../src/db/schema';
import { logIndex } from '../src/db/schema';
import { ensureFerretLookupIndexes } from '../src/logstore/ferret-lookup-indexes';
import { benchCases, type BenchCase, type BenchContext } from './bench-logs/cases';
import { openBenchLogStore, say, type BenchLogStore } from './bench-logs/log-store';

interface Options {
  iterations: number;
  getIterations: number;
  warmup: number;
  budgetMs: number;
  only?: string;
  set?: string;
  keepServer: boolean;
}

const TARGET_P95_MS = 100;

function parseArgs(argv: string[]): Options {
  const options: Options = { iterations: 30, getIterations: 5, warmup: 3, budgetMs: 30_000, keepServer: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg}: expected a value`);
      return v;
    };
    const whole = () => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0) throw new Error(`${arg}: expected a whole number`);
      return n;
    };
    if (arg === '--iterations') options.iterations = Math.max(1, whole());
    else if (arg === '--get-iterations') options.getIterations = Math.max(1, whole());
    else if (arg === '--warmup') options.warmup = whole();
    else if (arg === '--budget') options.budgetMs = whole() * 1000;
    else if (arg === '--only') options.only = value();
    else if (arg === '--set') options.set = value();
    else if (arg === '--keep-server') options.keepServer = true;
    else throw new Error(`unknown option ${arg}; options: --iterations N, --get-iterations N, --warmup N, --budget SECONDS, --only TEXT, --set NAME, --keep-server`);
  }
  return options;
}

const ms = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(1));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

interface CaseResult {
  case: BenchCase;
  samples: number[];
  rows: number;
}

async function runCase(ctx: BenchContext, c: BenchCase, options: Options): Promise<CaseResult> {
  let rows = 0;
  const samples: number[] = [];
  const timed = async () => {
    const t0 = process.hrtime.bigint();
    rows = await c.run(ctx);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  await c.prepare?.(ctx);
  // A FerretDB read scans the whole table: one warm-up run is enough.
  const warmup = c.kind === 'get' ? Math.min(1, options.warmup) : options.warmup;
  const iterations = c.kind === 'get' ? options.getIterations : options.iterations;
  for (let i = 0; i < warmup; i++) await timed();
  const started = Date.now();
  while (samples.length < iterations && (samples.length < 3 || Date.now() - started < options.budgetMs)) samples.push(await timed());
  return { case: c, samples: samples.sort((a, b) => a - b), rows };
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of the SQL that listLogs sends for a case: the case runs once more on
 * a drizzle instance over the same connection pool whose logger keeps the query.
 */
async function explain(bench: BenchLogStore, c: BenchCase): Promise<string> {
  let query: { sql: string; params: unknown[] } | undefined;
  const db: ConfigDb = drizzle(bench.index.configStore.sql, {
    schema,
    logger: { logQuery: (text, params) => void (query = { sql: text, params }) },
  });
  await c.run({ db, logs: bench.logs });
  if (!query) return '(no query)';
  const rows = await bench.index.configStore.sql.unsafe(`explain (analyze, buffers) ${query.sql}`, query.params as never[]);
  return rows.map((row) => String(row['QUERY PLAN'])).join('\n');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const bench = await openBenchLogStore(options.set);
  try {
    const seed = await bench.store.db.collection<{ _id: string; count: number; anchor: Date; done?: number }>('bench_seed_meta').findOne({ _id: 'seed' });
    if (!seed) throw new Error(`the bench log store is empty: run \`npm run seed:logs${options.set ? ` -- --set ${options.set} --count N` : ''}\` first`);
    const db = bench.index.configStore.db;
    const [counted] = await db.select({ n: count() }).from(logIndex);
    const rowCount = counted?.n ?? 0;
    if (rowCount < seed.count) say(`Note: log_index holds ${rowCount} of the seed's ${seed.count} logs; run \`npm run seed:logs -- --index-only\` to index them all`);
    // A seed made before the lookup indexes existed gets them now (once; a GIN build over 1,000,000 logs takes a while).
    say('Log store: ensuring the FerretDB lookup indexes');
    await ensureFerretLookupIndexes(bench.config.logStore);
    const [pg] = await bench.index.configStore.sql<Array<{ server_version: string }>>`show server_version`;
    const [size] = await bench.index.configStore.sql<Array<{ table: string; total: string }>>`
      select pg_size_pretty(pg_relation_size('log_index')) as table, pg_size_pretty(pg_total_relation_size('log_index')) as total`;
    await bench.index.configStore.sql`analyze log_index`;
    const ctx: BenchContext = { db, logs: bench.logs };
    const loadBefore = loadavg();
    const cases = benchCases(seed.anchor, seed.count).filter((c) => !options.only || c.name.includes(options.only));
    const results: CaseResult[] = [];
    for (const c of cases) {
      say(`  ${c.name} …`);
      const result = await runCase(ctx, c, options);
      say(`    p50 ${ms(percentile(result.samples, 50))} ms, p95 ${ms(percentile(result.samples, 95))} ms (${result.samples.length} runs, ${result.rows} rows)`);
      results.push(result);
    }
    const loadAfter = loadavg();
    const cpu = cpus();
    console.log(`## Log queries at ${rowCount.toLocaleString('en')} rows in log_index\n`);
    console.log(`- Machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
    console.log(`- Read model: PostgreSQL ${pg?.server_version ?? '?'}, ${bench.index.url}, log_index ${size?.table ?? '?'} (${size?.total ?? '?'} with indexes)`);
    console.log(`- Log store (get by id only): FerretDB over ${bench.config.logStore.ferret.postgresUrl}, ${seed.count.toLocaleString('en')} documents`);
    console.log(`- Load average before/after: ${loadBefore.map((l) => l.toFixed(2)).join(' ')} / ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
    console.log(
      `- Per case: ${options.warmup} warm-up runs, then up to ${options.iterations} runs (get by id: ${options.getIterations}), fewer past ${options.budgetMs / 1000} s, at least 3\n`,
    );
    console.log('| query | kind | runs | rows | p50 ms | p95 ms | max ms |');
    console.log('|---|---|---:|---:|---:|---:|---:|');
    for (const r of results) {
      const p95 = percentile(r.samples, 95);
      const flag = r.case.kind === 'list' && p95 > TARGET_P95_MS ? ' ⚠' : '';
      console.log(
        `| ${r.case.name}${flag} | ${r.case.kind} | ${r.samples.length} | ${r.rows} | ${ms(percentile(r.samples, 50))} | ${ms(p95)} | ${ms(r.samples[r.samples.length - 1] ?? Number.NaN)} |`,
      );
    }
    const lists = results.filter((r) => r.case.kind === 'list').sort((a, b) => percentile(b.samples, 95) - percentile(a.samples, 95));
    const explained = lists.filter((r, i) => i === 0 || percentile(r.samples, 95) > TARGET_P95_MS);
    for (const r of explained) {
      console.log(`\n### EXPLAIN (ANALYZE, BUFFERS): ${r.case.name} (p95 ${ms(percentile(r.samples, 95))} ms)\n`);
      console.log('```');
      console.log(await explain(bench, r.case));
      console.log('```');
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
