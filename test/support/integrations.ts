import { addUpdateIntegration } from '../../src/integrations/add-update-integration';
import { integrationInputSchema } from '../../src/integrations/integration-input';
import type { ConfigDb } from '../../src/db/config-store';
import type { LabFixture } from './lab-fixtures';

/** A POST-JSON webhook integration of the lab on one action category, written straight to the config store. */
export function webhookIntegration(db: ConfigDb, lab: LabFixture, url: string, actionCategoryId = 1) {
  return addUpdateIntegration(
    db,
    integrationInputSchema.parse({ labId: lab.labId, developerId: lab.developerId, integrationType: 'webhook', url, integrations: [{ actionCategoryId }] }),
  );
}

export function billEvent(lab: LabFixture, eventId: string, actionCategoryId = 1) {
  return { eventId, labId: lab.labId, actionCategoryId, entity: { type: 'bill' as const, id: lab.billId }, activityDate: new Date().toISOString() };
}
