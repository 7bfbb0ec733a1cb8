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
    expect(created.body).toEqual({ id: expect.any(Number), username, role, labIds: [], password: expect.stringMatching(/^[\w-]{16}$/) });
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
    expect(list.body.items.find((u: { id: number }) => u.id === id)).toEqual({ id, username: expect.any(String), role: 'viewer', disabled: false, createdAt: expect.any(String), labIds: [], labs: [] });
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
    expect(empty.body.errors).toEqual([{ field: 'role', message: 'send role, disabled, labIds or several' }]);
    const boss = await harness.request('PATCH', `/api/users/${viewer.id}`, { role: 'boss', disabled: 'yes' });
    expect(boss.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['disabled', 'role']);
    const missing = await harness.request('PATCH', '/api/users/99999999', { role: 'viewer' });
    expect(missing.status).toBe(404);
    expect(missing.body.errors).toEqual([{ field: 'id', message: 'User 99999999 does not exist.' }]);
  });

  describe('labs: an admin limits a user to some labs (demo labs 1001 Sunrise Diagnostics, 1002 Northgate Pathology)', () => {
    const labsOf = async (client: ApiClient) => ((await client.request('GET', '/api/labs?limit=100')).body.items as Array<{ id: number }>).map((lab) => lab.id);
    const listed = async (id: number) => (await harness.request('GET', '/api/users')).body.items.find((u: { id: number }) => u.id === id);

    it('adds a user with labs, changes them later, and each change applies to their very next request', async () => {
      const username = uniqueId('limited');
      const created = await harness.request('POST', '/api/users', { username, role: 'viewer', labIds: [1001] });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ username, role: 'viewer', labIds: [1001] });
      expect(await listed(created.body.id)).toMatchObject({ labIds: [1001], labs: [{ id: 1001, name: 'Sunrise Diagnostics' }] });
      const client = new ApiClient(harness.api.url, { username, password: created.body.password });
      expect((await client.signIn()).body.user).toEqual({ id: created.body.id, username, role: 'viewer', labIds: [1001] });
      expect(await labsOf(client)).toEqual([1001]);

      const changed = await harness.request('PATCH', `/api/users/${created.body.id}`, { labIds: [1002, 1001, 1002] });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ labIds: [1001, 1002], labs: [{ id: 1001 }, { id: 1002 }] });
      expect((await labsOf(client)).sort()).toEqual([1001, 1002]);
      expect((await client.request('GET', '/api/session')).body.user.labIds).toEqual([1001, 1002]);

      await harness.request('PATCH', `/api/users/${created.body.id}`, { labIds: [1002] });
      expect(await labsOf(client)).toEqual([1002]);
      expect((await client.request('GET', '/api/labs/1001/integrations')).status).toBe(404);

      // No labs: every lab again, as users without labs always had.
      await harness.request('PATCH', `/api/users/${created.body.id}`, { labIds: [] });
      expect((await labsOf(client)).length).toBeGreaterThan(2);
      expect((await client.request('GET', '/api/labs/1001/integrations')).status).toBe(200);
    });

    it('refuses an unknown lab naming its place in the list, and writes nothing', async () => {
      const username = uniqueId('unknown-lab');
      const refused = await harness.request('POST', '/api/users', { username, role: 'operator', labIds: [1001, 2_000_000_000] });
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.errors).toEqual([{ field: 'labIds.1', message: 'lab 2000000000 does not exist' }]);
      expect((await harness.request('GET', '/api/users')).body.items.some((u: { username: string }) => u.username === username)).toBe(false);

      const viewer = await addUser('viewer');
      await harness.request('PATCH', `/api/users/${viewer.id}`, { labIds: [1001] });
      const change = await harness.request('PATCH', `/api/users/${viewer.id}`, { labIds: [2_000_000_000] });
      expect(change.status).toBe(400);
      expect(change.body.errors).toEqual([{ field: 'labIds.0', message: 'lab 2000000000 does not exist' }]);
      expect(await listed(viewer.id)).toMatchObject({ labIds: [1001] });
      const notIds = await harness.request('PATCH', `/api/users/${viewer.id}`, { labIds: ['1001', 0] });
      expect(notIds.body.errors.map((e: { field: string }) => e.field)).toEqual(['labIds.0', 'labIds.1']);
    });

    it('never limits an admin: labs for an admin are refused, and a user made admin loses theirs', async () => {
      const refused = await harness.request('POST', '/api/users', { username: uniqueId('lab-admin'), role: 'admin', labIds: [1001] });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([{ field: 'labIds', message: expect.stringContaining('admins see every lab') }]);
      const viewer = await addUser('viewer');
      await harness.request('PATCH', `/api/users/${viewer.id}`, { labIds: [1001] });
      const promoted = await harness.request('PATCH', `/api/users/${viewer.id}`, { role: 'admin' });
      expect(promoted.body).toMatchObject({ role: 'admin', labIds: [], labs: [] });
      expect((await viewer.client.request('GET', '/api/labs/1002/integrations')).status).toBe(200);
      const limitAdmin = await harness.request('PATCH', `/api/users/${viewer.id}`, { labIds: [1001] });
      expect(limitAdmin.status).toBe(400);
      expect(limitAdmin.body.errors[0].field).toBe('labIds');
    });
  });
});
