import type { Filter } from 'mongodb';
import type { Config } from '../config/schema';
import type { LogDocument } from '../logstore/log-document';

export interface SweepRange {
  from: Date;
  to: Date;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * SPEC §5 automatic retry: FAIL or QUEUED deliveries inserted within the range, below the
 * auto-retry maximum, whose error matches a retryable pattern — or Mirth logs still QUEUED
 * (never confirmed) after the threshold. 4xx answers match no default pattern, so they stay put.
 */
export function sweepFilter(sweep: Config['sweep'], range: SweepRange, now: Date): Filter<LogDocument> {
  const retryable: Filter<LogDocument>[] = [
    { integration_type: 'mirth', status: 'QUEUED', inserted_at: { $lte: new Date(now.getTime() - sweep.mirthQueuedAfterMs) } },
  ];
  if (sweep.retryablePatterns.length > 0) {
    retryable.push({ error_message: { $regex: sweep.retryablePatterns.map(escapeRegex).join('|'), $options: 'i' } });
  }
  return {
    type: 'WEBHOOK',
    // A test delivery is sent once, on request; the sweep never sends it again.
    test: { $ne: true },
    status: { $in: ['FAIL', 'QUEUED'] },
    inserted_at: { $gte: range.from, $lte: range.to },
    auto_retry_count: { $lt: sweep.maxAutoRetries },
    $or: retryable,
  };
}
