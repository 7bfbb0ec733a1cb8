import { and, asc, eq } from 'drizzle-orm';
import type { ConfigDb } from '../db/config-store';
import { developerAuthentication, developers, type IntegrationType } from '../db/schema';
import { addUpdateIntegration } from '../integrations/add-update-integration';
import { integrationInputSchema } from '../integrations/integration-input';
import { regenerateAuthKey, setAuthenticationEnabled } from '../integrations/lab-integrations';

/** The partner every demo integration belongs to: its name marks demo rows on the dashboard. */
export const DEMO_DEVELOPER_NAME = 'Labwire Demo Partner';

/** The demo partner's HTTP paths: its EHR's webhooks and its courier's job endpoints. */
export const DEMO_PATHS = {
  orders: '/ehr/orders',
  results: '/ehr/results',
  pickups: '/courier/pickups',
  homeVisits: '/courier/home-visits',
} as const;

/** Where the demo partner listens on this start (ports change on every start). */
export interface DemoEndpoints {
  httpPort: number;
  mirthAcceptPort: number;
  mirthRejectPort: number;
}

export interface DemoIntegrations {
  developerId: number;
  /** When the demo partner was first set up: the date its demo events carry, the same on every start. */
  since: Date;
  webhookAuthId: number;
  mirthAuthId: number;
  courierAuthId: number;
  /** Issued anew on every start (the key is stored hashed): the demo courier calls back with it. */
  courierAuthKey: string;
}

const LOOPBACK = '127.0.0.1';
/** The courier's callback timeout, set on its triggers so it does not depend on ASYNC_CALLBACK_TIMEOUT_MS. */
const COURIER_CALLBACK_TIMEOUT_MS = 3_600_000;

async function ensureDemoDeveloper(db: ConfigDb): Promise<{ id: number; createdAt: Date }> {
  await db.insert(developers).values({ name: DEMO_DEVELOPER_NAME }).onConflictDoNothing({ target: developers.name });
  const [developer] = await db.select({ id: developers.id, createdAt: developers.createdAt }).from(developers).where(eq(developers.name, DEMO_DEVELOPER_NAME));
  return developer!;
}

/** The demo partner has one authentication per integration type in the lab; an earlier start's is updated, never added twice. */
async function demoAuthIds(db: ConfigDb, labId: number, developerId: number): Promise<Map<IntegrationType, number>> {
  const rows = await db
    .select({ id: developerAuthentication.id, type: developerAuthentication.integrationType })
    .from(developerAuthentication)
    .where(and(eq(developerAuthentication.labId, labId), eq(developerAuthentication.developerId, developerId)))
    .orderBy(asc(developerAuthentication.id));
  const ids = new Map<IntegrationType, number>();
  for (const row of rows) if (!ids.has(row.type)) ids.set(row.type, row.id);
  return ids;
}

/**
 * Points the demo integrations of `labId` at this start's demo partner, creating them on the
 * first start and enabling them again after a start with LABWIRE_DEMO=false:
 * - a webhook (POST JSON) for Bill Generated, Patient Registered and Report Submitted, and
 *   Report Approved to an endpoint that is down until Labwire gives up (a FAIL to retry);
 * - a Mirth channel (ORM) for Bill Generated, and Bill Cancelled to a channel that answers AE;
 * - an async courier for Sample Collected (calls back in seconds) and Home Collection
 *   Scheduled (calls back much later: a QUEUED row).
 */
export async function configureDemoIntegrations(db: ConfigDb, labId: number, endpoints: DemoEndpoints): Promise<DemoIntegrations> {
  const developer = await ensureDemoDeveloper(db);
  const existing = await demoAuthIds(db, labId, developer.id);
  const http = (path: string) => `http://${LOOPBACK}:${endpoints.httpPort}${path}`;
  const save = (type: IntegrationType, body: Record<string, unknown>) =>
    addUpdateIntegration(
      db,
      integrationInputSchema.parse({ authId: existing.get(type), labId, developerId: developer.id, integrationType: type, isIntegrationEnable: true, ...body }),
    );

  const webhook = await save('webhook', {
    url: http(DEMO_PATHS.orders),
    requestType: 1,
    integrations: [{ actionCategoryId: 1 }, { actionCategoryId: 2 }, { actionCategoryId: 4 }, { actionCategoryId: 5, url: http(DEMO_PATHS.results) }],
  });
  const mirth = await save('mirth', {
    payloadType: 'ORM',
    extraDetails: { host: LOOPBACK, port: endpoints.mirthAcceptPort },
    integrations: [{ actionCategoryId: 1 }, { actionCategoryId: 6, extraDetails: { port: endpoints.mirthRejectPort } }],
  });
  const courierDetails = { callbackTimeoutMs: COURIER_CALLBACK_TIMEOUT_MS };
  const courier = await save('async_vendor', {
    url: http(DEMO_PATHS.pickups),
    extraDetails: { vendor: 'Labwire demo courier' },
    integrations: [
      { actionCategoryId: 3, extraDetails: courierDetails },
      { actionCategoryId: 61, url: http(DEMO_PATHS.homeVisits), extraDetails: courierDetails },
    ],
  });
  const courierAuthKey = courier.authKey ?? (await regenerateAuthKey(db, courier.authId)).authKey;
  return {
    developerId: developer.id,
    since: developer.createdAt,
    webhookAuthId: webhook.authId,
    mirthAuthId: mirth.authId,
    courierAuthId: courier.authId,
    courierAuthKey,
  };
}

/**
 * With the demo off, an earlier start's demo integrations would send the lab's real events to
 * ports nobody listens on: they are switched off (not deleted: their logs keep their names).
 * Answers how many were on.
 */
export async function switchOffDemoIntegrations(db: ConfigDb, labId: number): Promise<number> {
  const [developer] = await db.select({ id: developers.id }).from(developers).where(eq(developers.name, DEMO_DEVELOPER_NAME));
  if (!developer) return 0;
  const rows = await db
    .select({ id: developerAuthentication.id })
    .from(developerAuthentication)
    .where(and(eq(developerAuthentication.labId, labId), eq(developerAuthentication.developerId, developer.id), eq(developerAuthentication.isIntegrationEnable, true)));
  for (const row of rows) await setAuthenticationEnabled(db, row.id, false);
  return rows.length;
}
