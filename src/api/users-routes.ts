import { z } from 'zod';
import { ActorNotAdminError, resetPassword, updateUser, userChangeSchema } from '../auth/user-admin';
import { addUser, addUserSchema, listUsers } from '../auth/users';
import type { ConfigDb } from '../db/config-store';
import { pathId } from '../validation';
import { HttpProblem } from './problem';
import { defineRoute, type ApiRoute } from './route';

const idParam = z.object({ id: pathId }).strict();

/** The acting admin was demoted or disabled by another admin a moment ago. */
async function asAdmin<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ActorNotAdminError) throw new HttpProblem(403, 'Forbidden', error.message);
    throw error;
  }
}

/** The admin's Users page: who can sign in, with which role, limited to which labs. */
export function userRoutes(db: ConfigDb): ApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/users',
      access: 'admin',
      tag: 'Users',
      summary: 'Everyone who can sign in, with their role, their labs (`labIds` and `labs`; [] = every lab) and whether they are disabled',
      responses: { 200: 'Users' },
      async handle() {
        return { items: await listUsers(db) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/users',
      access: 'admin',
      tag: 'Users',
      summary: 'Add a user with a role (viewer, operator or admin) and optionally `labIds`, the labs they are limited to (absent or [] = every lab; admins are never limited). Without a password one is generated and answered once',
      body: addUserSchema,
      responses: { 201: 'Created (with `password` when it was generated)', 400: 'Bad input, the username is taken, an unknown lab (naming `labIds.<i>`), or labs for an admin' },
      async handle({ body, res, audit }) {
        const added = await addUser(db, body);
        await audit({ action: 'user.create', target: { type: 'user', id: added.id }, detail: { username: added.username, role: added.role, passwordGenerated: added.password !== undefined, labIds: added.labIds } });
        res.status(201);
        return added;
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/users/:id',
      access: 'admin',
      tag: 'Users',
      summary: "Change a user's role or labs (`labIds` replaces the list; [] = every lab; both apply to their next request), or disable/enable them (a disabled user's sessions end at once). Not your own role or state. A user made admin loses their labs",
      params: idParam,
      body: userChangeSchema,
      responses: { 200: 'The user as changed', 400: 'Bad input, a change to yourself, an unknown lab (naming `labIds.<i>`), or labs for an admin', 404: 'No such user' },
      async handle({ params, body, session, audit }) {
        const changed = await asAdmin(() => updateUser(db, session.user, params.id, body));
        const action = body.disabled === true ? 'user.disable' : body.disabled === false ? 'user.enable' : 'user.update';
        await audit({ action, target: { type: 'user', id: changed.id }, detail: { username: changed.username, ...body, ...(body.role !== undefined || body.labIds !== undefined ? { labIds: changed.labIds } : {}) } });
        return changed;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/users/:id/reset-password',
      access: 'admin',
      tag: 'Users',
      summary: "Give another user a new generated password, answered once; their sessions end",
      params: idParam,
      responses: { 200: 'The user and the new password', 400: 'Your own password', 404: 'No such user' },
      async handle({ params, session, audit }) {
        const reset = await asAdmin(() => resetPassword(db, session.user, params.id));
        await audit({ action: 'user.password_reset', target: { type: 'user', id: reset.id }, detail: { username: reset.username } });
        return reset;
      },
    }),
  ];
}
