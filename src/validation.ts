import { z } from 'zod';

export interface FieldProblem {
  field: string;
  message: string;
}

/** zod issues as `{field: 'entity.type', message}` pairs: what a 400 or a client result shows. */
const fieldName = (path: PropertyKey[]): string => (path.length > 0 ? path.map(String).join('.') : '(body)');

/** One problem per bad field; an unknown key is named itself, not the object that holds it. */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: fieldName([...issue.path, key]), message: 'unknown field' }))
      : [{ field: fieldName(issue.path), message: issue.message }],
  );
}

export function describeProblems(problems: FieldProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.message}`).join('; ');
}

const positiveIdMessage = 'expected a positive whole number';

/** Ids are PostgreSQL `integer` columns: a larger number is no id, and must be a 400 rather than an overflow (500). */
const MAX_ID = 2_147_483_647;

/** An id in a JSON body: a positive whole number, with one message for every way it can be wrong. */
export const positiveId = z.number({ error: positiveIdMessage }).int(positiveIdMessage).positive(positiveIdMessage).max(MAX_ID, `expected a whole number from 1 to ${MAX_ID}`);

/** An id in a URL path (text), with the same message as in a body. */
export const pathId = z.coerce.number({ error: positiveIdMessage }).pipe(positiveId);

/** A delivery log's id: 24 hex characters. */
export const logIdSchema = z.string().regex(/^[0-9a-f]{24}$/, 'expected a 24-character log id');
