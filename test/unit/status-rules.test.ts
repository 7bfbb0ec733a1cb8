import { decideLogFields } from '../../activities/delivery/status-rules';
import type { DeliveryOutcome } from '../../workflows/types';

const request = { method: 'POST', url: 'https://partner.example/hook', headers: {} };
const http = (statusCode: number | undefined, responseBody?: string, extra: Partial<Extract<DeliveryOutcome, { kind: 'http' }>> = {}): DeliveryOutcome => ({
  kind: 'http', request, statusCode, responseBody, responseTimeMs: 12, ...extra,
});

describe('status rules (SPEC §4)', () => {
  it.each([
    [200, 'ok', 'SUCCESS'],
    [204, undefined, 'SUCCESS'],
    [209, 'fine', ''],
    [200, 'done #NOTFORDASHBOARD', ''],
    [500, '#NOTFORDASHBOARD', ''],
    [302, 'moved', 'FAIL'],
    [404, 'missing', 'FAIL'],
    [503, 'busy', 'FAIL'],
  ] as const)('HTTP %i with body %j → status %j', (code, body, status) => {
    expect(decideLogFields(http(code, body), 'webhook', 'livehealth').status).toBe(status);
  });

  it('uses the partner body as the error, or the code when the body is empty', () => {
    expect(decideLogFields(http(500, 'boom'), 'webhook', 'livehealth').error_message).toBe('boom');
    expect(decideLogFields(http(502, ''), 'webhook', 'livehealth').error_message).toBe('HTTP 502');
  });

  it('no HTTP answer → FAIL with the error (e.g. No response)', () => {
    expect(decideLogFields(http(undefined, undefined, { errorMessage: 'No response' }), 'webhook', 'livehealth')).toMatchObject({ status: 'FAIL', error_message: 'No response', response_status_code: null });
  });

  it('an accepted async-vendor submit stays QUEUED', () => {
    expect(decideLogFields(http(202, '{}', { awaitingCallback: true }), 'async_vendor', 'livehealth').status).toBe('QUEUED');
    expect(decideLogFields(http(400, 'bad', { awaitingCallback: true }), 'async_vendor', 'livehealth').status).toBe('FAIL');
  });

  it('Mirth: a positive ACK is "Sent to Mirth"; any failure names where it failed, by origin', () => {
    const mirth = (status: 'SUCCESS' | 'FAIL'): DeliveryOutcome => ({ kind: 'mirth', request, status, sentToMirth: status === 'SUCCESS', responseTimeMs: 5, errorMessage: status === 'FAIL' ? 'AE' : undefined });
    expect(decideLogFields(mirth('SUCCESS'), 'mirth', 'livehealth')).toMatchObject({ status: 'SUCCESS', fusion_log: 'Sent to Mirth', sent_to_mirth: true });
    expect(decideLogFields(mirth('FAIL'), 'mirth', 'crelio-app')).toMatchObject({ status: 'FAIL', fusion_log: 'Failed at Crelio-app', sent_to_mirth: false });
    expect(decideLogFields({ kind: 'error', errorMessage: 'no host' }, 'mirth', 'livehealth')).toMatchObject({ status: 'FAIL', fusion_log: 'Failed at Livehealthapp' });
    expect(decideLogFields({ kind: 'error', errorMessage: 'x' }, 'webhook', 'livehealth')).not.toHaveProperty('fusion_log');
  });

  it('a vendor callback decides the final status; its #NOTFORDASHBOARD suppresses', () => {
    const at = '2026-11-26T10:00:00Z';
    expect(decideLogFields({ kind: 'vendor-callback', status: 'SUCCESS', receivedAt: at }, 'async_vendor', 'livehealth').status).toBe('SUCCESS');
    expect(decideLogFields({ kind: 'vendor-callback', status: 'FAIL', message: 'nope', receivedAt: at }, 'async_vendor', 'livehealth')).toMatchObject({ status: 'FAIL', error_message: 'nope' });
    expect(decideLogFields({ kind: 'vendor-callback', status: 'SUCCESS', body: '"#NOTFORDASHBOARD"', receivedAt: at }, 'async_vendor', 'livehealth').status).toBe('');
  });
});
