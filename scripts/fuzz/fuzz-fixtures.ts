import bcrypt from 'bcryptjs';
import type postgres from 'postgres';
import type { ConfigDb } from '../../src/db/config-store';
import { ROLES } from '../../src/db/schema';
import { authKeyPrefix, hashAuthKey } from '../../src/integrations/auth-key';
import { createLabFixture, type LabFixture } from '../../test/support/lab-fixtures';
import { webhookIntegration } from '../../test/support/integrations';
import { FUZZ_PASSWORD, fuzzUsername } from './callers';

/** Nothing listens on the discard port: the partner's deliveries fail at once, on this machine. */
export const PARTNER_WEBHOOK_URL = 'http://127.0.0.1:9/fuzz-partner';

export interface Partner extends LabFixture {
  authKey: string;
  authId: number;
}

/** The fuzzer's viewer, operator and admin, enabled, with a known password (bcrypt cost 4: they sign in often). */
export async function ensureFuzzUsers(sql: postgres.Sql): Promise<void> {
  const hash = bcrypt.hashSync(FUZZ_PASSWORD, 4);
  for (const role of ROLES) {
    await sql`insert into users (username, password_hash, role) values (${fuzzUsername(role)}, ${hash}, ${role})
      on conflict (lower(username)) do update set password_hash = excluded.password_hash, role = excluded.role, disabled = false`;
  }
}

/** A lab of its own with a webhook integration on action 1 whose auth key is the partner caller's. */
export async function createPartner(db: ConfigDb): Promise<Partner> {
  const lab = await createLabFixture(db, { first: 'Fuzz', last: 'Partner' });
  const saved = await webhookIntegration(db, lab, PARTNER_WEBHOOK_URL);
  if (saved.authKey === undefined) throw new Error('a new integration answers its auth key');
  return { ...lab, authKey: saved.authKey, authId: saved.authId };
}

/**
 * What fuzzed admin calls may change but the fuzzer and the other tests rely on: every user that
 * existed before the run (role, password, enabled) and the partner's key. Restored after each
 * successful change, so a run never locks anyone out and leaves the test users as it found them.
 */
export async function guardIdentities(sql: postgres.Sql, partner: Partner): Promise<() => Promise<void>> {
  await ensureFuzzUsers(sql);
  const users = await sql<Array<{ id: number; password_hash: string; role: string; disabled: boolean }>>`select id, password_hash, role, disabled from users`;
  const saved = JSON.stringify([...users]);
  return async () => {
    await sql`update users u set password_hash = s.password_hash, role = s.role, disabled = s.disabled
      from jsonb_to_recordset(${saved}::jsonb) as s(id int, password_hash text, role text, disabled boolean)
      where u.id = s.id and (u.password_hash, u.role, u.disabled) is distinct from (s.password_hash, s.role, s.disabled)`;
    const keyHash = hashAuthKey(partner.authKey);
    await sql`update developer_authentication set auth_key_hash = ${keyHash}, auth_key_prefix = ${authKeyPrefix(partner.authKey)}, is_integration_enable = true
      where id = ${partner.authId} and (auth_key_hash <> ${keyHash} or not is_integration_enable)`;
  };
}
