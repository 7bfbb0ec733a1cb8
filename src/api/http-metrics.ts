import type { RequestHandler } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { httpRequestSeconds, httpRequestsTotal, metricsRegistry } from '../metrics';
import type { Authorize } from './route';

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

/** GET /metrics: Prometheus text, for a bearer METRICS_TOKEN (the scraper) or a signed-in viewer. */
export function metricsEndpoint(token: string | undefined, authorize: Authorize): RequestHandler {
  return async (req, res) => {
    const bearer = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    const tokenOk = token !== undefined && bearer !== undefined && bearer.length === token.length && timingSafeEqual(Buffer.from(bearer), Buffer.from(token));
    if (!tokenOk) {
      await authorize(req, { method: 'get', path: '/metrics', access: 'viewer', summary: '', tag: '', responses: {}, handle: async () => undefined });
    }
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  };
}
