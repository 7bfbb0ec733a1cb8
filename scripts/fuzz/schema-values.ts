import fc from 'fast-check';
import type { JsonSchema } from './operations';

/** Known values by property or parameter name (ids that exist, the partner's key), so some requests get past validation. */
export type KnownValues = (name: string) => Array<string | number>;

/** The loopback-only hosts generated URLs point at: nothing generated may send traffic off this machine. */
const URLS = ['http://127.0.0.1:9/fuzz', 'http://127.0.0.1:1/', 'https://127.0.0.1:9/x?y=1', 'ftp://127.0.0.1/', 'http://', 'not a url', 'http://127.0.0.1:9/' + 'a'.repeat(3000)];

const cap = (value: unknown, fallback: number) => (typeof value === 'number' ? Math.min(value, fallback) : fallback);

/**
 * Valid-ish values from a request's JSON schema (what zod's toJSONSchema published): mostly of the
 * right shape and often valid, so the fuzzer reaches handlers and not only the validator.
 */
export function schemaValue(schema: JsonSchema, known: KnownValues, name = '', depth = 0): fc.Arbitrary<unknown> {
  const knownHere = name ? known(name) : [];
  const withKnown = (arb: fc.Arbitrary<unknown>) => (knownHere.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...knownHere) }, { weight: 1, arbitrary: arb }) : arb);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if ('const' in schema) return fc.constant(schema.const);
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((alt) => schemaValue(alt, known, name, depth)));
  if (Array.isArray(schema.type)) return fc.oneof(...(schema.type as string[]).map((type) => schemaValue({ ...schema, type }, known, name, depth)));
  switch (schema.type) {
    case 'object': {
      if (depth > 4) return fc.constant({});
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const record = Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, schemaValue(property, known, key, depth + 1)]));
      return fc.record(record, { requiredKeys: ((schema.required as string[] | undefined) ?? []).filter((key) => key in record) });
    }
    case 'array':
      return fc.array(schemaValue((schema.items ?? {}) as JsonSchema, known, name, depth + 1), {
        minLength: typeof schema.minItems === 'number' ? Math.min(schema.minItems, 3) : 0,
        maxLength: cap(schema.maxItems, 3),
      });
    case 'integer':
    case 'number': {
      // Whole numbers within the bounds (a `number`'s fractional bound, e.g. 0.01 per second, rounded inwards).
      const min = Math.ceil(typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + 1 : -10);
      const low = Math.max(min, -1_000_000);
      return withKnown(fc.integer({ min: low, max: Math.max(low, Math.floor(cap(schema.maximum, 100_000))) }));
    }
    case 'boolean':
      return fc.boolean();
    case 'string':
      return withKnown(stringOf(schema, name));
    case 'null':
      return fc.constant(null);
    default:
      return withKnown(fc.jsonValue({ maxDepth: 2 }));
  }
}

function stringOf(schema: JsonSchema, name: string): fc.Arbitrary<string> {
  if (schema.format === 'date-time') return fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2100-01-01') }).map((d) => d.toISOString());
  if (schema.format === 'uuid') return fc.uuid();
  if (/url/i.test(name)) return fc.constantFrom(...URLS);
  if (typeof schema.pattern === 'string') {
    try {
      return fc.stringMatching(new RegExp(schema.pattern), { maxLength: cap(schema.maxLength, 40) }).filter((s) => s.length >= ((schema.minLength as number | undefined) ?? 0));
    } catch {
      // a pattern JavaScript cannot read: fall through to plain text
    }
  }
  return fc.string({ minLength: (schema.minLength as number | undefined) ?? 0, maxLength: cap(schema.maxLength, 30) });
}
