import { Router, type Request } from 'express';

export type ReadinessCheck = () => Promise<unknown>;

/**
 * `/healthz` says the process is up; `/readyz` that every server it depends on answers. Both are
 * open (load balancers, orchestrators); why a server does not answer (its error text: host names,
 * ports, driver messages) is shown only to callers who may read /metrics.
 */
export function healthRouter(checks: Record<string, ReadinessCheck>, mayReadErrors: (req: Request) => Promise<boolean>, timeoutMs = 3_000): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]): Promise<readonly [string, { ok: boolean; error?: string }]> => {
        try {
          await withTimeout(check(), timeoutMs);
          return [name, { ok: true }] as const;
        } catch (error) {
          return [name, { ok: false, error: error instanceof Error ? error.message : String(error) }] as const;
        }
      }),
    );
    const ready = results.every(([, result]) => result.ok);
    const shown = (await mayReadErrors(req)) ? results : results.map(([name, { ok }]) => [name, { ok }] as const);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(shown) });
  });
  return router;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
