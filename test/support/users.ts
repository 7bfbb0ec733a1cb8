import { sql } from 'drizzle-orm';
import { createUser } from '../../src/auth/users';
import type { ConfigDb } from '../../src/db/config-store';
import { users, type Role } from '../../src/db/schema';

export const TEST_USER_PASSWORD = 'test-user-password-1';

/** A user of the test database with a known password; created on first use. */
export async function ensureTestUser(db: ConfigDb, username: string, role: Role): Promise<void> {
  const [existing] = await db.select({ id: users.id }).from(users).where(sql`lower(${users.username}) = lower(${username})`);
  if (!existing) await createUser(db, { username, password: TEST_USER_PASSWORD, role }).catch(() => undefined);
}
