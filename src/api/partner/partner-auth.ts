import { eq } from 'drizzle-orm';
import type { RequestHandler, Response } from 'express';
import type { ConfigDb } from '../../db/config-store';
import { developerAuthentication } from '../../db/schema';
import { sameSecret } from '../../auth/same-secret';
import { HttpProblem } from '../problem';

export interface Partner {
  authId: number;
  labId: number;
  orgId: number | null;
  developerId: number;
  developerName: string;
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

export function partnerOf(res: Response): Partner {
  const partner = res.locals.partner as Partner | undefined;
  if (!partner) throw new Error('partner routes must run after partnerAuth');
  return partner;
}

/** `Authorization: Bearer <authKey>` of an enabled integration; anything else is a 401 (and is logged). */
export function partnerAuth(db: ConfigDb): RequestHandler {
  return async (req, res, next) => {
    const key = bearerToken(req.get('authorization'));
    if (!key) throw new HttpProblem(401, 'Unauthorized', 'Send the integration auth key as "Authorization: Bearer <authKey>".');
    const [row] = await db.select().from(developerAuthentication).where(eq(developerAuthentication.authKey, key));
    // The lookup narrows by an index; the final comparison is constant-time.
    if (!row || !sameSecret(key, row.authKey)) throw new HttpProblem(401, 'Unauthorized', 'The auth key is not valid.');
    if (!row.isIntegrationEnable) throw new HttpProblem(403, 'Forbidden', 'This integration is disabled.');
    res.locals.partner = {
      authId: row.id,
      labId: row.labId,
      orgId: row.orgId,
      developerId: row.developerId,
      developerName: row.developerName,
    } satisfies Partner;
    next();
  };
}
