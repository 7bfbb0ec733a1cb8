import { parseArgs } from 'node:util';
import { SYSTEM_ACTOR } from '../../audit/audit-actions';
import { AuditTrail } from '../../audit/audit-trail';
import { addUser, addUserSchema } from '../../auth/users';
import type { Config } from '../../config/schema';
import { migrateConfigStore, openConfigStore } from '../../db/config-store';
import type { Say } from '../../devstack/say';
import { InputError } from '../../errors';
import { describeProblems, fieldProblems } from '../../validation';

export const USER_USAGE =
  'labwire user add <username> --role viewer|operator|admin [--labs 1001,1002]  (password: LABWIRE_NEW_PASSWORD, or one is generated and printed; --labs limits the user to those labs)';

/** `labwire user add`: a dashboard user from the command line, e.g. the first operators. */
export async function userCommand(config: Config, args: string[], say: Say): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { role: { type: 'string' }, labs: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (error) {
    say(`${error instanceof Error ? error.message : String(error)}\nUsage: ${USER_USAGE}`);
    return 2;
  }
  const [action, username, ...extra] = parsed.positionals;
  if (action !== 'add' || !username || extra.length > 0) {
    say(`Usage: ${USER_USAGE}`);
    return 2;
  }
  const given = process.env.LABWIRE_NEW_PASSWORD;
  const labIds = parsed.values.labs?.split(',').map((id) => (/^\s*\d+\s*$/.test(id) ? Number(id) : id));
  const input = addUserSchema.safeParse({ username, role: parsed.values.role, ...(given ? { password: given } : {}), ...(labIds ? { labIds } : {}) });
  if (!input.success) {
    say(`Not added: ${describeProblems(fieldProblems(input.error))}\nUsage: ${USER_USAGE}`);
    return 2;
  }
  await migrateConfigStore(config.postgres.url);
  const store = openConfigStore(config.postgres.url, { max: 1 });
  try {
    const user = await addUser(store.db, input.data);
    // The command line needs the database, not a session: the trail names the system account and the OS user.
    await new AuditTrail(store.db).record(SYSTEM_ACTOR, null, {
      action: 'user.create',
      target: { type: 'user', id: user.id },
      detail: { username: user.username, role: user.role, passwordGenerated: user.password !== undefined, labIds: user.labIds, via: 'labwire user add', osUser: process.env.USER ?? null },
    });
    const where = user.labIds.length > 0 ? ` limited to lab${user.labIds.length === 1 ? '' : 's'} ${user.labIds.join(', ')}` : '';
    say(`Added ${user.role} "${user.username}" (id ${user.id})${where}${user.password ? ` with password ${user.password}` : ''}`);
    return 0;
  } catch (error) {
    if (error instanceof InputError) {
      say(`Not added: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
  }
}
