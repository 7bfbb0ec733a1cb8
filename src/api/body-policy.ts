import express, { type RequestHandler } from 'express';
import { HttpProblem } from './problem';

export interface BodyLimits {
  maxBytes: number;
  maxDepth: number;
}

/**
 * Whether a parsed JSON value nests deeper than `maxDepth` objects/arrays. Walked with an explicit
 * stack: the point is that no recursive code (JSON.stringify, zod, a log writer) ever meets such
 * a body, so this check must not recurse either.
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  while (pending.length > 0) {
    const { value: next, depth } = pending.pop()!;
    if (next === null || typeof next !== 'object') continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(next)) {
      if (child !== null && typeof child === 'object') pending.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}

/**
 * The one request-body policy, mounted before every router (/api, /partner/v1): JSON up to
 * `maxBytes` (413 beyond), nested at most `maxDepth` levels (400 beyond) — refused before any
 * authentication, rate limit or log recorder sees the body. V8's JSON.parse is iterative, so
 * parsing a deep body is safe; everything after it (JSON.stringify included) is not.
 */
export function bodyPolicy(limits: BodyLimits): RequestHandler[] {
  const tooDeep = `nested deeper than ${limits.maxDepth} levels of objects and arrays`;
  return [
    express.json({ limit: limits.maxBytes }),
    (req, _res, next) => {
      if (req.body !== undefined && nestsDeeperThan(req.body, limits.maxDepth)) {
        throw new HttpProblem(400, 'Bad Request', `The JSON body is ${tooDeep}.`, { errors: [{ field: '(body)', message: tooDeep }] });
      }
      next();
    },
  ];
}
