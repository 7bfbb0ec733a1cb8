import type { Config } from '../config/schema';
import type { ConfigDb } from '../db/config-store';
import { listActionCategories, listDevelopers } from '../integrations/lab-integrations';
import { defineRoute, type ApiRoute } from './route';

/** What the dashboard needs once, after sign-in: reference lists and where the Temporal Web UI is. */
export function metaRoutes(db: ConfigDb, config: Config, version: string): ApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/meta',
      access: 'viewer',
      tag: 'Meta',
      summary: 'Action categories, developers, the Temporal Web UI address, the version and how long a replaced signing secret keeps signing (SIGNING_SECRET_OVERLAP_HOURS)',
      responses: { 200: 'Reference data' },
      async handle() {
        const [actionCategories, developers] = await Promise.all([listActionCategories(db), listDevelopers(db)]);
        return {
          version,
          temporalUiUrl: config.temporal.uiUrl,
          namespace: config.temporal.namespace,
          signingSecretOverlapHours: config.delivery.signingSecretOverlapMs / 3_600_000,
          actionCategories,
          developers,
        };
      },
    }),
  ];
}
