import { TEST_ADMIN_PASSWORD } from './support/test-environment';
import { Harness } from './support/harness';
import type { ApiClient } from './support/api-client';

interface Operation {
  method: string;
  path: string;
  access: 'public' | 'signed-in' | 'viewer' | 'operator' | 'admin';
  hasBody: boolean;
  queryNames: string[];
  /** False for the routes the Temporal Web UI calls cross-origin (the codec), which cannot send one. */
  csrf: boolean;
}

const SAMPLE_PARAMS: Record<string, string> = { id: '0123456789abcdef01234567', labId: '1001' };
const samplePath = (path: string) =>
  path.replace(/\{(\w+)\}/g, () => (path.startsWith('/api/bulk-retries') ? '6f1c2d3e-4b5a-4978-8a9b-0c1d2e3f4a5b' : path.includes('/logs/') ? SAMPLE_PARAMS.id! : '1'));

/** Every operation of the OpenAPI document — the same records that mount the routes. */
async function operations(admin: ApiClient): Promise<Operation[]> {
  const { status, body } = await admin.request('GET', '/api/openapi.json');
  expect(status).toBe(200);
  const list: Operation[] = [];
  for (const [path, methods] of Object.entries(body.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(methods)) {
      list.push({
        method: method.toUpperCase(),
        path,
        access: op['x-labwire-access'],
        hasBody: Boolean(op.requestBody),
        csrf: op['x-labwire-csrf'] !== false,
        queryNames: (op.parameters as Array<{ in: string; name: string }>).filter((p) => p.in === 'query').map((p) => p.name),
      });
    }
  }
  return list;
}

const RANK = { viewer: 0, operator: 1, admin: 2 } as const;

