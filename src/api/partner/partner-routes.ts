import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Router } from 'express';
import { rateLimit, type ValueDeterminingMiddleware } from 'express-rate-limit';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { EmitterDeps } from '../../client/emitter';
import { entityInOrg, type ContextProvider } from '../../context/context-provider';
import type { ConfigDb } from '../../db/config-store';
import { businessEventSchema } from '../../events/business-event';
import type { DeliveryLogs } from '../../logstore/delivery-logs';
import { deliveryWorkflowId, vendorCallbackSignal } from '../../../workflows/definitions';
import { NotFoundError } from '../../errors';
import { emitOverHttp, EVENT_RESPONSES } from '../events-routes';
import { ALL_LABS } from '../../auth/lab-scope';
import { HttpProblem } from '../problem';
import { openApiDocument } from '../openapi';
import { defineRoute, mountRoutes, type ApiRoute } from '../route';
import { apiLogRecorder } from './api-log';
import { clientAddress } from './client-address';
import { REFUSED_CALLS_LOGGED_PER_MINUTE } from './refused-call-sample';
import { partnerAuth, partnerEvent, partnerOf, requirePartnerScope } from './partner-auth';
import { logIdSchema, pathId } from '../../validation';

export interface PartnerApiDeps {
  db: ConfigDb;
  logs: DeliveryLogs;
  temporal: Client;
  contextProvider: ContextProvider;
  emitter: EmitterDeps;
  logger: Logger;
  /** Per verified auth key, after authentication. */
  rateLimitPerMinute: number;
  /** Per client address, before authentication: what bounds calls with made-up keys. */
  addressRateLimitPerMinute: number;
  maxBodyBytes: number;
  /** For the OpenAPI document. */
  version: string;
  publicUrl: string;
}

const idParam = z.object({ id: pathId }).strict();
const logIdParam = z.object({ logId: logIdSchema }).strict();
const callbackSchema = z
  .object({
    status: z.enum(['SUCCESS', 'FAIL']).default('SUCCESS'),
    message: z.string().max(2_000).optional(),
    data: z.unknown().optional(),
  })
  .strict();
// Room for the key's namespace (partnerEventId) within the 200 characters of an event id.
const partnerEventSchema = businessEventSchema.omit({ labId: true }).extend({ eventId: businessEventSchema.shape.eventId.max(180, 'must be at most 180 characters') });

/** A minute's allowance, answered as a 429 problem that says which allowance ran out. */
function perMinuteLimit(limit: number, per: string, keyOf: ValueDeterminingMiddleware<string>) {
  return rateLimit({
    windowMs: 60_000,
    limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: keyOf,
    handler: (_req, _res, next) => next(new HttpProblem(429, 'Too Many Requests', `At most ${limit} requests per minute per ${per}.`)),
  });
}

/** SPEC §6: what partners call with their auth key. Every authenticated call is recorded as an API log; refused ones are counted and sampled (api-log.ts). */
export function partnerRouter(deps: PartnerApiDeps): Router {
  const router = Router();
  // The contract itself is open (it holds no lab's data) and is not an API call to log.
  const routes = partnerRoutes(deps);
  let document: object | undefined;
  router.get('/openapi.json', (_req, res) => {
    res.json(
      (document ??= openApiDocument(routes, {
        title: 'Labwire partner API',
        description:
          `For integration partners: authenticate every call with \`Authorization: Bearer <authKey>\` (the key shown when the integration was added). Every authenticated call is recorded as an API log the lab can see; refused calls (no valid key, over a rate limit) are counted, and the first of each client address per minute is logged, at most ${REFUSED_CALLS_LOGGED_PER_MINUTE} a minute in all. At most ${deps.addressRateLimitPerMinute} calls a minute per client address and ${deps.rateLimitPerMinute} per auth key, then 429 naming the limit. Errors are RFC 9457 problem documents whose \`errors\` name the bad fields.`,
        version: deps.version,
        serverUrl: deps.publicUrl,
        basePath: '/partner/v1',
      })),
    );
  });
  router.use(apiLogRecorder(deps.logs, deps.logger, deps.maxBodyBytes));
  // Before the key is looked up: a made-up key per call must not escape every limit, so the
  // address is limited first; a key that was not verified is never a rate-limit bucket.
  router.use(perMinuteLimit(deps.addressRateLimitPerMinute, 'client address', clientAddress));
  router.use(partnerAuth(deps.db));
  router.use(perMinuteLimit(deps.rateLimitPerMinute, 'auth key', (_req, res) => `auth:${partnerOf(res).authId}`));
  mountRoutes(router, routes, async () => undefined); // the auth key was checked just above
  return router;
}

