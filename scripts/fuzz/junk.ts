import fc from 'fast-check';

/**
 * Hostile values, as raw text for a URL or as JSON for a body. Bytes outside ASCII are kept as
 * latin1 characters (one char per byte), so a value can carry invalid UTF-8.
 */

/** Numbers that break parsers and integer columns: huge, negative, fractional, not numbers at all. */
export const NUMBER_TEXTS = ['0', '-1', '-0', '1.5', '2147483647', '2147483648', '-2147483649', '4294967296', '9007199254740993', '1e308', '1e400', '-1e308', 'NaN', 'Infinity', '0x1F', '+1', '00001', '1e3', ' 1', '1 '];

/** Path segments that probe traversal and decoding. */
const SEGMENT_TEXTS = ['..', '../..', '%2e%2e%2f', '..%2f..%2fetc%2fpasswd', '%00', '%ff', '%c3%28', '%ed%a0%80', '%', '%zz', '%25', 'a%2Fb', '%0d%0a', '%20', '~', '.', '__proto__', 'constructor'];

const bytesAsLatin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
export const utf8AsLatin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

/** Raw bytes that are not valid UTF-8 (lone continuation, overlong, surrogate, truncated sequence). */
export const INVALID_UTF8 = ['\xff', '\xfe\xff', '\xc3\x28', '\xc0\xaf', '\xed\xa0\x80', '\xe2\x82', '\x80'];

export const longText = fc.constantFrom(300, 3_000, 20_000, 70_000).map((n) => 'a'.repeat(n));

/** A path segment: a known id (valid-ish), a number, traversal, percent junk, raw bytes or a long run. */
export function pathSegment(known: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: known.length > 0 ? 4 : 0, arbitrary: known.length > 0 ? fc.constantFrom(...known) : fc.constant('1') },
    { weight: 2, arbitrary: fc.integer({ min: -1000, max: 100_000 }).map(String) },
    { weight: 2, arbitrary: fc.constantFrom(...NUMBER_TEXTS).map(encodeURIComponent) },
    { weight: 2, arbitrary: fc.constantFrom(...SEGMENT_TEXTS) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 23, maxLength: 25 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }).map(encodeURIComponent) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 6 }).map(bytesAsLatin1) },
    { weight: 1, arbitrary: longText },
  );
}

/** A query or header value: text, numbers, NUL, invalid UTF-8, long. */
export const textValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: fc.constantFrom(...NUMBER_TEXTS) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }).map(utf8AsLatin1) },
  { weight: 1, arbitrary: fc.constantFrom('\x00', 'a\x00b', ...INVALID_UTF8) },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null', 'undefined', '[]', '{}', '', 'FAIL,QUEUED', 'SUCCESS', 'webhook', 'API', 'WEBHOOK') },
  { weight: 1, arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()) },
  { weight: 1, arbitrary: longText },
);

/** A JSON value that is wrong almost anywhere. */
export const junkJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 2147483648, -2147483649, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308, '', '\u0000', 'a\u0000b', [], {}, '__proto__'),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
  longText,
);
