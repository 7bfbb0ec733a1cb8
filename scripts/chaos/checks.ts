// What the run proves: every accepted event has its log, every log ended and agrees with what the
// partner answered last, duplicates are counted and carried the log's key, retries add up, and
// every dashboard shows the final state.
import type { LogDocument, RetryLogDocument } from '../../src/logstore/log-document';
import type { Dashboard } from './dashboards';
import type { EmittedEvent } from './emit';
import type { Callback, Send } from './partners';

export interface RunRecords {
  events: EmittedEvent[];
  logs: LogDocument[];
  /** The read model's status of each log id (absent: no row). */
  indexed: Map<string, string>;
  retries: RetryLogDocument[];
  webhookSends: Send[];
  vendorSends: Send[];
  mirthSends: Send[];
  callbacks: Callback[];
  unkeyed: string[];
  dashboards: Dashboard[];
  integrationOf: { webhook: number; mirth: number; vendor: number };
}

export interface Check {
  name: string;
  count: number;
  /** A check that fails the run when its count is not 0 (the others are reported figures). */
  mustBeZero: boolean;
  examples: string[];
}

const sample = (items: string[]) => items.slice(0, 5);

/** What a partner's last answer says the log's final status must be; undefined when it cannot say. */
function expectedFromSends(sends: Send[], okAnswer: 'ok' | 'AA'): 'SUCCESS' | 'FAIL' | undefined {
  const last = sends.at(-1);
  if (!last) return undefined;
  return last.answer === okAnswer ? 'SUCCESS' : 'FAIL';
}

/**
 * The vendor: SUCCESS or FAIL as its last callback that Labwire accepted (202) after the last
 * submit it accepted; FAIL when no such callback was accepted (the wait ran out, or no submit got through).
 */
function expectedFromVendor(submits: Send[], callbacks: Callback[]): 'SUCCESS' | 'FAIL' {
  const lastOkSubmit = submits.filter((s) => s.answer === 'ok').at(-1);
  if (!lastOkSubmit) return 'FAIL';
  const accepted = callbacks.filter((c) => c.acceptedAt !== undefined && c.acceptedAt >= lastOkSubmit.at).sort((a, b) => a.acceptedAt! - b.acceptedAt!);
  return accepted[0]?.status ?? 'FAIL';
}

function byLog(sends: Send[]): Map<string, Send[]> {
  const map = new Map<string, Send[]>();
  for (const send of sends) map.set(send.logId, [...(map.get(send.logId) ?? []), send]);
  return map;
}

