import type { Config } from '../../config/schema';
import type { Say } from '../../devstack/say';
import { startStack } from '../../devstack/stack';
import { redactUrl } from '../redact';
import { onShutdown } from '../shutdown';

/** `labwire stack`: only the servers (Temporal, FerretDB, the PostgreSQL database), for running worker and API apart. */
export async function stackCommand(config: Config, say: Say): Promise<void> {
  const stack = await startStack(config, say);
  onShutdown(() => stack.stop(), say);
  say(
    [
      'Servers are ready. Press Ctrl-C to stop the ones started here.',
      `  Temporal gRPC     ${stack.temporal.address}`,
      `  Temporal Web UI   ${stack.temporal.uiUrl}`,
      `  Log store         ${redactUrl(stack.logStore.url)}`,
      `  PostgreSQL        ${redactUrl(config.postgres.url)}`,
    ].join('\n'),
  );
}
