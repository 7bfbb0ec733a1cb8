import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../config/schema';
import type { DeliveryLogs } from '../logstore/delivery-logs';
import { retryDelivery, type RetryDeps } from '../retries/retry-delivery';
import { HttpProblem } from './problem';
import { parseInput } from './validate';

const logIdParam = z.object({ id: z.string().regex(/^[0-9a-f]{24}$/, 'expected a 24-character log id') });
const retryBody = z.object({ force: z.boolean().default(false) }).strict();
const retryQuery = z.object({ wait: z.enum(['true', 'false']).optional() });
const stuckQuery = z.object({ olderThanMs: z.coerce.number({ error: 'expected a number of milliseconds' }).int().min(0).optional() }).strict();

/** One log with its retry history, and manual retries (SPEC §5). */
export function logsRouter(deps: RetryDeps & { logs: DeliveryLogs; config: Config }): Router {
  const router = Router();

  /** SPEC §5: webhook logs QUEUED for long are reported, not retried (only Mirth's are swept). */
  router.get('/logs/stuck', async (req, res) => {
    const { olderThanMs } = parseInput(stuckQuery, req.query, 'query');
    const threshold = olderThanMs ?? deps.config.sweep.mirthQueuedAfterMs;
    const stuck = await deps.logs.collection
      .find(
        { type: 'WEBHOOK', status: 'QUEUED', integration_type: { $ne: 'mirth' }, inserted_at: { $lte: new Date(Date.now() - threshold) } },
        { projection: { _id: 1, lab_id: 1, operation: 1, integration_type: 1, developer_name: 1, inserted_at: 1, workflow_id: 1 } },
      )
      .sort({ inserted_at: 1 })
      .limit(500)
      .toArray();
    res.json({ olderThanMs: threshold, count: stuck.length, logs: stuck });
  });

  router.get('/logs/:id', async (req, res) => {
    const { id } = parseInput(logIdParam, req.params, 'path');
    const log = await deps.logs.get(id);
    if (!log) throw new HttpProblem(404, 'Not Found', `id: log ${id} does not exist`, { errors: [{ field: 'id', message: 'no such log' }] });
    const { retry_ids: _applied, ...shown } = log;
    res.json({ ...shown, retries: await deps.logs.history(id) });
  });

  router.post('/logs/:id/retry', async (req, res) => {
    const { id } = parseInput(logIdParam, req.params, 'path');
    const { force } = parseInput(retryBody, req.body);
    const { wait } = parseInput(retryQuery, req.query, 'query');
    // Who asked comes from the operator's session once sign-in exists (dashboard issue).
    const answer = await retryDelivery(deps, id, { kind: 'manual', requestedBy: 'operator', force, wait: wait === 'true' });
    res.status(answer.result ? 200 : 202).json(answer);
  });

  return router;
}
