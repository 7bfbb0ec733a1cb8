import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Config } from '../../config/schema';
import type { Say } from '../../devstack/say';
import { emitBusinessEvent, lazyTemporalClient } from '../../client/emitter';
import { openConfigStore } from '../../db/config-store';

export const EMIT_USAGE = 'labwire emit --lab <labId> --action <actionCategoryId> --entity <bill|report|patient>:<id> [--org <orgId>] [--event-id <id>] [--date <ISO 8601>]';

/** `labwire emit`: fires one business event, as the lab backend would. Prints where it went. */
export async function emitCommand(config: Config, args: string[], say: Say): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
    args,
      options: {
      lab: { type: 'string' },
      org: { type: 'string' },
      action: { type: 'string' },
      entity: { type: 'string' },
      'event-id': { type: 'string' },
      date: { type: 'string' },
    },
    strict: true,
    });
  } catch (error) {
    say(`${error instanceof Error ? error.message : String(error)}\nUsage: ${EMIT_USAGE}`);
    return 2;
  }
  const { values } = parsed;
  const [type, id] = (values.entity ?? '').split(':');
  const number = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
  const event = {
    eventId: values['event-id'] ?? `cli-${randomUUID()}`,
    labId: number(values.lab),
    ...(values.org ? { orgId: number(values.org) } : {}),
    actionCategoryId: number(values.action),
    entity: { type, id: number(id) },
    activityDate: values.date ?? new Date().toISOString(),
  };
  const temporal = lazyTemporalClient(config.temporal.address, config.temporal.namespace, config.temporal.payloadKeys);
  const store = openConfigStore(config.postgres.url, { max: 1 });
  try {
    const result = await emitBusinessEvent({ temporal, sql: store.sql, taskQueue: config.temporal.taskQueue, startTimeoutMs: 5_000 }, event);
    if (!result.ok) {
      say(result.reason === 'invalid' ? `Not emitted: ${result.error}\nUsage: ${EMIT_USAGE}` : `Not emitted: ${result.error}`);
      return 2;
    }
    say(`Emitted ${result.eventId} via ${result.via}${result.duplicate ? ' (already seen: no-op)' : ''}; workflow ${result.workflowId}`);
    say(`  Temporal Web UI: ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(result.workflowId)}`);
    return 0;
  } finally {
    await temporal.connection.close().catch(() => undefined);
    await store.close();
  }
}
