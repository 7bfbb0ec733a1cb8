import fc from 'fast-check';
import { INVALID_UTF8, junkJson, longText, pathSegment, textValue, utf8AsLatin1 } from './junk';
import type { Operation } from './operations';
import { schemaValue, type KnownValues } from './schema-values';

export const CALLERS = ['nobody', 'viewer', 'operator', 'admin', 'partner'] as const;
export type Caller = (typeof CALLERS)[number];

/** How a body is broken (or not): the report groups by it. */
export type BodyKind =
  | 'schema'
  | 'mutated'
  | 'json'
  | 'deep'
  | 'proto-keys'
  | 'duplicate-keys'
  | 'huge-numbers'
  | 'long-string'
  | 'nul'
  | 'invalid-utf8'
  | 'truncated'
  | 'empty'
  | 'binary';

/** One generated request, still symbolic about who sends it (the caller's cookie or key is added when sent). */
export interface FuzzCase {
  operation: Operation;
  caller: Caller;
  /** For a signed-in caller's change: send the session's CSRF token, none, or a wrong one. */
  csrf: 'right' | 'missing' | 'wrong';
  /** Path and query as raw bytes (latin1). */
  target: string;
  headers: Array<[string, string]>;
  body?: { kind: BodyKind; bytes: Buffer; contentType?: string };
}

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/json; charset=nonsense',
  'application/problem+json',
  'application/json, text/plain',
  '*/*',
  '',
  'application/json\x00',
];

const EXTRA_HEADERS: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(fc.constantFrom('x-forwarded-for', 'accept', 'accept-encoding', 'accept-charset', 'origin', 'referer', 'user-agent', 'x-request-id', 'if-none-match', 'range', 'expect', 'transfer-encoding', 'cookie', 'authorization', 'x-csrf-token'), textValue),
  fc.tuple(fc.constantFrom('accept'), fc.constantFrom('application/json', 'text/html', 'text/event-stream', '*/*', 'application/problem+json', 'image/png')),
  fc.tuple(fc.constantFrom('authorization'), fc.constantFrom('Bearer', 'Bearer ', 'Basic YWRtaW46YWRtaW4=', 'Bearer a b', 'bearer x', 'Bearer \xff\xfe')),
  fc.tuple(fc.constantFrom('cookie'), fc.constantFrom('labwire_session=', 'labwire_session=x; labwire_session=y', '=;;=', 'labwire_session=%00')),
  fc.tuple(fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz-_'), minLength: 1, maxLength: 20 }).map((s) => `x-${s}`), fc.oneof(textValue, longText)),
);

function deepNesting(depth: number, style: 'array' | 'object', closed: boolean): string {
  const open = style === 'array' ? '[' : '{"a":';
  const close = style === 'array' ? ']' : '}';
  return open.repeat(depth) + '1' + (closed ? close.repeat(depth) : '');
}

const asJsonBytes = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');

/** Sets one key of an object (or wraps a non-object) to a value, returning a new object. */
function withField(base: unknown, key: string, value: unknown): Record<string, unknown> {
  const object = base && typeof base === 'object' && !Array.isArray(base) ? { ...(base as Record<string, unknown>) } : {};
  object[key] = value;
  return object;
}

export const BODY_KINDS: BodyKind[] = ['schema', 'mutated', 'json', 'deep', 'proto-keys', 'duplicate-keys', 'huge-numbers', 'long-string', 'nul', 'invalid-utf8', 'truncated', 'empty', 'binary'];

