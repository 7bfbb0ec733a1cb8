import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, inArray, lt } from 'drizzle-orm';
import type { ConfigDb } from '../db/config-store';
import { sessions, users } from '../db/schema';
import { labIdsOf, userLabIdsColumn } from './user-labs';
import type { SessionUser, User } from './users';

export const SESSION_COOKIE = 'labwire_session';

export interface Session {
  /** Read with the session on every request, so a new role or new labs apply to the next request. */
  user: SessionUser;
  csrfToken: string;
  expiresAt: Date;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A new session: the token goes into the cookie, only its hash into the database. */
export async function createSession(db: ConfigDb, user: User, ttlMs: number): Promise<{ token: string; session: Session }> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + ttlMs);
  await db.insert(sessions).values({ tokenHash: hashToken(token), userId: user.id, csrfToken, expiresAt });
  // Expired sessions of anyone are cleared as new ones start; no timer needed.
  await db.delete(sessions).where(lt(sessions.expiresAt, new Date()));
  return { token, session: { user: { ...user, labIds: await labIdsOf(db, user.id) }, csrfToken, expiresAt } };
}

export async function findSession(db: ConfigDb, token: string): Promise<Session | undefined> {
  const [row] = await db
    .select({ id: users.id, username: users.username, role: users.role, labIds: userLabIdsColumn, csrfToken: sessions.csrfToken, expiresAt: sessions.expiresAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, hashToken(token)), gt(sessions.expiresAt, new Date()), eq(users.disabled, false)));
  if (!row) return undefined;
  return { user: { id: row.id, username: row.username, role: row.role, labIds: row.labIds }, csrfToken: row.csrfToken, expiresAt: row.expiresAt };
}

/**
 * Which of these session tokens still stand (not signed out, expired, or of a disabled user),
 * each with its user's role and labs as they are now: one query however many there are, so every
 * open stream is checked (and its lab scope refreshed) at once.
 */
export async function standingSessionTokens(db: ConfigDb, tokens: readonly string[]): Promise<Map<string, Pick<SessionUser, 'role' | 'labIds'>>> {
  if (tokens.length === 0) return new Map();
  const tokenOfHash = new Map(tokens.map((token) => [hashToken(token), token]));
  const rows = await db
    .select({ tokenHash: sessions.tokenHash, role: users.role, labIds: userLabIdsColumn })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(inArray(sessions.tokenHash, [...tokenOfHash.keys()]), gt(sessions.expiresAt, new Date()), eq(users.disabled, false)));
  return new Map(rows.map((row) => [tokenOfHash.get(row.tokenHash)!, { role: row.role, labIds: row.labIds }]));
}

export async function deleteSession(db: ConfigDb, token: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, hashToken(token)));
}

/** Reads one cookie from a Cookie header (RFC 6265 pairs; values here are base64url, never quoted). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}
