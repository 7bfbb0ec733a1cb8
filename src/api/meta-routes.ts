import type { Config } from '../config/schema';
import type { ConfigDb } from '../db/config-store';
import { listActionCategories, listDevelopers } from '../integrations/lab-integrations';
import { defineRoute, type ApiRoute } from './route';
import { labScopeOf } from '../auth/lab-scope';

/** What the dashboard needs once, after sign-in: reference lists and where the Temporal Web UI is. */
export function metaRoutes(db: ConfigDb, config: Config, version: string): ApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/meta',
      access: 'viewer',
      tag: 'Meta',
      summary: 'Action categories, developers (for a user limited to labs: those integrated with one of their labs), the Temporal Web UI address, the version and how long a replaced signing secret keeps signing (SIGNING_SECRET_OVERLAP_HOURS)',
      responses: { 200: 'Reference data' },
      async handle({ session }) {
        const [actionCategories, developers] = await Promise.all([listActionCategories(db), listDevelopers(db, labScopeOf(session.user))]);
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
