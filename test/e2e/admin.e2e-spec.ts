import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { signJwt } from '@kaosnet/common';
import { testDialects } from '@kaosnet/database';
import { startTestServer, TEST_ADMIN, type TestServer } from '../support/test-server.js';

const JWT_SECRET = 'test-jwt-secret-that-is-long-enough-0123456789';

interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

interface OpenApiDoc {
  paths: Record<string, Record<string, { security?: Record<string, string[]>[]; responses: Record<string, unknown>; description?: string }>>;
}

describe.each(testDialects())('admin API (console users, API keys, guard) on %s', (dialect) => {
  let s: TestServer;
  let adminToken: string;
  let viewer: { id: string; token: string };
  let developer: { id: string; token: string };

  const call = async (method: string, path: string, opts: { token?: string; body?: unknown; raw?: string; base?: string; auth?: string } = {}): Promise<Reply> => {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.auth !== undefined) headers.authorization = opts.auth;
    if (opts.body !== undefined || opts.raw !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${opts.base ?? s.consoleUrl}${path}`, { method, headers, body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  const login = async (username: string, password: string): Promise<string> => {
    const r = await call('POST', '/admin/login', { body: { username, password } });
    expect(r.status).toBe(200);
    return r.body.token;
  };
  const createUser = async (role: string, password = 'password-123') => {
    const username = `${role}_${randomUUID().slice(0, 8)}`;
    const r = await call('POST', '/admin/users', { token: adminToken, body: { username, password, role } });
    expect(r.status).toBe(201);
    return { id: r.body.id as string, username, token: await login(username, password) };
  };
  const createKey = async (scopes: string[], extra: Record<string, unknown> = {}) => {
    const r = await call('POST', '/admin/api-keys', { token: adminToken, body: { name: `k-${scopes.join('-') || 'none'}`, scopes, ...extra } });
    expect(r.status).toBe(201);
    return r.body as { id: string; key: string; prefix: string };
  };

  beforeAll(async () => {
    s = await startTestServer({ dialect });
    adminToken = await login(TEST_ADMIN.username, TEST_ADMIN.password);
    viewer = await createUser('viewer');
    developer = await createUser('developer');
  });
  afterAll(async () => {
    await s.close();
  });

  describe('login', () => {
    it('signs the bootstrap admin in and returns token, expiry and user', async () => {
      const r = await call('POST', '/admin/login', { body: TEST_ADMIN });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({
        token: expect.stringMatching(/^eyJ/),
        expiresAt: expect.any(Number),
        user: { id: expect.any(String), username: 'admin', role: 'admin', disabled: false, createdAt: expect.any(Number), updatedAt: expect.any(Number) },
      });
      expect(r.body.expiresAt - Date.now()).toBeGreaterThan(7 * 3600 * 1000);
      const me = await call('GET', '/admin/me', { token: r.body.token });
      expect(me.body).toEqual(r.body.user);
    });

    it('answers a wrong password and an unknown user with the same 401', async () => {
      const wrong = await call('POST', '/admin/login', { body: { username: 'admin', password: 'not-the-password' } });
      const unknown = await call('POST', '/admin/login', { body: { username: `nobody_${randomUUID().slice(0, 6)}`, password: 'not-the-password' } });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(unknown.body).toEqual(wrong.body);
      expect(wrong.body).toEqual({ code: 'UNAUTHORIZED', message: 'Invalid username or password', reason: 'ADMIN_INVALID_CREDENTIALS' });
    });

    it('locks a username with 429 and Retry-After after 5 failures', async () => {
      const username = `target_${randomUUID().slice(0, 6)}`;
      const statuses: number[] = [];
      let last: Reply | undefined;
      for (let i = 0; i < 6; i++) {
        last = await call('POST', '/admin/login', { body: { username, password: 'guess-guess' } });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
      expect(last!.body).toEqual(expect.objectContaining({ code: 'RATE_LIMITED', reason: 'ADMIN_LOGIN_LOCKED' }));
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(800);
    });

    it('refuses bad bodies naming the field, and malformed JSON', async () => {
      const missing = await call('POST', '/admin/login', { body: { username: 'admin' } });
      expect(missing.status).toBe(400);
      expect(missing.body.message).toMatch(/^password/);
      const extra = await call('POST', '/admin/login', { body: { ...TEST_ADMIN, role: 'admin' } });
      expect(extra.status).toBe(400);
      expect(extra.body.message).toMatch(/^role/);
      const long = await call('POST', '/admin/login', { body: { username: 'a'.repeat(65), password: 'x' } });
      expect(long.status).toBe(400);
      const malformed = await call('POST', '/admin/login', { raw: '{"username": "admin",' });
      expect(malformed.status).toBe(400);
      expect(malformed.body.code).toBe('BAD_REQUEST');
    });

    it('treats SQL-shaped credentials as plain text', async () => {
      for (const username of ["admin' --", "' OR '1'='1", 'admin"; DROP TABLE admin_users; --']) {
        const r = await call('POST', '/admin/login', { body: { username, password: "' OR '1'='1" } });
        expect(r.status).toBe(401);
      }
      expect((await call('POST', '/admin/login', { body: TEST_ADMIN })).status).toBe(200);
    });
  });

  describe('guard', () => {
    const refused = { code: 'UNAUTHORIZED', message: 'Missing or invalid admin credentials', reason: 'ADMIN_TOKEN_INVALID' };
    const now = () => Math.floor(Date.now() / 1000);

    it.each([
      ['no credential', undefined],
      ['a malformed bearer', 'Bearer not-a-token'],
      ['basic auth', `Basic ${Buffer.from('admin:test-admin-password').toString('base64')}`],
      ['an unknown API key', `Bearer kn_${'A'.repeat(43)}`],
    ])('answers 401 to %s', async (_label, auth) => {
      const r = await call('GET', '/admin/users', { auth: auth ?? '' });
      expect(r.status).toBe(401);
      expect(r.body).toEqual(refused);
    });

    it('answers 401 to an expired console token, a forged one and a player-audience token', async () => {
      const me = (await call('GET', '/admin/me', { token: adminToken })).body;
      const expired = signJwt({ sub: me.id, iat: now() - 7200, exp: now() - 3600, aud: 'console', tv: 0 }, JWT_SECRET);
      const forged = signJwt({ sub: me.id, iat: now(), exp: now() + 3600, aud: 'console', tv: 0 }, 'a-different-secret-a-different-secret');
      const player = signJwt({ sub: me.id, iat: now(), exp: now() + 3600, aud: 'player', tv: 0 }, JWT_SECRET);
      const tampered = `${adminToken.slice(0, -2)}${adminToken.endsWith('AA') ? 'BB' : 'AA'}`;
      for (const token of [expired, forged, player, tampered]) {
        const r = await call('GET', '/admin/users', { token });
        expect(r.status).toBe(401);
        expect(r.body).toEqual(refused);
      }
    });

    it('never serves admin routes on the client port, even with a valid token', async () => {
      expect((await call('POST', '/admin/login', { base: s.clientUrl, body: TEST_ADMIN })).status).toBe(404);
      expect((await call('GET', '/admin/users', { base: s.clientUrl, token: adminToken })).status).toBe(404);
      expect((await call('GET', '/admin/api-keys', { base: s.clientUrl, token: adminToken })).status).toBe(404);
    });

    it('stops a disabled user’s token at once', async () => {
      const u = await createUser('viewer');
      expect((await call('GET', '/admin/me', { token: u.token })).status).toBe(200);
      expect((await call('PATCH', `/admin/users/${u.id}`, { token: adminToken, body: { disabled: true } })).status).toBe(200);
      expect((await call('GET', '/admin/me', { token: u.token })).status).toBe(401);
    });
  });

  describe('console users', () => {
    it('creates, lists, gets, updates and deletes a user', async () => {
      const username = `carol_${randomUUID().slice(0, 6)}`;
      const created = await call('POST', '/admin/users', { token: adminToken, body: { username, password: 'password-123', role: 'viewer' } });
      expect(created.status).toBe(201);
      expect(created.body).toEqual(expect.objectContaining({ username, role: 'viewer', disabled: false }));
      expect(created.body.passwordHash).toBeUndefined();
      const id = created.body.id;
      const list = await call('GET', '/admin/users', { token: adminToken });
      expect(list.body.users.map((u: { username: string }) => u.username)).toEqual(expect.arrayContaining(['admin', username]));
      expect(JSON.stringify(list.body)).not.toContain('scrypt');
      expect((await call('GET', `/admin/users/${id}`, { token: adminToken })).body).toEqual(created.body);
      const patched = await call('PATCH', `/admin/users/${id}`, { token: adminToken, body: { role: 'developer', password: 'another-password' } });
      expect(patched.body.role).toBe('developer');
      await login(username, 'another-password');
      expect((await call('DELETE', `/admin/users/${id}`, { token: adminToken })).status).toBe(204);
      expect((await call('GET', `/admin/users/${id}`, { token: adminToken })).status).toBe(404);
      expect((await call('POST', '/admin/login', { body: { username, password: 'another-password' } })).status).toBe(401);
    });

    it('refuses a taken username with 409 and invalid fields with 400 naming them', async () => {
      expect((await call('POST', '/admin/users', { token: adminToken, body: { username: 'ADMIN', password: 'password-123', role: 'viewer' } })).status).toBe(409);
      const bad = await call('POST', '/admin/users', { token: adminToken, body: { username: "x'; DROP TABLE admin_users; --", password: 'password-123', role: 'viewer' } });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(/^username/);
      const role = await call('POST', '/admin/users', { token: adminToken, body: { username: 'someone', password: 'password-123', role: 'root' } });
      expect(role.body.message).toMatch(/^role/);
      const short = await call('PATCH', `/admin/users/${viewer.id}`, { token: adminToken, body: { password: 'short' } });
      expect(short.body.message).toMatch(/^password/);
      expect((await call('GET', "/admin/users/1'%20OR%20'1'%3D'1", { token: adminToken })).status).toBe(404);
    });

    it('refuses to delete, demote or disable the last admin with 409', async () => {
      const me = (await call('GET', '/admin/me', { token: adminToken })).body;
      for (const [method, body] of [['DELETE', undefined], ['PATCH', { role: 'viewer' }], ['PATCH', { disabled: true }]] as const) {
        const r = await call(method, `/admin/users/${me.id}`, { token: adminToken, body });
        expect(r.status).toBe(409);
        expect(r.body.reason).toBe('CONSOLE_LAST_ADMIN');
      }
      expect((await call('GET', '/admin/me', { token: adminToken })).body.role).toBe('admin');
    });
  });

  describe('API keys', () => {
    it('shows the key once, lists it by prefix only, and lets it in by scope until revoked', async () => {
      const created = await createKey(['users:read']);
      expect(created.key).toMatch(/^kn_/);
      expect(created.prefix).toBe(created.key.slice(0, 11));
      const list = await call('GET', '/admin/api-keys', { token: adminToken });
      expect(list.body.apiKeys.find((k: { id: string }) => k.id === created.id)).toEqual(expect.objectContaining({ prefix: created.prefix, active: true, scopes: ['users:read'] }));
      expect(JSON.stringify(list.body)).not.toContain(created.key);
      expect((await call('GET', '/admin/users', { token: created.key })).status).toBe(200);
      expect((await call('GET', '/admin/me', { token: created.key })).status).toBe(403);
      expect((await call('DELETE', `/admin/api-keys/${created.id}`, { token: adminToken })).status).toBe(204);
      const after = await call('GET', '/admin/users', { token: created.key });
      expect(after.status).toBe(401);
      expect((await call('DELETE', `/admin/api-keys/${randomUUID()}`, { token: adminToken })).status).toBe(404);
    });

    it('refuses unknown scopes and past expiries, and keeps SQL-shaped names verbatim', async () => {
      const unknown = await call('POST', '/admin/api-keys', { token: adminToken, body: { name: 'x', scopes: ['root'] } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.message).toMatch(/^scopes/);
      const past = await call('POST', '/admin/api-keys', { token: adminToken, body: { name: 'x', scopes: ['accounts:read'], expiresAt: Date.UTC(2000, 0, 1) } });
      expect(past.status).toBe(400);
      expect(past.body.message).toMatch(/^expiresAt/);
      const name = "'); DELETE FROM admin_api_keys; --";
      const r = await call('POST', '/admin/api-keys', { token: adminToken, body: { name, scopes: ['accounts:read'], expiresAt: Date.now() + 86_400_000 } });
      expect(r.status).toBe(201);
      expect(r.body.name).toBe(name);
      expect((await call('GET', '/admin/api-keys', { token: adminToken })).body.apiKeys.length).toBeGreaterThan(1);
    });
  });

  describe('role and scope checks on every route', () => {
    type Route = { name: string; method: string; path: () => string; body?: () => unknown; role: 'viewer' | 'developer' | 'admin'; scope?: string; ok: number };
    const uuid = randomUUID();
    const routes: Route[] = [
      { name: 'GET /admin/me', method: 'GET', path: () => '/admin/me', role: 'viewer', ok: 200 },
      { name: 'GET /admin/users', method: 'GET', path: () => '/admin/users', role: 'admin', scope: 'users:read', ok: 200 },
      { name: 'GET /admin/users/:id', method: 'GET', path: () => `/admin/users/${viewer.id}`, role: 'admin', scope: 'users:read', ok: 200 },
      { name: 'POST /admin/users', method: 'POST', path: () => '/admin/users', body: () => ({ username: `r_${randomUUID().slice(0, 8)}`, password: 'password-123', role: 'admin' }), role: 'admin', scope: 'users:write', ok: 201 },
      { name: 'PATCH /admin/users/:id', method: 'PATCH', path: () => `/admin/users/${viewer.id}`, body: () => ({ role: 'viewer' }), role: 'admin', scope: 'users:write', ok: 200 },
      { name: 'DELETE /admin/users/:id', method: 'DELETE', path: () => `/admin/users/${uuid}`, role: 'admin', scope: 'users:write', ok: 404 },
      { name: 'GET /admin/api-keys', method: 'GET', path: () => '/admin/api-keys', role: 'admin', scope: 'api-keys:read', ok: 200 },
      { name: 'POST /admin/api-keys', method: 'POST', path: () => '/admin/api-keys', body: () => ({ name: 'minted', scopes: ['api-keys:write'] }), role: 'admin', scope: 'api-keys:write', ok: 201 },
      { name: 'DELETE /admin/api-keys/:id', method: 'DELETE', path: () => `/admin/api-keys/${uuid}`, role: 'admin', scope: 'api-keys:write', ok: 404 },
    ];
    const rank = { viewer: 1, developer: 2, admin: 3 };

    it.each(routes.map((r) => [r.name, r] as const))(
      '%s: weaker roles and keys without the scope get 403; the role and the scope pass',
      async (_name, route) => {
        const tokens = { viewer: viewer.token, developer: developer.token, admin: adminToken };
        for (const role of ['viewer', 'developer', 'admin'] as const) {
          const r = await call(route.method, route.path(), { token: tokens[role], body: route.body?.() });
          if (rank[role] < rank[route.role]) {
            expect({ role, status: r.status, code: r.body.code }).toEqual({ role, status: 403, code: 'FORBIDDEN' });
          } else {
            expect({ role, status: r.status }).toEqual({ role, status: route.ok });
          }
        }
        const unrelated = await createKey(['rooms:read']);
        expect((await call(route.method, route.path(), { token: unrelated.key, body: route.body?.() })).status).toBe(403);
        if (route.scope) {
          const scoped = await createKey([route.scope]);
          expect((await call(route.method, route.path(), { token: scoped.key, body: route.body?.() })).status).toBe(route.ok);
        }
      },
    );
  });

  it('documents every admin route in the console Swagger with the admin bearer scheme and its error responses', async () => {
    const doc = (await (await fetch(`${s.consoleUrl}/docs-json`)).json()) as OpenApiDoc;
    for (const path of ['/admin/users', '/admin/users/{id}', '/admin/api-keys', '/admin/api-keys/{id}', '/admin/me']) {
      for (const [method, op] of Object.entries(doc.paths[path] ?? {})) {
        expect({ path, method, security: op.security }).toEqual({ path, method, security: [{ admin: [] }] });
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
      }
    }
    expect(Object.keys(doc.paths['/admin/login']!.post!.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '429']));
    expect(doc.paths['/admin/users']!.post!.description).toContain('Console roles: admin. API keys: scope users:write.');
  });
});
