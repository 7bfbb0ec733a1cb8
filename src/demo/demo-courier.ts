import type { Logger } from 'pino';
import type { DemoRoute } from './demo-http-server';

export interface DemoCourierDeps {
  /** Where Labwire's partner API answers, e.g. http://127.0.0.1:3000. */
  partnerApiUrl: string;
  /** The courier integration's auth key (issued once its integration is saved): callbacks authenticate with it, as a real vendor's do. */
  authKey: () => string;
  logger: Logger;
}

export interface CallbackPlan {
  afterMs: number;
  message: string;
}

/**
 * The demo's async vendor: it accepts a job with 202 at once and reports the outcome later
 * through Labwire's real callback route, `POST /partner/v1/callbacks/<logId>`.
 */
export class DemoCourier {
  private readonly pending = new Set<NodeJS.Timeout>();

  constructor(private readonly deps: DemoCourierDeps) {}

  /** A route that accepts each job and calls back SUCCESS after `plan.afterMs`. */
  route(plan: CallbackPlan): DemoRoute {
    return ({ logId }) => {
      if (!logId) return { status: 400, body: '{"error":"idempotency-key (the log id) is required"}' };
      const trackingId = `DEMO-${logId.slice(0, 8).toUpperCase()}`;
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        void this.callBack(logId, { status: 'SUCCESS', message: plan.message, data: { trackingId } });
      }, plan.afterMs);
      this.pending.add(timer);
      return { status: 202, body: JSON.stringify({ accepted: true, trackingId }) };
    };
  }

  /** Callbacks not yet sent are dropped: such a log waits for its callback timeout, as with a vendor that went away. */
  stop(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }

  private async callBack(logId: string, outcome: { status: 'SUCCESS'; message: string; data: unknown }): Promise<void> {
    try {
      const response = await fetch(`${this.deps.partnerApiUrl}/partner/v1/callbacks/${logId}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.deps.authKey()}`, 'content-type': 'application/json' },
        body: JSON.stringify(outcome),
      });
      if (response.status !== 202) this.deps.logger.warn({ logId, status: response.status }, 'demo courier: callback refused');
    } catch (error) {
      this.deps.logger.warn({ logId, err: error }, 'demo courier: callback not delivered');
    }
  }
}