/** Bodies of every kind by weight, or of one kind only. */
function bodyArbitrary(operation: Operation, known: KnownValues, only?: BodyKind): fc.Arbitrary<NonNullable<FuzzCase['body']>> {
  const w = (kind: BodyKind, weight: number) => (only === undefined ? weight : only === kind ? 1 : 0);
  const valid = operation.body ? schemaValue(operation.body, known) : fc.constant<unknown>({});
  const keys = Object.keys(((operation.body?.properties as Record<string, unknown> | undefined) ?? { x: 1 }));
  const key = fc.oneof(fc.constantFrom(...(keys.length > 0 ? keys : ['x'])), fc.string({ maxLength: 8 }));
  const raw = (kind: BodyKind, arb: fc.Arbitrary<Buffer>) => arb.map((bytes) => ({ kind, bytes }));
  const body = fc.oneof(
    { weight: w('schema', 6), arbitrary: raw('schema', valid.map(asJsonBytes)) },
    { weight: w('mutated', 4), arbitrary: raw('mutated', fc.tuple(valid, key, junkJson).map(([base, k, v]) => asJsonBytes(withField(base, k, v)))) },
    { weight: w('json', 2), arbitrary: raw('json', fc.jsonValue({ maxDepth: 4 }).map(asJsonBytes)) },
    {
      weight: w('deep', 2),
      arbitrary: raw(
        'deep',
        // The coverage pass sends the deepest closed kind, the one most likely to overflow a recursive walk.
          fc.tuple(only === 'deep' ? fc.constant(100_000) : fc.constantFrom(64, 1_000, 5_000, 20_000, 100_000), fc.constantFrom<'array' | 'object'>('array', 'object'), only === 'deep' ? fc.constant(true) : fc.boolean(), valid).map(([depth, style, closed, base]) =>
          // Deep inside a known field too, so a validator that stops at the first bad key still sees it.
          Buffer.from(closed && base && typeof base === 'object' && !Array.isArray(base) && Object.keys(base).length > 0 ? JSON.stringify(base).replace(/^\{/, `{"${Object.keys(base)[0]}x":${deepNesting(depth, style, true)},`) : deepNesting(depth, style, closed)),
        ),
      ),
    },
    {
      weight: w('proto-keys', 2),
      arbitrary: raw(
        'proto-keys',
        fc.tuple(valid, fc.constantFrom('"__proto__":{"role":"admin","isAdmin":true}', '"constructor":{"prototype":{"polluted":1}}', '"__proto__":null', '"prototype":1', '"__proto__":[1]')).map(([base, injected]) =>
          Buffer.from(JSON.stringify(base && typeof base === 'object' && !Array.isArray(base) ? base : {}).replace(/^\{/, `{${injected}${base && typeof base === 'object' && Object.keys(base).length > 0 ? ',' : ''}`)),
        ),
      ),
    },
    {
      weight: w('duplicate-keys', 2),
      arbitrary: raw(
        'duplicate-keys',
        fc.tuple(valid, key, junkJson).map(([base, k, v]) => {
          const text = JSON.stringify(base && typeof base === 'object' && !Array.isArray(base) ? base : {});
          return Buffer.from(text.replace(/\}$/, `${text === '{}' ? '' : ','}${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'},${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}}`));
        }),
      ),
    },
    {
      weight: w('huge-numbers', 2),
      arbitrary: raw(
        'huge-numbers',
        fc.tuple(valid, key, fc.constantFrom('1e400', '-1e400', '9007199254740993', '2147483648', '-1', '0', '1.0000000000000002', '123456789012345678901234567890', '-0', '1e-400')).map(([base, k, n]) =>
          Buffer.from(JSON.stringify(withField(base, k, '__N__')).replace('"__N__"', n)),
        ),
      ),
    },
    { weight: w('long-string', 2), arbitrary: raw('long-string', fc.tuple(valid, key, fc.constantFrom(10_000, 70_000, 1_100_000)).map(([base, k, n]) => asJsonBytes(withField(base, k, 'x'.repeat(n))))) },
    { weight: w('nul', 2), arbitrary: raw('nul', fc.tuple(valid, key, fc.constantFrom('\u0000', 'a\u0000b', '\u0000'.repeat(10))).map(([base, k, s]) => asJsonBytes(withField(base, k, s)))) },
    {
      weight: w('invalid-utf8', 2),
      arbitrary: raw(
        'invalid-utf8',
        fc.tuple(valid, key, fc.constantFrom(...INVALID_UTF8)).map(([base, k, bad]) => {
          const text = utf8AsLatin1(JSON.stringify(withField(base, k, '__B__')));
          return Buffer.from(text.replace('__B__', bad), 'latin1');
        }),
      ),
    },
    { weight: w('truncated', 2), arbitrary: raw('truncated', fc.tuple(valid, fc.double({ min: 0, max: 0.99, noNaN: true })).map(([base, at]) => { const bytes = asJsonBytes(base); return bytes.subarray(0, Math.floor(bytes.length * at)); })) },
    { weight: w('empty', 1), arbitrary: raw('empty', fc.constant(Buffer.alloc(0))) },
    { weight: w('binary', 1), arbitrary: raw('binary', fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes))) },
  );
  const contentType = fc.oneof({ weight: 6, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) });
  return fc.tuple(body, contentType).map(([b, type]) => (type === undefined ? b : { ...b, contentType: type }));
}

/** Percent-encoded values that decode to NUL, invalid UTF-8 or nothing at all. */
const QUERY_JUNK = ['%00', 'a%00b', '%FF%FE', '%C3%28', '%ED%A0%80', '%', '%zz', '%E2%82'];

/** Every byte that is not unreserved as %XX, so invalid UTF-8 and NUL travel inside a valid URL. */
const percentBytes = (latin1: string) => [...Buffer.from(latin1, 'latin1')].map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0').toUpperCase()}`)).join('');

