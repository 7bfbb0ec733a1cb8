import { eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { ConfigDb } from '../db/config-store';
import { ROLES, sessions, users } from '../db/schema';
import { InputError, NotFoundError } from '../errors';
import { checkLabsFitRole, labIdsSchema, setUserLabs } from './user-labs';
import { generatePassword, hashPassword, listUsers, type ListedUser, type User } from './users';

export const userChangeSchema = z
  .object({
    role: z.enum(ROLES, { error: `expected one of ${ROLES.join(', ')}` }).optional(),
    disabled: z.boolean({ error: 'expected true or false' }).optional(),
    /** The labs the user is limited to, replacing the old list ([] = every lab; not for admins). */
    labIds: labIdsSchema.optional(),
  })
  .strict()
  .refine((change) => change.role !== undefined || change.disabled !== undefined || change.labIds !== undefined, { message: 'send role, disabled, labIds or several', path: ['role'] });

export type UserChange = z.infer<typeof userChangeSchema>;

/** Thrown when the admin asking lost the role (or was disabled) while asking: another admin got there first. */
export class ActorNotAdminError extends Error {
  override name = 'ActorNotAdminError';
}

type Tx = Parameters<Parameters<ConfigDb['transaction']>[0]>[0];

/**
 * Locks the acting admin's row and the target's (in id order, so two admins changing each other
 * wait instead of deadlocking) and checks that the actor is still an enabled admin. Two admins
 * demoting each other at the same moment therefore cannot leave nobody in charge: the second
 * one is refused.
 */
async function lockActorAndTarget(tx: Tx, actor: User, targetId: number) {
  const rows = await tx
    .select()
    .from(users)
    .where(inArray(users.id, [actor.id, targetId]))
    .orderBy(users.id)
    .for('update');
  const me = rows.find((r) => r.id === actor.id);
  if (!me || me.disabled || me.role !== 'admin') throw new ActorNotAdminError(`${actor.username} is no longer an enabled admin.`);
  const target = rows.find((r) => r.id === targetId);
  if (!target) throw new NotFoundError('id', `User ${targetId} does not exist.`);
  return target;
}

/**
 * An admin changes another user's role or labs, or disables/enables them. A disabled user's
 * sessions end at once; a new role or new labs apply to their next request (sessions read both on
 * every request). Nobody changes their own role or disables themselves, so there is always an
 * admin left. Admins are never limited to labs: a user made admin loses their lab list.
 */
export async function updateUser(db: ConfigDb, actor: User, targetId: number, change: UserChange): Promise<ListedUser> {
  if (targetId === actor.id) {
    if (change.role !== undefined && change.role !== 'admin') throw new InputError('role', 'you cannot change your own role; another admin can');
    if (change.disabled === true) throw new InputError('disabled', 'you cannot disable yourself; another admin can');
  }
  return db.transaction(async (tx) => {
    const target = await lockActorAndTarget(tx, actor, targetId);
    const role = change.role ?? target.role;
    if (change.labIds !== undefined) {
      checkLabsFitRole(role, change.labIds);
      await setUserLabs(tx, targetId, change.labIds);
    } else if (role === 'admin') {
      await setUserLabs(tx, targetId, []);
    }
    await tx
      .update(users)
      .set({ ...(change.role ? { role: change.role } : {}), ...(change.disabled !== undefined ? { disabled: change.disabled } : {}), updatedAt: new Date() })
      .where(eq(users.id, targetId));
    if (change.disabled) await tx.delete(sessions).where(eq(sessions.userId, targetId));
    const [updated] = await listUsers(tx, [targetId]);
    return updated!;
  });
}

/** A new generated password for another user, shown once; their sessions end, so the old password's sessions are gone too. */
export async function resetPassword(db: ConfigDb, actor: User, targetId: number): Promise<User & { password: string }> {
  if (targetId === actor.id) throw new InputError('id', 'you cannot reset your own password here; another admin can');
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    const target = await lockActorAndTarget(tx, actor, targetId);
    await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, targetId));
    await tx.delete(sessions).where(eq(sessions.userId, targetId));
    return { id: target.id, username: target.username, role: target.role, password };
  });
}
