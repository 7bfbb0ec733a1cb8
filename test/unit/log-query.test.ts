import { InputError } from '../../src/errors';
import {
  logFilterQueryStringSchema,
  logFilterSchema,
  logListQueryStringSchema,
  parseLogSearch,
  type LogFilter,
} from '../../src/logstore/log-filter';
import { and } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { logIndex } from '../../src/db/schema';
import type { LogDocument } from '../../src/logstore/log-document';
import { logIndexRow } from '../../src/logstore/log-index';
import { ALL_LABS } from '../../src/auth/lab-scope';
import { bucketFor, decodeCursor, encodeCursor, filterConditions, histogramPercentile, toLogRow } from '../../src/logstore/log-query';
import { fieldProblems } from '../../src/validation';

function problemsOf(result: { success: boolean; error?: unknown }) {
  expect(result.success).toBe(false);
  return fieldProblems(result.error as Parameters<typeof fieldProblems>[0]);
}

describe('the log filter from a query string', () => {
  it('coerces numbers, splits the status list and reads booleans', () => {
    const parsed = logListQueryStringSchema.parse({
      type: 'WEBHOOK',
      labId: '1001',
      developerId: '2',
      actionCategoryId: '4',
      status: 'FAIL,QUEUED',
      includeSuppressed: 'true',
      from: '2026-11-25T00:00:00Z',
      to: '2026-11-26T00:00:00+05:30',
      dateField: 'activity_date',
      q: 'bill:900001',
      limit: '20',
    });
    expect(parsed).toEqual({
      filter: {
        type: 'WEBHOOK',
        labId: 1001,
        developerId: 2,
        actionCategoryId: 4,
        status: ['FAIL', 'QUEUED'],
        includeSuppressed: true,
        from: '2026-11-25T00:00:00Z',
        to: '2026-11-26T00:00:00+05:30',
        dateField: 'activity_date',
        q: 'bill:900001',
      },
      limit: 20,
    });
  });

  it('defaults to 50 rows and no filter', () => {
    expect(logListQueryStringSchema.parse({})).toEqual({ filter: {}, limit: 50 });
  });

  it('accepts status given twice (?status=FAIL&status=QUEUED) and SUPPRESSED', () => {
    expect(logFilterQueryStringSchema.parse({ status: ['FAIL', 'SUPPRESSED'] })).toEqual({ status: ['FAIL', 'SUPPRESSED'] });
  });

  it('names the field of every bad parameter', () => {
    const problems = problemsOf(
      logListQueryStringSchema.safeParse({ labId: 'abc', status: 'FAIL,LOST', limit: '500', includeSuppressed: 'yes', from: 'yesterday', dateField: 'created' }),
    );
    expect(problems.map((p) => p.field).sort()).toEqual(['dateField', 'from', 'includeSuppressed', 'labId', 'limit', 'status.1']);
    expect(problems.find((p) => p.field === 'labId')?.message).toBe('expected a positive whole number');
    expect(problems.find((p) => p.field === 'limit')?.message).toBe('expected a whole number from 1 to 200');
  });

  it('refuses an unknown parameter by its name', () => {
    const problems = problemsOf(logListQueryStringSchema.safeParse({ labid: '1001' }));
    expect(problems).toEqual([{ field: 'labid', message: expect.stringContaining('unknown parameter') }]);
  });

  it('refuses limit and cursor on the stats query string', () => {
    expect(problemsOf(logFilterQueryStringSchema.safeParse({ limit: '10' }))[0]?.field).toBe('limit');
  });

  it('refuses a range that ends before it starts, naming to', () => {
    const problems = problemsOf(logFilterQueryStringSchema.safeParse({ from: '2026-11-26T10:00:00Z', to: '2026-11-25T10:00:00Z' }));
    expect(problems).toEqual([{ field: 'to', message: 'must not be before from' }]);
  });

  it('refuses a parameter given twice where one value is expected', () => {
    expect(problemsOf(logFilterQueryStringSchema.safeParse({ q: ['a', 'b'] }))[0]).toEqual({ field: 'q', message: 'expected one value' });
  });
});

describe('the log filter as JSON (bulk retry)', () => {
  it('keeps accepting what bulk retry sends, blank status included', () => {
    expect(logFilterSchema.parse({ labId: 7, status: ['FAIL', ''] })).toEqual({ labId: 7, status: ['FAIL', ''] });
  });
});

