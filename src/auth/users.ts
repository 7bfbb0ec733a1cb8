import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { asc, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { ConfigDb } from '../db/config-store';
import { ROLES, users, type Role } from '../db/schema';
import { InputError } from '../errors';
import { PASSWORD_TOO_LONG, passwordFitsBcrypt, passwordSchema } from './password-rule';
import { checkLabsFitRole, labIdsSchema, labsOfUsers, setUserLabs } from './user-labs';

/** bcrypt cost: about 0.2 s per hash on this project's 2-core reference machine. */
export const BCRYPT_COST = 11;

export interface User {
  id: number;
  username: string;
  role: Role;
}

/** The user of a session: with the labs they are limited to ([] = every lab), read on every request. */
export interface SessionUser extends User {
  labIds: number[];
}

const ROLE_RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** viewer < operator < admin: each role can do what the ones below it can. */
export function roleAllows(role: Role, needed: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[needed];
}

/** 96 random bits, URL-safe: for a user whose password nobody chose. */
export function generatePassword(): string {
  return randomBytes(12).toString('base64url');
}

export const newUserSchema = z
  .object({
    username: z.string().regex(/^[A-Za-z0-9._@-]{1,100}$/, 'expected 1-100 letters, digits, dot, dash, underscore or @'),
    password: passwordSchema,
    role: z.enum(ROLES, { error: `expected one of ${ROLES.join(', ')}` }),
  })
  .strict();

export type NewUser = z.infer<typeof newUserSchema>;

/**
 * What an admin sends to add a user: without a password, one is generated and answered once;
 * `labIds` limits the user to those labs (absent or [] = every lab; not for admins).
 */
export const addUserSchema = newUserSchema.extend({ password: passwordSchema.optional(), labIds: labIdsSchema.optional() }).strict();

export type AddUser = z.infer<typeof addUserSchema>;

/**
 * Adds a user with their labs, in one transaction (an unknown lab writes nothing); answers the
 * generated password when none was given (it is stored only as a hash).
 */
export async function addUser(db: ConfigDb, input: AddUser): Promise<SessionUser & { password?: string }> {
  const labIds = input.labIds ?? [];
  checkLabsFitRole(input.role, labIds);
  const generated = input.password ? undefined : generatePassword();
  const passwordHash = await hashPassword(input.password ?? generated!);
  const user = await db.transaction(async (tx) => {
    const created = await insertUser(tx, input.username, passwordHash, input.role);
    await setUserLabs(tx, created.id, labIds);
    return { ...created, labIds: [...new Set(labIds)].sort((a, b) => a - b) };
  });
  return generated ? { ...user, password: generated } : user;
}

/** The only way a password becomes a hash: one that bcrypt would cut is refused, whoever calls. */
export async function hashPassword(password: string): Promise<string> {
  if (!passwordFitsBcrypt(password)) throw new InputError('password', PASSWORD_TOO_LONG);
  return bcrypt.hash(password, BCRYPT_COST);
}

export async function createUser(db: ConfigDb, input: NewUser): Promise<User> {
  return insertUser(db, input.username, await hashPassword(input.password), input.role);
}

type Tx = Parameters<Parameters<ConfigDb['transaction']>[0]>[0];

async function insertUser(db: ConfigDb | Tx, username: string, passwordHash: string, role: Role): Promise<User> {
  const [created] = await db
    .insert(users)
    .values({ username, passwordHash, role })
    .onConflictDoNothing()
    .returning({ id: users.id, username: users.username, role: users.role });
  if (!created) throw new InputError('username', `a user named ${username} already exists`);
  return created;
}

/** A user as the admin's list shows them, with the labs they are limited to ([] = every lab). */
export interface ListedUser extends SessionUser {
  disabled: boolean;
  createdAt: Date;
  labs: Array<{ id: number; name: string }>;
}

const listedUserColumns = { id: users.id, username: users.username, role: users.role, disabled: users.disabled, createdAt: users.createdAt };

/** Everyone, or the users of these ids, as the admin's list shows them. */
export async function listUsers(db: ConfigDb | Tx, ids?: readonly number[]): Promise<ListedUser[]> {
  const rows = await db
    .select(listedUserColumns)
    .from(users)
    .where(ids ? inArray(users.id, [...ids]) : undefined)
    .orderBy(asc(users.id));
  const labsOf = await labsOfUsers(db, rows.map((row) => row.id));
  return rows.map((row) => {
    const named = labsOf.get(row.id) ?? [];
    return { ...row, labIds: named.map((lab) => lab.id), labs: named };
  });
}

// Compared against when the user does not exist, so a wrong username costs as long as a wrong password.
const DUMMY_HASH = bcrypt.hashSync('not-a-real-password', BCRYPT_COST);

/** The user for a username and password, or undefined; case-insensitive username, constant work either way. */
export async function verifyCredentials(db: ConfigDb, username: string, password: string): Promise<User | undefined> {
  const [row] = await db.select().from(users).where(sql`lower(${users.username}) = lower(${username})`);
  const matches = await bcrypt.compare(password, row?.passwordHash ?? DUMMY_HASH);
  if (!row || !matches || row.disabled) return undefined;
  return { id: row.id, username: row.username, role: row.role };
}

export type FirstAdmin = { created: false } | { created: true; id: number; username: string; generatedPassword?: string };

/**
 * The first admin, from configuration, when no user exists yet. Without a configured password
 * one is generated: the caller prints it once (and may keep it in the data directory).
 */
export async function ensureFirstAdmin(db: ConfigDb, username: string, password?: string): Promise<FirstAdmin> {
  const [{ count } = { count: 0 }] = await db.select({ count: sql<number>`count(*)::int` }).from(users);
  if (count > 0) return { created: false };
  try {
    const added = await addUser(db, { username, role: 'admin', ...(password ? { password } : {}) });
    return { created: true, id: added.id, username, ...(added.password ? { generatedPassword: added.password } : {}) };
  } catch (error) {
    // Another process created it first.
    if (error instanceof InputError) return { created: false };
    throw error;
  }
}
