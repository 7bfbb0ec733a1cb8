/**
 * Seeds the log-query bench's own stores with realistic delivery logs (prints progress, asserts nothing):
 *
 *   npm run seed:logs -- [--count 1000000] [--set NAME] [--reset] [--index-only] [--keep-server]
 *
 * Each batch of logs goes to both stores, as DeliveryLogs writes them: the documents to the log
 * store (FerretDB on port 47600 over the PostgreSQL database labwire_bench_logs, started here when
 * nothing answers there) and their rows to the read model `log_index` (LogIndex.insert) in the
 * bench's own config database labwire_bench_index (created and migrated here). Never the dev or
 * test ones.
 *
 * Log i is always the same document (scripts/bench-logs/generate.ts; the anchor hour is kept in the
 * store's `bench_seed_meta`) and logs are inserted in order, so an interrupted seed resumes where it
 * stopped; `--reset` drops both and starts again; `--set small` seeds another data set beside it
 * (databases labwire_bench_logs_small and labwire_bench_index_small); a different `--count` is
 * refused on an existing set (its timestamps would not line up), use --reset.
 *
 * `--index-only` writes only the read model's rows for the logs already in the bench log store:
 * it regenerates them from the seed's anchor after checking that the generator still gives the
 * stored documents (the first 1,000 stored, the middle one and the last one; a mismatch stops it).
 * Resumable too (rows already there are kept).
 */
import { isDeepStrictEqual } from 'node:util';
import { count } from 'drizzle-orm';
import { logIndex } from '../src/db/schema';
import type { LogDocument } from '../src/logstore/log-document';
import { logIndexRow } from '../src/logstore/log-index';
import { generateLog, seedLogId } from './bench-logs/generate';
import { openBenchLogStore, say, type BenchLogStore } from './bench-logs/log-store';
import { prepareLogStore } from '../src/logstore/ferret-lookup-indexes';

const BATCH = 1_000;
/** 2,000 rows × 22 columns stays under PostgreSQL's 65,535 bind parameters. */
const INDEX_BATCH = 2_000;
const META_COLLECTION = 'bench_seed_meta';

interface SeedMeta {
  _id: 'seed';
  count: number;
  anchor: Date;
  /** Logs 0..done-1 are in (FerretDB 1.x counts a collection by reading all of it, so progress is kept here). */
  done: number;
}

interface Options {
  count: number;
  set?: string;
  reset: boolean;
  indexOnly: boolean;
  keepServer: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { count: 1_000_000, reset: false, indexOnly: false, keepServer: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--reset') options.reset = true;
    else if (arg === '--index-only') options.indexOnly = true;
    else if (arg === '--keep-server') options.keepServer = true;
    else if (arg === '--set') options.set = argv[++i];
    else if (arg === '--count') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1) throw new Error('--count: expected a positive whole number');
      options.count = value;
    } else throw new Error(`unknown option ${arg}; options: --count N, --set NAME, --reset, --index-only, --keep-server`);
  }
  if (options.reset && options.indexOnly) throw new Error('--index-only indexes the logs already seeded; it cannot be used with --reset');
  return options;
}

function progressLine(done: number, total: number, startedAt: number, startCount: number): string {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const seconds = (Date.now() - startedAt) / 1000;
  const rate = seconds > 0 ? (done - startCount) / seconds : 0;
  const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
  return `\r  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en')}/${total.toLocaleString('en')}  ${Math.round(rate).toLocaleString('en')} logs/s  ETA ${eta} s  `;
}

function progress(): (done: number, total: number, startCount: number) => void {
  const startedAt = Date.now();
  let lastDraw = 0;
  return (done, total, startCount) => {
    if (Date.now() - lastDraw > 500 || done >= total) {
      process.stderr.write(progressLine(done, total, startedAt, startCount));
      lastDraw = Date.now();
    }
  };
}

async function indexedRows(bench: BenchLogStore): Promise<number> {
  const [row] = await bench.index.configStore.db.select({ n: count() }).from(logIndex);
  return row?.n ?? 0;
}

/**
 * The generator must still give the stored documents, or the rows would describe other logs. Reads
 * the first 1,000 stored (FerretDB pushes a limit without filter or sort down: cheap) and the middle
 * and last logs by id (FerretDB 1.x scans the table for each: a few seconds).
 */
async function checkGenerator(bench: BenchLogStore, seed: SeedMeta): Promise<void> {
  say('Checking that the generator gives the stored documents…');
  const indexOf = new Map<string, number>();
  for (let i = 0; i < seed.count; i++) indexOf.set(seedLogId(i), i);
  const head = await bench.collection.find({}).limit(1_000).toArray();
  const spots = [];
  for (const i of [Math.floor(seed.count / 2), seed.count - 1]) {
    const doc = await bench.collection.findOne({ _id: seedLogId(i) });
    if (!doc) throw new Error(`log ${i} (${seedLogId(i)}) is not in the bench log store: seed it first (npm run seed:logs -- --count ${seed.count})`);
    spots.push(doc);
  }
  let checked = 0;
  for (const stored of [...head, ...spots]) {
    const i = indexOf.get(stored._id);
    if (i === undefined) throw new Error(`the stored log ${stored._id} is not one the generator makes for a seed of ${seed.count}`);
    const generated = generateLog(i, seed.count, seed.anchor.getTime());
    if (!isDeepStrictEqual(logIndexRow(stored), logIndexRow(generated))) {
      throw new Error(
        `the generator no longer gives the stored log ${i} (${stored._id}): stored ${JSON.stringify(logIndexRow(stored))}, generated ${JSON.stringify(logIndexRow(generated))}`,
      );
    }
    checked += 1;
  }
  say(`  ${checked} stored logs match their generated rows.`);
}

