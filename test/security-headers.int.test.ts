import { TEST_ADMIN_PASSWORD } from './support/test-environment';
import { Harness } from './support/harness';

const signIn = (baseUrl: string, headers: Record<string, string> = {}) =>
  fetch(`${baseUrl}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
  });

/** Issue 10 (deployment defaults): security headers on every answer, HSTS and Secure cookies over HTTPS only. */
describe('security headers and the session cookie', () => {
  describe('served directly over HTTP (TRUST_PROXY unset)', () => {
    const harness = new Harness();
    beforeAll(() => harness.start({ workers: false }));
    afterAll(() => harness.stop());

    it.each([
      ['the dashboard', '/', 'text/html'],
      ['an API answer', '/api/session', 'application/json'],
      ['a problem', '/api/nothing-here', 'application/json'],
    ])('%s carries a CSP without inline or foreign script and no framing, nosniff and DENY; no HSTS over HTTP', async (_what, path, accept) => {
      const response = await fetch(`${harness.api.url}${path}`, { headers: { accept } });
      const csp = response.headers.get('content-security-policy') ?? '';
      const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));

      expect(directives.get('script-src')).toEqual(["'self'"]);
      expect(directives.get('script-src-attr')).toEqual(["'none'"]);
      expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
      expect(directives.get('default-src')).toEqual(["'self'"]);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('strict-transport-security')).toBeNull();
    });

    it('sets the session cookie without Secure over HTTP, and ignores an X-Forwarded-Proto nobody is trusted to send', async () => {
      const plain = await signIn(harness.api.url);
      const spoofed = await signIn(harness.api.url, { 'x-forwarded-proto': 'https' });

      expect(plain.status).toBe(200);
      expect(plain.headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
      expect(spoofed.headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
      expect(spoofed.headers.get('strict-transport-security')).toBeNull();
    });
  });

  describe('behind a TLS-terminating proxy on loopback (TRUST_PROXY=loopback)', () => {
    const harness = new Harness((config) => {
      config.api.trustProxy = ['loopback'];
    });
    beforeAll(() => harness.start({ workers: false }));
    afterAll(() => harness.stop());

    it('marks the session cookie Secure and sends HSTS when the proxy says the request came over HTTPS (COOKIE_SECURE=auto)', async () => {
      const https = await signIn(harness.api.url, { 'x-forwarded-proto': 'https' });
      const http = await signIn(harness.api.url, { 'x-forwarded-proto': 'http' });

      expect(https.status).toBe(200);
      expect(https.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
      expect(https.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      expect(http.headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
      expect(http.headers.get('strict-transport-security')).toBeNull();
    });
  });
});