/** SPEC §6, declared once: mounted above and documented at /partner/v1/openapi.json. */
function partnerRoutes(deps: PartnerApiDeps): ApiRoute[] {
  const entityRoute = (type: 'bill' | 'report') =>
    defineRoute({
      method: 'get',
      path: `/${type}s/:id`,
      access: 'auth-key',
      tag: 'Data',
      summary: `The current ${type} with its ${type === 'bill' ? 'items' : 'results'} and patient, for the auth key's lab — or, for an org-scoped key, its organisation (what a webhook carried, read again)`,
      params: idParam,
      responses: {
        200: `The ${type}`,
        403: "The key's integration type does not read data (Mirth)",
        404: `No such ${type} in this lab, or not of the key's organisation (the same answer, so ids are not confirmed)`,
      },
      async handle({ params, res }) {
        const partner = partnerOf(res);
        requirePartnerScope(partner, 'read-data');
        // One answer for unknown and for another organisation's, whichever provider said so.
        const unknown = new NotFoundError('entity.id', `${type} ${params.id} does not exist in lab ${partner.labId}`);
        const entity = await deps.contextProvider.loadEntity(partner.labId, { type, id: params.id }).catch((error: unknown) => {
          throw error instanceof NotFoundError ? unknown : error;
        });
        if (partner.orgId !== null && !entityInOrg(entity, partner.orgId)) throw unknown;
        return entity;
      },
    });
  return [
    defineRoute({
      method: 'post',
      path: '/callbacks/:logId',
      access: 'auth-key',
      tag: 'Callbacks',
      summary: 'An async vendor reports the outcome of a delivery it accepted (the logId came in the webhook)',
      params: logIdParam,
      body: callbackSchema,
      responses: { 202: 'Recorded; the delivery log turns SUCCESS or FAIL', 404: 'No such delivery for this auth key', 409: 'Not an async vendor delivery, or no longer waiting' },
      async handle({ params, body, res }) {
        const partner = partnerOf(res);
        const log = await deps.logs.get(params.logId);
        if (!log || log.auth_id !== partner.authId) throw new HttpProblem(404, 'Not Found', `No delivery log ${params.logId} belongs to this auth key.`);
        if (log.integration_type !== 'async_vendor') throw new HttpProblem(409, 'Conflict', `Delivery ${params.logId} is not an async vendor delivery; it takes no callback.`);
        if (log.status !== 'QUEUED') throw new HttpProblem(409, 'Conflict', `Delivery ${params.logId} is no longer waiting for a callback (it is ${log.status || 'suppressed'}).`);
        try {
          // The workflow that sent it waits: its event's, or its own `delivery-<logId>` for a log made before.
          await deps.temporal.workflow.getHandle(log.workflow_id ?? deliveryWorkflowId(params.logId)).signal(vendorCallbackSignal, {
            logId: params.logId,
            status: body.status,
            message: body.message,
            body: body.data === undefined ? undefined : JSON.stringify(body.data),
            receivedAt: new Date().toISOString(),
          });
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) throw new HttpProblem(409, 'Conflict', `Delivery ${params.logId} is no longer waiting for a callback.`);
          throw error;
        }
        res.status(202);
        return { accepted: true, logId: params.logId };
      },
    }),
    entityRoute('bill'),
    entityRoute('report'),
    defineRoute({
      method: 'post',
      path: '/events',
      access: 'auth-key',
      tag: 'Events',
      summary:
        "Emit a business event for the auth key's lab. Its id lives in the key's namespace: the answer's eventId is `partner-<authId>:<eventId>`, so a repeat by the same key is a duplicate and no other caller's id is ever claimed. An org-scoped key emits for its organisation (the event's orgId when omitted) and about its bills and reports only",
      body: partnerEventSchema,
      responses: {
        ...EVENT_RESPONSES,
        403: "The key's integration type does not emit events (Mirth), or an org-scoped key named another organisation or a patient",
      },
      async handle({ body, res }) {
        const partner = partnerOf(res);
        requirePartnerScope(partner, 'emit-events');
        // Lab scopes are for signed-in users; a key is bound to its own lab by partnerEvent.
        return emitOverHttp(deps, partnerEvent(partner, body), res, ALL_LABS);
      },
    }),
  ];
}
