import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { Webhook } from 'standardwebhooks';
import {
  createWebhookActivities,
  type WebhookActivitiesHandle,
  type WebhookActivityDeps,
  type WebhookAttempt,
  type WebhookDispatchInput,
  type WebhookOutcome,
} from '../activities/webhook/dispatch-webhook';

/** What the partner's receiver saw, per request path. */
interface Received {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}
type Respond = (request: IncomingMessage, response: ServerResponse) => void;

const quietLogger = new DefaultLogger('ERROR');
const retryPolicy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 5_000 };
const recorded = new Map<string, WebhookAttempt[]>();
const received = new Map<string, Received[]>();
const routes = new Map<string, Respond>();
let server: Server;
let baseUrl: string;
let connections = 0;
let webhook: WebhookActivitiesHandle;

function depsWith(overrides: Partial<WebhookActivityDeps> = {}): WebhookActivityDeps {
  return {
    allowedNetworks: ['127.0.0.0/8', '::1/128'],
    maxBodyBytes: 1024,
    recordAttempt: async (logId, attempt) => {
      recorded.set(logId, [...(recorded.get(logId) ?? []), attempt]);
    },
    ...overrides,
  };
}

/** A unique path and log id per test, answered by `respond`. */
function partnerEndpoint(respond: Respond): { logId: string; path: string; url: string } {
  const logId = `log-${randomUUID()}`;
  const path = `/hooks/${logId}`;
  routes.set(path, respond);
  return { logId, path, url: `${baseUrl}${path}` };
}

function input(logId: string, url: string, overrides: Partial<WebhookDispatchInput> = {}): WebhookDispatchInput {
  return { logId, url, method: 'POST', payload: { billId: 42, status: 'REPORTED' }, timeoutMs: 2_000, retry: retryPolicy, ...overrides };
}

function dispatchAs(attempt: number, dispatchInput: WebhookDispatchInput, activities: WebhookActivitiesHandle = webhook): Promise<WebhookOutcome> {
  // Failed attempts are expected here; the environment would otherwise log each one as a warning.
  return new MockActivityEnvironment({ attempt }, { logger: quietLogger }).run(activities.dispatchWebhook, dispatchInput);
}

async function retryableFailureOf(outcome: Promise<WebhookOutcome>): Promise<ApplicationFailure> {
  const error = await outcome.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  const failure = error as ApplicationFailure;
  expect(failure.type).toBe('WebhookRetryableError');
  expect(failure.nonRetryable).toBeFalsy();
  return failure;
}

const answer =
  (status: number, body = '', headers: Record<string, string> = {}): Respond =>
  (_request, response) => {
    response.writeHead(status, headers).end(body);
  };

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = new URL(request.url ?? '/', baseUrl).pathname;
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
      received.set(path, [...(received.get(path) ?? []), { method: request.method ?? '', url: request.url ?? '', headers, body: Buffer.concat(chunks).toString() }]);
      (routes.get(path) ?? answer(404, 'no such hook'))(request, response);
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  webhook = createWebhookActivities(depsWith());
});

