/**
 * Seeds the log-query bench's own log store with realistic delivery logs (prints progress, asserts nothing):
 *
 *   npm run seed:logs -- [--count 1000000] [--set NAME] [--reset] [--keep-server]
 *
 * The store is FerretDB on port 47600 over the PostgreSQL database labwire_bench_logs (started here
 * when nothing answers there), never the dev or test one. Log i is always the same document and
 * logs are inserted in order, so an interrupted seed resumes where it stopped; `--reset` drops the
 * collection and starts again; `--set small` seeds another data set beside it (database
 * labwire_bench_logs_small), e.g. a smaller one to compare; a larger `--count` is refused on an existing set of another size
 * (its timestamps would not line up), use --reset. The indexes are created first, as the app does.
 */
import { generateLog } from './bench-logs/generate';
import { openBenchLogStore, say } from './bench-logs/log-store';

const BATCH = 1_000;
const META_COLLECTION = 'bench_seed_meta';

interface SeedMeta {
  _id: 'seed';
  count: number;
  anchor: Date;
  /** Logs 0..done-1 are in (FerretDB 1.x counts a collection by reading all of it, so progress is kept here). */
  done: number;
}

function parseArgs(argv: string[]): { count: number; set?: string; reset: boolean; keepServer: boolean } {
  const options: { count: number; set?: string; reset: boolean; keepServer: boolean } = { count: 1_000_000, reset: false, keepServer: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--reset') options.reset = true;
    else if (arg === '--keep-server') options.keepServer = true;
    else if (arg === '--set') options.set = argv[++i];
    else if (arg === '--count') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1) throw new Error('--count: expected a positive whole number');
      options.count = value;
    } else throw new Error(`unknown option ${arg}; options: --count N, --set NAME, --reset, --keep-server`);
  }
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

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const bench = await openBenchLogStore(options.set);
  try {
    const { db } = bench.store;
    const meta = db.collection<SeedMeta>(META_COLLECTION);
    if (options.reset) {
      say('--reset: dropping the bench logs');
      await bench.collection.drop().catch(() => undefined);
      await meta.deleteMany({});
    }
    let seed = await meta.findOne({ _id: 'seed' });
    if (seed && seed.count !== options.count) {
      throw new Error(`the bench store holds a seed of ${seed.count} logs; run again with --count ${seed.count} to resume it, or --reset to re-create it`);
    }
    if (!seed) {
      // A whole hour, so two seeds made the same hour on different machines are the same data.
      seed = { _id: 'seed', count: options.count, anchor: new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000), done: 0 };
      await meta.insertOne(seed);
    }
    await bench.logs.ensureIndexes();
    // A batch cut short by an interruption is inserted again; its logs already there are skipped.
    const start = seed.done ?? 0;
    say(`Seeding ${options.count.toLocaleString('en')} logs into ${bench.config.logStore.url}${bench.config.logStore.database} (anchor ${seed.anchor.toISOString()}); ${start.toLocaleString('en')} already there`);
    const startedAt = Date.now();
    let lastDraw = 0;
    for (let from = start; from < options.count; from += BATCH) {
      const docs = [];
      for (let i = from; i < Math.min(options.count, from + BATCH); i++) docs.push(generateLog(i, options.count, seed.anchor.getTime()));
      try {
        await bench.collection.insertMany(docs, { ordered: false });
      } catch (error) {
        // Resuming: the redone batch holds logs that are already there.
        if ((error as { code?: number }).code !== 11000) throw error;
      }
      await meta.updateOne({ _id: 'seed' }, { $set: { done: Math.min(options.count, from + BATCH) } });
      if (Date.now() - lastDraw > 500 || from + BATCH >= options.count) {
        process.stderr.write(progressLine(Math.min(options.count, from + BATCH), options.count, startedAt, start));
        lastDraw = Date.now();
      }
    }
    process.stderr.write('\n');
    say(`Done: ${options.count.toLocaleString('en')} logs seeded (${(options.count - start).toLocaleString('en')} in this run, ${((Date.now() - startedAt) / 1000).toFixed(0)} s).`);
    if (options.keepServer && bench.startedFerret) say(`--keep-server: FerretDB keeps running on ${bench.config.logStore.url}`);
  } finally {
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