describe('id search', () => {
  it('reads a 24-hex string as a log id, type:id as an entity, anything else as an event id', () => {
    expect(parseLogSearch('65A1B2C3D4E5F60718293A4B')).toEqual({ kind: 'logId', id: '65a1b2c3d4e5f60718293a4b' });
    expect(parseLogSearch('bill:900001')).toEqual({ kind: 'entity', type: 'bill', id: 900001 });
    expect(parseLogSearch('report:12')).toEqual({ kind: 'entity', type: 'report', id: 12 });
    expect(parseLogSearch('evt-42')).toEqual({ kind: 'eventId', id: 'evt-42' });
    expect(parseLogSearch('bill:abc')).toEqual({ kind: 'eventId', id: 'bill:abc' });
  });
});

describe('the filter as SQL conditions on log_index', () => {
  const dialect = new PgDialect();
  const render = (filter: LogFilter) => {
    const { sql, params } = dialect.sqlToQuery(and(...filterConditions(filter, ALL_LABS))!);
    return { sql, params };
  };

  it('hides suppressed logs unless a status or includeSuppressed asks for them', () => {
    expect(render({})).toEqual({ sql: '"log_index"."status" <> $1', params: [''] });
    expect(filterConditions({ includeSuppressed: true }, ALL_LABS)).toEqual([]);
    expect(render({ status: ['SUPPRESSED'] })).toEqual({ sql: '"log_index"."status" = $1', params: [''] });
  });

  it('makes one status an equality and several an IN list, so the status indexes serve them', () => {
    expect(render({ labId: 7, status: ['FAIL'] })).toEqual({ sql: '("log_index"."lab_id" = $1 and "log_index"."status" = $2)', params: [7, 'FAIL'] });
    expect(render({ status: ['FAIL', 'QUEUED'] })).toEqual({ sql: '"log_index"."status" in ($1, $2)', params: ['FAIL', 'QUEUED'] });
  });

  it('turns each field of the filter into an equality on its column', () => {
    const { sql, params } = render({ type: 'WEBHOOK', labId: 7, developerId: 2, actionCategoryId: 4, includeSuppressed: true });
    expect(sql).toBe('("log_index"."type" = $1 and "log_index"."lab_id" = $2 and "log_index"."developer_id" = $3 and "log_index"."action_category_id" = $4)');
    expect(params).toEqual(['WEBHOOK', 7, 2, 4]);
  });

  it('searches the id, event id or entity columns', () => {
    expect(render({ q: '65A1B2C3D4E5F60718293A4B', includeSuppressed: true })).toEqual({ sql: '"log_index"."id" = $1', params: ['65a1b2c3d4e5f60718293a4b'] });
    expect(render({ q: 'evt-42', includeSuppressed: true })).toEqual({ sql: '"log_index"."event_id" = $1', params: ['evt-42'] });
    expect(render({ q: 'bill:900001', includeSuppressed: true })).toEqual({
      sql: '("log_index"."entity_type" = $1 and "log_index"."entity_id" = $2)',
      params: ['bill', 900001],
    });
  });

  it('applies from and to to the chosen date column', () => {
    const inserted = render({ from: '2026-11-25T00:00:00Z', to: '2026-11-26T00:00:00Z', includeSuppressed: true });
    expect(inserted.sql).toBe('("log_index"."inserted_at" >= $1 and "log_index"."inserted_at" <= $2)');
    const activity = render({ from: '2026-11-25T00:00:00Z', dateField: 'activity_date', includeSuppressed: true });
    expect(activity.sql).toBe('"log_index"."activity_date" >= $1');
    expect(activity.params).toEqual([new Date('2026-11-25T00:00:00Z').toISOString()]);
  });
});

describe('cursors', () => {
  const filter: LogFilter = { labId: 7, status: ['FAIL'] };
  const position = { insertedAt: new Date('2026-11-26T10:00:00.123Z'), id: 'aaaaaaaaaaaaaaaaaaaaaaaa' };

  it('round-trip the position of the last row', () => {
    expect(decodeCursor(encodeCursor(position, filter), filter)).toEqual(position);
  });

  it('are refused, naming cursor, when edited, truncated or used with another filter', () => {
    const cursor = encodeCursor(position, filter);
    const [body, sum] = cursor.split('.') as [string, string];
    const edited = `${Buffer.from(Buffer.from(body, 'base64url').toString().replace('aaaa', 'bbbb')).toString('base64url')}.${sum}`;
    for (const bad of [edited, cursor.slice(0, -2), 'garbage', `${body}.${sum}.x`]) {
      expect(() => decodeCursor(bad, filter)).toThrow(InputError);
    }
    expect(() => decodeCursor(cursor, { labId: 8, status: ['FAIL'] })).toThrow(expect.objectContaining({ field: 'cursor' }));
  });
});

