import { and, eq, inArray, sql } from 'drizzle-orm';
import type { ConfigDb } from '../db/config-store';
import { actionCategories, developerAuthentication, developers, labIntegration, labs, organisations } from '../db/schema';
import { InputError, NotFoundError } from '../errors';
import { generateAuthKey } from './auth-key';
import type { IntegrationInput } from './integration-input';

export interface IntegrationSaved {
  authKey: string;
  authId: number;
  integrations: Array<{ id: number; actionCategoryId: number }>;
}

type Tx = Parameters<Parameters<ConfigDb['transaction']>[0]>[0];

async function checkReferences(tx: Tx, input: IntegrationInput): Promise<{ developerName: string }> {
  const [lab] = await tx.select({ id: labs.id }).from(labs).where(eq(labs.id, input.labId));
  if (!lab) throw new NotFoundError('labId', `lab ${input.labId} does not exist`);
  const [developer] = await tx.select().from(developers).where(eq(developers.id, input.developerId));
  if (!developer) throw new NotFoundError('developerId', `developer ${input.developerId} does not exist`);
  if (input.orgId !== undefined) {
    const [org] = await tx.select().from(organisations).where(and(eq(organisations.id, input.orgId), eq(organisations.labId, input.labId)));
    if (!org) throw new NotFoundError('orgId', `organisation ${input.orgId} does not exist in lab ${input.labId}`);
  }
  const wanted = input.integrations.map((t) => t.actionCategoryId);
  const found = new Set((await tx.select({ id: actionCategories.id }).from(actionCategories).where(inArray(actionCategories.id, wanted))).map((r) => r.id));
  const missing = input.integrations.findIndex((t) => !found.has(t.actionCategoryId));
  if (missing >= 0) throw new InputError(`integrations.${missing}.actionCategoryId`, `action category ${wanted[missing]} does not exist`);
  return { developerName: input.developerName ?? developer.name };
}

/**
 * SPEC §3 addUpdateIntegration: one transaction that upserts the authentication row (resolved by
 * auth key) and one lab_integration row per action category, and returns the auth key.
 * Any failure rolls everything back: nothing is half-written.
 */
export async function addUpdateIntegration(db: ConfigDb, input: IntegrationInput): Promise<IntegrationSaved> {
  return db.transaction(async (tx) => {
    const { developerName } = await checkReferences(tx, input);
    const values = {
      labId: input.labId,
      orgId: input.isOrg ? (input.orgId ?? null) : null,
      developerId: input.developerId,
      developerName,
      url: input.url ?? null,
      integrationType: input.integrationType,
      requestType: input.requestType,
      payloadType: input.payloadType ?? null,
      templateText: input.templateText ?? null,
      extraDetails: input.extraDetails,
      isOrg: input.isOrg,
      isIntegrationEnable: input.isIntegrationEnable,
      updatedAt: sql`now()`,
    };
    let authId: number;
    let authKey: string;
    if (input.authKey) {
      const [updated] = await tx.update(developerAuthentication).set(values).where(eq(developerAuthentication.authKey, input.authKey)).returning();
      if (!updated) throw new NotFoundError('authKey', 'no integration has this auth key');
      authId = updated.id;
      authKey = updated.authKey;
    } else {
      const [created] = await tx.insert(developerAuthentication).values({ ...values, authKey: generateAuthKey() }).returning();
      authId = created!.id;
      authKey = created!.authKey;
    }
    const integrations: IntegrationSaved['integrations'] = [];
    for (const trigger of input.integrations) {
      const row = {
        authId,
        actionCategoryId: trigger.actionCategoryId,
        url: trigger.url ?? null,
        requestType: trigger.requestType ?? null,
        integrationExtraDetails: trigger.extraDetails,
        isDisable: trigger.isDisable,
      };
      const [saved] = await tx
        .insert(labIntegration)
        .values(row)
        .onConflictDoUpdate({ target: [labIntegration.authId, labIntegration.actionCategoryId], set: { ...row, updatedAt: sql`now()` } })
        .returning({ id: labIntegration.id, actionCategoryId: labIntegration.actionCategoryId });
      integrations.push(saved!);
    }
    return { authKey, authId, integrations };
  });
}