export function checkRun(records: RunRecords): Check[] {
  const { events, logs, indexed, retries } = records;
  const logsByEvent = new Map<string, LogDocument[]>();
  for (const log of logs) if (log.event_id) logsByEvent.set(log.event_id, [...(logsByEvent.get(log.event_id) ?? []), log]);
  const logIds = new Set(logs.map((l) => l._id));
  const byPrefix = new Map(logs.map((l) => [l._id.slice(0, 16), l._id]));
  const mirthSends = records.mirthSends.map((s) => ({ ...s, logId: byPrefix.get(s.key.split('-')[0] ?? '') ?? `unknown:${s.key}` }));
  const sendsOf = { webhook: byLog(records.webhookSends), mirth: byLog(mirthSends), vendor: byLog(records.vendorSends) };
  const callbacksOf = new Map<string, Callback[]>();
  for (const callback of records.callbacks) callbacksOf.set(callback.logId, [...(callbacksOf.get(callback.logId) ?? []), callback]);
  const kindOf = (log: LogDocument) =>
    log.lab_integration_id === records.integrationOf.mirth ? 'mirth' : log.lab_integration_id === records.integrationOf.vendor ? 'vendor' : 'webhook';

  const notAccepted = events.filter((e) => !e.acceptedAs).map((e) => `${e.eventId} (${e.refusals.slice(-2).join(', ')})`);
  const lost: string[] = [];
  const extra: string[] = [];
  for (const event of events.filter((e) => e.acceptedAs)) {
    const count = logsByEvent.get(event.acceptedAs!)?.length ?? 0;
    if (count === 0) lost.push(`${event.acceptedAs} via ${event.source}`);
    if (count > 1) extra.push(`${event.acceptedAs}: ${count} logs`);
  }
  const stuck = logs.filter((l) => l.status === 'QUEUED').map((l) => `${l._id} (${kindOf(l)}, ${l.error_message ?? 'no message'})`);
  const readModel = logs.filter((l) => indexed.get(l._id) !== l.status).map((l) => `${l._id}: store ${l.status}, read model ${indexed.get(l._id) ?? 'no row'}`);

  const mismatches: string[] = [];
  const neverSent: string[] = [];
  const duplicates = { webhook: 0, mirth: 0, vendor: 0 };
  let sends = 0;
  const notIdempotent: string[] = [...records.unkeyed.map((u) => `no Idempotency-Key: ${u}`)];
  for (const log of logs) {
    const kind = kindOf(log);
    const ofLog = sendsOf[kind].get(log._id) ?? [];
    sends += ofLog.length;
    if (log.status === 'SUCCESS' && ofLog.length === 0) neverSent.push(`${log._id} (${kind})`);
    const expected = kind === 'vendor' ? expectedFromVendor(ofLog, callbacksOf.get(log._id) ?? []) : expectedFromSends(ofLog, kind === 'mirth' ? 'AA' : 'ok');
    if (expected !== undefined && log.status !== 'QUEUED' && expected !== log.status) {
      mismatches.push(`${log._id} (${kind}): ${log.status}, partner's last answer says ${expected}`);
    }
    duplicates[kind] += Math.max(0, ofLog.length - (log.attempts?.length ?? 0));
    // A partner drops a repeat by its key: one key per log for HTTP; for HL7 one MSH-10 per retry of the log.
    const keys = new Set(ofLog.map((s) => s.key));
    const allowed = kind === 'mirth' ? 1 + (log.retry_count ?? 0) + (log.auto_retry_count ?? 0) : 1;
    if (keys.size > allowed) notIdempotent.push(`${log._id} (${kind}): ${keys.size} keys for ${ofLog.length} sends, ${allowed} allowed`);
  }
  const unknownKeys = [...records.webhookSends, ...records.vendorSends, ...mirthSends].filter((s) => !logIds.has(s.logId)).map((s) => `key ${s.key}`);

  const retryCounts = new Map<string, number>();
  for (const retry of retries) retryCounts.set(retry.log_id, (retryCounts.get(retry.log_id) ?? 0) + 1);
  const retryMismatch = logs
    .filter((l) => (l.retry_count ?? 0) + (l.auto_retry_count ?? 0) !== (retryCounts.get(l._id) ?? 0))
    .map((l) => `${l._id}: counters ${l.retry_count}+${l.auto_retry_count}, records ${retryCounts.get(l._id) ?? 0}`);
  const orphanRetries = retries.filter((r) => !logIds.has(r.log_id)).map((r) => `${r._id} → ${r.log_id}`);

  const dashboardMisses = records.dashboards.flatMap((dashboard) =>
    logs.filter((l) => dashboard.shown.get(l._id) !== l.status).map((l) => `${dashboard.name}: ${l._id} shows ${dashboard.shown.get(l._id) ?? 'nothing'}, is ${l.status}`),
  );
  const check = (name: string, items: string[], mustBeZero = true): Check => ({ name, count: items.length, mustBeZero, examples: sample(items) });
  return [
    check('events not accepted (gave up)', notAccepted),
    check('lost: accepted events without their log', lost),
    check('events with more than their one log', extra),
    check('stuck: logs still QUEUED', stuck),
    check('status mismatches: log vs partner\'s last answer', mismatches),
    check('SUCCESS logs the partner never received', neverSent),
    check('read model disagrees with the log', readModel),
    {
      name: `duplicate sends (beyond one per recorded attempt; of ${sends} sends)`,
      count: duplicates.webhook + duplicates.mirth + duplicates.vendor,
      mustBeZero: false,
      examples: [`webhook ${duplicates.webhook}, Mirth ${duplicates.mirth}, vendor ${duplicates.vendor}`],
    },
    check('sends a partner could not drop as a repeat (key)', notIdempotent),
    check('sends naming no log', unknownKeys),
    check('retry counters ≠ retry records', retryMismatch),
    check('retry records without their log', orphanRetries),
    check('dashboards not showing the final state', dashboardMisses),
  ];
}
