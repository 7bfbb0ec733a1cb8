import { z } from 'zod';
import type { ConfigDb } from '../db/config-store';
import { addUpdateIntegration } from '../integrations/add-update-integration';
import { assertTargetsAllowed } from '../integrations/literal-targets';
import { createTargetPolicy } from '../net/target-guard';
import { integrationInputSchema } from '../integrations/integration-input';
import { labIntegrations, regenerateAuthKey, rotateSigningSecret, searchLabs, setAuthenticationEnabled, setTriggerDisabled } from '../integrations/lab-integrations';
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

const MAX_OVERLAP_SECONDS = 30 * 24 * 3600;
const rotateBody = z
  .object({
    overlapSeconds: z
      .number({ error: `expected a whole number of seconds from 0 to ${MAX_OVERLAP_SECONDS}` })
      .int(`expected a whole number of seconds from 0 to ${MAX_OVERLAP_SECONDS}`)
      .min(0, `expected a whole number of seconds from 0 to ${MAX_OVERLAP_SECONDS}`)
      .max(MAX_OVERLAP_SECONDS, `expected a whole number of seconds from 0 to ${MAX_OVERLAP_SECONDS}`)
      .optional(),
  })
  .strict();

export interface IntegrationRouteOptions {
  allowedNetworks: readonly string[];
  /** SIGNING_SECRET_OVERLAP_HOURS: how long a replaced signing secret keeps signing beside the new one. */
  signingSecretOverlapMs: number;
}

/**
 * Manage Integrations (SPEC §3, the seed's Step 1): labs, their authentications and triggers.
 * Secrets are write-only: an auth key or signing secret is answered once, by the call that makes it.
 */
export function integrationRoutes(db: ConfigDb, options: IntegrationRouteOptions): ApiRoute[] {
  const targetPolicy = createTargetPolicy(options.allowedNetworks);
  const secretPolicy = { signingSecretOverlapMs: options.signingSecretOverlapMs };
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
      summary:
        "A lab's organisations, developer authentications and their triggers (lab_integration rows). No role reads a secret here: each auth key shows as its `authKeyPrefix`, and `x-api-key` / `signingSecret` in extra details as `…` and their last 4 characters (nothing of a secret under 16 characters); a replaced signing secret that still signs shows as `previousSigningSecret: {secret: masked, expiresAt}`",
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
      summary:
        'Add/Update: one developer authentication and its triggers, in one transaction. Without `authId` a new authentication is created and its `authKey` answered, the only time it is shown; with `authId` (or `authKey`, matched by its hash, as SPEC §3 names it) that authentication is updated (answers `authKeyPrefix`, no key). Secrets in `extraDetails` (`x-api-key`, `signingSecret`) are write-only: left out, the stored value stays; `null` removes it; a new `signingSecret` replaces the old one, which keeps signing beside it for SIGNING_SECRET_OVERLAP_HOURS',
      body: integrationInputSchema,
      responses: {
        200: 'Updated (authId or authKey was sent): {authId, authKeyPrefix, integrations}',
        201: 'Created: {authKey, authKeyPrefix, authId, integrations}; authKey is never shown again',
        400: 'Bad input, naming the field (also: a webhook URL or Mirth host written as an address TARGET_ALLOWLIST does not allow; a masked value sent back as x-api-key; previousSigningSecret)',
        404: 'Unknown lab, developer, action category, or an authId / authKey that is not an authentication of this lab',
      },
      async handle({ body, res, audit }) {
        assertTargetsAllowed(body, targetPolicy);
        const saved = await addUpdateIntegration(db, body, secretPolicy);
        const updated = body.authId !== undefined || body.authKey !== undefined;
        // What was saved, by reference only: no URL, template, key or extra details (they hold secrets).
        await audit({
          action: updated ? 'integration.update' : 'integration.create',
          target: { type: 'authentication', id: saved.authId },
          detail: {
            labId: body.labId,
            developerId: body.developerId,
            integrationType: body.integrationType,
            isIntegrationEnable: body.isIntegrationEnable,
            actionCategoryIds: body.integrations.map((trigger) => trigger.actionCategoryId),
          },
        });
        res.status(updated ? 200 : 201);
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
      async handle({ params, body, audit }) {
        const saved = await setAuthenticationEnabled(db, params.id, body.isIntegrationEnable);
        await audit({ action: body.isIntegrationEnable ? 'integration.enable' : 'integration.disable', target: { type: 'authentication', id: saved.id } });
        return saved;
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
      async handle({ params, body, audit }) {
        const saved = await setTriggerDisabled(db, params.id, body.isDisable);
        await audit({ action: body.isDisable ? 'integration.disable' : 'integration.enable', target: { type: 'lab_integration', id: saved.id }, detail: { actionCategoryId: saved.actionCategoryId } });
        return saved;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/authentications/:id/regenerate-key',
      access: 'admin',
      tag: 'Integrations',
      summary: 'Issue a new auth key; the old one stops working at once. The answer is the only time the new key is shown',
      params: idParam,
      responses: { 200: '{id, authKey, authKeyPrefix}', 404: 'No such authentication' },
      async handle({ params, audit }) {
        const regenerated = await regenerateAuthKey(db, params.id);
        await audit({ action: 'auth_key.regenerate', target: { type: 'authentication', id: regenerated.id } });
        return regenerated;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/authentications/:id/rotate-signing-secret',
      access: 'admin',
      tag: 'Integrations',
      summary:
        "Issue a new signing secret (`extraDetails.signingSecret` of the authentication). The answer is the only time it is shown. The secret it replaces keeps signing beside it for `overlapSeconds` (default SIGNING_SECRET_OVERLAP_HOURS): until then every webhook carries both signatures in one `webhook-signature` header (`v1,<new> v1,<old>`), so a partner verifying with either secret accepts it; afterwards only the new one signs. A trigger's own `signingSecret` overrides the authentication's and is replaced through Add/Update",
      params: idParam,
      body: rotateBody,
      responses: { 200: '{id, signingSecret, previousSecretSignsUntil}: previousSecretSignsUntil is null when nothing was replaced or the overlap is 0', 404: 'No such authentication' },
      async handle({ params, body, audit }) {
        const overlapMs = body.overlapSeconds === undefined ? options.signingSecretOverlapMs : body.overlapSeconds * 1000;
        const rotated = await rotateSigningSecret(db, params.id, overlapMs);
        await audit({ action: 'signing_secret.rotate', target: { type: 'authentication', id: rotated.id }, detail: { overlapSeconds: overlapMs / 1000 } });
        return rotated;
      },
    }),
  ];
}
