import type { Config } from '../../config/schema';
import type { Say } from '../../devstack/say';
import { DeliveryLogs } from '../../logstore/delivery-logs';
import { LogIndex } from '../../logstore/log-index';
import { openServices } from '../../services';

const BATCH = 1_000;

/**
 * `labwire reindex-logs`: rebuilds the dashboard's read model (`log_index` in PostgreSQL) from the
 * log store, e.g. for logs written before it existed. Idempotent; newer rows are kept.
 */
export async function reindexLogsCommand(config: Config, say: Say): Promise<void> {
  const services = await openServices(config, { migrate: true });
  try {
    const index = new LogIndex(services.configStore.db);
    const logs = new DeliveryLogs(services.logStore.db, index);
    const total = await logs.estimatedCount();
    let done = 0;
    let after: string | undefined;
    const started = Date.now();
    for (;;) {
      const page = await logs.reindexPage(after, BATCH);
      if (page.count === 0) break;
      done += page.count;
      after = page.last;
      say(`  ${done} / ~${total} logs indexed (${Math.round(done / Math.max(1, (Date.now() - started) / 1000))}/s)`);
    }
    say(`Indexed ${done} logs into log_index.`);
  } finally {
    await services.close();
  }
}
