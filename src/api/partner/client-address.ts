import type { Request } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';

/**
 * Who a partner call comes from, for the per-address limit and refused-call sampling: req.ip
 * (the connection's address, or a trusted proxy's X-Forwarded-For: TRUST_PROXY); IPv6 by its
 * /56, as one host holds many.
 */
export function clientAddress(req: Request): string {
  return `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
}
