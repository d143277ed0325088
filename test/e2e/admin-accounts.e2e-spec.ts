import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { testDialects } from '@kaosnet/database';
import { startTestServer, TEST_ADMIN, type TestServer } from '../support/test-server.js';

interface Reply {
  status: number;
  body: any;
}

interface Player {
  id: string;
  username: string;
  email: string;
  password: string;
  token: string;
}

describe.each(testDialects())('admin player-account routes on %s', (dialect) => {
  let s: TestServer;
  let adminToken: string;
  const tokens: Record<'viewer' | 'developer' | 'admin', string> = { viewer: '', developer: '', admin: '' };

  const call = async (method: string, path: string, opts: { token?: string; body?: unknown; base?: string; basic?: boolean } = {}): Promise<Reply> => {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.basic) headers.authorization = s.serverKeyAuth;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${opts.base ?? s.consoleUrl}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const login = async (username: string, password: string): Promise<string> => (await call('POST', '/admin/login', { body: { username, password } })).body.token;
  const newPlayer = async (): Promise<Player> => {
    const tag = randomUUID().slice(0, 8);
    const p = { username: `player_${tag}`, email: `p_${tag}@example.com`, password: 'player-password-1' };
    const r = await call('POST', '/api/auth/email', { base: s.clientUrl, basic: true, body: { ...p, create: true } });
    expect(r.status).toBe(200);
    return { ...p, id: r.body.userId, token: r.body.token };
  };
  const newKey = async (scopes: string[]): Promise<string> => {
    const r = await call('POST', '/admin/api-keys', { token: adminToken, body: { name: 'accounts-test', scopes } });
    expect(r.status).toBe(201);
    return r.body.key;
  };
  const playerSignsIn = async (p: Player): Promise<number> =>
    (await call('POST', '/api/auth/email', { base: s.clientUrl, basic: true, body: { email: p.email, password: p.password, create: false } })).status;

  beforeAll(async () => {
    s = await startTestServer({ dialect });
    adminToken = await login(TEST_ADMIN.username, TEST_ADMIN.password);
    tokens.admin = adminToken;
    for (const role of ['viewer', 'developer'] as const) {
      const username = `${role}_${randomUUID().slice(0, 8)}`;
      expect((await call('POST', '/admin/users', { token: adminToken, body: { username, password: 'password-123', role } })).status).toBe(201);
      tokens[role] = await login(username, 'password-123');
    }
  });
  afterAll(async () => {
    await s.close();
  });

  it('lists accounts and finds one by username, id and email', async () => {
    const p = await newPlayer();
    const all = await call('GET', '/admin/accounts', { token: adminToken });
    expect(all.status).toBe(200);
    expect(all.body.accounts.map((a: { id: string }) => a.id)).toContain(p.id);
    for (const search of [p.username, p.id, p.email]) {
      const r = await call('GET', `/admin/accounts?search=${encodeURIComponent(search)}`, { token: adminToken });
      expect({ search, ids: r.body.accounts.map((a: { id: string }) => a.id) }).toEqual({ search, ids: [p.id] });
    }
    expect((await call('GET', `/admin/accounts?search=${encodeURIComponent(p.username)}`, { token: adminToken })).body.accounts[0]).toEqual(
      expect.objectContaining({ id: p.id, username: p.username, email: p.email, devices: [], createdAt: expect.any(Number) }),
    );
  });

  it('pages with limit and cursor without repeating or skipping accounts', async () => {
    for (let i = 0; i < 3; i++) await newPlayer();
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = await call('GET', `/admin/accounts?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: adminToken });
      expect(r.status).toBe(200);
      expect(r.body.accounts.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.accounts.map((a: { id: string }) => a.id));
      cursor = r.body.cursor;
      pages++;
    } while (cursor && pages < 50);
    const all = await call('GET', '/admin/accounts?limit=100', { token: adminToken });
    expect(seen).toEqual(all.body.accounts.map((a: { id: string }) => a.id));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('refuses bad paging parameters with 400 naming the field', async () => {
    for (const [query, field] of [['limit=0', 'limit'], ['limit=101', 'limit'], ['limit=abc', 'limit'], ['extra=1', 'extra']] as const) {
      const r = await call('GET', `/admin/accounts?${query}`, { token: adminToken });
      expect({ query, status: r.status, field: r.body.message.split(':')[0] }).toEqual({ query, status: 400, field });
    }
    const cursor = await call('GET', '/admin/accounts?cursor=not-a-cursor', { token: adminToken });
    expect(cursor.status).toBe(400);
  });

  it('treats SQL-shaped search strings and ids as plain text', async () => {
    const p = await newPlayer();
    for (const search of ["' OR '1'='1", "%' OR 1=1 --", "'; DROP TABLE accounts; --", '%', '_']) {
      const r = await call('GET', `/admin/accounts?search=${encodeURIComponent(search)}`, { token: adminToken });
      expect({ search, status: r.status }).toEqual({ search, status: 200 });
    }
    expect((await call('GET', `/admin/accounts/${encodeURIComponent("1' OR '1'='1")}`, { token: adminToken })).status).toBe(404);
    expect((await call('GET', `/admin/accounts/${p.id}`, { token: adminToken })).status).toBe(200);
  });

  it('gets one account and answers 404 for an unknown id', async () => {
    const p = await newPlayer();
    const r = await call('GET', `/admin/accounts/${p.id}`, { token: tokens.viewer });
    expect(r.status).toBe(200);
    expect(r.body).toEqual(expect.objectContaining({ id: p.id, username: p.username, email: p.email }));
    expect(r.body.bannedAt).toBeUndefined();
    expect((await call('GET', `/admin/accounts/${randomUUID()}`, { token: adminToken })).status).toBe(404);
  });

  it('bans (ending the player’s sessions and sign-ins) and unbans', async () => {
    const p = await newPlayer();
    const banned = await call('POST', `/admin/accounts/${p.id}/ban`, { token: tokens.developer });
    expect(banned.status).toBe(200);
    expect(banned.body.bannedAt).toEqual(expect.any(Number));
    expect(await playerSignsIn(p)).toBe(403);
    expect((await call('GET', '/api/account', { base: s.clientUrl, token: p.token })).status).toBe(401);
    const unbanned = await call('POST', `/admin/accounts/${p.id}/unban`, { token: tokens.developer });
    expect(unbanned.status).toBe(200);
    expect(unbanned.body.bannedAt).toBeUndefined();
    expect(await playerSignsIn(p)).toBe(200);
    expect((await call('POST', `/admin/accounts/${randomUUID()}/ban`, { token: adminToken })).status).toBe(404);
  });

  it('deletes an account: it is gone and its token stops working', async () => {
    const p = await newPlayer();
    expect((await call('DELETE', `/admin/accounts/${p.id}`, { token: adminToken })).status).toBe(204);
    expect((await call('GET', `/admin/accounts/${p.id}`, { token: adminToken })).status).toBe(404);
    expect((await call('GET', '/api/account', { base: s.clientUrl, token: p.token })).status).toBe(401);
    expect((await call('DELETE', `/admin/accounts/${p.id}`, { token: adminToken })).status).toBe(404);
  });

  it('refuses a real player token on the admin port and the admin routes on the client port', async () => {
    const p = await newPlayer();
    const r = await call('GET', '/admin/accounts', { token: p.token });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('UNAUTHORIZED');
    expect((await call('GET', '/admin/accounts', { base: s.clientUrl, token: adminToken })).status).toBe(404);
    expect((await call('POST', `/admin/accounts/${p.id}/ban`, { base: s.clientUrl, token: adminToken })).status).toBe(404);
    expect(await playerSignsIn(p)).toBe(200);
  });

  describe('role and scope checks', () => {
    const rank = { viewer: 1, developer: 2, admin: 3 } as const;
    const routes = [
      { name: 'GET /admin/accounts', method: 'GET', path: () => '/admin/accounts', role: 'viewer', scope: 'accounts:read', ok: 200 },
      { name: 'GET /admin/accounts/:id', method: 'GET', path: (id: string) => `/admin/accounts/${id}`, role: 'viewer', scope: 'accounts:read', ok: 200 },
      { name: 'POST /admin/accounts/:id/ban', method: 'POST', path: (id: string) => `/admin/accounts/${id}/ban`, role: 'developer', scope: 'accounts:write', ok: 200 },
      { name: 'POST /admin/accounts/:id/unban', method: 'POST', path: (id: string) => `/admin/accounts/${id}/unban`, role: 'developer', scope: 'accounts:write', ok: 200 },
      { name: 'DELETE /admin/accounts/:id', method: 'DELETE', path: (id: string) => `/admin/accounts/${id}`, role: 'admin', scope: 'accounts:delete', ok: 204 },
    ] as const;

    it.each(routes.map((r) => [r.name, r] as const))('%s: weaker roles and keys without the scope get 403 and change nothing; the role and the scope pass', async (_n, route) => {
      const p = await newPlayer();
      const before = (await call('GET', `/admin/accounts/${p.id}`, { token: adminToken })).body;
      for (const role of ['viewer', 'developer', 'admin'] as const) {
        if (rank[role] >= rank[route.role]) continue;
        const r = await call(route.method, route.path(p.id), { token: tokens[role] });
        expect({ role, status: r.status, code: r.body.code }).toEqual({ role, status: 403, code: 'FORBIDDEN' });
      }
      const others = ['accounts:read', 'accounts:write', 'accounts:delete'].filter((sc) => sc !== route.scope);
      const wrongKey = await newKey(others);
      expect((await call(route.method, route.path(p.id), { token: wrongKey })).status).toBe(403);
      expect((await call('GET', `/admin/accounts/${p.id}`, { token: adminToken })).body).toEqual(before);

      const allowedRole = route.role;
      const first = await call(route.method, route.path(p.id), { token: tokens[allowedRole] });
      expect(first.status).toBe(route.ok);
      const target = route.method === 'DELETE' ? (await newPlayer()).id : p.id;
      const keyed = await call(route.method, route.path(target), { token: await newKey([route.scope]) });
      expect(keyed.status).toBe(route.ok);
    });
  });

  it('documents the account routes in the console Swagger with the role matrix', async () => {
    const doc = (await (await fetch(`${s.consoleUrl}/docs-json`)).json()) as { paths: Record<string, Record<string, { description?: string; security?: unknown; responses: Record<string, unknown> }>> };
    expect(doc.paths['/admin/accounts/{id}/ban']!.post!.description).toContain('Console roles: admin, developer. API keys: scope accounts:write.');
    expect(doc.paths['/admin/accounts/{id}']!.delete!.description).toContain('Console roles: admin. API keys: scope accounts:delete.');
    for (const ops of Object.values(doc.paths).filter((_, i) => Object.keys(doc.paths)[i]!.startsWith('/admin/accounts'))) {
      for (const op of Object.values(ops)) {
        expect(op.security).toEqual([{ admin: [] }]);
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
      }
    }
  });
});
