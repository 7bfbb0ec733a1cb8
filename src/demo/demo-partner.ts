import type { Logger } from 'pino';
import type { EmitterDeps } from '../client/emitter';
import type { ConfigDb } from '../db/config-store';
import type { DeliveryLogs } from '../logstore/delivery-logs';
import { DemoCourier } from './demo-courier';
import { fireDemoEvents, type DemoEntities, type DemoEventsFired } from './demo-events';
import { startDemoHttpServer, type DemoRoute } from './demo-http-server';
import { configureDemoIntegrations, DEMO_PATHS, type DemoEndpoints, type DemoIntegrations } from './demo-integrations';
import { startDemoMllpChannel } from './demo-mllp-channel';

export interface DemoPartnerDeps {
  db: ConfigDb;
  /** The EHR's results endpoint reads a delivery's log to know when Labwire has given up on it. */
  logs: Pick<DeliveryLogs, 'get'>;
  emitter: EmitterDeps;
  /** Labwire's API as the courier reaches it for callbacks, e.g. http://127.0.0.1:3000. */
  partnerApiUrl: string;
  labId: number;
  entities: DemoEntities;
  logger: Logger;
}

export interface DemoPartner {
  endpoints: DemoEndpoints;
  integrations: DemoIntegrations;
  /** Fires the demo events (no-ops when an earlier start fired them). Call once the worker and API are up. */
  fireEvents(): Promise<DemoEventsFired>;
  stop(): Promise<void>;
}

/** How soon the courier confirms a sample pickup, and how long it takes over a home collection. */
export const PICKUP_CALLBACK_MS = 2_000;
export const HOME_VISIT_CALLBACK_MS = 10 * 60_000;
export const REJECTED_CANCELLATION = 'Order cannot be cancelled: the specimen is already in processing (demo)';

const RECEIVED = { status: 200, body: '{"received":true}' };
/** Plain text: Labwire records a failed answer's body as the log's error, and this is what the FAIL row should read. */
const UNAVAILABLE = { status: 503, body: 'demo partner unavailable', contentType: 'text/plain' };

/**
 * Down (503) while Labwire is still making its automatic attempts — the log is QUEUED — and up
 * once the delivery has an outcome, so an operator's retry of the FAIL gets through. A real
 * partner cannot see Labwire's log; the demo can, which makes its outage end at the same point
 * with any retry settings and after a restart.
 */
function downUntilLabwireGivesUp(logs: DemoPartnerDeps['logs']): DemoRoute {
  return async ({ logId }) => {
    const log = logId ? await logs.get(logId) : null;
    return log && log.status !== 'QUEUED' ? RECEIVED : UNAVAILABLE;
  };
}

/**
 * A sandbox partner inside `labwire start`: an EHR receiving webhooks, two Mirth channels (one
 * acknowledges AA, the cancellations channel AE) and an async courier, all on 127.0.0.1 and on
 * fresh ports, with the lab's demo integrations pointed at them.
 */
export async function startDemoPartner(deps: DemoPartnerDeps): Promise<DemoPartner> {
  let courierAuthKey = '';
  const courier = new DemoCourier({ partnerApiUrl: deps.partnerApiUrl, authKey: () => courierAuthKey, logger: deps.logger });
  const closers: Array<() => Promise<void>> = [async () => courier.stop()];
  const stop = async () => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  try {
    const http = await startDemoHttpServer({
      [DEMO_PATHS.orders]: () => RECEIVED,
      [DEMO_PATHS.results]: downUntilLabwireGivesUp(deps.logs),
      [DEMO_PATHS.pickups]: courier.route({ afterMs: PICKUP_CALLBACK_MS, message: 'Sample picked up' }),
      [DEMO_PATHS.homeVisits]: courier.route({ afterMs: HOME_VISIT_CALLBACK_MS, message: 'Phlebotomist assigned' }),
    });
    closers.push(() => http.close());
    const accepting = await startDemoMllpChannel({ ack: 'AA' });
    closers.push(() => accepting.close());
    const rejecting = await startDemoMllpChannel({ ack: 'AE', text: REJECTED_CANCELLATION });
    closers.push(() => rejecting.close());
    const endpoints = { httpPort: http.port, mirthAcceptPort: accepting.port, mirthRejectPort: rejecting.port };
    const integrations = await configureDemoIntegrations(deps.db, deps.labId, endpoints);
    courierAuthKey = integrations.courierAuthKey;
    return {
      endpoints,
      integrations,
      fireEvents: () => fireDemoEvents(deps.emitter, deps.labId, deps.entities, integrations.since),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
