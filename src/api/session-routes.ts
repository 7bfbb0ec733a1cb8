import type { Request, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { createSession, deleteSession, readCookie, SESSION_COOKIE } from '../auth/sessions';
import { verifyCredentials } from '../auth/users';
import type { Config } from '../config/schema';
import type { ConfigDb } from '../db/config-store';
import { anonymousActor, userActor } from '../audit/audit-actions';
import { HttpProblem } from './problem';
import { defineRoute, type ApiRoute } from './route';

const signInBody = z.object({ username: z.string().min(1, 'required').max(100), password: z.string().min(1, 'required').max(200) }).strict();

/** Sign-in, sign-out, and who am I. */
export function sessionRoutes(db: ConfigDb, config: Config): ApiRoute[] {
  // COOKIE_SECURE=auto: Secure whenever this request came over HTTPS (directly, or through a TLS-terminating proxy TRUST_PROXY names).
  const setCookie = (req: Request, res: Response, token: string, maxAgeMs: number) => {
    const secure = config.auth.secureCookies === 'auto' ? req.secure : config.auth.secureCookies;
    res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: maxAgeMs });
  };
  // Guessing passwords: 10 failed tries a minute per address, answered 429 with Retry-After.
  // Successful sign-ins do not count: a lab's operators share one office address.
  const signInLimit = rateLimit({
    windowMs: 60_000,
    limit: 10,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new HttpProblem(429, 'Too Many Requests', 'Too many sign-in attempts; wait a minute and try again.')),
  });
  return [
    defineRoute({
      method: 'post',
      path: '/session',
      access: 'public',
      skipCsrf: true,
      middleware: [signInLimit],
      tag: 'Session',
      summary: 'Sign in: sets the HttpOnly session cookie and returns the CSRF token for changes',
      body: signInBody,
      responses: { 200: 'Signed in', 400: 'Bad input', 401: 'Wrong username or password', 429: 'Too many attempts' },
      async handle({ body, req, res, audit }) {
        const user = await verifyCredentials(db, body.username, body.password);
        if (!user) {
          // The username that was tried, never the password.
          await audit({ action: 'session.sign_in_failed', actor: anonymousActor(body.username) });
          throw new HttpProblem(401, 'Unauthorized', 'Wrong username or password.');
        }
        const { token, session } = await createSession(db, user, config.auth.sessionTtlMs);
        await audit({ action: 'session.sign_in', actor: userActor(user), target: { type: 'user', id: user.id } });
        setCookie(req, res, token, config.auth.sessionTtlMs);
        return { user: session.user, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/session',
      access: 'signed-in',
      tag: 'Session',
      summary: 'The signed-in user (with `labIds`, the labs they are limited to; [] = every lab) and the CSRF token to send as X-CSRF-Token',
      responses: { 200: 'Signed in', 401: 'Not signed in' },
      async handle({ session }) {
        return { user: session.user, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/session',
      access: 'signed-in',
      tag: 'Session',
      summary: 'Sign out',
      responses: { 204: 'Signed out', 401: 'Not signed in', 403: 'Missing CSRF token' },
      async handle({ req, res, session, audit }) {
        const token = readCookie(req.headers.cookie, SESSION_COOKIE);
        if (token) await deleteSession(db, token);
        await audit({ action: 'session.sign_out', target: { type: 'user', id: session.user.id } });
        res.clearCookie(SESSION_COOKIE, { path: '/' });
        return undefined;
      },
    }),
  ];
}
