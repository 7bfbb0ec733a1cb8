import type { z } from 'zod';
import { describeProblems, fieldProblems } from '../validation';
import { HttpProblem } from './problem';

/** Parses a request part with its zod schema; a 400 names every bad field, nothing is written. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request body'): z.infer<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const problems = fieldProblems(parsed.error);
  throw new HttpProblem(400, 'Bad Request', `Invalid ${what}: ${describeProblems(problems)}`, { errors: problems });
}
