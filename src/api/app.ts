import { existsSync, readFileSync } from 'node:fs';
import { LogIndex } from '../logstore/log-index';
import { join } from 'node:path';
import express, { Router, type Express } from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config/schema';
import { projectRoot } from '../config/schema';
import type { ConfigStore } from '../db/config-store';
import type { LogStore } from '../logstore/log-store';
import type { EmitterDeps } from '../client/emitter';
import { contextProviderFor } from '../context';
import { DeliveryLogs } from '../logstore/delivery-logs';
import { eventRoutes } from './events-routes';
import { bulkRoutes } from './bulk-routes';
import { healthRouter } from './health';
import { integrationRoutes } from './integrations-routes';
import { integrationTestRoutes } from './integration-test-routes';
import { logRoutes } from './logs-routes';
import { streamRoutes } from './stream-routes';
import { sessionRoutes } from './session-routes';
import { userRoutes } from './users-routes';
import { metaRoutes } from './meta-routes';
import { endpointRoutes } from './endpoints-routes';
import { auditRoutes } from './audit-routes';
import { AuditTrail } from '../audit/audit-trail';
import { codecRoutes, mountCodecPreflight } from './codec-routes';
import { payloadCodecFor } from '../temporal/payload-codec';
import { sessionAuthorizer } from './auth-gate';
import { securityHeaders } from './security-headers';
import { httpMetrics, metricsEndpoint, operationalReader } from './http-metrics';
import { bodyPolicy } from './body-policy';
import { openApiDocument } from './openapi';
import { defineRoute, mountRoutes, type ApiRoute } from './route';
import { partnerRouter } from './partner/partner-routes';
import { notFound, problemHandler } from './problem';
import { placeholderPage } from './placeholder-page';

export interface AppDeps {
  config: Config;
  configStore: ConfigStore;
  logStore: LogStore;
  temporal: Client;
  logger: Logger;
  /** The process runs the demo partner (`labwire start` only): GET /api/meta says so. */
  demo?: boolean;
}

export const dashboardDir = join(projectRoot, 'web', 'dist');

const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };

const OPERATOR_API_DESCRIPTION =
  'Sign in with POST /api/session; the session cookie is HttpOnly and SameSite=Strict. Every change (POST, PATCH, DELETE) also sends the X-CSRF-Token header with the csrfToken of the session. Roles: viewer reads, operator also retries, admin also manages integrations and users. Errors are RFC 9457 problem documents whose `errors` name the bad fields.';

/** Builds the Express app; listening is separate so tests can mount it on any port. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Whose X-Forwarded-For names the client (req.ip): TRUST_PROXY, by default nobody's.
  app.set('trust proxy', deps.config.api.trustProxy);
  // Counted first, so a body refused by the policy below shows in the metrics too.
  app.use(httpMetrics);
  app.use(securityHeaders());
  app.use(bodyPolicy({ maxBytes: deps.config.api.requestBodyLimitBytes, maxDepth: deps.config.api.requestJsonMaxDepth }));
  const emitter: EmitterDeps = {
    temporal: deps.temporal,
    sql: deps.configStore.sql,
    taskQueue: deps.config.temporal.taskQueue,
    startTimeoutMs: deps.config.temporal.startTimeoutMs,
  };
  const db = deps.configStore.db;
  const contextProvider = contextProviderFor(deps.config, db);
  const logs = new DeliveryLogs(deps.logStore.db, new LogIndex(db));
  const authorize = sessionAuthorizer(db);
  const auditTrail = new AuditTrail(db);
  const routes: ApiRoute[] = [
    ...sessionRoutes(db, deps.config),
    ...userRoutes(db),
    ...metaRoutes(db, deps.config, { version, demo: deps.demo === true }),
    ...logRoutes({ temporal: deps.temporal, logs, config: deps.config, db }),
    ...bulkRoutes({ temporal: deps.temporal, logs, config: deps.config, db }),
    ...streamRoutes({
      sql: deps.configStore.sql,
      db,
      logger: deps.logger,
      heartbeatMs: deps.config.api.streamHeartbeatMs,
      maxPerUser: deps.config.api.streamMaxPerUser,
      maxPerProcess: deps.config.api.streamMaxPerProcess,
    }),
    ...integrationRoutes(db, { allowedNetworks: deps.config.delivery.allowedNetworks, signingSecretOverlapMs: deps.config.delivery.signingSecretOverlapMs }),
    ...integrationTestRoutes({ db, contextProvider, temporal: deps.temporal, logs, config: deps.config }),
    ...eventRoutes({ db, emitter, contextProvider }),
    ...auditRoutes(auditTrail),
    ...endpointRoutes({ db, temporal: deps.temporal, config: deps.config }),
    ...codecRoutes({ config: deps.config, codec: payloadCodecFor(deps.config.temporal.payloadKeys) }),
  ];
  let operatorApiDocument: object | undefined;
  routes.push(
    defineRoute({
      method: 'get',
      path: '/openapi.json',
      access: 'viewer',
      tag: 'Meta',
      summary: 'This document, generated from the zod schemas that validate each request',
      responses: { 200: 'OpenAPI 3.1' },
      async handle() {
        // Built on first request (the routes never change afterwards).
        operatorApiDocument ??= openApiDocument(routes, {
          title: 'Labwire operator API',
          description: OPERATOR_API_DESCRIPTION,
          version,
          serverUrl: deps.config.api.publicUrl,
          basePath: '/api',
        });
        return operatorApiDocument;
      },
    }),
  );
  const api = Router();
  mountCodecPreflight(api, deps.config);
  mountRoutes(api, routes, authorize, auditTrail);
  app.use('/api', api);
  app.get('/metrics', metricsEndpoint(deps.config.metricsToken, authorize));
  app.use(
    '/partner/v1',
    partnerRouter({
      db,
      logs,
      temporal: deps.temporal,
      contextProvider,
      emitter,
      logger: deps.logger,
      rateLimitPerMinute: deps.config.partnerRateLimitPerMinute,
      addressRateLimitPerMinute: deps.config.partnerAddressRateLimitPerMinute,
      maxBodyBytes: deps.config.delivery.maxBodyBytes,
      version,
      publicUrl: deps.config.api.publicUrl,
    }),
  );
  app.use(
    healthRouter({
      postgres: () => deps.configStore.sql`select 1`,
      logStore: () => deps.logStore.ping(),
      temporal: () => deps.temporal.connection.workflowService.getSystemInfo({}),
    }, operationalReader(deps.config.metricsToken, authorize)),
  );
  if (existsSync(join(dashboardDir, 'index.html'))) {
    app.use(express.static(dashboardDir, { index: 'index.html', maxAge: '1h', setHeaders: noCacheForHtml }));
    // The dashboard routes in the browser (/logs/<id>, /integrations): any other page is its index.
    app.use((req, res, next) => {
      if (req.method !== 'GET' || /^\/(api|partner)\//.test(req.path) || !req.accepts('html')) return next();
      res.setHeader('cache-control', 'no-cache');
      res.sendFile(join(dashboardDir, 'index.html'));
    });
  } else {
    app.get('/', (_req, res) => {
      res.type('html').send(placeholderPage(deps.config));
    });
  }
  app.use(notFound);
  app.use(problemHandler(deps.logger));
  return app;
}

/** Hashed assets are cached; index.html is revalidated so a new build shows at once. */
function noCacheForHtml(res: { setHeader(name: string, value: string): unknown }, path: string): void {
  if (path.endsWith('.html')) res.setHeader('cache-control', 'no-cache');
}
