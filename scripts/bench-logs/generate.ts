// Deterministic, realistic delivery logs for the log-query bench: log i is always the same document,
// so a seed can stop and resume (or be re-created) and two machines bench the same data.
import { createHash } from 'node:crypto';
import { ACTION_CATEGORIES } from '../../src/db/demo-seed';
import type { LogDocument } from '../../src/logstore/log-document';
import type { LogStatus } from '../../workflows/types';

export const LAB_COUNT = 200;
export const FIRST_LAB_ID = 2001;
export const DAYS = 90;
const DAY_MS = 86_400_000;
const DEVELOPERS = [
  { id: 1, name: 'Acme EHR', weight: 0.45 },
  { id: 2, name: 'MedBridge Billing', weight: 0.3 },
  { id: 3, name: 'Mirth Connect Gateway', weight: 0.15 },
  { id: 4, name: 'QuickCourier Samples', weight: 0.1 },
];
const CATEGORY_WEIGHTS = [0.3, 0.2, 0.12, 0.18, 0.1, 0.03, 0.04, 0.03];
const ENTITY_OF_CATEGORY: Record<number, string> = { 1: 'bill', 2: 'patient', 3: 'sample', 4: 'report', 5: 'report', 6: 'bill', 60: 'appointment', 61: 'appointment' };
const API_ENDPOINTS = ['/partner/v1/reports', '/partner/v1/patients', '/partner/v1/bills', '/partner/v1/samples/status'];

/** A small fast PRNG (mulberry32), seeded per log so any log can be generated on its own. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function weighted<T>(items: readonly T[], weights: readonly number[], r: number): T {
  let acc = 0;
  for (const [i, w] of weights.entries()) {
    acc += w;
    if (r < acc) return items[i] as T;
  }
  return items[items.length - 1] as T;
}

/** Zipf-like lab popularity (exponent 0.9): a few big labs, a long tail of small ones. */
const LAB_WEIGHTS = (() => {
  const raw = Array.from({ length: LAB_COUNT }, (_, k) => 1 / (k + 1) ** 0.9);
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((w) => w / sum);
})();
const LAB_IDS = Array.from({ length: LAB_COUNT }, (_, k) => FIRST_LAB_ID + k);

export function seedLogId(index: number): string {
  return createHash('sha256').update(`bench-log-${index}`).digest('hex').slice(0, 24);
}

export function seedEventId(index: number): string {
  return `evt-bench-${index}`;
}

const FAIL_MESSAGES = [
  'connect ECONNREFUSED 10.20.4.18:443',
  'Request timed out after 10000 ms',
  'HTTP 500: {"error":"Internal Server Error","trace":"java.lang.NullPointerException at com.partner.api.BillController.create(BillController.java:118)"}',
  `HTTP 422: ${JSON.stringify({ errors: Array.from({ length: 12 }, (_, i) => ({ field: `items.${i}.testCode`, message: 'unknown test code for this partner catalogue' })) })}`,
  'SocketTimeoutException: Read timed out waiting for the ACK',
];

/**
 * Log `index` of `total`, inserted between `anchor - 90 days` and `anchor` in index order (logs are
 * appended over time), at whole seconds so that some logs share a timestamp, as real bursts do.
 */
export function generateLog(index: number, total: number, anchor: number): LogDocument {
  const r = random(index * 2654435761);
  const insertedAt = new Date(Math.floor((anchor - DAYS * DAY_MS + Math.floor((index * DAYS * DAY_MS) / total)) / 1000) * 1000);
  const isApi = r() < 0.2;
  const labId = weighted(LAB_IDS, LAB_WEIGHTS, r());
  const developer = weighted(DEVELOPERS, DEVELOPERS.map((d) => d.weight), r());
  const category = weighted(ACTION_CATEGORIES, CATEGORY_WEIGHTS, r());
  const status = weighted<LogStatus>(['SUCCESS', 'FAIL', 'QUEUED', ''], [0.85, 0.08, 0.03, 0.04], r());
  const entityType = ENTITY_OF_CATEGORY[category.id] ?? 'bill';
  const entityId = 100_000 + Math.floor(r() * 900_000);
  const responseTime = status === 'QUEUED' ? null : Math.round(40 + r() ** 3 * 3000);
  const statusCode = status === 'SUCCESS' ? 200 : status === '' ? 209 : status === 'FAIL' ? weighted([500, 422, 503], [0.5, 0.3, 0.2], r()) : null;
  const errorMessage = status === 'FAIL' ? weighted(FAIL_MESSAGES, [0.25, 0.25, 0.2, 0.2, 0.1], r()) : null;
  const url = isApi ? `https://labwire.example${API_ENDPOINTS[index % API_ENDPOINTS.length]}` : `https://hooks.partner${developer.id}.example/labwire/${entityType}`;
  const body = JSON.stringify({ labId, entity: { type: entityType, id: entityId }, action: category.name, patient: { name: 'Test Patient', mrn: `MRN-${entityId}` } });
  const activityDate = new Date(insertedAt.getTime() - Math.floor(r() * 3 * DAY_MS));
  const authId = 500 + ((labId * 7 + developer.id) % 997);
  const labIntegrationId = authId * 10 + (category.id % 10);
  return {
    _id: seedLogId(index),
    type: isApi ? 'API' : 'WEBHOOK',
    lab_id: labId,
    org_id: r() < 0.3 ? labId * 10 + 1 : null,
    developer_id: developer.id,
    developer_name: developer.name,
    auth_id: authId,
    lab_integration_id: isApi ? null : labIntegrationId,
    action_category_id: category.id,
    operation: isApi ? `GET ${API_ENDPOINTS[index % API_ENDPOINTS.length]}` : category.name,
    integration_type: isApi ? 'api' : 'webhook',
    status,
    error_message: errorMessage,
    request: { method: 'POST', url, headers: { 'content-type': 'application/json', 'x-api-key': '[redacted]', 'idempotency-key': seedLogId(index) }, body },
    response_body: status === 'SUCCESS' ? '{"ok":true}' : status === '' ? '#NOTFORDASHBOARD' : errorMessage,
    response_status_code: statusCode,
    response_time: responseTime,
    fusion_log: null,
    sent_to_mirth: false,
    retry_count: status === 'FAIL' && r() < 0.3 ? 1 : 0,
    auto_retry_count: 0,
    triggered_by_py3: category.origin === 'crelio-app',
    origin: category.origin,
    retry_context: isApi
      ? null
      : { entity_type: entityType, entity_id: entityId, lab_id: labId, org_id: null, action_category_id: category.id, lab_integration_id: labIntegrationId, auth_id: authId },
    workflow_id: isApi ? null : `delivery-${seedLogId(index)}`,
    run_id: null,
    event_id: isApi ? null : seedEventId(index),
    inserted_at: insertedAt,
    activity_date: activityDate,
    updated_at: new Date(insertedAt.getTime() + (responseTime ?? 0)),
    attempts:
      responseTime === null
        ? []
        : [{ attempt: 1, at: insertedAt.toISOString(), ...(statusCode === null ? {} : { statusCode }), latencyMs: responseTime, requestHeaders: { 'content-type': 'application/json' } }],
    ...(isApi ? { endpoint: API_ENDPOINTS[index % API_ENDPOINTS.length] } : {}),
  };
}
