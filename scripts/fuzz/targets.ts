import fc from 'fast-check';
import { pathSegment, textValue } from './junk';
import type { Operation } from './operations';
import { schemaValue, type KnownValues } from './schema-values';

/** Percent-encoded values that decode to NUL, invalid UTF-8 or nothing at all. */
export const QUERY_JUNK = ['%00', 'a%00b', '%FF%FE', '%C3%28', '%ED%A0%80', '%', '%zz', '%E2%82'];

/** Every byte that is not unreserved as %XX, so invalid UTF-8 and NUL travel inside a valid URL. */
const percentBytes = (latin1: string) => [...Buffer.from(latin1, 'latin1')].map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0').toUpperCase()}`)).join('');

export function queryArbitrary(operation: Operation, known: KnownValues): fc.Arbitrary<string> {
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

export function pathArbitrary(operation: Operation, known: KnownValues): fc.Arbitrary<string> {
  const names = [...operation.template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const segments = names.map((name) => pathSegment(known(`${operation.template}#${name}`).map(String)));
  return fc.tuple(...segments).map((values) => {
    let i = 0;
    return operation.template.replace(/\{(\w+)\}/g, () => values[i++] ?? '');
  });
}

