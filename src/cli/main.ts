import { ConfigError, loadConfig } from '../config/load';
import { MissingBinaryError } from '../devstack/binaries';
import { ReadinessError } from '../devstack/process';
import { sayToStderr as say } from '../devstack/say';
import { apiCommand } from './commands/api';
import { doctorCommand } from './commands/doctor';
import { EMIT_USAGE, emitCommand } from './commands/emit';
import { RETRY_USAGE, retryCommand } from './commands/retry';
import { USER_USAGE, userCommand } from './commands/user';
import { reindexLogsCommand } from './commands/reindex-logs';
import { installServersCommand } from './commands/install-servers';
import { stackCommand } from './commands/stack';
import { startCommand } from './commands/start';
import { workerCommand } from './commands/worker';

const USAGE = () => `Usage: labwire <command>

Commands:
  start    start the whole local stack (Temporal, FerretDB, PostgreSQL database), seed demo data,
           run a worker and the API, and print the URLs
  stack    start only the servers
  worker   run a Temporal worker against running servers
  api      run the API and dashboard against running servers
  doctor   print the resolved configuration and check each server
  emit     fire one business event: ${EMIT_USAGE}
  retry    retry one delivery and wait for its outcome: ${RETRY_USAGE}
  user     add a dashboard user: ${USER_USAGE}
  reindex-logs
           rebuild the dashboard's read model (log_index in PostgreSQL) from the log store
  install-servers
           find or build (once, cached) the temporal and ferretdb binaries

Configuration comes from environment variables; see the README's configuration table.`;

/** Errors a person can act on are printed as they are; anything else is a bug and keeps its stack. */
function isExpected(error: unknown): error is Error {
  return error instanceof ConfigError || error instanceof MissingBinaryError || error instanceof ReadinessError;
}

async function main(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    say(USAGE());
    return command ? 0 : 2;
  }
  if (command === 'emit') return emitCommand(loadConfig(), rest, say);
  if (command === 'retry') return retryCommand(loadConfig(), rest, say);
  if (command === 'user') return userCommand(loadConfig(), rest, say);
  if (rest.length > 0) {
    say(`labwire ${command} takes no arguments (got: ${rest.join(' ')}). Configure it with environment variables.`);
    return 2;
  }
  const commands: Record<string, () => Promise<number | void>> = {
    start: () => startCommand(loadConfig(), say),
    stack: () => stackCommand(loadConfig(), say),
    worker: () => workerCommand(loadConfig(), say),
    'reindex-logs': () => reindexLogsCommand(loadConfig(), say),
    api: () => apiCommand(loadConfig(), say),
    doctor: () => doctorCommand(loadConfig(), say),
    'install-servers': () => installServersCommand(loadConfig(), say),
  };
  const run = commands[command];
  if (!run) {
    say(`Unknown command "${command}".\n\n${USAGE()}`);
    return 2;
  }
  const code = await run();
  return typeof code === 'number' ? code : undefined;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    if (isExpected(error)) {
      say(error.message);
      process.exit(error instanceof ConfigError ? 2 : 1);
    }
    say(`labwire failed unexpectedly:`);
    say(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