async function seedIndexOnly(bench: BenchLogStore, seed: SeedMeta): Promise<void> {
  if (seed.done < seed.count) throw new Error(`the bench log store holds ${seed.done} of ${seed.count} logs; finish the seed first`);
  await checkGenerator(bench, seed);
  const already = await indexedRows(bench);
  // Rows are inserted in log order, in whole statements: the first `already` logs are in.
  const start = Math.min(seed.count, Math.floor(already / INDEX_BATCH) * INDEX_BATCH);
  say(`Indexing ${seed.count.toLocaleString('en')} logs into ${bench.index.url} (log_index); ${already.toLocaleString('en')} rows already there`);
  const startedAt = Date.now();
  const draw = progress();
  for (let from = start; from < seed.count; from += INDEX_BATCH) {
    const docs: LogDocument[] = [];
    for (let i = from; i < Math.min(seed.count, from + INDEX_BATCH); i++) docs.push(generateLog(i, seed.count, seed.anchor.getTime()));
    await bench.index.index.insert(docs);
    draw(Math.min(seed.count, from + INDEX_BATCH), seed.count, start);
  }
  process.stderr.write('\n');
  await settle(bench);
  say(`Done: ${(await indexedRows(bench)).toLocaleString('en')} rows in log_index (${((Date.now() - startedAt) / 1000).toFixed(0)} s).`);
}

/**
 * VACUUM ANALYZE of log_index, as autovacuum leaves a table in use: without the visibility map a
 * fresh table cannot answer from its indexes alone (stats over a large lab took 300 ms, not 190).
 */
async function settle(bench: BenchLogStore): Promise<void> {
  say('VACUUM ANALYZE log_index…');
  await bench.index.configStore.sql`vacuum analyze log_index`;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const bench = await openBenchLogStore(options.set);
  try {
    const { db } = bench.store;
    const meta = db.collection<SeedMeta>(META_COLLECTION);
    if (options.reset) {
      say('--reset: dropping the bench logs and their rows');
      await bench.collection.drop().catch(() => undefined);
      await meta.deleteMany({});
      await bench.index.configStore.db.delete(logIndex);
    }
    let seed = await meta.findOne({ _id: 'seed' });
    if (seed && seed.count !== options.count) {
      throw new Error(`the bench store holds a seed of ${seed.count} logs; run again with --count ${seed.count} to resume it, or --reset to re-create it`);
    }
    if (options.indexOnly) {
      if (!seed) throw new Error('--index-only: the bench log store holds no seed; run npm run seed:logs first');
      await seedIndexOnly(bench, seed);
      return;
    }
    if (!seed) {
      // A whole hour, so two seeds made the same hour on different machines are the same data.
      seed = { _id: 'seed', count: options.count, anchor: new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000), done: 0 };
      await meta.insertOne(seed);
    }
    await prepareLogStore(bench.config, bench.logs);
    // A batch cut short by an interruption is inserted again; its logs (and rows) already there are skipped.
    const start = seed.done ?? 0;
    if (start > 0 && (await indexedRows(bench)) === 0) {
      say(`Note: the log store holds ${start.toLocaleString('en')} logs and log_index none; only the new ones get rows here: run with --index-only afterwards for the others`);
    }
    say(`Seeding ${options.count.toLocaleString('en')} logs into ${bench.config.logStore.url}${bench.config.logStore.database} and ${bench.index.url} (anchor ${seed.anchor.toISOString()}); ${start.toLocaleString('en')} already there`);
    const startedAt = Date.now();
    const draw = progress();
    for (let from = start; from < options.count; from += BATCH) {
      const docs: LogDocument[] = [];
      for (let i = from; i < Math.min(options.count, from + BATCH); i++) docs.push(generateLog(i, options.count, seed.anchor.getTime()));
      try {
        await bench.collection.insertMany(docs, { ordered: false });
      } catch (error) {
        // Resuming: the redone batch holds logs that are already there.
        if ((error as { code?: number }).code !== 11000) throw error;
      }
      // After the documents, as DeliveryLogs does: the log store is the record.
      await bench.index.index.insert(docs);
      await meta.updateOne({ _id: 'seed' }, { $set: { done: Math.min(options.count, from + BATCH) } });
      draw(Math.min(options.count, from + BATCH), options.count, start);
    }
    process.stderr.write('\n');
    await settle(bench);
    say(`Done: ${options.count.toLocaleString('en')} logs seeded (${(options.count - start).toLocaleString('en')} in this run, ${((Date.now() - startedAt) / 1000).toFixed(0)} s).`);
  } finally {
    if (options.keepServer && bench.startedFerret) say(`--keep-server: FerretDB keeps running on ${bench.config.logStore.url}`);
    await bench.close({ keepServer: options.keepServer });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    say(`seed-logs failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
