import type { ConfigDb } from '../db/config-store';
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import type { Config } from '../config/schema';
import type { DeliveryLogs } from '../logstore/delivery-logs';
import { logFilterSchema } from '../logstore/log-filter';
import { createBulkRetryActivities, type BulkSelection } from '../../activities/bulk-retry';
import { bulkProgressQuery, bulkRetryWorkflow, bulkRetryWorkflowId } from '../../workflows/bulk-retry';
import { NotFoundError } from '../errors';
import { labScopeOf, scopeLabIds, type LabScope } from '../auth/lab-scope';
import { defineRoute, type ApiRoute } from './route';

const bulkBody = z
  .object({
    filter: logFilterSchema.optional(),
    ids: z.array(z.string().regex(/^[0-9a-f]{24}$/, 'expected a 24-character log id')).min(1).max(10_000).optional(),
    force: z.boolean().default(false),
    concurrency: z.number().int().min(1).max(50).default(10),
  })
  .strict()
  .refine((b) => (b.filter === undefined) !== (b.ids === undefined), { path: ['filter'], message: 'send exactly one of filter or ids' });
/** How many ids of a bulk retry the audit row lists (the count says how many there were). */
const AUDITED_IDS = 100;

const bulkIdParam = z.object({ id: z.uuid('expected a bulk retry id') }).strict();

/** Bulk retry (SPEC §5): preview how many, start one workflow for the whole set, watch it, cancel it. */
export function bulkRoutes(deps: { temporal: Client; logs: DeliveryLogs; config: Config; db: ConfigDb }): ApiRoute[] {
  const counting = createBulkRetryActivities(deps);
  /** The selection never reaches beyond the labs of the user who starts it, whatever the filter or ids say. */
  const selectionOf = (body: z.infer<typeof bulkBody>, scope: LabScope): BulkSelection => {
    const labIds = scopeLabIds(scope);
    return { ...(body.ids ? { ids: body.ids } : { filter: body.filter }), ...(labIds ? { labIds } : {}) };
  };
  /**
   * Runs `work` on a bulk retry's workflow; an unknown id is a 404 naming it, and so is a bulk
   * retry that reaches beyond the caller's labs (its memo keeps the labs it was started for).
   */
  const onBulk = async <T>(id: string, scope: LabScope, work: (handle: WorkflowHandle) => Promise<T>): Promise<T> => {
    const unknown = new NotFoundError('id', `bulk retry ${id} does not exist`);
    try {
      const handle = deps.temporal.workflow.getHandle(bulkRetryWorkflowId(id));
      if (!scope.all) {
        const started = (await handle.describe()).memo?.labIds;
        const within = Array.isArray(started) && started.length > 0 && started.every((labId) => scope.labIds.includes(labId as number));
        if (!within) throw unknown;
      }
      return await work(handle);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new NotFoundError('id', `bulk retry ${id} does not exist`);
      throw error;
    }
  };
  return [
    defineRoute({
      method: 'post',
      path: '/logs/retry/preview',
      access: 'operator',
      tag: 'Bulk retry',
      summary: "How many logs a bulk retry of this filter or these ids would retry (within the caller's labs)",
      body: bulkBody,
      responses: { 200: 'The count' },
      async handle({ body, session }) {
        return { count: await counting.countBulkSelection(selectionOf(body, labScopeOf(session.user))) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/logs/retry',
      access: 'operator',
      tag: 'Bulk retry',
      summary: "Retry every log of a filter or a list of ids, as one workflow with bounded concurrency; only logs of the caller's labs are ever selected",
      body: bulkBody,
      responses: { 202: 'Started; watch GET /api/bulk-retries/{id}' },
      async handle({ body, res, session, audit }) {
        const bulkId = randomUUID();
        const selection = selectionOf(body, labScopeOf(session.user));
        // As the preview counts it; the workflow selects its logs when it starts.
        const count = await counting.countBulkSelection(selection);
        await deps.temporal.workflow.start(bulkRetryWorkflow, {
          workflowId: bulkRetryWorkflowId(bulkId),
          taskQueue: deps.config.temporal.taskQueue,
          args: [{ bulkId, selection, force: body.force, requestedBy: session.user.username, concurrency: body.concurrency }],
          // Read back by onBulk: a limited user sees only bulk retries within their labs. null = every lab.
          memo: { labIds: selection.labIds ?? null },
        });
        const audited = body.ids ? { ids: body.ids.slice(0, AUDITED_IDS), idCount: body.ids.length } : { filter: { ...body.filter } };
        await audit({ action: 'logs.bulk_retry', target: { type: 'bulk_retry', id: bulkId }, detail: { selection: audited, count, force: body.force } });
        res.status(202);
        return { bulkId, workflowId: bulkRetryWorkflowId(bulkId) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/bulk-retries/:id',
      access: 'viewer',
      tag: 'Bulk retry',
      summary: "A bulk retry's progress",
      params: bulkIdParam,
      responses: { 200: 'Progress', 404: 'No such bulk retry' },
      async handle({ params, session }) {
        return onBulk(params.id, labScopeOf(session.user), (handle) => handle.query(bulkProgressQuery));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/bulk-retries/:id/cancel',
      access: 'operator',
      tag: 'Bulk retry',
      summary: 'Stop a bulk retry: retries already running finish, no new ones start',
      params: bulkIdParam,
      responses: { 202: 'Cancelling', 404: 'No such bulk retry' },
      async handle({ params, res, session, audit }) {
        await onBulk(params.id, labScopeOf(session.user), (handle) => handle.cancel());
        await audit({ action: 'logs.bulk_retry_cancel', target: { type: 'bulk_retry', id: params.id } });
        res.status(202);
        return { bulkId: params.id, cancelling: true };
      },
    }),
  ];
}
