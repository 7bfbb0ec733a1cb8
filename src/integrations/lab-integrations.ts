import { and, asc, eq, exists, ilike, inArray, or } from 'drizzle-orm';
import { labScopeCondition, scopeIncludes, type LabScope } from '../auth/lab-scope';
import type { ConfigDb } from '../db/config-store';
import { actionCategories, developerAuthentication, developers, labIntegration, labs, organisations } from '../db/schema';
import { NotFoundError } from '../errors';
import { issueAuthKey } from './auth-key';
import { generateSigningSecret, maskedDetails, withSigningSecret } from './integration-secrets';
import { withoutUrlCredentials } from './url-credentials';

/** Labs by id or by a fragment of the name (the seed's "search a lab"), among the caller's labs. */
export async function searchLabs(db: ConfigDb, scope: LabScope, q: string | undefined, limit: number) {
  const columns = { id: labs.id, name: labs.name, city: labs.city };
  const text = q?.trim() ?? '';
  const byName = ilike(labs.name, `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  const where = text === '' ? undefined : /^\d{1,9}$/.test(text) ? or(eq(labs.id, Number(text)), byName) : byName;
  return db
    .select(columns)
    .from(labs)
    .where(and(labScopeCondition(scope, labs.id), where))
    .orderBy(asc(labs.name))
    .limit(limit);
}

/** Partners (developers); a user limited to labs sees those with an integration in one of their labs. */
export async function listDevelopers(db: ConfigDb, scope: LabScope) {
  const inScope = labScopeCondition(scope, developerAuthentication.labId);
  const integratedInScope = inScope
    ? exists(
        db
          .select({ id: developerAuthentication.id })
          .from(developerAuthentication)
          .where(and(eq(developerAuthentication.developerId, developers.id), inScope)),
      )
    : undefined;
  return db.select({ id: developers.id, name: developers.name }).from(developers).where(integratedInScope).orderBy(asc(developers.name));
}

export async function listActionCategories(db: ConfigDb) {
  return db.select({ id: actionCategories.id, name: actionCategories.name, origin: actionCategories.origin }).from(actionCategories).orderBy(asc(actionCategories.id));
}

/**
 * Everything the Manage Integrations page shows for one lab: its authentications, each with its
 * triggers. No secret is in it, for any role: the auth key by its prefix, secrets of extra details masked.
 */
export async function labIntegrations(db: ConfigDb, scope: LabScope, labId: number) {
  const [lab] = scopeIncludes(scope, labId) ? await db.select({ id: labs.id, name: labs.name, city: labs.city }).from(labs).where(eq(labs.id, labId)) : [];
  if (!lab) throw new NotFoundError('labId', `lab ${labId} does not exist`);
  const orgs = await db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(eq(organisations.labId, labId)).orderBy(asc(organisations.id));
  const auths = await db.select().from(developerAuthentication).where(eq(developerAuthentication.labId, labId)).orderBy(asc(developerAuthentication.id));
  const triggers =
    auths.length === 0
      ? []
      : await db
          .select({
            id: labIntegration.id,
            authId: labIntegration.authId,
            actionCategoryId: labIntegration.actionCategoryId,
            actionCategoryName: actionCategories.name,
            url: labIntegration.url,
            requestType: labIntegration.requestType,
            integrationExtraDetails: labIntegration.integrationExtraDetails,
            isDisable: labIntegration.isDisable,
          })
          .from(labIntegration)
          .innerJoin(actionCategories, eq(actionCategories.id, labIntegration.actionCategoryId))
          .where(
            inArray(
              labIntegration.authId,
              auths.map((a) => a.id),
            ),
          )
          .orderBy(asc(labIntegration.actionCategoryId));
  const now = new Date();
  return {
    lab,
    organisations: orgs,
    authentications: auths.map((auth) => ({
      id: auth.id,
      authKeyPrefix: auth.authKeyPrefix,
      labId: auth.labId,
      orgId: auth.orgId,
      isOrg: auth.isOrg,
      developerId: auth.developerId,
      developerName: auth.developerName,
      url: auth.url === null ? null : withoutUrlCredentials(auth.url),
      integrationType: auth.integrationType,
      requestType: auth.requestType,
      payloadType: auth.payloadType,
      templateText: auth.templateText,
      extraDetails: maskedDetails(auth.extraDetails, now),
      isIntegrationEnable: auth.isIntegrationEnable,
      updatedAt: auth.updatedAt,
      integrations: triggers
        .filter((t) => t.authId === auth.id)
        .map(({ authId: _authId, ...trigger }) => ({
          ...trigger,
          url: trigger.url === null ? null : withoutUrlCredentials(trigger.url),
          integrationExtraDetails: maskedDetails(trigger.integrationExtraDetails, now),
        })),
    })),
  };
}

export async function setAuthenticationEnabled(db: ConfigDb, id: number, enabled: boolean) {
  const [row] = await db
    .update(developerAuthentication)
    .set({ isIntegrationEnable: enabled, updatedAt: new Date() })
    .where(eq(developerAuthentication.id, id))
    .returning({ id: developerAuthentication.id, isIntegrationEnable: developerAuthentication.isIntegrationEnable });
  if (!row) throw new NotFoundError('id', `authentication ${id} does not exist`);
  return row;
}

export async function setTriggerDisabled(db: ConfigDb, id: number, disabled: boolean) {
  const [row] = await db
    .update(labIntegration)
    .set({ isDisable: disabled, updatedAt: new Date() })
    .where(eq(labIntegration.id, id))
    .returning({ id: labIntegration.id, actionCategoryId: labIntegration.actionCategoryId, isDisable: labIntegration.isDisable });
  if (!row) throw new NotFoundError('id', `lab integration ${id} does not exist`);
  return row;
}

/** A new auth key, answered this once; the old one stops working at once. */
export async function regenerateAuthKey(db: ConfigDb, id: number) {
  const issued = issueAuthKey();
  const [row] = await db
    .update(developerAuthentication)
    .set({ authKeyHash: issued.authKeyHash, authKeyPrefix: issued.authKeyPrefix, updatedAt: new Date() })
    .where(eq(developerAuthentication.id, id))
    .returning({ id: developerAuthentication.id });
  if (!row) throw new NotFoundError('id', `authentication ${id} does not exist`);
  return { id: row.id, authKey: issued.authKey, authKeyPrefix: issued.authKeyPrefix };
}

/**
 * A new signing secret for the authentication (its `extraDetails.signingSecret`), answered this
 * once. The one it replaces keeps signing beside it for `overlapMs`, so partners can switch to
 * the new secret while every webhook still verifies with the old one.
 */
export async function rotateSigningSecret(db: ConfigDb, id: number, overlapMs: number) {
  return db.transaction(async (tx) => {
    const [stored] = await tx
      .select({ extraDetails: developerAuthentication.extraDetails })
      .from(developerAuthentication)
      .where(eq(developerAuthentication.id, id))
      .for('update');
    if (!stored) throw new NotFoundError('id', `authentication ${id} does not exist`);
    const now = new Date();
    const signingSecret = generateSigningSecret();
    const extraDetails = withSigningSecret(stored.extraDetails, signingSecret, now, overlapMs);
    await tx.update(developerAuthentication).set({ extraDetails, updatedAt: now }).where(eq(developerAuthentication.id, id));
    const previous = maskedDetails(extraDetails, now).previousSigningSecret as { expiresAt: string } | undefined;
    return { id, signingSecret, previousSecretSignsUntil: previous?.expiresAt ?? null };
  });
}
