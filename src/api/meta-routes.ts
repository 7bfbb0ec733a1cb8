import type { Config } from '../config/schema';
import type { ConfigDb } from '../db/config-store';
import { listActionCategories, listDevelopers } from '../integrations/lab-integrations';
import { defineRoute, type ApiRoute } from './route';
import { labScopeOf, type LabScope } from '../auth/lab-scope';

export interface ProcessFacts {
  version: string;
  /** This process runs the demo partner (`labwire start` with LABWIRE_DEMO on). */
  demo: boolean;
}

/** GET /api/meta's answer (test/contract/web-types.ts holds the dashboard to it). */
export async function metaAnswer(db: ConfigDb, config: Config, facts: ProcessFacts, scope: LabScope) {
  const [actionCategories, developers] = await Promise.all([listActionCategories(db), listDevelopers(db, scope)]);
  return {
    version: facts.version,
    demo: facts.demo,
    temporalUiUrl: config.temporal.uiUrl,
    namespace: config.temporal.namespace,
    signingSecretOverlapHours: config.delivery.signingSecretOverlapMs / 3_600_000,
    actionCategories,
    developers,
  };
}

/** What the dashboard needs once, after sign-in: reference lists and where the Temporal Web UI is. */
export function metaRoutes(db: ConfigDb, config: Config, facts: ProcessFacts): ApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/meta',
      access: 'viewer',
      tag: 'Meta',
      summary:
        'Action categories, developers (for a user limited to labs: those integrated with one of their labs), the Temporal Web UI address, the version, how long a replaced signing secret keeps signing (SIGNING_SECRET_OVERLAP_HOURS), and `demo`: whether this process runs the demo partner (labwire start)',
      responses: { 200: 'Reference data' },
      handle: ({ session }) => metaAnswer(db, config, facts, labScopeOf(session.user)),
    }),
  ];
}
