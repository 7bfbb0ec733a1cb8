import { and, eq, lt } from 'drizzle-orm';
import type { ConfigDb } from '../db/config-store';
import { developerAuthentication, labIntegration, testDeliveries, type PayloadType, type RequestType } from '../db/schema';
import { InputError, NotFoundError } from '../errors';
import type { IntegrationInput } from './integration-input';
import { mergeSecretDetails } from './integration-secrets';

/**
 * What a delivery reads of its integration on every attempt: the authentication's settings and
 * the trigger's overrides. A saved trigger's row (loadIntegration) has this shape; so has a
 * draft's, for a preview or a test delivery.
 */
export interface DeliveryConfig {
  auth: {
    url: string | null;
    requestType: RequestType;
    payloadType: PayloadType | null;
    templateText: string | null;
    extraDetails: Record<string, unknown>;
  };
  integration: {
    url: string | null;
    requestType: RequestType | null;
    integrationExtraDetails: Record<string, unknown>;
  };
}

export interface DraftDelivery {
  config: DeliveryConfig;
  /** The saved authentication and trigger the draft edits, when they exist. */
  authId: number | null;
  labIntegrationId: number | null;
}

/**
 * An unsaved Add/Update body as the delivery of one of its triggers would read it once saved:
 * secrets left out are the stored ones (a form never gets them back), `null` removes them.
 */
export async function draftDelivery(db: ConfigDb, input: IntegrationInput, actionCategoryId: number): Promise<DraftDelivery> {
  const trigger = input.integrations.find((t) => t.actionCategoryId === actionCategoryId);
  if (!trigger) throw new InputError('event.actionCategoryId', `the integration has no trigger for action category ${actionCategoryId}: tick it in Flags first`);
  let storedAuth: Record<string, unknown> = {};
  let storedTrigger: Record<string, unknown> = {};
  let labIntegrationId: number | null = null;
  if (input.authId !== undefined) {
    const [auth] = await db
      .select({ extraDetails: developerAuthentication.extraDetails })
      .from(developerAuthentication)
      .where(and(eq(developerAuthentication.id, input.authId), eq(developerAuthentication.labId, input.labId)));
    if (!auth) throw new NotFoundError('integration.authId', `authentication ${input.authId} does not exist in lab ${input.labId}`);
    storedAuth = auth.extraDetails;
    const [row] = await db
      .select({ id: labIntegration.id, extraDetails: labIntegration.integrationExtraDetails })
      .from(labIntegration)
      .where(and(eq(labIntegration.authId, input.authId), eq(labIntegration.actionCategoryId, actionCategoryId)));
    if (row) {
      storedTrigger = row.extraDetails;
      labIntegrationId = row.id;
    }
  }
  const now = new Date();
  return {
    authId: input.authId ?? null,
    labIntegrationId,
    config: {
      auth: {
        url: input.url ?? null,
        requestType: input.requestType,
        payloadType: input.payloadType ?? null,
        templateText: input.templateText ?? null,
        extraDetails: mergeSecretDetails(storedAuth, input.extraDetails, now, 0),
      },
      integration: {
        url: trigger.url ?? null,
        requestType: trigger.requestType ?? null,
        integrationExtraDetails: mergeSecretDetails(storedTrigger, trigger.extraDetails, now, 0),
      },
    },
  };
}

/** Drafts of test deliveries are needed for minutes (one send, no retries); older ones are removed when a new test is sent. */
const KEEP_MS = 24 * 3600_000;

export async function saveTestDelivery(db: ConfigDb, logId: string, labId: number, config: DeliveryConfig, createdBy: string): Promise<void> {
  await db.delete(testDeliveries).where(lt(testDeliveries.createdAt, new Date(Date.now() - KEEP_MS)));
  await db.insert(testDeliveries).values({ logId, labId, config: config as unknown as Record<string, unknown>, createdBy });
}

export async function loadTestDelivery(db: ConfigDb, logId: string): Promise<DeliveryConfig | undefined> {
  const [row] = await db.select({ config: testDeliveries.config }).from(testDeliveries).where(eq(testDeliveries.logId, logId));
  return row?.config as unknown as DeliveryConfig | undefined;
}
