import type { z } from 'zod';
import { describeProblems, fieldProblems, type FieldProblem } from '../validation';
import { HttpProblem } from './problem';

/**
 * The first string holding U+0000, as a field problem. PostgreSQL text and jsonb (FerretDB's storage)
 * cannot hold NUL, so such a value would fail in the query as a 500. Walked without recursion: a body
 * may be nested thousands deep.
 */
function nulProblem(input: unknown): FieldProblem | undefined {
  type Step = { key: string; up: Step | undefined } | undefined;
  const fieldOf = (step: Step): string => {
    const keys: string[] = [];
    for (let at = step; at; at = at.up) keys.push(at.key);
    return keys.length > 0 ? keys.reverse().join('.') : '(body)';
  };
  const pending: Array<[unknown, Step]> = [[input, undefined]];
  while (pending.length > 0) {
    const [value, step] = pending.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return { field: fieldOf(step), message: 'must not contain NUL (\\u0000) characters' };
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) pending.push([child, { key, up: step }]);
    }
  }
  return undefined;
}

/** Parses a request part with its zod schema; a 400 names every bad field, nothing is written. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request body'): z.infer<S> {
  const parsed = schema.safeParse(input ?? {});
  // The input as sent, so the field is named as the client wrote it (`q`, not the parsed `filter.q`).
  const problems = parsed.success ? [nulProblem(input)].filter((p): p is FieldProblem => p !== undefined) : fieldProblems(parsed.error);
  if (parsed.success && problems.length === 0) return parsed.data;
  throw new HttpProblem(400, 'Bad Request', `Invalid ${what}: ${describeProblems(problems)}`, { errors: problems });
}
