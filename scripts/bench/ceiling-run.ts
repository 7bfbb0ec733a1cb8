// The ceiling: the same deliveries by a plain loop (insert QUEUED log, POST with undici, update to SUCCESS), no Temporal.
import type { Collection, Db } from 'mongodb';
import { Agent, request } from 'undici';
import { LOGS_COLLECTION, type LogDocument } from '../../src/logstore/log-document';
import { settlesWithin } from '../../src/settles-within';
import type { BenchOptions } from './options';
import { percentiles } from './percentiles';
import { startProgress } from './progress';
import type { Receiver } from './receiver';
import type { RunResult } from './run-result';

/** The ceiling writes its logs apart from Labwire's, in the same bench database. */
export const BASELINE_COLLECTION = 'bench_baseline';

/** A log shaped like Labwire's, copied from a real one when there is one, so both runs write similar documents. */
async function baselineTemplate(db: Db, labId: number): Promise<LogDocument> {
  const sample = await db.collection<LogDocument>(LOGS_COLLECTION).findOne({ lab_id: labId, status: 'SUCCESS' });
  const now = new Date();
  const base: LogDocument = sample ?? {
    _id: '', type: 'WEBHOOK', lab_id: labId, org_id: null, developer_id: null, developer_name: null, auth_id: null, lab_integration_id: null,
    action_category_id: 1, operation: 'Bill Generated', integration_type: 'webhook', status: 'QUEUED', error_message: null, request: null,
    response_body: null, response_status_code: null, response_time: null, fusion_log: null, sent_to_mirth: false, retry_count: 0,
    auto_retry_count: 0, triggered_by_py3: false, origin: 'livehealth', retry_context: null, workflow_id: null, run_id: null, event_id: null,
    inserted_at: now, activity_date: now, updated_at: now, attempts: [],
  };
  return { ...base, status: 'QUEUED', request: null, response_body: null, response_status_code: null, response_time: null, attempts: [] };
}

async function deliverPlain(
  collection: Collection<LogDocument>,
  agent: Agent,
  target: { url: string; body: string },
  template: LogDocument,
  id: string,
): Promise<{ ok: boolean; latencyMs: number }> {
  const started = performance.now();
  const now = new Date();
  await collection.insertOne({ ...template, _id: id, event_id: id, inserted_at: now, updated_at: now });
  const response = await request(target.url, {
    dispatcher: agent,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': id },
    body: target.body,
  });
  const responseBody = await response.body.text();
  const responseTime = Math.round(performance.now() - started);
  const ok = response.statusCode >= 200 && response.statusCode < 300;
  await collection.updateOne(
    { _id: id },
    { $set: { status: ok ? 'SUCCESS' : 'FAIL', response_status_code: response.statusCode, response_body: responseBody, response_time: responseTime, updated_at: new Date() } },
  );
  return { ok, latencyMs: performance.now() - started };
}

/**
 * One plain delivery may take this long before it counts as failed. FerretDB 1.24 once wedged
 * during this run (every connection of its pool taken, 50 updates waiting for one, for minutes):
 * the run then ends with failures instead of waiting forever, and the report still prints.
 */
const CEILING_OP_TIMEOUT_MS = 30_000;

export async function runCeiling(db: Db, receiver: Receiver, labId: number, options: BenchOptions, stop: AbortSignal): Promise<RunResult> {
  const collection = db.collection<LogDocument>(BASELINE_COLLECTION);
  const template = await baselineTemplate(db, labId);
  const target = { url: receiver.url, body: receiver.sampleBody() ?? JSON.stringify({ eventId: 'bench', labId }) };
  // A stalled request fails after 10 s (counted as failed) instead of holding its loop for undici's default 300 s.
  const agent = new Agent({ headersTimeout: 10_000, bodyTimeout: 10_000 });
  const latencies: number[] = [];
  let started = 0;
  let failed = 0;
  const runTag = `ceiling-${Date.now().toString(36)}`;
  const stopProgress = startProgress('ceiling', options.events, () => ({ emitted: started, completed: latencies.length, failed }));
  const begin = performance.now();
  try {
    const loop = async () => {
      while (started < options.events && !stop.aborted) {
        const id = `${runTag}-${started++}`;
        try {
          const { ok, latencyMs } = await settlesWithin(CEILING_OP_TIMEOUT_MS, deliverPlain(collection, agent, target, template, id), 'no answer');
          if (ok) latencies.push(latencyMs);
          else failed += 1;
        } catch {
          failed += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, loop));
  } finally {
    stopProgress();
    await agent.close();
  }
  const seconds = (performance.now() - begin) / 1000;
  return {
    label: 'Ceiling: plain loop, no Temporal',
    offered: `unbounded (${options.concurrency} in flight)`,
    events: options.events,
    completed: latencies.length,
    failed: new Map<string, number>(failed > 0 ? [['error', failed]] : []),
    late: latencies.filter((latency) => latency > options.timeoutMs).length,
    unfinished: 0,
    deliveriesPerSecond: latencies.length / seconds,
    latency: percentiles(latencies),
    rootWorkflowIds: [],
    notes: ['per delivery: insertOne QUEUED → POST (same JSON payload Labwire sent) → updateOne SUCCESS; no PostgreSQL reads, no attempt record'],
  };
}