describe('rows and series', () => {
  const doc: LogDocument = {
    _id: 'a'.repeat(24),
    type: 'WEBHOOK',
    lab_id: 1001,
    org_id: null,
    developer_id: 1,
    developer_name: 'Acme EHR',
    auth_id: 2,
    lab_integration_id: 3,
    action_category_id: 1,
    operation: 'Bill Generated',
    integration_type: 'webhook',
    status: 'FAIL',
    error_message: 'x'.repeat(1000),
    request: { method: 'POST', url: 'https://partner.example/hook', headers: {}, body: '{"big":"body"}' },
    response_body: 'boom',
    response_status_code: 500,
    response_time: 120.4,
    fusion_log: null,
    sent_to_mirth: false,
    retry_count: 1,
    auto_retry_count: 0,
    triggered_by_py3: false,
    origin: 'livehealth',
    retry_context: { entity_type: 'bill', entity_id: 900001, lab_id: 1001, org_id: null, action_category_id: 1, lab_integration_id: 3, auth_id: 2 },
    workflow_id: null,
    run_id: null,
    event_id: 'evt-1',
    inserted_at: new Date('2026-11-26T10:00:00Z'),
    activity_date: null,
    updated_at: new Date('2026-11-26T10:00:01Z'),
    attempts: [],
  };

  it('keep the listed fields of a log, a shortened error message and no bodies', () => {
    const row = logIndexRow(doc);
    expect(row).toMatchObject({ id: doc._id, labId: 1001, status: 'FAIL', responseTime: 120, entityType: 'bill', entityId: 900001, retryCount: 1, eventId: 'evt-1' });
    expect(row.errorMessage!.length).toBe(300);
    expect(row).not.toHaveProperty('request');
  });

  it('ship the entity, an id instead of _id and ISO dates', () => {
    const row = toLogRow(logIndexRow(doc) as typeof logIndex.$inferSelect);
    expect(row).toMatchObject({
      id: 'a'.repeat(24),
      entity: 'bill:900001',
      inserted_at: '2026-11-26T10:00:00.000Z',
      updated_at: '2026-11-26T10:00:01.000Z',
      activity_date: null,
      // A delivery without a recorded endpoint (logged before it was): its request URL's host, never the path.
      endpoint: 'partner.example',
      retry_count: 1,
    });
    expect(row.error_message!.length).toBeLessThanOrEqual(300);
    expect(row).not.toHaveProperty('_id');
    expect(toLogRow(logIndexRow({ ...doc, type: 'API', retry_context: null }) as typeof logIndex.$inferSelect).entity).toBeNull();
  });

  it('get 30 to 60 points for the usual spans', () => {
    for (const span of [60 * 60_000, 24 * 3_600_000, 7 * 86_400_000, 30 * 86_400_000, 90 * 86_400_000]) {
      const points = Math.ceil(span / bucketFor(span));
      expect(points).toBeLessThanOrEqual(60);
      expect(points).toBeGreaterThanOrEqual(12);
    }
  });
});

describe('histogramPercentile (percentile_disc over grouped response times)', () => {
  // 1..100 ms, once each: percentile_disc(0.5) is 50 and percentile_disc(0.95) is 95.
  const uniform = Array.from({ length: 100 }, (_, i) => ({ value: i + 1, count: 1 }));

  it('picks the first value whose cumulative share reaches p', () => {
    expect(histogramPercentile(uniform, 100, 0.5)).toBe(50);
    expect(histogramPercentile(uniform, 100, 0.95)).toBe(95);
    expect(histogramPercentile(uniform, 100, 1)).toBe(100);
  });

  it('counts repeated values by their weight', () => {
    const skewed = [
      { value: 120, count: 90 },
      { value: 400, count: 5 },
      { value: 9000, count: 5 },
    ];
    expect(histogramPercentile(skewed, 100, 0.5)).toBe(120);
    expect(histogramPercentile(skewed, 100, 0.95)).toBe(400);
    expect(histogramPercentile(skewed, 100, 0.96)).toBe(9000);
  });

  it('has no percentile without timed rows', () => {
    expect(histogramPercentile([], 0, 0.5)).toBeNull();
  });
});
