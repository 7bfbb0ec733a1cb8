import type { Request, RequestHandler } from 'express';
import { bearerMatches } from '../auth/same-secret';
import { httpRequestSeconds, httpRequestsTotal, metricsRegistry } from '../metrics';
import type { ApiRoute, Authorize } from './route';

/** Counts and times every answer by route pattern (never by raw URL, which would explode the label set). */
export const httpMetrics: RequestHandler = (req, res, next) => {
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    const route = req.route ? `${req.baseUrl}${String((req.route as { path: string }).path)}` : 'unmatched';
    httpRequestsTotal.inc({ method: req.method, route, status: String(res.statusCode) });
    if (!String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) {
      httpRequestSeconds.observe({ method: req.method, route }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  });
  next();
};

/** /metrics is not an /api route, but a session reaches it as a viewer would reach one. */
const METRICS_ACCESS: ApiRoute = { method: 'get', path: '/metrics', access: 'viewer', summary: 'Prometheus metrics', tag: 'Meta', responses: {}, handle: async () => undefined };

/** GET /metrics: Prometheus text, for a bearer METRICS_TOKEN (the scraper) or a signed-in viewer. */
export function metricsEndpoint(token: string | undefined, authorize: Authorize): RequestHandler {
  return async (req, res) => {
    if (!bearerMatches(req.get('authorization'), token)) await authorize(req, METRICS_ACCESS);
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  };
}

/** Whether a request may read operational detail (/readyz error text): whoever may read /metrics. */
export function operationalReader(token: string | undefined, authorize: Authorize): (req: Request) => Promise<boolean> {
  return async (req) => {
    if (bearerMatches(req.get('authorization'), token)) return true;
    return authorize(req, METRICS_ACCESS).then(
      () => true,
      () => false,
    );
  };
}
