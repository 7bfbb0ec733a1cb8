/**
 * The API fuzzer of issue 9 (prints a report; exits 1 when anything failed):
 *
 *   npm run fuzz -- [--seed N] [--runs 10000] [--max-deaths 20]
 *
 * Walks every operation of /api/openapi.json and /partner/v1/openapi.json as nobody, viewer,
 * operator, admin and the partner's auth key with generated paths, queries, headers and bodies
 * (scripts/fuzz/fuzz-case.ts), against `labwire api` and `labwire worker` as child processes on the
 * test stack of LABWIRE_TEST_SLOT (started here when not running). It checks: no 5xx, an answer to
 * every request, every 4xx application/problem+json, no refused request changed the stores, and
 * both processes alive with /healthz answering at the end. Progress goes to stderr, the report to stdout.
 */
import { loadConfig } from '../src/config/load';
import { applyTestEnvironment } from '../test/support/test-environment';
import { prepareConfigStore, prepareTestStack } from '../test/support/test-stack';
import { runFuzz } from './fuzz/fuzz-run';
import { formatReport } from './fuzz/report';
import { fuzzPort, ownStores, startTarget } from './fuzz/target';

const say = (line: string) => process.stderr.write(`[fuzz] ${line}\n`);

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} expects a whole number (got ${args[at + 1]})`);
  return value;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const seed = option(args, 'seed', Date.now() % 2 ** 31);
  const runs = option(args, 'runs', 10_000);
  // Each death is reported and the process restarted; past this many the run stops (a crash found once is found).
  const maxDeaths = option(args, 'max-deaths', 20);
  applyTestEnvironment();
  const config = loadConfig();
  say(`seed ${seed}, ${runs} requests (replay with: npm run fuzz -- --seed ${seed} --runs ${runs})`);
  const stack = await prepareTestStack(config, say);
  try {
    const own = ownStores(config);
    await prepareConfigStore(own);
    const target = await startTarget(own, fuzzPort(config.api.port, 'script'), say);
    try {
      say(`${target.operations.length} operations; sending`);
      const result = await runFuzz(target, { seed, runs, maxDeaths, progress: say });
      process.stdout.write(`${formatReport(result)}\n`);
      return result.failures.size === 0 ? 0 : 1;
    } finally {
      await target.close();
    }
  } finally {
    await stack.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(2);
  },
);
