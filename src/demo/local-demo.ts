import type { Config } from '../config/schema';
import { DEMO_ENTITY_ID, DEMO_LAB_ID } from '../db/demo-seed';
import { createLogger } from '../logger';
import { DeliveryLogs } from '../logstore/delivery-logs';
import { LogIndex } from '../logstore/log-index';
import { createTargetPolicy } from '../net/target-guard';
import type { Services } from '../services';
import { DEMO_EVENTS, type DemoEventsFired } from './demo-events';
import { DEMO_DEVELOPER_NAME, switchOffDemoIntegrations } from './demo-integrations';
import { startDemoPartner, type DemoPartner } from './demo-partner';

/** The API as a process on this machine reaches it: a wildcard bind answers on loopback. */
function localApiUrl(api: Config['api']): string {
  const host = ['0.0.0.0', '::', ''].includes(api.host) ? '127.0.0.1' : api.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${api.port}`;
}

/** The demo partner of `labwire start`, integrated with demo lab 1001 and its patient, bill and report 900001. */
export async function startLocalDemo(config: Config, services: Services): Promise<DemoPartner> {
  try {
    return await startDemoPartner({
      db: services.configStore.db,
      logs: new DeliveryLogs(services.logStore.db, new LogIndex(services.configStore.db)),
      emitter: { temporal: services.temporal, sql: services.configStore.sql, taskQueue: config.temporal.taskQueue, startTimeoutMs: 5_000 },
      partnerApiUrl: localApiUrl(config.api),
      labId: DEMO_LAB_ID,
      entities: { patientId: DEMO_ENTITY_ID, billId: DEMO_ENTITY_ID, reportId: DEMO_ENTITY_ID },
      logger: createLogger(config, 'demo'),
    });
  } catch (error) {
    throw new Error(`The demo partner did not start (${error instanceof Error ? error.message : String(error)}); LABWIRE_DEMO=false starts without it`, { cause: error });
  }
}

/** What `labwire start` says the demo did, and how to turn it off. */
export function demoSummary(config: Config, fired: DemoEventsFired): string {
  const refused = createTargetPolicy(config.delivery.allowedNetworks)('127.0.0.1');
  const events =
    fired.fired > 0
      ? `fired ${fired.fired} demo event${fired.fired === 1 ? '' : 's'}${fired.alreadyThere > 0 ? ` (${fired.alreadyThere} already fired on an earlier start)` : ''}`
      : `its ${DEMO_EVENTS.length} demo events were fired on an earlier start`;
  return [
    `Demo partner: lab ${DEMO_LAB_ID} sends to '${DEMO_DEVELOPER_NAME}' (a webhook, two Mirth channels, a courier) on 127.0.0.1; ${events}.`,
    `  Within ~20 s the dashboard shows SUCCESS, FAIL and QUEUED rows; retry the FAIL of Report Approved. LABWIRE_DEMO=false starts without the demo.`,
    ...fired.problems.map((problem) => `  Not fired: ${problem}`),
    ...(refused ? [`  TARGET_ALLOWLIST leaves out 127.0.0.0/8: Labwire refuses the demo partner's address (${refused}), so every demo delivery FAILs.`] : []),
  ].join('\n');
}

/** LABWIRE_DEMO=false: an earlier start's demo integrations are switched off, so lab 1001's events do not go to ports nobody listens on. */
export async function switchOffLocalDemo(services: Services): Promise<string> {
  const switchedOff = await switchOffDemoIntegrations(services.configStore.db, DEMO_LAB_ID);
  return `Demo partner: off (LABWIRE_DEMO=false)${switchedOff > 0 ? `; its ${switchedOff} integration${switchedOff === 1 ? '' : 's'} in lab ${DEMO_LAB_ID} switched off` : ''}`;
}
