import { createHash } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Router } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Logger } from 'pino';
import { z } from 'zod';
import { emitBusinessEvent, type EmitterDeps } from '../../client/emitter';
import type { ContextProvider } from '../../context/context-provider';
import type { ConfigDb } from '../../db/config-store';
import { businessEventSchema } from '../../events/business-event';
import type { DeliveryLogs } from '../../logstore/delivery-logs';
import { deliveryWorkflowId, vendorCallbackSignal } from '../../../workflows/definitions';
import { checkEventReferences, emitResponse } from '../events-routes';
import { HttpProblem } from '../problem';
import { parseInput } from '../validate';
import { apiLogRecorder } from './api-log';
import { bearerToken, partnerAuth, partnerOf } from './partner-auth';

export interface PartnerApiDeps {
  db: ConfigDb;
  logs: DeliveryLogs;
  temporal: Client;
  contextProvider: ContextProvider;
  emitter: EmitterDeps;
  logger: Logger;
  rateLimitPerMinute: number;
  maxBodyBytes: number;
}

const idParam = z.object({ id: z.coerce.number({ error: 'expected a positive whole number' }).int().positive('expected a positive whole number') });
const logIdParam = z.object({ logId: z.string().regex(/^[0-9a-f]{24}$/, 'expected a 24-character log id') });
const callbackSchema = z
  .object({
    status: z.enum(['SUCCESS', 'FAIL']).default('SUCCESS'),
    message: z.string().max(2_000).optional(),
    data: z.unknown().optional(),
  })
  .strict();
const partnerEventSchema = businessEventSchema.omit({ labId: true });

/** The key a rate limit counts by: the auth key (hashed, never kept); calls without one count by address. */
function hashedAuthKey(authorization: string | undefined): string | undefined {
  const key = bearerToken(authorization);
  return key ? createHash('sha256').update(key).digest('hex') : undefined;
}

/** SPEC §6: what partners call with their auth key. Every call is recorded as an API log. */
export function partnerRouter(deps: PartnerApiDeps): Router {
  const router = Router();
  router.use(apiLogRecorder(deps.logs, deps.logger, deps.maxBodyBytes));
  router.use(
    rateLimit({
      windowMs: 60_000,
      limit: deps.rateLimitPerMinute,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      keyGenerator: (req) => hashedAuthKey(req.get('authorization')) ?? `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`,
      handler: (_req, _res, next) => next(new HttpProblem(429, 'Too Many Requests', `At most ${deps.rateLimitPerMinute} requests per minute per auth key.`)),
    }),
  );
  router.use(partnerAuth(deps.db));

  router.post('/callbacks/:logId', async (req, res) => {
    const { logId } = parseInput(logIdParam, req.params, 'path');
    const callback = parseInput(callbackSchema, req.body);
    const partner = partnerOf(res);
    const log = await deps.logs.get(logId);
    if (!log || log.auth_id !== partner.authId) throw new HttpProblem(404, 'Not Found', `No delivery log ${logId} belongs to this auth key.`);
    if (log.integration_type !== 'async_vendor') throw new HttpProblem(409, 'Conflict', `Delivery ${logId} is not an async vendor delivery; it takes no callback.`);
    try {
      await deps.temporal.workflow.getHandle(deliveryWorkflowId(logId)).signal(vendorCallbackSignal, {
        status: callback.status,
        message: callback.message,
        body: callback.data === undefined ? undefined : JSON.stringify(callback.data),
        receivedAt: new Date().toISOString(),
      });
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new HttpProblem(409, 'Conflict', `Delivery ${logId} is no longer waiting for a callback.`);
      throw error;
    }
    res.status(202).json({ accepted: true, logId });
  });

  for (const type of ['bill', 'report'] as const) {
    router.get(`/${type}s/:id`, async (req, res) => {
      const { id } = parseInput(idParam, req.params, 'path');
      res.json(await deps.contextProvider.loadEntity(partnerOf(res).labId, { type, id }));
    });
  }

  router.post('/events', async (req, res) => {
    const partner = partnerOf(res);
    const event = { ...parseInput(partnerEventSchema, req.body), labId: partner.labId };
    await checkEventReferences(deps.db, event);
    const { status, body } = emitResponse(await emitBusinessEvent(deps.emitter, event));
    res.status(status).json(body);
  });

  return router;
}
