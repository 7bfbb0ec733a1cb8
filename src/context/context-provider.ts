import type { EntityContext, LabContext } from '../../activities/context/types';
import type { EntityType } from '../events/business-event';

export interface EntityRef {
  type: EntityType;
  id: number;
}

/**
 * Reads live domain objects for a delivery (SPEC §3). Every attempt and every retry asks again,
 * so a bill edited after a failure is sent as it is now, never as a stale snapshot.
 */
export interface ContextProvider {
  loadLab(labId: number): Promise<LabContext>;
  /** Throws NotFoundError when the entity does not exist in that lab. */
  loadEntity(labId: number, entity: EntityRef): Promise<EntityContext>;
}

/**
 * The one rule behind org-scoped partner keys and an event's org check: a bill or report is in an
 * organisation when its `orgId` says so (without one it is the lab's own, in no organisation); a
 * patient belongs to the whole lab, so it is in every organisation of the lab.
 */
export function entityInOrg(entity: EntityContext, orgId: number): boolean {
  switch (entity.type) {
    case 'patient':
      return true;
    case 'bill':
      return entity.bill.orgId === orgId;
    case 'report':
      return entity.report.orgId === orgId;
  }
}
