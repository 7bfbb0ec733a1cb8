import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Security headers on every answer (helmet). The dashboard is same-origin scripts and styles
 * only, so the Content-Security-Policy allows no inline or foreign script and no framing;
 * inline style attributes stay allowed because Preact sets `style` on elements. HSTS is sent only
 * on requests that arrived over HTTPS (directly, or through a proxy TRUST_PROXY names), since a
 * browser ignores it over plain HTTP and a local `http://127.0.0.1` must keep working.
 */
export function securityHeaders(): RequestHandler {
  const headers = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    strictTransportSecurity: false,
    xFrameOptions: { action: 'deny' },
  });
  const hsts = helmet.strictTransportSecurity({ maxAge: 31_536_000, includeSubDomains: true });
  return (req, res, next) => {
    headers(req, res, (error?: unknown) => {
      if (error) next(error);
      else if (req.secure) hsts(req, res, next);
      else next();
    });
  };
}
