import { and } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { ALL_LABS, labScopeDocumentFilter, labScopeOf, scopeFromLabIds, scopeIncludes, scopeLabIds } from '../../src/auth/lab-scope';
import { filterConditions } from '../../src/logstore/log-query';

describe('LabScope: which labs a signed-in user sees', () => {
  it('gives every lab to a user without labs (as before labs existed) and to every admin', () => {
    expect(labScopeOf({ role: 'viewer', labIds: [] })).toEqual(ALL_LABS);
    expect(labScopeOf({ role: 'admin', labIds: [1001] })).toEqual(ALL_LABS);
    expect(labScopeOf({ role: 'operator', labIds: [1001, 1003] })).toEqual({ all: false, labIds: [1001, 1003] });
  });

  it('includes only the listed labs, and never a log without a lab', () => {
    const scope = labScopeOf({ role: 'operator', labIds: [1001] });
    expect(scopeIncludes(scope, 1001)).toBe(true);
    expect(scopeIncludes(scope, 1002)).toBe(false);
    expect(scopeIncludes(scope, null)).toBe(false);
    expect(scopeIncludes(scope, undefined)).toBe(false);
    expect(scopeIncludes(ALL_LABS, null)).toBe(true);
  });

  it('is a lab condition on every log query, before the filter, so a filter naming another lab matches nothing', () => {
    const scope = labScopeOf({ role: 'viewer', labIds: [1001] });
    const { sql, params } = new PgDialect().sqlToQuery(and(...filterConditions({ labId: 1002, includeSuppressed: true }, scope))!);
    expect(sql).toBe('("log_index"."lab_id" in ($1) and "log_index"."lab_id" = $2)');
    expect(params).toEqual([1001, 1002]);
    expect(labScopeDocumentFilter(scope)).toEqual({ lab_id: { $in: [1001] } });
    expect(labScopeDocumentFilter(ALL_LABS)).toEqual({});
  });

  it('travels in a workflow input as lab ids and back; an empty list is no lab, never every lab', () => {
    expect(scopeFromLabIds(scopeLabIds(ALL_LABS))).toEqual(ALL_LABS);
    expect(scopeFromLabIds(scopeLabIds({ all: false, labIds: [7] }))).toEqual({ all: false, labIds: [7] });
    const none = scopeFromLabIds([]);
    expect(scopeIncludes(none, 1001)).toBe(false);
    expect(new PgDialect().sqlToQuery(and(...filterConditions({ includeSuppressed: true }, none))!).sql).toBe('false');
  });
});
