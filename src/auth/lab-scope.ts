import { inArray, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Role } from '../db/schema';

/**
 * Which labs a signed-in user sees and acts on (issue 10): every lab, or a list. The one owner
 * of the rule; every route that reads or acts on lab data derives the scope here from the
 * session's user and passes it to its query. Out of scope reads like "does not exist": a lab,
 * log or integration of another lab by id is a 404 (so ids are not confirmed), lists leave it
 * out, and a filter naming another lab matches nothing.
 */
export type LabScope = { readonly all: true } | { readonly all: false; readonly labIds: readonly number[] };

export const ALL_LABS: LabScope = { all: true };

/**
 * A user without labs sees every lab (every user did before labs could be assigned, so existing
 * users and the first admin keep working); admins are never limited: they manage users and
 * integrations of every lab, and could widen their own scope anyway.
 */
export function labScopeOf(user: { role: Role; labIds: readonly number[] }): LabScope {
  if (user.role === 'admin' || user.labIds.length === 0) return ALL_LABS;
  return { all: false, labIds: [...user.labIds] };
}

export function scopeIncludes(scope: LabScope, labId: number | null | undefined): boolean {
  return scope.all || (labId !== null && labId !== undefined && scope.labIds.includes(labId));
}

/** The scope as a condition on a lab id column, for SQL queries; undefined when every lab is in scope. */
export function labScopeCondition(scope: LabScope, labColumn: AnyColumn): SQL | undefined {
  return scope.all ? undefined : inArray(labColumn, [...scope.labIds]);
}

/** The scope as a condition on `lab_id`, for log store (MongoDB) queries. */
export function labScopeDocumentFilter(scope: LabScope): { lab_id?: { $in: number[] } } {
  return scope.all ? {} : { lab_id: { $in: [...scope.labIds] } };
}

/** The lab ids a scope allows, for a workflow's input (`undefined` = every lab). */
export function scopeLabIds(scope: LabScope): number[] | undefined {
  return scope.all ? undefined : [...scope.labIds];
}

/** Back from `scopeLabIds`. */
export function scopeFromLabIds(labIds: readonly number[] | undefined): LabScope {
  return labIds === undefined ? ALL_LABS : { all: false, labIds: [...labIds] };
}
