import { and, eq, isNull, or, sql } from 'drizzle-orm';
import type { ConfigDb } from '../db/config-store';
import { preparedPerDb } from '../db/prepared';
import { actionCategories, developerAuthentication, labIntegration } from '../db/schema';
import type { BusinessEvent } from '../events/business-event';

export type ActiveIntegration = Awaited<ReturnType<typeof findActiveIntegrations>>[number];

/**
 * SPEC §3: an integration is active for an event when the lab matches (and the organisation,
 * for an is_org authentication), the authentication is enabled and the trigger is not disabled.
 * Read at event time, so a change applies to the next event without a restart.
 */
export async function findActiveIntegrations(db: ConfigDb, event: BusinessEvent) {
  return event.orgId === undefined
    ? activeForLab(db).execute({ labId: event.labId, actionCategoryId: event.actionCategoryId })
    : activeForOrg(db).execute({ labId: event.labId, actionCategoryId: event.actionCategoryId, orgId: event.orgId });
}

/** The query, prepared once per handle: for an event without an organisation, and for one of an organisation. */
const activeIntegrationsQuery = (forOrg: boolean) =>
  preparedPerDb((db) => {
    const orgMatches = forOrg
      ? or(eq(developerAuthentication.isOrg, false), eq(developerAuthentication.orgId, sql.placeholder('orgId')))
      : eq(developerAuthentication.isOrg, false);
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
        // Its endpoint flow (src/endpoints): a trigger's own settings win, each object as a whole.
        flowControl: sql<unknown>`coalesce(${labIntegration.integrationExtraDetails}->'flowControl', ${developerAuthentication.extraDetails}->'flowControl')`,
        breaker: sql<unknown>`coalesce(${labIntegration.integrationExtraDetails}->'breaker', ${developerAuthentication.extraDetails}->'breaker')`,
      })
      .from(labIntegration)
      .innerJoin(developerAuthentication, eq(labIntegration.authId, developerAuthentication.id))
      .innerJoin(actionCategories, eq(labIntegration.actionCategoryId, actionCategories.id))
      .where(
        and(
          eq(developerAuthentication.labId, sql.placeholder('labId')),
          eq(labIntegration.actionCategoryId, sql.placeholder('actionCategoryId')),
          eq(developerAuthentication.isIntegrationEnable, true),
          eq(labIntegration.isDisable, false),
          orgMatches ?? isNull(developerAuthentication.orgId),
        ),
      )
      .orderBy(labIntegration.id)
      .prepare(forOrg ? 'active_integrations_org' : 'active_integrations_lab');
  });
const activeForLab = activeIntegrationsQuery(false);
const activeForOrg = activeIntegrationsQuery(true);

/** The full, current settings of one trigger, read when a delivery is prepared. */
export async function loadIntegration(db: ConfigDb, labIntegrationId: number) {
  const [row] = await integrationById(db).execute({ labIntegrationId });
  return row;
}

const integrationById = preparedPerDb((db) =>
  db
    .select({ auth: developerAuthentication, integration: labIntegration })
    .from(labIntegration)
    .innerJoin(developerAuthentication, eq(labIntegration.authId, developerAuthentication.id))
    .where(eq(labIntegration.id, sql.placeholder('labIntegrationId')))
    .prepare('integration_by_id'),
);
