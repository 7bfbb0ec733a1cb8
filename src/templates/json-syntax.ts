/**
 * A strict JSON (RFC 8259) syntax check that says where the text goes wrong without quoting
 * it: V8's JSON.parse messages embed a slice of the input, which here is rendered patient
 * data. Iterative (an explicit stack), so no nesting depth can overflow the call stack.
 */
export interface JsonSyntaxProblem {
  /** Index into the text; the text's length when it ends too early. */
  offset: number;
  reason: string;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /[0-9a-fA-F]{4}/y;
const LITERALS = ['true', 'false', 'null'];

type Frame = { kind: 'object'; expect: 'key-or-end' | 'key' | 'colon' | 'value' | 'comma-or-end' } | { kind: 'array'; expect: 'value-or-end' | 'value' | 'comma-or-end' };

/** How a problem's character is named; callers show it only when it comes from the template itself. */
export function describeCharacter(char: string | undefined): string {
  if (char === undefined) return 'the end of the text';
  const code = char.charCodeAt(0);
  return code < 0x20 || code === 0x7f ? `character U+${code.toString(16).padStart(4, '0').toUpperCase()}` : `'${char}'`;
}

export function jsonSyntaxProblem(text: string): JsonSyntaxProblem | undefined {
  let i = 0;
  const stack: Frame[] = [];
  const skipWhitespace = () => {
    while (i < text.length && WHITESPACE.has(text[i]!)) i += 1;
  };
  const fail = (reason: string): JsonSyntaxProblem => ({ offset: i, reason });

  /** Reads a string starting at the opening quote; undefined when it is well formed. */
  const readString = (): JsonSyntaxProblem | undefined => {
    i += 1;
    for (;;) {
      const char = text[i];
      if (char === undefined) return { offset: i, reason: 'a string is not closed' };
      if (char === '"') {
        i += 1;
        return undefined;
      }
      if (char.charCodeAt(0) < 0x20) return { offset: i, reason: 'a control character must be escaped inside a string' };
      if (char === '\\') {
        const next = text[i + 1];
        if (next === 'u') {
          HEX4.lastIndex = i + 2;
          if (!HEX4.test(text)) return { offset: i, reason: 'expected four hex digits after \\u' };
          i += 6;
        } else if (next !== undefined && SIMPLE_ESCAPES.has(next)) {
          i += 2;
        } else {
          return { offset: i, reason: 'unknown escape in a string' };
        }
      } else {
        i += 1;
      }
    }
  };

  /** Reads a value; pushes a frame for an object or array. */
  const readValue = (): JsonSyntaxProblem | undefined => {
    const char = text[i];
    if (char === '{') {
      stack.push({ kind: 'object', expect: 'key-or-end' });
      i += 1;
      return undefined;
    }
    if (char === '[') {
      stack.push({ kind: 'array', expect: 'value-or-end' });
      i += 1;
      return undefined;
    }
    if (char === '"') return readString();
    NUMBER.lastIndex = i;
    if (char !== undefined && /[-\d]/.test(char) && NUMBER.test(text)) {
      i = NUMBER.lastIndex;
      return undefined;
    }
    const literal = LITERALS.find((word) => text.startsWith(word, i));
    if (literal) {
      i += literal.length;
      return undefined;
    }
    return fail('expected a value');
  };

  skipWhitespace();
  let problem = readValue();
  while (!problem) {
    skipWhitespace();
    const frame = stack.at(-1);
    if (!frame) break;
    const char = text[i];
    if (frame.kind === 'object') {
      switch (frame.expect) {
        case 'key-or-end':
        case 'key':
          if (char === '}' && frame.expect === 'key-or-end') {
            stack.pop();
            i += 1;
          } else if (char === '"') {
            problem = readString();
            frame.expect = 'colon';
          } else {
            problem = fail(frame.expect === 'key' ? 'expected a property name in double quotes' : "expected a property name in double quotes or '}'");
          }
          break;
        case 'colon':
          if (char === ':') {
            i += 1;
            frame.expect = 'value';
          } else {
            problem = fail("expected ':' after a property name");
          }
          break;
        case 'value':
          frame.expect = 'comma-or-end';
          skipWhitespace();
          problem = readValue();
          break;
        case 'comma-or-end':
          if (char === ',') {
            i += 1;
            frame.expect = 'key';
          } else if (char === '}') {
            stack.pop();
            i += 1;
          } else {
            problem = fail("expected ',' or '}' after a property value");
          }
          break;
      }
    } else {
      switch (frame.expect) {
        case 'value-or-end':
        case 'value':
          if (char === ']' && frame.expect === 'value-or-end') {
            stack.pop();
            i += 1;
          } else {
            frame.expect = 'comma-or-end';
            problem = readValue();
          }
          break;
        case 'comma-or-end':
          if (char === ',') {
            i += 1;
            frame.expect = 'value';
          } else if (char === ']') {
            stack.pop();
            i += 1;
          } else {
            problem = fail("expected ',' or ']' after an array element");
          }
          break;
      }
    }
  }
  if (problem) return problem;
  skipWhitespace();
  return i < text.length ? fail('expected the end of the JSON text') : undefined;
}
