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
