import { z } from 'zod';
import { HttpProblem } from '../../src/api/problem';
import { parseInput } from '../../src/api/validate';
import { describeProblems, fieldProblems } from '../../src/validation';

describe('fieldProblems', () => {
  const schema = z.object({ labId: z.number(), filter: z.object({ status: z.string() }).strict() }).strict();

  it('names each unknown key itself, nested ones by their path, next to the other problems', () => {
    const parsed = schema.safeParse({ labId: 'seven', colour: 'red', size: 1, filter: { status: 'FAIL', lab: 2 } });
    expect(parsed.success).toBe(false);
    const problems = fieldProblems(parsed.error!);
    expect(problems).toEqual(
      expect.arrayContaining([
        { field: 'labId', message: expect.stringMatching(/number/) },
        { field: 'colour', message: 'unknown field' },
        { field: 'size', message: 'unknown field' },
        { field: 'filter.lab', message: 'unknown field' },
      ]),
    );
    expect(problems).toHaveLength(4);
    expect(describeProblems(problems)).toContain('colour: unknown field');
  });

  it('names the body itself when the whole value is wrong', () => {
    const parsed = schema.safeParse('not an object');
    expect(fieldProblems(parsed.error!)).toEqual([{ field: '(body)', message: expect.any(String) }]);
  });
});

describe('parseInput', () => {
  const schema = z.object({ q: z.string().optional(), data: z.unknown().optional() }).strict();
  const problemOf = (input: unknown) => {
    try {
      parseInput(schema, input, 'query');
      return undefined;
    } catch (error) {
      return error instanceof HttpProblem ? { status: error.status, errors: error.extra.errors } : error;
    }
  };

  it('refuses NUL in any string, naming its field: PostgreSQL cannot store it, so it would be a 500 later', () => {
    expect(problemOf({ q: 'a\u0000b' })).toEqual({ status: 400, errors: [{ field: 'q', message: 'must not contain NUL (\\u0000) characters' }] });
    expect(problemOf({ data: { list: ['ok', '\u0000'] } })).toEqual({ status: 400, errors: [{ field: 'data.list.1', message: expect.any(String) }] });
    expect(problemOf({ q: 'fine', data: { a: 1 } })).toBeUndefined();
  });

  it('walks a body nested 100,000 deep without overflowing the stack', () => {
    const deep = JSON.parse('['.repeat(100_000) + '"\\u0000"' + ']'.repeat(100_000)) as unknown;
    expect(problemOf({ data: deep })).toEqual({ status: 400, errors: [{ field: expect.stringMatching(/^data(\.0)+$/), message: expect.any(String) }] });
  });
});
