import { connect } from 'node:net';

/**
 * HTTP/1.1 over a plain socket, byte for byte: fetch and node:http refuse to send what a fuzzer
 * must (NUL and non-UTF-8 bytes in a path or header, a wrong Content-Length, duplicate headers).
 */
export interface RawRequest {
  method: string;
  /** Request target as bytes (latin1: one char per byte). */
  target: string;
  /** Name/value pairs as bytes, in order, duplicates allowed. */
  headers: Array<[string, string]>;
  body?: Buffer;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  /** The first 64 KB of the body (chunked encoding undone). */
  body: Buffer;
  ms: number;
}

export type Exchange = { answer: RawAnswer } | { error: string; ms: number };

const BODY_KEPT = 64 * 1024;

export function serialize(request: RawRequest): Buffer {
  const head = `${request.method} ${request.target} HTTP/1.1\r\n${request.headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), request.body ?? Buffer.alloc(0)]);
}

/** Sends one request on a new connection to 127.0.0.1 and reads its answer (an event stream: its head only). */
export function send(port: number, request: RawRequest, timeoutMs: number): Promise<Exchange> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (exchange: Exchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(exchange);
    };
    const timer = setTimeout(() => finish({ error: `no answer within ${timeoutMs} ms`, ms: ms() }), timeoutMs);
    const tryParse = (ended: boolean) => {
      const answer = parseAnswer(received, ended);
      if (answer) finish({ answer: { ...answer, ms: ms() } });
      else if (ended) finish({ error: received.length === 0 ? 'connection closed without an answer' : 'incomplete answer', ms: ms() });
    };
    socket.on('connect', () => socket.write(serialize(request)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      tryParse(false);
    });
    socket.on('end', () => tryParse(true));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // The server may answer (413, 400) and close before it read the whole body: keep what came.
      if (received.length > 0) tryParse(true);
      else finish({ error: error.code ?? error.message, ms: ms() });
    });
  });
}

/** The first complete answer in `data`, or undefined while more is needed. */
export function parseAnswer(data: Buffer, ended: boolean): Omit<RawAnswer, 'ms'> | undefined {
  const headEnd = data.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [statusLine = '', ...lines] = data.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? NaN);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = data.subarray(headEnd + 4);
  if ((headers['content-type'] ?? '').startsWith('text/event-stream')) return { status, headers, body: rest.subarray(0, BODY_KEPT) };
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    return rest.length >= length || ended ? { status, headers, body: rest.subarray(0, Math.min(length, BODY_KEPT)) } : undefined;
  }
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const body = dechunk(rest);
    return body ? { status, headers, body: body.subarray(0, BODY_KEPT) } : ended ? { status, headers, body: rest.subarray(0, BODY_KEPT) } : undefined;
  }
  return ended || status === 204 || status === 304 ? { status, headers, body: rest.subarray(0, BODY_KEPT) } : undefined;
}

function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (data.length < start + size + 2) return undefined;
    parts.push(data.subarray(start, start + size));
    at = start + size + 2;
  }
}
