import { z } from 'zod';
import type { ConfigDb } from '../db/config-store';
import { addUpdateIntegration } from '../integrations/add-update-integration';
import { assertTargetsAllowed } from '../integrations/literal-targets';
import { createTargetPolicy } from '../net/target-guard';
import { integrationInputSchema } from '../integrations/integration-input';
import { labIntegrations, regenerateAuthKey, searchLabs, setAuthenticationEnabled, setTriggerDisabled } from '../integrations/lab-integrations';
import { pathId } from '../validation';
import { defineRoute, type ApiRoute } from './route';
import { labScopeOf } from '../auth/lab-scope';

const idParam = z.object({ id: pathId }).strict();
const labIdParam = z.object({ labId: pathId }).strict();
const labSearchQuery = z
  .object({
    q: z.string().max(200, 'must be at most 200 characters').optional(),
    limit: z.coerce.number({ error: 'expected a whole number from 1 to 100' }).int().min(1).max(100).default(20),
  })
  .strict();

/** Manage Integrations (SPEC §3, the seed's Step 1): labs, their authentications and triggers. */
export function integrationRoutes(db: ConfigDb, allowedNetworks: readonly string[]): ApiRoute[] {
  const targetPolicy = createTargetPolicy(allowedNetworks);
  return [
    defineRoute({
      method: 'get',
      path: '/labs',
      access: 'viewer',
      tag: 'Integrations',
      summary: "Search the caller's labs by id or a fragment of the name",
      query: labSearchQuery,
      responses: { 200: 'Labs, by name' },
      async handle({ query, session }) {
        return { items: await searchLabs(db, labScopeOf(session.user), query.q, query.limit) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/labs/:labId/integrations',
      access: 'viewer',
      tag: 'Integrations',
      summary: "A lab's organisations, developer authentications and their triggers (lab_integration rows)",
      params: labIdParam,
      responses: { 200: 'The lab and its integrations', 404: "No such lab, or not one of the caller's labs" },
      async handle({ params, session }) {
        return labIntegrations(db, labScopeOf(session.user), params.labId);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/integrations',
      access: 'admin',
      tag: 'Integrations',
      summary: 'Add/Update: one developer authentication and its triggers, in one transaction; answers the auth key',
      body: integrationInputSchema,
      responses: { 200: 'Updated (authKey was sent)', 201: 'Created', 400: 'Bad input, naming the field (also: a webhook URL or Mirth host written as an address TARGET_ALLOWLIST does not allow)', 404: 'Unknown lab, developer, action category or auth key' },
      async handle({ body, res }) {
        assertTargetsAllowed(body, targetPolicy);
        const saved = await addUpdateIntegration(db, body);
        res.status(body.authKey ? 200 : 201);
        return saved;
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/authentications/:id',
      access: 'admin',
      tag: 'Integrations',
      summary: 'Enable or disable a developer authentication (all of its triggers)',
      params: idParam,
      body: z.object({ isIntegrationEnable: z.boolean({ error: 'expected true or false' }) }).strict(),
      responses: { 200: 'Saved', 404: 'No such authentication' },
      async handle({ params, body }) {
        return setAuthenticationEnabled(db, params.id, body.isIntegrationEnable);
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/lab-integrations/:id',
      access: 'admin',
      tag: 'Integrations',
      summary: 'Enable or disable one trigger (an action category of an authentication)',
      params: idParam,
      body: z.object({ isDisable: z.boolean({ error: 'expected true or false' }) }).strict(),
      responses: { 200: 'Saved', 404: 'No such lab integration' },
      async handle({ params, body }) {
        return setTriggerDisabled(db, params.id, body.isDisable);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/authentications/:id/regenerate-key',
      access: 'admin',
      tag: 'Integrations',
      summary: 'Issue a new auth key; the old one stops working at once',
      params: idParam,
      responses: { 200: 'The new key', 404: 'No such authentication' },
      async handle({ params }) {
        return regenerateAuthKey(db, params.id);
      },
    }),
  ];
}
