import { randomBytes } from 'node:crypto';
import type { RawLogStore } from './raw-log-store';
import type { LogDocument } from '../../src/logstore/log-document';
import type { LogStatus } from '../../workflows/types';
import type { LabFixture } from './lab-fixtures';

const OPERATIONS = [
  { id: 1, name: 'Bill Generated' },
  { id: 2, name: 'Patient Registered' },
  { id: 4, name: 'Report Submitted' },
  { id: 5, name: 'Report Approved' },
];
const OUTCOMES: Array<{ status: LogStatus; code: number | null; error: string | null }> = [
  ...Array.from({ length: 14 }, () => ({ status: 'SUCCESS' as const, code: 200, error: null })),
  { status: 'FAIL', code: 502, error: '<html><body><h1>502 Bad Gateway</h1></body></html>' },
  { status: 'FAIL', code: null, error: 'No response within 10000 ms' },
  { status: 'FAIL', code: 422, error: '{"error":"patient.mrn is required"}' },
  { status: 'QUEUED', code: null, error: null },
];

/**
 * Finished deliveries of the last `hours`, written as the log writer leaves them (the document
 * and its read-model row): a lab with a day of history, so the dashboard's chart and table show
 * what an operator sees.
 */
export async function writeLogHistory(store: RawLogStore, lab: LabFixture, developerName: string, count: number, hours = 24): Promise<LogDocument[]> {
  const now = Date.now();
  const docs = Array.from({ length: count }, (_, i): LogDocument => {
    const at = new Date(now - 10 * 60_000 - Math.floor(((i + 0.5) / count) * hours * 3_600_000));
    const operation = OPERATIONS[i % OPERATIONS.length]!;
    const outcome = OUTCOMES[(i * 7) % OUTCOMES.length]!;
    const id = randomBytes(12).toString('hex');
    return {
      _id: id,
      type: 'WEBHOOK',
      lab_id: lab.labId,
      org_id: null,
      developer_id: lab.developerId,
      developer_name: developerName,
      auth_id: null,
      lab_integration_id: null,
      action_category_id: operation.id,
      operation: operation.name,
      integration_type: 'webhook',
      status: outcome.status,
      error_message: outcome.error,
      request: { method: 'POST', url: 'https://ehr.partner.example/labwire', headers: {}, body: '{}' },
      response_body: outcome.error ?? '{"received":true}',
      response_status_code: outcome.code,
      response_time: outcome.status === 'QUEUED' ? null : 40 + ((i * 37) % 260),
      fusion_log: null,
      sent_to_mirth: false,
      retry_count: outcome.status === 'FAIL' ? i % 2 : 0,
      auto_retry_count: outcome.status === 'FAIL' ? 1 : 0,
      triggered_by_py3: false,
      origin: 'livehealth',
      retry_context: { entity_type: operation.id === 2 ? 'patient' : operation.id >= 4 ? 'report' : 'bill', entity_id: operation.id === 2 ? lab.patientId : operation.id >= 4 ? lab.reportId : lab.billId, lab_id: lab.labId, org_id: null, action_category_id: operation.id, lab_integration_id: null, auth_id: null },
      workflow_id: `delivery-${id}`,
      run_id: null,
      event_id: `history-${id}`,
      inserted_at: at,
      activity_date: at,
      updated_at: at,
      attempts: [],
    };
  });
  await store.logs.insertMany(docs);
  await store.index.insert(docs);
  return docs;
}
