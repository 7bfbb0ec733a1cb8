import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of this process. `labwire start` runs worker and API in one process, so the
 * API's /metrics shows both; a separate `labwire worker` serves its own on WORKER_METRICS_PORT.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'labwire_' });

export const deliveriesTotal = new Counter({
  name: 'labwire_deliveries_total',
  help: 'Delivery outcomes written to logs, first dispatches and retries alike (status "" = suppressed)',
  labelNames: ['status', 'integration_type', 'retry'] as const,
  registers: [metricsRegistry],
});

export const dispatchSeconds = new Histogram({
  name: 'labwire_dispatch_duration_seconds',
  help: 'Time the partner took to answer the last attempt of a delivery (webhook response or Mirth ACK)',
  labelNames: ['integration_type'] as const,
  buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});

export const retriesTotal = new Counter({
  name: 'labwire_retries_total',
  help: 'Retries finished, by kind (manual, bulk, auto) and outcome status',
  labelNames: ['kind', 'status'] as const,
  registers: [metricsRegistry],
});

export const sweepRetriesTotal = new Counter({
  name: 'labwire_sweep_retries_total',
  help: 'Automatic retries the sweep asked for: accepted, or refused (already running, SUCCESS by now)',
  labelNames: ['result'] as const,
  registers: [metricsRegistry],
});

export const logBodiesRemovedTotal = new Counter({
  name: 'labwire_log_bodies_removed_total',
  help: 'Logs whose bodies the body retention removed (LOG_BODY_RETENTION_DAYS after their last write)',
  registers: [metricsRegistry],
});

export const httpRequestsTotal = new Counter({
  name: 'labwire_http_requests_total',
  help: 'HTTP requests answered by the API, by route pattern and status code',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [metricsRegistry],
});

export const httpRequestSeconds = new Histogram({
  name: 'labwire_http_request_duration_seconds',
  help: 'Time to answer an HTTP request (streams excluded)',
  labelNames: ['method', 'route'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

export const partnerRefusedCallsTotal = new Counter({
  name: 'labwire_partner_refused_calls_total',
  help: 'Partner API calls refused without a verified key (401, 403) or over a rate limit (429); at most one per address per minute is also written as an API log',
  labelNames: ['status'] as const,
  registers: [metricsRegistry],
});

export const streamsOpen = new Gauge({
  name: 'labwire_streams_open',
  help: 'Open /api/stream connections of this process',
  registers: [metricsRegistry],
});

export const streamsRefusedTotal = new Counter({
  name: 'labwire_streams_refused_total',
  help: '/api/stream connections refused with 429, by the limit reached (user, process)',
  labelNames: ['limit'] as const,
  registers: [metricsRegistry],
});

export const uncaughtErrorsTotal = new Counter({
  name: 'labwire_uncaught_errors_total',
  help: "Errors nothing caught (kind: exception, rejection), logged while the process kept serving; anything above 0 is a bug to fix",
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
});
