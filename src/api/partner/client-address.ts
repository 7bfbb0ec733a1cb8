import type { Request } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';

/**
 * The address a request came from: req.ip, the connection's address or, behind proxies
 * TRUST_PROXY names, the client X-Forwarded-For gives. IPv4 on a dual-stack socket is shown as
 * plain IPv4. The audit trail records it.
 */
export function requestAddress(req: Request): string {
  const ip = req.ip ?? 'unknown';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}

/**
 * Who a partner call comes from, for the per-address limit and refused-call sampling: the
 * request's address, IPv6 by its /56, as one host holds many.
 */
export function clientAddress(req: Request): string {
  return `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
}