function queryArbitrary(operation: Operation, known: KnownValues): fc.Arbitrary<string> {
  const declared = operation.parameters.filter((p) => p.in === 'query');
  const value = (name: string, schema: Record<string, unknown>) =>
    fc.oneof(
      { weight: 3, arbitrary: schemaValue(schema, known, name).map((v) => encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v) ?? '')) },
      { weight: 2, arbitrary: textValue.map(percentBytes) },
      { weight: 1, arbitrary: textValue },
      { weight: 1, arbitrary: fc.constantFrom(...QUERY_JUNK) },
    );
  const pair = fc.oneof(
    ...(declared.length > 0 ? [{ weight: 4, arbitrary: fc.constantFrom(...declared).chain((p) => value(p.name, p.schema).map((v) => `${p.name}=${v}`)) }] : []),
    { weight: 1, arbitrary: fc.constantFrom('__proto__[x]=1', 'constructor[prototype][y]=1', 'a[b][c]=1', 'x=1', '=', '&&', 'q', 'limit=1&limit=2', 'status[]=FAIL', '%zz=1', 'a=%00') },
    { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 10 }), textValue).map(([k, v]) => `${encodeURIComponent(k)}=${v}`) },
  );
  return fc.oneof({ weight: 2, arbitrary: fc.constant('') }, { weight: 3, arbitrary: fc.array(pair, { minLength: 1, maxLength: 4 }).map((pairs) => `?${pairs.join('&')}`) });
}

function pathArbitrary(operation: Operation, known: KnownValues): fc.Arbitrary<string> {
  const names = [...operation.template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const segments = names.map((name) => pathSegment(known(`${operation.template}#${name}`).map(String)));
  return fc.tuple(...segments).map((values) => {
    let i = 0;
    return operation.template.replace(/\{(\w+)\}/g, () => values[i++] ?? '');
  });
}

/** The caller that gets past an operation's authorization: what a hostile body needs to reach the handler. */
export const allowedCaller = (operation: Operation): Caller => (operation.api === 'partner' ? 'partner' : operation.access === 'public' ? 'nobody' : 'admin');

/** Requests for one operation: its path filled in, a query, extra headers, maybe a body (of one kind, when given). */
export function caseArbitrary(operation: Operation, known: KnownValues, only?: BodyKind): fc.Arbitrary<FuzzCase> {
  const takesBody = operation.body !== undefined;
  if (only) {
    return fc.record({
      operation: fc.constant(operation),
      caller: fc.constant(allowedCaller(operation)),
      csrf: fc.constant<'right'>('right'),
      target: fc.tuple(pathArbitrary(operation, known), queryArbitrary(operation, known)).map(([path, query]) => path + query),
      headers: fc.constant<Array<[string, string]>>([]),
      body: bodyArbitrary(operation, known, only).map((body) => ({ ...body, contentType: 'application/json' })),
    });
  }
  return fc.record({
    operation: fc.constant(operation),
    caller: fc.constantFrom(...CALLERS),
    csrf: fc.oneof({ weight: 8, arbitrary: fc.constant<'right'>('right') }, { weight: 1, arbitrary: fc.constantFrom<'missing' | 'wrong'>('missing', 'wrong') }),
    target: fc.tuple(pathArbitrary(operation, known), queryArbitrary(operation, known)).map(([path, query]) => path + query),
    headers: fc.oneof({ weight: 3, arbitrary: fc.constant<Array<[string, string]>>([]) }, { weight: 2, arbitrary: fc.array(EXTRA_HEADERS, { minLength: 1, maxLength: 3 }) }),
    body: takesBody ? fc.oneof({ weight: 12, arbitrary: bodyArbitrary(operation, known) }, { weight: 1, arbitrary: fc.constant(undefined) }) : fc.option(bodyArbitrary(operation, known), { freq: 6, nil: undefined }),
  });
}

/**
 * The coverage pass: every operation that takes a body gets one JSON body of every kind, from the
 * caller its authorization lets through; the others get a valid-ish and a deep body. Sent before the
 * random sample, so every hostile kind reaches every handler in every run, whatever the seed.
 */
export function coverageCases(operations: Operation[], known: KnownValues, seed: number): FuzzCase[] {
  return operations.flatMap((operation, i) => {
    const kinds: BodyKind[] = operation.body ? BODY_KINDS : ['schema', 'deep'];
    const cases = kinds.map((kind, j) => fc.sample(caseArbitrary(operation, known, kind), { seed: seed + i * 100 + j, numRuns: 1 })[0]!);
    // And every declared query parameter at once with each percent-encoded junk value.
    const names = operation.parameters.filter((p) => p.in === 'query').map((p) => p.name);
    const base = cases[0]!;
    const path = operation.template.replace(/\{(\w+)\}/g, (_m, name: string) => String(known(`${operation.template}#${name}`)[0] ?? '1'));
    const queries = names.length > 0 ? QUERY_JUNK.map((junk) => ({ ...base, target: `${path}?${names.map((name) => `${name}=${junk}`).join('&')}` })) : [];
    return [...cases, ...queries];
  });
}

/** Every operation of both documents, equally often. */
export function fuzzCases(operations: Operation[], known: KnownValues): fc.Arbitrary<FuzzCase> {
  return fc.oneof(...operations.map((operation) => caseArbitrary(operation, known)));
}
