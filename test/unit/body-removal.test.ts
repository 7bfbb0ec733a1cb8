import type { LogDocument } from '../../src/logstore/log-document';
import { ANSWER_REMOVED, bodyRemoval, retryErrorWithoutAnswer, withoutQuery } from '../../src/retention/body-removal';

const at = new Date('2026-11-30T09:00:00Z');
const log = (fields: Partial<LogDocument>): LogDocument =>
  ({
    _id: 'log-1',
    request: { method: 'POST', url: 'https://partner.example/hook', headers: { 'content-type': 'application/json', 'x-api-key': '[redacted]' }, body: '{"patient":"Asha Rao"}' },
    response_body: null,
    response_status_code: null,
    error_message: null,
    ...fields,
  }) as LogDocument;

describe('body removal (what LOG_BODY_RETENTION_DAYS takes away)', () => {
  it('drops the request body and the response body, keeps method, URL and redacted headers, and marks the log', () => {
    expect(bodyRemoval(log({ response_body: '{"ok":true,"name":"Asha"}', response_status_code: 200 }), at, 30)).toEqual({
      request: { method: 'POST', url: 'https://partner.example/hook', headers: { 'content-type': 'application/json', 'x-api-key': '[redacted]' } },
      response_body: null,
      error_message: null,
      bodies_removed_at: at,
      body_retention_days: 30,
    });
  });

  it("drops a GET's query string (its payload) and a fragment", () => {
    expect(withoutQuery('https://p.example/hook?patient=Asha+Rao&mrn=M1#x')).toBe('https://p.example/hook');
    expect(withoutQuery('https://p.example/hook#frag')).toBe('https://p.example/hook');
    expect(withoutQuery('mllp://10.0.0.5:6661')).toBe('mllp://10.0.0.5:6661');
    expect(bodyRemoval(log({ request: { method: 'GET', url: 'https://p.example/h?name=Asha', headers: {} } }), at, 30).request).toEqual({ method: 'GET', url: 'https://p.example/h', headers: {} });
  });

  it("replaces an error text that was the partner's answer: by its status code, or by a note when it had none", () => {
    expect(bodyRemoval(log({ error_message: 'unknown patient Asha Rao', response_body: 'unknown patient Asha Rao', response_status_code: 422 }), at, 30).error_message).toBe('HTTP 422');
    // Mirth's ACK text and a vendor's callback message come without a status code.
    expect(bodyRemoval(log({ error_message: 'AE: MRN M1 unknown', response_body: 'MSH|^~\\&|…' }), at, 30).error_message).toBe(ANSWER_REMOVED);
  });

  it("keeps Labwire's own error text when nothing answered (No response, network errors, a blocked target)", () => {
    for (const message of ['No response', 'connect ECONNREFUSED 127.0.0.1:9', 'Blocked target address 10.0.0.1']) {
      expect(bodyRemoval(log({ error_message: message }), at, 30).error_message).toBe(message);
    }
  });

  it('keeps a log without a request as it is (pre-created, never dispatched), also with its null fields absent as FerretDB stores them', () => {
    expect(bodyRemoval(log({ request: null }), at, 7).request).toBeNull();
    const absent = { _id: 'log-2' } as LogDocument;
    expect(bodyRemoval(absent, at, 7)).toEqual({ request: null, response_body: null, error_message: null, bodies_removed_at: at, body_retention_days: 7 });
    const noAnswer = { _id: 'log-3', error_message: 'No response' } as LogDocument;
    expect(bodyRemoval(noAnswer, at, 7).error_message).toBe('No response');
    expect(retryErrorWithoutAnswer({ error_message: 'No response' } as never, 'webhook')).toBe('No response');
  });

  it("replaces a retry record's error when the partner answered it", () => {
    expect(retryErrorWithoutAnswer({ error_message: 'Asha Rao not found', response_status_code: 404 }, 'webhook')).toBe('HTTP 404');
    expect(retryErrorWithoutAnswer({ error_message: 'AR: Asha Rao', response_status_code: null }, 'mirth')).toBe(ANSWER_REMOVED);
    expect(retryErrorWithoutAnswer({ error_message: 'vendor says Asha', response_status_code: null }, 'async_vendor')).toBe(ANSWER_REMOVED);
    expect(retryErrorWithoutAnswer({ error_message: 'No response', response_status_code: null }, 'webhook')).toBe('No response');
    expect(retryErrorWithoutAnswer({ error_message: null, response_status_code: 200 }, 'webhook')).toBeNull();
  });
});
