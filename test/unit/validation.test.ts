import { z } from 'zod';
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
