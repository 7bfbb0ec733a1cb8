import { sql } from 'drizzle-orm';
import type { Config } from '../config/schema';
import type { ConfigDb } from '../db/config-store';

/** When an endpoint is paused automatically: configuration (BREAKER_*), or an integration's extra details `breaker`. */
export interface BreakerThresholds {
  /** Final failures in a row (since the last success); 0 turns the rule off. */
  consecutiveFailures: number;
  /** At least this share of final deliveries failed within the window…; 0 turns the rule off. */
  failureRatePercent: number;
  /** …counting only when the window holds at least this many. */
  minDeliveries: number;
  windowMs: number;
}

/** An integration's own thresholds (extra details `breaker`) over the configured ones. */
export function breakerThresholds(config: Config, own?: Partial<BreakerThresholds>): BreakerThresholds {
  return { ...config.breaker, ...own };
}

/**
 * Whether an endpoint that has just had a final failure crosses its thresholds, read from the read
 * model through log_index_endpoint_status_idx (the failures after the last success are counted up
 * to the threshold, no further). Returns the pause's reason, or undefined. Deliveries only: tests
 * and inbound API logs never pause an endpoint.
 */
export async function breakerVerdict(db: ConfigDb, endpoint: string, thresholds: BreakerThresholds): Promise<string | undefined> {
  const { consecutiveFailures, failureRatePercent, minDeliveries, windowMs } = thresholds;
  const [row] = await db.execute<{ in_a_row: number; failed: number; final: number }>(sql`
    with last_success as (
      select max(updated_at) as at from log_index where endpoint = ${endpoint} and status = 'SUCCESS' and type = 'WEBHOOK' and not test
    )
    select
      (select count(*)::int from (
         select 1 from log_index, last_success
         where endpoint = ${endpoint} and status = 'FAIL' and type = 'WEBHOOK' and not test and updated_at > coalesce(last_success.at, '-infinity')
         limit ${Math.max(consecutiveFailures, 1)}
       ) as failures) as in_a_row,
      (select count(*)::int from log_index where endpoint = ${endpoint} and status = 'FAIL' and type = 'WEBHOOK' and not test and updated_at > now() - make_interval(secs => ${windowMs / 1000})) as failed,
      (select count(*)::int from log_index where endpoint = ${endpoint} and status in ('SUCCESS', 'FAIL') and type = 'WEBHOOK' and not test and updated_at > now() - make_interval(secs => ${windowMs / 1000})) as final
  `);
  if (!row) return undefined;
  if (consecutiveFailures > 0 && row.in_a_row >= consecutiveFailures) return `${row.in_a_row} failures in a row`;
  if (failureRatePercent > 0 && row.final >= minDeliveries && row.failed * 100 >= row.final * failureRatePercent) {
    return `${Math.round((row.failed * 100) / row.final)} % of ${row.final} deliveries failed in ${Math.round(windowMs / 60_000)} min`;
  }
  return undefined;
}
