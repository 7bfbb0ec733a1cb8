import { eq } from 'drizzle-orm';
import type { RequestHandler, Response } from 'express';
import type { ConfigDb } from '../../db/config-store';
import { developerAuthentication, type IntegrationType } from '../../db/schema';
import { sameSecret } from '../../auth/same-secret';
import { hashAuthKey } from '../../integrations/auth-key';
import type { BusinessEvent } from '../../events/business-event';
import { HttpProblem } from '../problem';

export interface Partner {
  authId: number;
  labId: number;
  /** Set for an org-scoped key: it reads and emits only for this organisation of its lab. */
  orgId: number | null;
  developerId: number;
  developerName: string;
  integrationType: IntegrationType;
  /** The key's visible prefix: names the key in logs without revealing it. */
  authKeyPrefix: string;
}

/** What a key may do on the partner API beyond the callbacks of its own deliveries (checked per log). */
export type PartnerScope = 'read-data' | 'emit-events';

/**
 * Scopes follow the key's integration type. Webhook and API partners read what a delivery carried
 * and emit events on the lab's behalf; async vendors read the data they were asked to act on (and
 * call back). A Mirth channel receives HL7 over MLLP and answers with its ACK on the same
 * connection, so its key needs no partner API at all: every scoped route refuses it (403).
 */
const SCOPES_BY_INTEGRATION_TYPE: Record<IntegrationType, readonly PartnerScope[]> = {
  webhook: ['read-data', 'emit-events'],
  api: ['read-data', 'emit-events'],
  async_vendor: ['read-data', 'emit-events'],
  mirth: [],
};

const SCOPE_WORDS: Record<PartnerScope, string> = { 'read-data': "read the lab's bills and reports", 'emit-events': 'emit business events' };

/** 403 unless the key's integration type grants the scope. */
export function requirePartnerScope(partner: Partner, scope: PartnerScope): void {
  if (!SCOPES_BY_INTEGRATION_TYPE[partner.integrationType].includes(scope)) {
    throw new HttpProblem(403, 'Forbidden', `The key of a ${partner.integrationType} integration may not ${SCOPE_WORDS[scope]}.`);
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

export function partnerOf(res: Response): Partner {
  const partner = res.locals.partner as Partner | undefined;
  if (!partner) throw new Error('partner routes must run after partnerAuth');
  return partner;
}

/** A partner's event as sent: a business event whose lab is its key's. */
export type PartnerEventInput = Omit<BusinessEvent, 'labId'>;

/**
 * A partner's event ids are its own: prefixed with its key (`partner-<authId>:<eventId>`), so a
 * partner that learned the lab's id scheme from the payloads it receives cannot claim an id first
 * and so make the lab's own event a duplicate or a conflict. Repeats by the same key still dedupe.
 */
const partnerEventId = (partner: Partner, eventId: string) => `partner-${partner.authId}:${eventId}`;

/**
 * An org-scoped key emits only for its organisation (orgId filled in when omitted; another is a
 * 403 naming orgId) and only about its organisation's bills and reports: patients belong to the
 * whole lab, so a patient event from an organisation's key would hand any patient of the lab to
 * that organisation's integrations (403 naming entity.type).
 */
export function partnerEvent(partner: Partner, input: PartnerEventInput): BusinessEvent {
  const event = { ...input, eventId: partnerEventId(partner, input.eventId), labId: partner.labId };
  if (partner.orgId === null) return event;
  if (input.orgId !== undefined && input.orgId !== partner.orgId) forbidden('orgId', `this auth key emits only for organisation ${partner.orgId}`);
  if (input.entity.type === 'patient') forbidden('entity.type', "an organisation's auth key emits events about its organisation's bills and reports; patients belong to the whole lab");
  return { ...event, orgId: partner.orgId };
}

function forbidden(field: string, message: string): never {
  throw new HttpProblem(403, 'Forbidden', `${field}: ${message}`, { errors: [{ field, message }] });
}

/**
 * `Authorization: Bearer <authKey>` of an enabled integration; anything else is a 401 (and is
 * logged). Only the key's SHA-256 is stored, so the key is looked up by its hash: a stored value
 * (the hash itself, the prefix) is not a key.
 */
export function partnerAuth(db: ConfigDb): RequestHandler {
  return async (req, res, next) => {
    const key = bearerToken(req.get('authorization'));
    if (!key) throw new HttpProblem(401, 'Unauthorized', 'Send the integration auth key as "Authorization: Bearer <authKey>".');
    const hash = hashAuthKey(key);
    const [row] = await db.select().from(developerAuthentication).where(eq(developerAuthentication.authKeyHash, hash));
    // The lookup narrows by an index on the hash; the final comparison is constant-time.
    if (!row || !sameSecret(hash, row.authKeyHash)) throw new HttpProblem(401, 'Unauthorized', 'The auth key is not valid.');
    if (!row.isIntegrationEnable) throw new HttpProblem(403, 'Forbidden', 'This integration is disabled.');
    res.locals.partner = {
      authId: row.id,
      labId: row.labId,
      orgId: row.orgId,
      developerId: row.developerId,
      developerName: row.developerName,
      integrationType: row.integrationType,
      authKeyPrefix: row.authKeyPrefix,
    } satisfies Partner;
    next();
  };
}
