/**
 * Chaos run (issue 14): `npm run chaos [-- --reduced] [--seed N]`.
 *
 * On a stack of its own (.labwire/chaos, database labwire_chaos, Temporal dev server :27633,
 * FerretDB :47417, APIs :23100 and :23101), two `labwire worker` and two `labwire api` processes
 * take events from both APIs, the partner API, the client library and its outbox, while a seeded
 * schedule kills workers, stops Temporal, kills FerretDB, restarts PostgreSQL and the APIs, and
 * retries failures by hand and in bulk. Then it waits for quiescence and checks that nothing was
 * lost, stuck or misreported (scripts/chaos/checks.ts). Progress goes to stderr, the table to
 * stdout; the exit code is 1 when a check fails. The parts live in scripts/chaos/.
 */
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../src/config/load';
import { chaosEnvironment, chaosPlace } from './chaos/environment';
import { CHAOS_USAGE, parseOptions } from './chaos/options';
import { report } from './chaos/report';
import { runChaos } from './chaos/run';
import { say } from './chaos/say';

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    say(`${error instanceof Error ? error.message : String(error)}\n${CHAOS_USAGE}`);
    return 2;
  }
  const place = chaosPlace(options.slot);
  const env = chaosEnvironment(place, options.profile === 'reduced' ? 30_000 : 90_000, options.server);
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  const result = await runChaos(loadConfig(), place, env, options);
  const table = report(result);
  process.stdout.write(`${table}\n`);
  if (options.jsonFile) writeFileSync(options.jsonFile, JSON.stringify(result, null, 2));
  say(result.passed ? 'Chaos run passed.' : 'Chaos run FAILED: see the table.');
  return result.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(`Chaos run could not finish: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
