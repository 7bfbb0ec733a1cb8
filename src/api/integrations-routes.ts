import { Router } from 'express';
import type { ConfigDb } from '../db/config-store';
import { addUpdateIntegration } from '../integrations/add-update-integration';
import { integrationInputSchema } from '../integrations/integration-input';
import { parseInput } from './validate';

/** Manage Integrations (SPEC §3): add or update one authentication and its triggers in one transaction. */
export function integrationsRouter(db: ConfigDb): Router {
  const router = Router();
  router.post('/integrations', async (req, res) => {
    const input = parseInput(integrationInputSchema, req.body);
    const saved = await addUpdateIntegration(db, input);
    res.status(input.authKey ? 200 : 201).json(saved);
  });
  return router;
}
