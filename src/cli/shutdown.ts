import type { Say } from '../devstack/say';

/**
 * Runs `cleanup` once on SIGINT or SIGTERM, then exits. A second signal while cleaning up
 * exits at once, for a person who pressed Ctrl-C twice.
 */
const DUPLICATE_SIGNAL_WINDOW_MS = 3_000;

export function onShutdown(cleanup: () => Promise<void>, say: Say): void {
  let stoppingSince: number | undefined;
  const handle = (signal: NodeJS.Signals) => {
    // Ctrl-C reaches the whole process group, and tsx relays it too: one press can arrive twice,
    // the relayed copy more than a second later on a busy machine (seen in CI). A press meant as
    // "exit now" comes after a person has waited a few seconds.
    if (stoppingSince !== undefined && Date.now() - stoppingSince < DUPLICATE_SIGNAL_WINDOW_MS) return;
    if (stoppingSince !== undefined) {
      say(`${signal} again: exiting without waiting.`);
      process.exit(130);
    }
    stoppingSince = Date.now();
    say(`${signal} received: stopping…`);
    cleanup().then(
      () => {
        say('Stopped.');
        process.exit(0);
      },
      (error: unknown) => {
        say(`Stopped with an error: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}
