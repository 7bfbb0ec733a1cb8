import { parseArgs } from 'node:util';
import { LogIndex } from '../../logstore/log-index';
import type { Config } from '../../config/schema';
import type { Say } from '../../devstack/say';
import { InputError, NotFoundError } from '../../errors';
import { DeliveryLogs } from '../../logstore/delivery-logs';
import { RetryRejectedError, retryDelivery } from '../../retries/retry-delivery';
import { openServices } from '../../services';
import { SYSTEM_ACTOR } from '../../audit/audit-actions';
import { AuditTrail } from '../../audit/audit-trail';

export const RETRY_USAGE = 'labwire retry <logId> [--force]';

/** `labwire retry`: a manual retry from the command line; waits for the outcome and prints it. */
export async function retryCommand(config: Config, args: string[], say: Say): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { force: { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
  } catch (error) {
    say(`${error instanceof Error ? error.message : String(error)}\nUsage: ${RETRY_USAGE}`);
    return 2;
  }
  const [logId, ...extra] = parsed.positionals;
  if (!logId || extra.length > 0 || !/^[0-9a-f]{24}$/.test(logId)) {
    say(`Expected one 24-character log id.\nUsage: ${RETRY_USAGE}`);
    return 2;
  }
  const services = await openServices(config);
  try {
    const answer = await retryDelivery({ temporal: services.temporal, logs: new DeliveryLogs(services.logStore.db, new LogIndex(services.configStore.db)), config }, logId, {
      kind: 'manual',
      requestedBy: `cli:${process.env.USER ?? 'unknown'}`,
      force: parsed.values.force,
      wait: true,
      onAccepted: (retryId) =>
        new AuditTrail(services.configStore.db).record(SYSTEM_ACTOR, null, {
          action: 'log.retry',
          target: { type: 'log', id: logId },
          detail: { retryId, force: parsed.values.force, via: 'labwire retry', osUser: process.env.USER ?? null },
        }),
    });
    say(`Retried log ${logId} (retry ${answer.retryId}): ${answer.result?.status || '(blank: suppressed)'}`);
    return 0;
  } catch (error) {
    if (error instanceof RetryRejectedError || error instanceof NotFoundError || error instanceof InputError) {
      say(`Not retried: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await services.close();
  }
}
