import type { Role } from '../../src/db/schema';
import type { Caller, FuzzCase } from './fuzz-case';

export const FUZZ_PASSWORD = 'fuzz-user-password-1';
export const fuzzUsername = (role: Role) => `fuzz-${role}`;

interface SignedIn {
  cookie: string;
  csrfToken: string;
}

/**
 * Who sends a generated request: nobody, a signed-in viewer, operator or admin (cookie, and the
 * CSRF token on changes), or the partner's auth key. Sessions that a fuzzed request ended
 * (sign-out, disable, password reset) are signed in again.
 */
export class Callers {
  private readonly sessions = new Map<Role, SignedIn>();
  private signIns = 0;

  constructor(
    private readonly baseUrl: () => string,
    readonly partnerKey: string,
  ) {}

  /** Signs in each role whose session no longer answers GET /api/session. */
  async ensureSignedIn(): Promise<void> {
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      const session = this.sessions.get(role);
      if (session && (await fetch(`${this.baseUrl()}/api/session`, { headers: { cookie: session.cookie } })).status === 200) continue;
      await this.signIn(role);
    }
  }

  /** The admin's cookie, for the fuzzer's own reads (the operator API's OpenAPI document). */
  cookieOf(role: Role): string {
    const session = this.sessions.get(role);
    if (!session) throw new Error(`${role} is not signed in`);
    return session.cookie;
  }

  private async signIn(role: Role): Promise<void> {
    // Each sign-in from its own documentation address (the fuzzed API trusts X-Forwarded-For from loopback: TRUST_PROXY in fuzzEnvironment), so the
    // sign-in limit that fuzzed wrong passwords run into from 127.0.0.1 never locks the fuzzer out.
    this.signIns += 1;
    const response = await fetch(`${this.baseUrl()}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.18.${(this.signIns >> 8) & 255}.${this.signIns & 255}` },
      body: JSON.stringify({ username: fuzzUsername(role), password: FUZZ_PASSWORD }),
    });
    if (response.status !== 200) throw new Error(`the fuzzer could not sign in as ${fuzzUsername(role)}: ${response.status} ${await response.text()}`);
    const cookie = /labwire_session=[^;]+/.exec(response.headers.get('set-cookie') ?? '')?.[0];
    const { csrfToken } = (await response.json()) as { csrfToken: string };
    if (!cookie) throw new Error('sign-in answered no session cookie');
    this.sessions.set(role, { cookie, csrfToken });
  }

  /** The headers that make a request come from its caller. */
  headersFor(fuzzCase: Pick<FuzzCase, 'caller' | 'csrf' | 'operation'>): Array<[string, string]> {
    const { caller, csrf, operation } = fuzzCase;
    if (caller === 'nobody') return [];
    if (caller === 'partner') return [['authorization', `Bearer ${this.partnerKey}`]];
    const session = this.sessions.get(caller satisfies Exclude<Caller, 'nobody' | 'partner'>);
    if (!session) return [];
    const headers: Array<[string, string]> = [['cookie', session.cookie]];
    if (operation.method !== 'GET' && csrf !== 'missing') headers.push(['x-csrf-token', csrf === 'right' ? session.csrfToken : `${session.csrfToken}x`]);
    return headers;
  }
}
