import type { Config } from '../src/config/schema';
import type { ConfigDb } from '../src/db/config-store';
import { raiseAlert } from '../src/endpoints/alerts';
import { pausedWaitingReason, recordEndpointChange, type EndpointChange } from '../src/endpoints/endpoint-states';
import type { DeliveryLogs } from '../src/logstore/delivery-logs';

export interface EndpointActivityDeps {
  config: Config;
  db: ConfigDb;
  logs: DeliveryLogs;
}

/** The side effects of an endpoint's flow workflow (workflows/endpoint-flow.ts). */
export function createEndpointActivities(deps: EndpointActivityDeps) {
  return {
    /**
     * Records a pause or resume (endpoint_states, announced to open dashboards), alerts it once on
     * every configured channel, and gives the deliveries already waiting the pause as their reason.
     */
    async announceEndpointChange(change: EndpointChange & { alertKey: string; waitingLogIds: string[] }): Promise<void> {
      const { alertKey, waitingLogIds, ...recorded } = change;
      await recordEndpointChange(deps.db, recorded);
      await raiseAlert(deps.db, deps.config.alerts, recorded, alertKey);
      if (change.kind === 'paused' && waitingLogIds.length) {
        await deps.logs.markWaiting(waitingLogIds, pausedWaitingReason({ pausedAt: new Date(change.at), pausedBy: change.by, reason: change.reason }));
      }
    },

    /** Waiting logs whose reason changed (an ordered key blocked by a failed log). */
    async describeWaiting(change: { logIds: string[]; reason: string }): Promise<void> {
      await deps.logs.markWaiting(change.logIds, change.reason);
    },
  };
}

export type EndpointActivities = ReturnType<typeof createEndpointActivities>;
