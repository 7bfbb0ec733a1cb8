import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../config/schema';
import type { DeliveryLogs } from '../logstore/delivery-logs';
import { logFilterSchema } from '../logstore/log-filter';
import { createBulkRetryActivities, type BulkSelection } from '../../activities/bulk-retry';
import { bulkProgressQuery, bulkRetryWorkflow, bulkRetryWorkflowId } from '../../workflows/bulk-retry';
import { HttpProblem } from './problem';
import { parseInput } from './validate';

const bulkBody = z
  .object({
    filter: logFilterSchema.optional(),
    ids: z.array(z.string().regex(/^[0-9a-f]{24}$/, 'expected a 24-character log id')).min(1).max(10_000).optional(),
    force: z.boolean().default(false),
    concurrency: z.number().int().min(1).max(50).default(10),
  })
  .strict()
  .refine((b) => (b.filter === undefined) !== (b.ids === undefined), { path: ['filter'], message: 'send exactly one of filter or ids' });
const bulkIdParam = z.object({ id: z.string().uuid('expected a bulk retry id') });

/** Bulk retry (SPEC §5): preview how many, start one workflow for the whole set, watch it, cancel it. */
export function bulkRouter(deps: { temporal: Client; logs: DeliveryLogs; config: Config }): Router {
  const router = Router();
  const counting = createBulkRetryActivities(deps);
  const selectionOf = (body: z.infer<typeof bulkBody>): BulkSelection => (body.ids ? { ids: body.ids } : { filter: body.filter });

  router.post('/logs/retry/preview', async (req, res) => {
    const body = parseInput(bulkBody, req.body);
    res.json({ count: await counting.countBulkSelection(selectionOf(body)) });
  });

  router.post('/logs/retry', async (req, res) => {
    const body = parseInput(bulkBody, req.body);
    const bulkId = randomUUID();
    await deps.temporal.workflow.start(bulkRetryWorkflow, {
      workflowId: bulkRetryWorkflowId(bulkId),
      taskQueue: deps.config.temporal.taskQueue,
      args: [{ bulkId, selection: selectionOf(body), force: body.force, requestedBy: 'operator', concurrency: body.concurrency }],
    });
    res.status(202).json({ bulkId, workflowId: bulkRetryWorkflowId(bulkId) });
  });

  router.get('/bulk-retries/:id', async (req, res) => {
    const { id } = parseInput(bulkIdParam, req.params, 'path');
    try {
      res.json(await deps.temporal.workflow.getHandle(bulkRetryWorkflowId(id)).query(bulkProgressQuery));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new HttpProblem(404, 'Not Found', `id: bulk retry ${id} does not exist`);
      throw error;
    }
  });

  router.post('/bulk-retries/:id/cancel', async (req, res) => {
    const { id } = parseInput(bulkIdParam, req.params, 'path');
    await deps.temporal.workflow.getHandle(bulkRetryWorkflowId(id)).cancel();
    res.status(202).json({ bulkId: id, cancelling: true });
  });

  return router;
}