afterAll(async () => {
  await webhook.close();
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

describe('dispatchWebhook against a real receiver', () => {
  it('given a POST integration with an api key, when dispatched, then the receiver gets the JSON body, x-api-key and the log id as idempotency key', async () => {
    const { logId, path, url } = partnerEndpoint(answer(200, '{"ok":true}', { 'content-type': 'application/json' }));

    const outcome = await dispatchAs(1, input(logId, url, { apiKey: 'partner-key-1' }));

    const [request] = received.get(path)!;
    expect(request!.method).toBe('POST');
    expect(JSON.parse(request!.body)).toEqual({ billId: 42, status: 'REPORTED' });
    expect(request!.headers).toMatchObject({
      'content-type': 'application/json',
      'x-api-key': 'partner-key-1',
      'idempotency-key': logId,
      'user-agent': 'Labwire-Webhooks/1',
    });
    expect(outcome).toMatchObject({ statusCode: 200, responseBody: '{"ok":true}', request: { method: 'POST', url, body: request!.body } });
    expect(outcome.errorMessage).toBeUndefined();
    expect(outcome.attempt).toMatchObject({ attempt: 1, statusCode: 200 });
    // The last attempt travels with the outcome (the log's finalize adds it): no write of its own.
    expect(recorded.get(logId)).toBeUndefined();
  });

  it('given a GET integration, when dispatched, then the payload arrives as a flat query string with nested values JSON-encoded', async () => {
    const { logId, path, url } = partnerEndpoint(answer(200, 'ok'));
    const payload = { patientId: 'P-1', count: 3, note: 'a b&c', patient: { mrn: 'M1' }, tests: ['CBC', 'LFT'] };

    const outcome = await dispatchAs(1, input(logId, url, { method: 'GET', payload }));

    const [request] = received.get(path)!;
    expect(request!.method).toBe('GET');
    expect(request!.body).toBe('');
    expect(request!.headers['content-type']).toBeUndefined();
    const query = Object.fromEntries(new URL(request!.url, baseUrl).searchParams);
    expect(query).toEqual({ patientId: 'P-1', count: '3', note: 'a b&c', patient: '{"mrn":"M1"}', tests: '["CBC","LFT"]' });
    expect(outcome.request).toEqual(expect.objectContaining({ method: 'GET', url: `${baseUrl}${request!.url}` }));
    expect(outcome.request.body).toBeUndefined();
  });

  it('given a signing secret, when a POST is dispatched, then the partner verifies the Standard Webhooks signature over the body', async () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const { logId, path, url } = partnerEndpoint(answer(200));

    await dispatchAs(1, input(logId, url, { signingSecrets: [secret] }));

    const [request] = received.get(path)!;
    expect(request!.headers['webhook-id']).toBe(logId);
    expect(new Webhook(secret).verify(request!.body, request!.headers)).toEqual({ billId: 42, status: 'REPORTED' });
    expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(request!.body, request!.headers)).toThrow();
  });

  it('given a signing secret, when a GET is dispatched, then the partner verifies the signature over the raw query string', async () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const { logId, path, url } = partnerEndpoint(answer(200));

    await dispatchAs(1, input(logId, `${url}?lab=7`, { method: 'GET', signingSecrets: [secret], payload: { billId: 42, tags: ['a'] } }));

    const [request] = received.get(path)!;
    const rawQuery = request!.url.slice(request!.url.indexOf('?') + 1);
    expect(rawQuery).toContain('lab=7');
    // A query string is not JSON, so the partner turns off verify()'s JSON parsing; a bad signature still throws.
    expect(() => new Webhook(secret).verify(rawQuery, request!.headers, { jsonParse: false })).not.toThrow();
    expect(() => new Webhook(secret).verify(`${rawQuery}&billId=43`, request!.headers, { jsonParse: false })).toThrow('No matching signature found');
  });

  it.each([
    [209, 'suppressed'],
    [200, 'fine'],
  ])('given the partner answers %i, when dispatched, then the outcome is returned with status and body', async (status, body) => {
    const { logId, url } = partnerEndpoint(answer(status, body));

    const outcome = await dispatchAs(1, input(logId, url));

    expect(outcome).toMatchObject({ statusCode: status, responseBody: body });
    expect(recorded.get(logId)).toBeUndefined();
  });

  it('given the partner answers 404, when attempt 1 of 3 runs, then the outcome is returned and not retried', async () => {
    const { logId, url } = partnerEndpoint(answer(404, 'unknown patient'));

    const outcome = await dispatchAs(1, input(logId, url));

    expect(outcome).toMatchObject({ statusCode: 404, responseBody: 'unknown patient', attempt: { attempt: 1, statusCode: 404 } });
    expect(recorded.get(logId)).toBeUndefined();
  });

  it('given the partner answers 500, when attempt 1 of 3 runs, then a retryable failure with a jittered delay is thrown after recording the attempt', async () => {
    const { logId, url } = partnerEndpoint(answer(500, 'database down'));

    const failure = await retryableFailureOf(dispatchAs(1, input(logId, url)));

    expect(failure.message).toContain('HTTP 500');
    expect(failure.nextRetryDelay).toBeGreaterThanOrEqual(1);
    expect(failure.nextRetryDelay).toBeLessThanOrEqual(retryPolicy.baseDelayMs);
    expect(recorded.get(logId)).toEqual([expect.objectContaining({ attempt: 1, statusCode: 500 })]);
  });

  it('given the partner answers 500, when attempt 3 of 3 runs, then the outcome is returned with the partner body', async () => {
    const { logId, url } = partnerEndpoint(answer(500, 'database down'));

    const outcome = await dispatchAs(3, input(logId, url));

    expect(outcome).toMatchObject({ statusCode: 500, responseBody: 'database down', attempt: { attempt: 3 } });
    expect(outcome.errorMessage).toBeUndefined();
    expect(recorded.get(logId)).toBeUndefined();
  });

  it('given the partner answers 503 with Retry-After: 2, when attempt 1 of 3 runs, then the next retry is in 2000 ms', async () => {
    const { logId, url } = partnerEndpoint(answer(503, 'busy', { 'retry-after': '2' }));

    const failure = await retryableFailureOf(dispatchAs(1, input(logId, url)));

    expect(failure.nextRetryDelay).toBe(2_000);
    expect(failure.nextRetryDelay).toBeGreaterThanOrEqual(retryPolicy.baseDelayMs);
    expect(failure.nextRetryDelay).toBeLessThanOrEqual(retryPolicy.maxDelayMs);
  });

  it('given a receiver that never answers, when the short timeout passes, then the outcome says No response', async () => {
    let arrived = 0;
    const { logId, url } = partnerEndpoint(() => {
      arrived += 1; // hold the request open: the partner never answers
    });

    const outcome = await dispatchAs(3, input(logId, url, { timeoutMs: 300 }));

    expect(arrived).toBe(1);
    expect(outcome.errorMessage).toBe('No response');
    expect(outcome.statusCode).toBeUndefined();
    expect(outcome.responseTimeMs).toBeGreaterThanOrEqual(290);
    expect(outcome.responseTimeMs).toBeLessThan(2_000);
    expect(outcome.attempt).toMatchObject({ attempt: 3, error: 'No response' });
    expect(recorded.get(logId)).toBeUndefined();
  });

  it('given a receiver that never answers, when attempt 1 of 3 times out, then the timeout is retried', async () => {
    const { logId, url } = partnerEndpoint(() => undefined);

    const failure = await retryableFailureOf(dispatchAs(1, input(logId, url, { timeoutMs: 300 })));

    expect(failure.message).toBe('No response');
  });

  it('given a partner that sends headers but never finishes the body, when the timeout passes, then the outcome says No response', async () => {
    const { logId, url } = partnerEndpoint((_request, response) => {
      response.writeHead(200);
      response.write('partial'); // the body never ends
    });

    const outcome = await dispatchAs(3, input(logId, url, { timeoutMs: 300 }));

    expect(outcome.errorMessage).toBe('No response');
    expect(outcome.statusCode).toBeUndefined();
  });

  it('given the partner redirects with 302, when dispatched, then the 302 is returned and the redirect is not followed', async () => {
    const { logId, url } = partnerEndpoint(answer(302, '', { location: `${baseUrl}/hooks/elsewhere-${randomUUID()}` }));
    const before = [...received.keys()].length;

    const outcome = await dispatchAs(1, input(logId, url));

    expect(outcome.statusCode).toBe(302);
    expect(outcome.responseHeaders?.location).toContain('/hooks/elsewhere-');
    expect([...received.keys()].length).toBe(before + 1);
  });

  it('given nothing listens on the port, when attempt 3 of 3 runs, then the network error text is returned', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const logId = `log-${randomUUID()}`;

    const outcome = await dispatchAs(3, input(logId, `http://127.0.0.1:${port}/hooks`));

    expect(outcome.errorMessage).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(outcome.attempt).toMatchObject({ error: `connect ECONNREFUSED 127.0.0.1:${port}` });
  });

  describe('given no allowed networks', () => {
    let guarded: WebhookActivitiesHandle;
    beforeAll(() => {
      guarded = createWebhookActivities(depsWith({ allowedNetworks: [] }));
    });
    afterAll(() => guarded.close());

    it('when the target is the loopback IP literal, then it is blocked permanently and no connection reaches the receiver', async () => {
      const { logId, path, url } = partnerEndpoint(answer(200));
      const connectionsBefore = connections;

      const outcome = await dispatchAs(1, input(logId, url), guarded);

      expect(outcome.errorMessage).toBe(
        `Blocked target address 127.0.0.1 (loopback) for host 127.0.0.1 port ${new URL(url).port}; not allowed unless TARGET_ALLOWLIST includes it`,
      );
      expect(outcome.statusCode).toBeUndefined();
      expect(connections).toBe(connectionsBefore);
      expect(received.get(path)).toBeUndefined();
      expect(outcome.attempt).toMatchObject({ attempt: 1, error: outcome.errorMessage });
    });

    it('when the target is a hostname resolving to loopback, then it is blocked after resolution the same way', async () => {
      const { logId, path } = partnerEndpoint(answer(200));
      const connectionsBefore = connections;

      const outcome = await dispatchAs(1, input(logId, `${baseUrl.replace('127.0.0.1', 'localhost')}${path}`), guarded);

      expect(outcome.errorMessage).toMatch(/^Blocked target address (127\.0\.0\.1|::1) \(loopback\) for host localhost port \d+; not allowed unless TARGET_ALLOWLIST includes it$/);
      expect(connections).toBe(connectionsBefore);
      expect(received.get(path)).toBeUndefined();
    });
  });

  it.each([
    ['with a content-length', (body: string): Respond => answer(200, body)],
    [
      'streamed in chunks',
      (body: string): Respond =>
        (_request, response) => {
          response.writeHead(200);
          response.write(body.slice(0, 1500));
          response.end(body.slice(1500));
        },
    ],
  ])('given a response body larger than the limit %s, when dispatched, then it is truncated with a marker', async (_how, respondWith) => {
    const { logId, url } = partnerEndpoint(respondWith('x'.repeat(5_000)));

    const outcome = await dispatchAs(1, input(logId, url));

    expect(outcome.responseBody).toBe(`${'x'.repeat(1024)}…[truncated 3976 bytes]`);
  });

  it('given secrets in request and response headers, when the attempt is recorded, then they are redacted while the partner got the real ones', async () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const { logId, path, url } = partnerEndpoint(answer(200, 'ok', { 'set-cookie': 'session=abc', 'x-partner-token': 't-1', 'x-request-id': 'r-1' }));

    const outcome = await dispatchAs(1, input(logId, url, { apiKey: 'partner-key-2', signingSecrets: [secret] }));

    expect(received.get(path)![0]!.headers['x-api-key']).toBe('partner-key-2');
    const { attempt } = outcome;
    expect(attempt.requestHeaders).toMatchObject({ 'x-api-key': '[REDACTED]', 'webhook-signature': '[REDACTED]', 'idempotency-key': logId });
    expect(attempt.responseHeaders).toMatchObject({ 'set-cookie': '[REDACTED]', 'x-partner-token': '[REDACTED]', 'x-request-id': 'r-1' });
    expect(outcome.request.headers['x-api-key']).toBe('[REDACTED]');
    expect(JSON.stringify(outcome)).not.toContain('partner-key-2');
  });

  it('given no Temporal activity context, when dispatched directly, then it counts as attempt 1', async () => {
    const { logId, url } = partnerEndpoint(answer(200));

    const outcome = await webhook.dispatchWebhook(input(logId, url));

    expect(outcome.attempt.attempt).toBe(1);
  });

  it('given the factory result spread into a worker, when its keys are listed, then only dispatchWebhook is an activity', () => {
    expect(Object.keys({ ...webhook })).toEqual(['dispatchWebhook']);
    expect(typeof webhook.close).toBe('function');
  });
});
