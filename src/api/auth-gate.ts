import type { Request } from 'express';
import { sameSecret } from '../auth/same-secret';
import { findSession, readCookie, SESSION_COOKIE, type Session } from '../auth/sessions';
import { roleAllows } from '../auth/users';
import type { ConfigDb } from '../db/config-store';
import { HttpProblem } from './problem';
import type { ApiRoute, Authorize } from './route';

export const CSRF_HEADER = 'x-csrf-token';

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** Session from the cookie; then the route's role; then, for a change, the session's CSRF token. */
export function sessionAuthorizer(db: ConfigDb): Authorize {
  return async (req: Request, route: ApiRoute): Promise<Session | undefined> => {
    if (route.access === 'public') return undefined;
    if (route.access === 'auth-key') throw new Error(`${route.path} is a partner route; it is not mounted on the operator API`);
    const token = readCookie(req.headers.cookie, SESSION_COOKIE) ?? (route.bearerSession ? bearerToken(req.get('authorization')) : undefined);
    const session = token ? await findSession(db, token) : undefined;
    if (!session) {
      const how = route.bearerSession ? ' Send its session cookie, or its token as Authorization: Bearer <token>.' : '';
      throw new HttpProblem(401, 'Unauthorized', `Sign in first: POST /api/session with a username and password.${how}`);
    }
    if (route.access !== 'signed-in' && !roleAllows(session.user.role, route.access)) {
      throw new HttpProblem(403, 'Forbidden', `This needs the ${route.access} role; ${session.user.username} is a ${session.user.role}.`);
    }
    if (route.method !== 'get' && !route.skipCsrf) {
      const sent = req.get(CSRF_HEADER);
      if (!sent || !sameSecret(sent, session.csrfToken)) {
        throw new HttpProblem(403, 'Forbidden', `Missing or wrong ${CSRF_HEADER} header: send the csrfToken that GET /api/session returns.`);
      }
    }
    return session;
  };
}
