import fc from 'fast-check';
import { BODY_KINDS, bodyArbitrary, type BodyKind, type FuzzBody } from './bodies';
import { longText, textValue } from './junk';
import type { Operation } from './operations';
import type { KnownValues } from './schema-values';
import { pathArbitrary, QUERY_JUNK, queryArbitrary } from './targets';

export const CALLERS = ['nobody', 'viewer', 'operator', 'admin', 'partner'] as const;
export type Caller = (typeof CALLERS)[number];

/** One generated request, still symbolic about who sends it (the caller's cookie or key is added when sent). */
export interface FuzzCase {
  operation: Operation;
  caller: Caller;
  /** For a signed-in caller's change: send the session's CSRF token, none, or a wrong one. */
  csrf: 'right' | 'missing' | 'wrong';
  /** Path and query as raw bytes (latin1). */
  target: string;
  headers: Array<[string, string]>;
  body?: FuzzBody;
}

const EXTRA_HEADERS: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(fc.constantFrom('x-forwarded-for', 'accept', 'accept-encoding', 'accept-charset', 'origin', 'referer', 'user-agent', 'x-request-id', 'if-none-match', 'range', 'expect', 'transfer-encoding', 'cookie', 'authorization', 'x-csrf-token'), textValue),
  fc.tuple(fc.constantFrom('accept'), fc.constantFrom('application/json', 'text/html', 'text/event-stream', '*/*', 'application/problem+json', 'image/png')),
  fc.tuple(fc.constantFrom('authorization'), fc.constantFrom('Bearer', 'Bearer ', 'Basic YWRtaW46YWRtaW4=', 'Bearer a b', 'bearer x', 'Bearer \xff\xfe')),
  fc.tuple(fc.constantFrom('cookie'), fc.constantFrom('labwire_session=', 'labwire_session=x; labwire_session=y', '=;;=', 'labwire_session=%00')),
  fc.tuple(fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz-_'), minLength: 1, maxLength: 20 }).map((s) => `x-${s}`), fc.oneof(textValue, longText)),
);

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
