import type { Request } from 'express';
import { userActor, type AuditNote } from '../audit/audit-actions';
import type { AuditTrail } from '../audit/audit-trail';
import type { Session } from '../auth/sessions';
import { requestAddress } from './partner/client-address';

/** Records one action of this request: by its signed-in user unless the note names the actor, from its address. */
export type RecordAudit = (note: AuditNote) => Promise<void>;

export function auditorFor(trail: AuditTrail | undefined, req: Request, session: Session | undefined): RecordAudit {
  return async (note) => {
    if (!trail) throw new Error(`${req.path}: this router has no audit trail, so ${note.action} cannot be recorded`);
    const actor = note.actor ?? (session ? userActor(session.user) : undefined);
    if (!actor) throw new Error(`${note.action} on ${req.path}: no signed-in user; name the actor`);
    await trail.record(actor, requestAddress(req), note);
  };
}
