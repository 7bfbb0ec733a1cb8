import { and, eq, isNull, or, sql } from 'drizzle-orm';
import type { ConfigDb } from '../db/config-store';
import { actionCategories, developerAuthentication, labIntegration } from '../db/schema';
import type { BusinessEvent } from '../events/business-event';

export type ActiveIntegration = Awaited<ReturnType<typeof findActiveIntegrations>>[number];

/**
 * SPEC §3: an integration is active for an event when the lab matches (and the organisation,
 * for an is_org authentication), the authentication is enabled and the trigger is not disabled.
 * Read at event time, so a change applies to the next event without a restart.
 */
export async function findActiveIntegrations(db: ConfigDb, event: BusinessEvent) {
  const orgMatches = event.orgId === undefined
    ? eq(developerAuthentication.isOrg, false)
    : or(eq(developerAuthentication.isOrg, false), eq(developerAuthentication.orgId, event.orgId));
  return db
    .select({
      authId: developerAuthentication.id,
      labIntegrationId: labIntegration.id,
      developerId: developerAuthentication.developerId,
      developerName: developerAuthentication.developerName,
      integrationType: developerAuthentication.integrationType,
      payloadType: developerAuthentication.payloadType,
      actionCategoryId: actionCategories.id,
      operation: actionCategories.name,
      origin: actionCategories.origin,
      // Where it goes (the list row's endpoint): a trigger's own URL or Mirth settings win.
      url: sql<string | null>`coalesce(${labIntegration.url}, ${developerAuthentication.url})`,
      mirthHost: sql<unknown>`coalesce(${labIntegration.integrationExtraDetails}->'host', ${developerAuthentication.extraDetails}->'host')`,
      mirthPort: sql<unknown>`coalesce(${labIntegration.integrationExtraDetails}->'port', ${developerAuthentication.extraDetails}->'port')`,
    })
    .from(labIntegration)
    .innerJoin(developerAuthentication, eq(labIntegration.authId, developerAuthentication.id))
    .innerJoin(actionCategories, eq(labIntegration.actionCategoryId, actionCategories.id))
    .where(
      and(
        eq(developerAuthentication.labId, event.labId),
        eq(labIntegration.actionCategoryId, event.actionCategoryId),
        eq(developerAuthentication.isIntegrationEnable, true),
        eq(labIntegration.isDisable, false),
        orgMatches ?? isNull(developerAuthentication.orgId),
      ),
    )
    .orderBy(labIntegration.id);
}

/** The full, current settings of one trigger, read when a delivery is prepared. */
export async function loadIntegration(db: ConfigDb, labIntegrationId: number) {
  const [row] = await db
    .select({ auth: developerAuthentication, integration: labIntegration })
    .from(labIntegration)
    .innerJoin(developerAuthentication, eq(labIntegration.authId, developerAuthentication.id))
    .where(eq(labIntegration.id, labIntegrationId));
  return row;
}
