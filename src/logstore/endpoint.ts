/**
 * Where a delivery goes, as its list row shows it: the target's host[:port] and nothing else. A
 * webhook URL's path and query may hold patient data (a GET integration sends the payload as its
 * query string), and its user-info a credential: neither is ever part of an endpoint.
 */
export function endpointOfUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const host = new URL(url).host;
    if (host) return host;
  } catch {
    // Not a URL the WHATWG parser takes: fall back to the authority by hand.
  }
  const match = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#@]+)/i.exec(url);
  return match ? match[1]!.toLowerCase() : null;
}

/** A Mirth integration's host:port (extra details `host` and `port`). */
export function endpointOfMirth(host: unknown, port: unknown): string | null {
  if (typeof host !== 'string' || host === '' || (typeof port !== 'number' && typeof port !== 'string') || port === '') return null;
  return endpointOfUrl(`mllp://${host}:${port}`) ?? null;
}
