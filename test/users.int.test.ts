import { ApiClient } from './support/api-client';
import { uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { SseClient } from './support/sse-client';

describe('users: an admin adds, changes, disables and resets the people who sign in', () => {
  const harness = new Harness();

  beforeAll(() => harness.start({ workers: false }));
  afterAll(() => harness.stop());

  /** Adds a user through the API without a password and signs in with the one it answers. */
  async function addUser(role: 'viewer' | 'operator' | 'admin') {
    const username = uniqueId(role);
    const created = await harness.request('POST', '/api/users', { username, role });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(Number), username, role, password: expect.stringMatching(/^[\w-]{16}$/) });
    const client = new ApiClient(harness.api.url, { username, password: created.body.password });
    await client.signIn();
    return { id: created.body.id as number, username, password: created.body.password as string, client };
  }

  it('answers a generated password once, and only its hash is kept', async () => {
    const { id, password } = await addUser('viewer');
    const [row] = await harness.services.configStore.sql`select password_hash from users where id = ${id}`;
    expect(row!.password_hash).toMatch(/^\$2[aby]\$11\$/);
    expect(row!.password_hash).not.toContain(password);
    const list = await harness.request('GET', '/api/users');
    expect(list.body.items.find((u: { id: number }) => u.id === id)).toEqual({ id, username: expect.any(String), role: 'viewer', disabled: false, createdAt: expect.any(String) });
    expect(JSON.stringify(list.body)).not.toContain(password);
  });

  it("a new role applies to the user's very next request, without signing in again", async () => {
    const viewer = await addUser('viewer');
    expect((await viewer.client.request('GET', '/api/users')).status).toBe(403);
    const promoted = await harness.request('PATCH', `/api/users/${viewer.id}`, { role: 'admin' });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ id: viewer.id, role: 'admin', disabled: false });
    expect((await viewer.client.request('GET', '/api/users')).status).toBe(200);
  });

  it('disabling ends the open session and its live stream, and refuses the next sign-in; enabling lets them back', async () => {
    const operator = await addUser('operator');
    expect((await operator.client.request('GET', '/api/logs')).status).toBe(200);
    const stream = await new SseClient().connect(`${harness.api.url}/api/stream`, await operator.client.cookieHeader());
    const streamEnded = stream.ended().then(() => 'ended');
    // Open while the session stands: two heartbeats (STREAM_HEARTBEAT_MS is 1 s in tests) keep it.
    expect(await Promise.race([streamEnded, new Promise((resolve) => setTimeout(() => resolve('open'), 2_500))])).toBe('open');
    expect((await harness.request('PATCH', `/api/users/${operator.id}`, { disabled: true })).body).toMatchObject({ disabled: true });
    expect((await operator.client.request('GET', '/api/logs')).status).toBe(401);
    await expect(Promise.race([streamEnded, new Promise((resolve) => setTimeout(() => resolve('still open'), 5_000))])).resolves.toBe('ended');
    const again = new ApiClient(harness.api.url, { username: operator.username, password: operator.password });
    await expect(again.signIn()).rejects.toThrow(/401/);
    await harness.request('PATCH', `/api/users/${operator.id}`, { disabled: false });
    await again.signIn();
    expect((await again.request('GET', '/api/logs')).status).toBe(200);
  });

  it('a password reset answers a new password once; the old one and its sessions stop working', async () => {
    const viewer = await addUser('viewer');
    const reset = await harness.request('POST', `/api/users/${viewer.id}/reset-password`);
    expect(reset.status).toBe(200);
    expect(reset.body).toEqual({ id: viewer.id, username: viewer.username, role: 'viewer', password: expect.stringMatching(/^[\w-]{16}$/) });
    expect(reset.body.password).not.toBe(viewer.password);
    expect((await viewer.client.request('GET', '/api/logs')).status).toBe(401);
    await expect(new ApiClient(harness.api.url, { username: viewer.username, password: viewer.password }).signIn()).rejects.toThrow(/401/);
    await new ApiClient(harness.api.url, { username: viewer.username, password: reset.body.password }).signIn();
  });

  it('nobody demotes, disables or resets themselves, so an admin is always left; the field is named', async () => {
    const other = await addUser('admin');
    const me = (await other.client.request('GET', '/api/session')).body.user;
    for (const [change, field] of [
      [{ role: 'operator' }, 'role'],
      [{ disabled: true }, 'disabled'],
    ] as const) {
      const refused = await other.client.request('PATCH', `/api/users/${me.id}`, change);
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([{ field, message: expect.stringContaining('another admin can') }]);
    }
    const reset = await other.client.request('POST', `/api/users/${me.id}/reset-password`);
    expect(reset.status).toBe(400);
    expect(reset.body.errors[0].field).toBe('id');
    expect((await other.client.request('GET', '/api/users')).body.items.find((u: { id: number }) => u.id === me.id)).toMatchObject({ role: 'admin', disabled: false });
  });

  it('two admins demoting each other at once leave one of them an admin', async () => {
    const a = await addUser('admin');
    const b = await addUser('admin');
    const answers = await Promise.all([a.client.request('PATCH', `/api/users/${b.id}`, { role: 'viewer' }), b.client.request('PATCH', `/api/users/${a.id}`, { role: 'viewer' })]);
    expect(answers.map((x) => x.status).sort()).toEqual([200, 403]);
    const items = (await harness.request('GET', '/api/users')).body.items as Array<{ id: number; role: string }>;
    expect(items.filter((u) => u.id === a.id || u.id === b.id).map((u) => u.role).sort()).toEqual(['admin', 'viewer']);
  });

  it('refuses a chosen password longer than the 72 bytes bcrypt reads, naming the password field', async () => {
    const refusedAnswers = await Promise.all(
      ['p'.repeat(73), 'é'.repeat(37)].map((password) => harness.request('POST', '/api/users', { username: uniqueId('long'), role: 'viewer', password })),
    );
    for (const refused of refusedAnswers) {
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([{ field: 'password', message: 'must be at most 72 bytes in UTF-8 (bcrypt ignores anything longer)' }]);
    }
    // 72 bytes exactly is a whole password: a 71-byte prefix of it does not sign in.
    const username = uniqueId('exact');
    const password = 'p'.repeat(71) + 'q';
    expect((await harness.request('POST', '/api/users', { username, role: 'viewer', password })).status).toBe(201);
    await new ApiClient(harness.api.url, { username, password }).signIn();
    await expect(new ApiClient(harness.api.url, { username, password: 'p'.repeat(71) }).signIn()).rejects.toThrow(/401/);
  });

  it('names bad input: an empty change, an unknown role, an unknown user', async () => {
    const viewer = await addUser('viewer');
    const empty = await harness.request('PATCH', `/api/users/${viewer.id}`, {});
    expect(empty.status).toBe(400);
    expect(empty.body.errors).toEqual([{ field: 'role', message: 'send role, disabled or both' }]);
    const boss = await harness.request('PATCH', `/api/users/${viewer.id}`, { role: 'boss', disabled: 'yes' });
    expect(boss.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['disabled', 'role']);
    const missing = await harness.request('PATCH', '/api/users/99999999', { role: 'viewer' });
    expect(missing.status).toBe(404);
    expect(missing.body.errors).toEqual([{ field: 'id', message: 'User 99999999 does not exist.' }]);
  });
});
