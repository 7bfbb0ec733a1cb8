import { asc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { ConfigDb } from '../db/config-store';
import { labs, userLabs, users, type Role } from '../db/schema';
import { InputError } from '../errors';
import { positiveId } from '../validation';

type Tx = Parameters<Parameters<ConfigDb['transaction']>[0]>[0];

/** The labs an admin limits a user to; empty = every lab. */
export const labIdsSchema = z.array(positiveId, { error: 'expected a list of lab ids ([] = every lab)' }).max(500, 'expected at most 500 labs');

/**
 * A user's lab ids as a column of a query on `users`: read with the user on every request, so a
 * change of labs applies to the user's next request.
 */
export const userLabIdsColumn = sql<number[]>`coalesce((select array_agg(${userLabs.labId} order by ${userLabs.labId}) from ${userLabs} where ${userLabs.userId} = ${users.id}), '{}')`.mapWith(
  (value: unknown) => {
    // Fails closed: [] would mean every lab, so anything but an array of ids is an error, never a widening.
    if (!Array.isArray(value)) throw new Error(`user_labs: expected an array of lab ids, got ${typeof value}`);
    return value.map(Number);
  },
);

export async function labIdsOf(db: ConfigDb | Tx, userId: number): Promise<number[]> {
  const rows = await db.select({ labId: userLabs.labId }).from(userLabs).where(eq(userLabs.userId, userId)).orderBy(asc(userLabs.labId));
  return rows.map((row) => row.labId);
}

/** Admins are never limited (src/auth/lab-scope.ts): an admin with labs is refused, naming `labIds`. */
export function checkLabsFitRole(role: Role, labIds: readonly number[]): void {
  if (role === 'admin' && labIds.length > 0) throw new InputError('labIds', 'admins see every lab; send [] or choose the viewer or operator role');
}

/**
 * Replaces a user's labs inside the caller's transaction. Each lab must exist: an unknown one is
 * a 400 naming its place in the list (`labIds.1`), and nothing is written.
 */
export async function setUserLabs(tx: Tx, userId: number, labIds: readonly number[]): Promise<void> {
  const wanted = [...new Set(labIds)];
  if (wanted.length > 0) {
    const found = new Set((await tx.select({ id: labs.id }).from(labs).where(inArray(labs.id, wanted))).map((lab) => lab.id));
    const index = labIds.findIndex((id) => !found.has(id));
    if (index >= 0) throw new InputError(`labIds.${index}`, `lab ${labIds[index]} does not exist`);
  }
  await tx.delete(userLabs).where(eq(userLabs.userId, userId));
  if (wanted.length > 0) await tx.insert(userLabs).values(wanted.map((labId) => ({ userId, labId })));
}

/** The named labs of each user, for the admin's list. */
export async function labsOfUsers(db: ConfigDb | Tx, userIds: readonly number[]): Promise<Map<number, Array<{ id: number; name: string }>>> {
  const byUser = new Map<number, Array<{ id: number; name: string }>>();
  if (userIds.length === 0) return byUser;
  const rows = await db
    .select({ userId: userLabs.userId, id: labs.id, name: labs.name })
    .from(userLabs)
    .innerJoin(labs, eq(labs.id, userLabs.labId))
    .where(inArray(userLabs.userId, [...userIds]))
    .orderBy(asc(labs.id));
  for (const row of rows) byUser.set(row.userId, [...(byUser.get(row.userId) ?? []), { id: row.id, name: row.name }]);
  return byUser;
}
