import type { Config } from '../../config/schema';
import type { Say } from '../../devstack/say';
import { createLogger } from '../../logger';
import { startOutboxRelay } from '../../outbox/relay';
import { openServices, type Services } from '../../services';
import { connectTemporal, payloadKeysNotice } from '../../temporal/connection';
import { ensureSearchAttributes } from '../../temporal/search-attributes';
import { startWorkers } from '../../worker/run-workers';
import { ensureSweepSchedule, SWEEP_SCHEDULE_ID } from '../../retries/sweep-schedule';
import { BODY_RETENTION_SCHEDULE_ID, ensureBodyRetentionSchedule } from '../../retention/body-retention-schedule';
import { onShutdown } from '../shutdown';
import { logUncaughtAndKeepServing } from '../uncaught-errors';
import express from 'express';
import { listen, type RunningServer } from '../../api/server';
import { metricsRegistry } from '../../metrics';
import { bearerMatches } from '../../auth/same-secret';

/** A worker of its own has no API: it answers /metrics itself (bearer METRICS_TOKEN when set). */
async function serveWorkerMetrics(host: string, port: number, token: string | undefined): Promise<RunningServer> {
  const app = express();
  app.get('/metrics', async (req, res) => {
    if (token && !bearerMatches(req.get('authorization'), token)) {
      res.status(401).type('text/plain').send('Send Authorization: Bearer <METRICS_TOKEN>\n');
      return;
    }
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });
  return listen(app, host, port);
}

export interface RunningWorker {
  stop(): Promise<void>;
}

/** The worker side of a process: Temporal workers on its task queues, the event-outbox relay and the Schedules. */
export async function runWorker(config: Config, services: Services, say: Say): Promise<RunningWorker> {
  const workers = await startWorkers(config, services);
  const relay = startOutboxRelay({
    sql: services.configStore.sql,
    temporal: services.temporal,
    taskQueue: config.temporal.taskQueue,
    pollMs: config.outboxPollMs,
    startTimeoutMs: config.temporal.startTimeoutMs,
    logger: createLogger(config, 'outbox-relay'),
  });
  say(`Worker: polling task queues ${workers.queues.join(', ')}; relaying the event outbox`);
  const schedule = await ensureSweepSchedule(services.temporal, config);
  say(`Automatic retries: schedule ${SWEEP_SCHEDULE_ID} ${schedule}, every ${Math.round(config.sweep.intervalMs / 1000)} s${config.sweep.paused ? ' (paused)' : ''}`);
  const retention = config.bodyRetention;
  const retentionSchedule = await ensureBodyRetentionSchedule(services.temporal, config);
  say(
    retention.days === 0
      ? `Log bodies: kept forever (LOG_BODY_RETENTION_DAYS=0)${retentionSchedule === 'deleted' ? `; schedule ${BODY_RETENTION_SCHEDULE_ID} deleted` : ''}`
      : `Log bodies: removed after ${retention.days} days by schedule ${BODY_RETENTION_SCHEDULE_ID} ${retentionSchedule}, every ${Math.round(retention.intervalMs / 1000)} s${retention.paused ? ' (paused)' : ''}`,
  );
  return {
    async stop() {
      await relay.stop();
      await workers.stop();
    },
  };
}

/** `labwire worker`: workers against servers that are already running. */
export async function workerCommand(config: Config, say: Say): Promise<void> {
  const connection = await connectTemporal(config.temporal);
  try {
    const added = await ensureSearchAttributes(connection, config.temporal.namespace);
    if (added.length > 0) say(`Registered Temporal search attributes: ${added.join(', ')}`);
  } finally {
    await connection.close();
  }
  const services = await openServices(config, { migrate: true });
  say(payloadKeysNotice(config.temporal));
  const worker = await runWorker(config, services, say);
  const metrics = config.workerMetricsPort ? await serveWorkerMetrics(config.api.host, config.workerMetricsPort, config.metricsToken) : undefined;
  if (metrics) say(`Worker metrics: ${metrics.url}/metrics`);
  onShutdown(async () => {
    await metrics?.close();
    await worker.stop();
    await services.close();
  }, say);
  logUncaughtAndKeepServing(createLogger(config, 'process'));
}
