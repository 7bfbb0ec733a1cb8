import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import type { Role } from '../db/schema';
import type { Session } from '../auth/sessions';
import type { AuditTrail } from '../audit/audit-trail';
import { auditorFor, type RecordAudit } from './request-audit';
import { parseInput } from './validate';

/**
 * Who may call a route: anyone, any signed-in user, or a role and those above it; or, on the
 * partner API, the holder of an auth key (checked by that router before its routes).
 */
export type Access = 'public' | 'signed-in' | Role | 'auth-key';

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
  /** Present on every operator route but public ones (partner routes have none). */
  session: Session;
  /** Records this request's action in the audit trail: call it once, after the action succeeded. */
  audit: RecordAudit;
}

/**
 * One endpoint, declared once: the same record mounts it (access, CSRF, zod validation),
 * documents it in its OpenAPI document (/api/openapi.json, /partner/v1/openapi.json), and is
 * walked by the access test.
 */
export interface ApiRoute {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Express path under its router (/api or /partner/v1), e.g. `/logs/:id`. */
  path: string;
  access: Access;
  summary: string;
  tag: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Status → description, for the OpenAPI document. */
  responses: Record<number, string>;
  /** Responses other than JSON (e.g. `text/event-stream`). */
  produces?: string;
  /** Runs before authorization, e.g. a rate limit. */
  middleware?: RequestHandler[];
  /** Sign-in itself cannot carry a CSRF token yet. */
  skipCsrf?: boolean;
  /** Also takes the session token as `Authorization: Bearer <token>` (the temporal CLI's --codec-auth). */
  bearerSession?: boolean;
  handle(input: RouteInput<unknown, unknown, unknown>): Promise<unknown>;
}

type Out<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

/** Declares a route with its handler typed from its schemas. */
export function defineRoute<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  route: Omit<ApiRoute, 'handle' | 'params' | 'query' | 'body'> & {
    params?: P;
    query?: Q;
    body?: B;
    handle(input: RouteInput<Out<P>, Out<Q>, Out<B>>): Promise<unknown>;
  },
): ApiRoute {
  // Method parameters are bivariant, so the typed handler is stored as the general one.
  return route;
}

export type Authorize = (req: Request, route: ApiRoute) => Promise<Session | undefined>;

/**
 * Mounts routes: authorize (401/403, CSRF), then validate path, query and body (400), then handle.
 * Handlers record their action through `audit` (the operator API passes its trail).
 */
export function mountRoutes(router: Router, routes: ApiRoute[], authorize: Authorize, trail?: AuditTrail): void {
  for (const route of routes) {
    router[route.method](route.path, ...(route.middleware ?? []), async (req: Request, res: Response) => {
      const session = await authorize(req, route);
      const params: unknown = route.params ? parseInput(route.params, req.params, 'path') : {};
      const query: unknown = route.query ? parseInput(route.query, req.query, 'query') : {};
      const body: unknown = route.body ? parseInput(route.body, req.body) : undefined;
      const audit = auditorFor(trail, req, session);
      const result = await route.handle({ params, query, body, req, res, session: session as Session, audit });
      if (!res.headersSent) {
        if (result === undefined) res.status(204).end();
        else res.json(result);
      }
    });
  }
}
