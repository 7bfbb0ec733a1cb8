import { checkRun, type RunRecords } from '../../scripts/chaos/checks';
import type { Dashboard } from '../../scripts/chaos/dashboards';
import type { EmittedEvent } from '../../scripts/chaos/emit';
import type { Send } from '../../scripts/chaos/partners';
import type { LogDocument, RetryLogDocument } from '../../src/logstore/log-document';

// The chaos run's verdicts must be able to fail: each check is shown one planted defect.

const WEBHOOK = 11;
const MIRTH = 12;
const VENDOR = 13;
// Distinct in their first 16 characters, as an MSH-10 names its log.
const idOf = (n: number) => n.toString(16).padStart(2, '0').repeat(12);

function log(n: number, fields: Partial<LogDocument> = {}): LogDocument {
  return {
    _id: idOf(n), type: 'WEBHOOK', status: 'SUCCESS', event_id: `e${n}`, lab_integration_id: WEBHOOK, retry_count: 0, auto_retry_count: 0,
    attempts: [{ attempt: 1, at: '', latencyMs: 1, requestHeaders: {} }], ...fields,
  } as LogDocument;
}
const event = (n: number): EmittedEvent => ({ index: n, eventId: `e${n}`, acceptedAs: `e${n}`, kind: 'webhook', source: 'api-1', atMs: 0, tries: 1, refusals: [] });
const send = (n: number, answer: Send['answer'], key = idOf(n)): Send => ({ logId: idOf(n), key, answer, at: n });
const dashboard = (shown: Array<[string, string]>) => ({ name: 'd', shown: new Map(shown) }) as unknown as Dashboard;

/** A healthy run of three logs (webhook, Mirth, vendor), each right. */
function healthy(): RunRecords {
  const twoAttempts = [1, 2].map((attempt) => ({ attempt, at: '', latencyMs: 1, requestHeaders: {} }));
  const logs = [log(1, { attempts: twoAttempts }), log(2, { lab_integration_id: MIRTH }), log(3, { lab_integration_id: VENDOR })];
  return {
    events: [event(1), event(2), event(3)],
    logs,
    indexed: new Map(logs.map((l) => [l._id, l.status])),
    retries: [],
    webhookSends: [send(1, 'error'), send(1, 'ok')].map((s, i) => ({ ...s, at: i })),
    mirthSends: [{ logId: '', key: `${idOf(2).slice(0, 16)}-1`, answer: 'AA', at: 1 }],
    vendorSends: [send(3, 'ok')],
    callbacks: [{ logId: idOf(3), status: 'SUCCESS', answers: [202], at: 5, acceptedAt: 6 }],
    unkeyed: [],
    dashboards: [dashboard(logs.map((l) => [l._id, l.status]))],
    integrationOf: { webhook: WEBHOOK, mirth: MIRTH, vendor: VENDOR },
  };
}

const failing = (records: RunRecords) =>
  Object.fromEntries(checkRun(records).filter((c) => c.count > 0).map((c) => [c.name, c.count]));

describe('chaos run checks', () => {
  it('pass a healthy run, and count two sends with one attempt recorded as one duplicate', () => {
    const run = healthy();
    expect(failing(run)).toEqual({});
    run.logs[0]!.attempts = [run.logs[0]!.attempts[0]!];
    expect(failing(run)).toEqual({ 'duplicate sends (beyond one per recorded attempt; of 4 sends)': 1 });
  });

  it('find a lost event, an extra log, a stuck log and a read model that disagrees', () => {
    const run = healthy();
    run.events.push(event(4));
    run.logs.push(log(5, { event_id: 'e1', status: 'QUEUED' }));
    run.indexed.set(idOf(2), 'FAIL');
    expect(failing(run)).toMatchObject({
      'lost: accepted events without their log': 1,
      'events with more than their one log': 1,
      'stuck: logs still QUEUED': 1,
      'read model disagrees with the log': 2,
    });
  });

  it("find a status that disagrees with the partner's last answer, for each kind of partner", () => {
    const run = healthy();
    run.webhookSends.push({ ...send(1, 'stall'), at: 9 });
    run.mirthSends[0]!.answer = 'AE';
    run.callbacks[0]!.status = 'FAIL';
    expect(failing(run)).toMatchObject({ "status mismatches: log vs partner's last answer": 3 });
  });

  it('expect FAIL from a vendor whose callback was never accepted after the last submit', () => {
    const run = healthy();
    run.callbacks[0]!.acceptedAt = undefined;
    expect(failing(run)).toMatchObject({ "status mismatches: log vs partner's last answer": 1 });
    run.logs[2]!.status = 'FAIL';
    run.indexed.set(idOf(3), 'FAIL');
    run.dashboards = [dashboard(run.logs.map((l) => [l._id, l.status]))];
    expect(failing(run)).toEqual({});
  });

  it('find a SUCCESS nobody received, a send without its key, keys that change within a log and sends naming no log', () => {
    const run = healthy();
    run.webhookSends = [];
    run.unkeyed.push('POST /hook');
    run.mirthSends.push({ logId: '', key: `${idOf(2).slice(0, 16)}-2`, answer: 'AA', at: 2 });
    run.vendorSends.push(send(99, 'ok'));
    expect(failing(run)).toMatchObject({
      'SUCCESS logs the partner never received': 1,
      'sends a partner could not drop as a repeat (key)': 2,
      'sends naming no log': 1,
    });
  });

  it('allow one MSH-10 per retry of a Mirth log, and match retry counters with retry records', () => {
    const run = healthy();
    run.mirthSends.push({ logId: '', key: `${idOf(2).slice(0, 16)}-2`, answer: 'AA', at: 2 });
    run.logs[1]!.retry_count = 1;
    run.logs[1]!.attempts.push({ attempt: 2, at: '', latencyMs: 1, requestHeaders: {} });
    expect(failing(run)).toEqual({ 'retry counters ≠ retry records': 1 });
    run.retries.push({ log_id: idOf(2) } as RetryLogDocument, { _id: 'r2', log_id: idOf(77) } as RetryLogDocument);
    expect(failing(run)).toEqual({ 'retry records without their log': 1 });
  });

  it('find a dashboard that does not show a final state', () => {
    const run = healthy();
    run.dashboards[0]!.shown.set(idOf(1), 'QUEUED');
    run.dashboards[0]!.shown.delete(idOf(3));
    expect(failing(run)).toEqual({ 'dashboards not showing the final state': 2 });
  });

  it('count an event that was never accepted', () => {
    const run = healthy();
    run.events.push({ ...event(9), acceptedAs: undefined, refusals: ['ECONNREFUSED'] });
    expect(failing(run)).toEqual({ 'events not accepted (gave up)': 1 });
  });
});
