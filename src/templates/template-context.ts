import type { EntityContext, LabContext } from '../../activities/context/types';
import type { BusinessEvent } from '../events/business-event';

/** Everything a template or the default payload can use. */
export interface PayloadData {
  logId: string;
  action: string;
  event: BusinessEvent;
  lab: LabContext;
  entity: EntityContext;
}

/** The names a template sees: the payload data plus `patient`, `bill` and `report` lifted out of the entity. */
export function templateContext(data: PayloadData): Record<string, unknown> {
  const entity = data.entity;
  return {
    logId: data.logId,
    action: data.action,
    event: data.event,
    lab: data.lab,
    entity,
    patient: entity.type === 'patient' ? entity.patient : entity.type === 'bill' ? entity.bill.patient : entity.report.patient,
    bill: entity.type === 'bill' ? entity.bill : undefined,
    report: entity.type === 'report' ? entity.report : undefined,
  };
}
