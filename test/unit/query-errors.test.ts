import { DrizzleQueryError } from 'drizzle-orm/errors';
import { withoutQueryValues } from '../../src/errors';
import { errorSerializer } from '../../src/logger';

describe('a failed query is logged without its values', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const cause = Object.assign(new Error('insert or update on table "lab_integration" violates foreign key constraint'), { code: '23503' });
  const failed = new DrizzleQueryError('update "developer_authentication" set "extra_details" = $1 where "id" = $2', [JSON.stringify({ signingSecret: secret }), 7], cause);

  it('keeps the statement and the database reason, drops the parameters', () => {
    expect(failed.message).toContain('MfKQ9r8G'); // what Drizzle itself would have logged
    const safe = withoutQueryValues(failed) as Error;
    expect(safe.message).toBe('Failed query: update "developer_authentication" set "extra_details" = $1 where "id" = $2 (23503 insert or update on table "lab_integration" violates foreign key constraint)');
    expect(JSON.stringify({ ...safe, message: safe.message, stack: safe.stack })).not.toContain('MfKQ9r8G');
  });

  it('the loggers’ err serializer writes no parameter, in the message, the stack or a field', () => {
    const logged = JSON.stringify(errorSerializer(failed));
    expect(logged).toContain('Failed query');
    expect(logged).not.toContain('MfKQ9r8G');
  });

  it('other errors pass through unchanged', () => {
    const plain = new Error('plain');
    expect(withoutQueryValues(plain)).toBe(plain);
    expect(withoutQueryValues('text')).toBe('text');
  });
});
