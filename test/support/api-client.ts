export interface ApiAnswer {
  status: number;
  body: any;
  headers: Headers;
}

/**
 * An HTTP client of the operator API as the dashboard is one: it signs in once, then sends the
 * session cookie on every request and the CSRF token on every change.
 */
export class ApiClient {
  private cookie?: string;
  private csrfToken?: string;

  constructor(
    readonly baseUrl: string,
    private readonly credentials?: { username: string; password: string },
  ) {}

  async signIn(): Promise<ApiAnswer> {
    if (!this.credentials) throw new Error('an anonymous client cannot sign in');
    const answer = await this.send('POST', '/api/session', this.credentials);
    if (answer.status !== 200) throw new Error(`sign-in as ${this.credentials.username} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    this.cookie = /labwire_session=[^;]+/.exec(answer.headers.get('set-cookie') ?? '')?.[0];
    this.csrfToken = answer.body.csrfToken;
    return answer;
  }

  /** The session cookie header, e.g. for an EventSource-like client. */
  async cookieHeader(): Promise<Record<string, string>> {
    if (this.credentials && !this.cookie) await this.signIn();
    return this.cookie ? { cookie: this.cookie } : {};
  }

  /** Signs in on first use (unless anonymous); `{ csrf: false }` leaves the CSRF header out. */
  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, options: { csrf?: boolean } = {}): Promise<ApiAnswer> {
    if (this.credentials && !this.cookie) await this.signIn();
    const auth: Record<string, string> = {};
    if (this.cookie) auth.cookie = this.cookie;
    if (this.csrfToken && method !== 'GET' && options.csrf !== false) auth['x-csrf-token'] = this.csrfToken;
    return this.send(method, path, body, { ...auth, ...headers });
  }

  private async send(method: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed, headers: response.headers };
  }
}
