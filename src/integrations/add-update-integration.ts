import { and, eq, inArray, sql } from 'drizzle-orm';
import type { ConfigDb } from '../db/config-store';
import { actionCategories, developerAuthentication, developers, labIntegration, labs, organisations } from '../db/schema';
import { InputError, NotFoundError } from '../errors';
import { hashAuthKey, issueAuthKey } from './auth-key';
import type { IntegrationInput } from './integration-input';
import { mergeSecretDetails } from './integration-secrets';

export interface IntegrationSaved {
  /** Only when the authentication was created: the one time its auth key is shown. */
  authKey?: string;
  authKeyPrefix: string;
  authId: number;
  integrations: Array<{ id: number; actionCategoryId: number }>;
}

export interface SecretPolicy {
  /** How long a replaced signing secret keeps signing beside the new one. */
  signingSecretOverlapMs: number;
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
 * its id) and one lab_integration row per action category. A new authentication answers its auth
 * key, the only time it is shown; an update answers the key's prefix. Secrets in extra details
 * left out keep their stored values. Any failure rolls everything back: nothing is half-written.
 */
export async function addUpdateIntegration(db: ConfigDb, input: IntegrationInput, policy: SecretPolicy = { signingSecretOverlapMs: 0 }): Promise<IntegrationSaved> {
  return db.transaction(async (tx) => {
    const { developerName } = await checkReferences(tx, input);
    const now = new Date();
    const secrets = (stored: Record<string, unknown>, sent: Record<string, unknown>) => mergeSecretDetails(stored, sent, now, policy.signingSecretOverlapMs);
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
      isOrg: input.isOrg,
      isIntegrationEnable: input.isIntegrationEnable,
      updatedAt: sql`now()`,
    };
    let authId: number;
    let authKeyPrefix: string;
    let authKey: string | undefined;
    if (input.authId !== undefined || input.authKey !== undefined) {
      // Named by id (or by its key's hash) within its lab: an authentication does not move between labs, and another lab's is not confirmed.
      const named =
        input.authId !== undefined ? eq(developerAuthentication.id, input.authId) : eq(developerAuthentication.authKeyHash, hashAuthKey(input.authKey!));
      const [stored] = await tx
        .select()
        .from(developerAuthentication)
        .where(and(named, eq(developerAuthentication.labId, input.labId)))
        .for('update');
      if (!stored) {
        throw input.authId !== undefined
          ? new NotFoundError('authId', `authentication ${input.authId} does not exist in lab ${input.labId}`)
          : new NotFoundError('authKey', `no authentication of lab ${input.labId} has this auth key`);
      }
      const extraDetails = secrets(stored.extraDetails, input.extraDetails);
      await tx.update(developerAuthentication).set({ ...values, extraDetails }).where(eq(developerAuthentication.id, stored.id));
      authId = stored.id;
      authKeyPrefix = stored.authKeyPrefix;
    } else {
      const issued = issueAuthKey();
      const [created] = await tx
        .insert(developerAuthentication)
        .values({ ...values, extraDetails: secrets({}, input.extraDetails), authKeyHash: issued.authKeyHash, authKeyPrefix: issued.authKeyPrefix })
        .returning({ id: developerAuthentication.id });
      authId = created!.id;
      authKeyPrefix = issued.authKeyPrefix;
      authKey = issued.authKey;
    }
    const storedTriggers = await tx
      .select({ actionCategoryId: labIntegration.actionCategoryId, extraDetails: labIntegration.integrationExtraDetails })
      .from(labIntegration)
      .where(eq(labIntegration.authId, authId));
    const integrations: IntegrationSaved['integrations'] = [];
    for (const trigger of input.integrations) {
      const stored = storedTriggers.find((t) => t.actionCategoryId === trigger.actionCategoryId);
      const row = {
        authId,
        actionCategoryId: trigger.actionCategoryId,
        url: trigger.url ?? null,
        requestType: trigger.requestType ?? null,
        integrationExtraDetails: secrets(stored?.extraDetails ?? {}, trigger.extraDetails),
        isDisable: trigger.isDisable,
      };
      const [saved] = await tx
        .insert(labIntegration)
        .values(row)
        .onConflictDoUpdate({ target: [labIntegration.authId, labIntegration.actionCategoryId], set: { ...row, updatedAt: sql`now()` } })
        .returning({ id: labIntegration.id, actionCategoryId: labIntegration.actionCategoryId });
      integrations.push(saved!);
    }
    return authKey === undefined ? { authId, authKeyPrefix, integrations } : { authKey, authKeyPrefix, authId, integrations };
  });
}
