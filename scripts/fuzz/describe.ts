import type { FuzzCase } from './fuzz-case';
import type { Exchange } from './raw-http';

const printable = (latin1: string, max: number) => {
  const shown = JSON.stringify(latin1.length > max ? latin1.slice(0, max) : latin1).slice(1, -1);
  return latin1.length > max ? `${shown}… (${latin1.length} bytes)` : shown;
};

export const operationOf = (fuzzCase: FuzzCase) => `${fuzzCase.operation.method} ${fuzzCase.operation.template}`;

/** A request as a reader can replay it: caller, method, target, extra headers and the body's kind and start (bytes as JSON escapes). */
export function describeRequest(fuzzCase: FuzzCase): string {
  const { caller, csrf, operation, target, headers, body } = fuzzCase;
  const signedIn = caller === 'viewer' || caller === 'operator' || caller === 'admin';
  const parts = [`${caller}${signedIn && operation.method !== 'GET' ? ` (csrf ${csrf})` : ''}: ${operation.method} ${printable(target, 160)}`];
  if (headers.length > 0) parts.push(`headers ${headers.map(([k, v]) => `${k}: ${printable(v, 60)}`).join('; ')}`);
  if (body) parts.push(`body ${body.kind}${body.contentType === undefined ? ' (no content-type)' : ` (${printable(body.contentType, 40) || 'empty content-type'})`} ${printable(body.bytes.toString('latin1'), 160)}`);
  return parts.join(' | ');
}

export const describeAnswer = (exchange: Exchange) =>
  'error' in exchange ? exchange.error : `${exchange.answer.status} ${exchange.answer.headers['content-type'] ?? ''} ${exchange.answer.body.toString('utf8').slice(0, 160)}`;

/** An answer without a content type or body: Node's HTTP server refused the request before Express saw it. */
export const answeredByNode = (exchange: Exchange) =>
  'answer' in exchange && exchange.answer.headers['content-type'] === undefined && exchange.answer.body.length === 0 && exchange.answer.status >= 400;