describe('operator API access: every route needs a role (a walk over the OpenAPI document)', () => {
  const harness = new Harness();
  let admin: ApiClient;
  let ops: Operation[];

  beforeAll(async () => {
    await harness.start({ workers: false });
    admin = harness.adminClient();
    ops = await operations(admin);
  });
  afterAll(() => harness.stop());

  it('documents the routes the dashboard needs, each with its access', () => {
    const names = ops.map((op) => `${op.method} ${op.path}`);
    for (const expected of [
      'POST /api/session',
      'GET /api/logs/{id}',
      'GET /api/logs/{id}/history',
      'GET /api/logs/export',
      'POST /api/logs/{id}/retry',
      'POST /api/logs/retry',
      'GET /api/labs',
      'POST /api/integrations',
      'POST /api/integrations/preview',
      'POST /api/integrations/test-send',
      'POST /api/authentications/{id}/regenerate-key',
      'GET /api/stream',
      'GET /api/audit',
      'GET /api/audit/export',
    ]) {
      expect(names).toContain(expected);
    }
    for (const op of ops) expect(['public', 'signed-in', 'viewer', 'operator', 'admin']).toContain(op.access);
    expect(ops.filter((op) => op.access === 'public').map((op) => `${op.method} ${op.path}`)).toEqual(['POST /api/session']);
  });

  it('without a session, every route but sign-in answers 401 problem+json', async () => {
    const anonymous = harness.anonymous();
    for (const op of ops.filter((o) => o.access !== 'public')) {
      const answer = await anonymous.request(op.method, samplePath(op.path), op.hasBody ? {} : undefined);
      expect({ route: `${op.method} ${op.path}`, status: answer.status }).toEqual({ route: `${op.method} ${op.path}`, status: 401 });
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it.each(['viewer', 'operator'] as const)('a %s gets 403 naming the role on every route above it', async (role) => {
    const client = await harness.as(role);
    const above = ops.filter((op) => op.access in RANK && RANK[op.access as keyof typeof RANK] > RANK[role]);
    expect(above.length).toBeGreaterThan(0);
    for (const op of above) {
      const answer = await client.request(op.method, samplePath(op.path), op.hasBody ? {} : undefined);
      expect({ route: `${op.method} ${op.path}`, status: answer.status }).toEqual({ route: `${op.method} ${op.path}`, status: 403 });
      expect(answer.body.detail).toContain(`needs the ${op.access} role`);
    }
  });

  it('a change without the CSRF token is refused with 403, even for an admin', async () => {
    expect(ops.filter((o) => !o.csrf).map((o) => `${o.method} ${o.path}`)).toEqual(['POST /api/temporal-codec/decode', 'POST /api/temporal-codec/encode']);
    for (const op of ops.filter((o) => o.method !== 'GET' && o.access !== 'public' && o.csrf)) {
      const answer = await admin.request(op.method, samplePath(op.path), op.hasBody ? {} : undefined, {}, { csrf: false });
      expect({ route: `${op.method} ${op.path}`, status: answer.status }).toEqual({ route: `${op.method} ${op.path}`, status: 403 });
      expect(answer.body.detail).toContain('x-csrf-token');
    }
  });

  it('every route with a body rejects a wrong one with 400 naming a field, and every query an unknown parameter', async () => {
    for (const op of ops.filter((o) => o.hasBody)) {
      const answer = await admin.request(op.method, samplePath(op.path), { surelyNotAField: 1 });
      expect({ route: `${op.method} ${op.path}`, status: answer.status }).toEqual({ route: `${op.method} ${op.path}`, status: 400 });
      const fields: string[] = answer.body.errors.map((e: { field: string }) => e.field);
      // The unknown key is named itself (a body that is one of several shapes may name the shapes instead).
      expect({ route: `${op.method} ${op.path}`, named: fields.some((f) => /surelyNotAField|filter|ids/.test(f)) }).toEqual({ route: `${op.method} ${op.path}`, named: true });
    }
    for (const op of ops.filter((o) => o.queryNames.length > 0 && o.path !== '/api/stream')) {
      const answer = await admin.request(op.method, `${samplePath(op.path)}?surelyNotAParameter=1`, op.method === 'GET' ? undefined : {});
      expect({ route: `${op.method} ${op.path}`, status: answer.status }).toEqual({ route: `${op.method} ${op.path}`, status: 400 });
      expect(answer.body.errors.map((e: { field: string }) => e.field).join(' ')).toMatch(/surelyNotAParameter|force|filter|body/);
    }
  });

  it('a malformed id in a path is 400 naming it', async () => {
    for (const path of ['/api/logs/not-an-id', '/api/logs/not-an-id/history', '/api/labs/abc/integrations', '/api/bulk-retries/nope']) {
      const answer = await admin.request('GET', path);
      expect({ path, status: answer.status }).toEqual({ path, status: 400 });
      expect(answer.body.errors[0].field).toMatch(/^(id|labId)$/);
    }
  });
});

describe('sign-in and sessions', () => {
  const harness = new Harness();
  beforeAll(() => harness.start({ workers: false }));
  afterAll(() => harness.stop());

  it('signs in with an HttpOnly SameSite=Strict cookie, answers who is signed in, and signs out', async () => {
    const operator = await harness.as('operator');
    const signIn = await operator.signIn();
    const cookie = signIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/labwire_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(signIn.body).toMatchObject({ user: { username: 'test-operator', role: 'operator' }, csrfToken: expect.any(String) });
    expect(signIn.body).not.toHaveProperty('user.passwordHash');

    const me = await operator.request('GET', '/api/session');
    expect(me.status).toBe(200);
    expect(me.body.user.role).toBe('operator');

    expect((await operator.request('DELETE', '/api/session')).status).toBe(204);
    expect((await operator.request('GET', '/api/session')).status).toBe(401);
  });

  it('refuses a wrong password or an unknown user with the same 401, and never says which', async () => {
    const anonymous = harness.anonymous();
    const wrong = await anonymous.request('POST', '/api/session', { username: 'admin', password: 'not-the-password' });
    const unknown = await anonymous.request('POST', '/api/session', { username: 'nobody-here', password: 'not-the-password' });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body.detail).toBe(unknown.body.detail);
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('names the missing field of a sign-in', async () => {
    const answer = await harness.anonymous().request('POST', '/api/session', { username: 'admin' });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ field: 'password', message: expect.any(String) }]);
  });

  it('an admin adds a viewer, who can read but not retry; a duplicate name is 400 naming username', async () => {
    const username = `viewer-${Date.now()}`;
    const created = await harness.request('POST', '/api/users', { username, password: 'a-long-enough-password', role: 'viewer' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(Number), username, role: 'viewer', labIds: [] });
    const again = await harness.request('POST', '/api/users', { username, password: 'a-long-enough-password', role: 'viewer' });
    expect(again.status).toBe(400);
    expect(again.body.errors[0].field).toBe('username');
    const weak = await harness.request('POST', '/api/users', { username: `${username}-2`, password: 'short', role: 'boss' });
    expect(weak.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['password', 'role']);
    const list = await harness.request('GET', '/api/users');
    expect(list.body.items.map((u: { username: string }) => u.username)).toContain(username);
  });

  it('answers 429 after ten failed sign-ins a minute from one address; successful ones do not count', async () => {
    const limited = new Harness();
    await limited.start({ workers: false });
    try {
      const anonymous = limited.anonymous();
      // A lab's whole team signing in from one office address is not an attack.
      for (let i = 0; i < 12; i++) expect((await anonymous.request('POST', '/api/session', { username: 'admin', password: TEST_ADMIN_PASSWORD })).status).toBe(200);
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push((await anonymous.request('POST', '/api/session', { username: 'admin', password: `guess-${i}` })).status);
      expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
      expect(statuses[10]).toBe(429);
    } finally {
      await limited.stop();
    }
  });
});
