import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Express } from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config/schema';
import { projectRoot } from '../config/schema';
import type { ConfigStore } from '../db/config-store';
import type { LogStore } from '../logstore/log-store';
import type { EmitterDeps } from '../client/emitter';
import { contextProviderFor } from '../context';
import { DeliveryLogs } from '../logstore/delivery-logs';
import { eventsRouter } from './events-routes';
import { bulkRouter } from './bulk-routes';
import { healthRouter } from './health';
import { integrationsRouter } from './integrations-routes';
import { logsRouter } from './logs-routes';
import { streamRouter } from './stream-routes';
import { partnerRouter } from './partner/partner-routes';
import { notFound, problemHandler } from './problem';
import { placeholderPage } from './placeholder-page';

export interface AppDeps {
  config: Config;
  configStore: ConfigStore;
  logStore: LogStore;
  temporal: Client;
  logger: Logger;
}

export const dashboardDir = join(projectRoot, 'web', 'dist');

/** Builds the Express app; listening is separate so tests can mount it on any port. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(express.json({ limit: '1mb' }));
  const emitter: EmitterDeps = {
    temporal: deps.temporal,
    sql: deps.configStore.sql,
    taskQueue: deps.config.temporal.taskQueue,
    startTimeoutMs: 5_000,
  };
  const db = deps.configStore.db;
  const logs = new DeliveryLogs(deps.logStore.db);
  app.use(
    '/api',
    integrationsRouter(db),
    eventsRouter(db, emitter),
    bulkRouter({ temporal: deps.temporal, logs, config: deps.config }),
    logsRouter({ temporal: deps.temporal, logs, config: deps.config }),
    streamRouter(deps.configStore.sql, deps.logger),
  );
  app.use(
    '/partner/v1',
    partnerRouter({
      db,
      logs,
      temporal: deps.temporal,
      contextProvider: contextProviderFor(deps.config, db),
      emitter,
      logger: deps.logger,
      rateLimitPerMinute: deps.config.partnerRateLimitPerMinute,
      maxBodyBytes: deps.config.delivery.maxBodyBytes,
    }),
  );
  app.use(
    healthRouter({
      postgres: () => deps.configStore.sql`select 1`,
      logStore: () => deps.logStore.ping(),
      temporal: () => deps.temporal.connection.workflowService.getSystemInfo({}),
    }),
  );
  if (existsSync(join(dashboardDir, 'index.html'))) {
    app.use(express.static(dashboardDir));
  } else {
    app.get('/', (_req, res) => {
      res.type('html').send(placeholderPage(deps.config));
    });
  }
  app.use(notFound);
  app.use(problemHandler(deps.logger));
  return app;
}
