import fc from 'fast-check';
import { INVALID_UTF8, junkJson, utf8AsLatin1 } from './junk';
import type { Operation } from './operations';
import { schemaValue, type KnownValues } from './schema-values';

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

export interface FuzzBody {
  kind: BodyKind;
  bytes: Buffer;
  contentType?: string;
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
export function bodyArbitrary(operation: Operation, known: KnownValues, only?: BodyKind): fc.Arbitrary<FuzzBody> {
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

