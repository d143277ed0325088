import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { testDialects } from '@kaosnet/database';
import { newPlayer } from '../support/kaos-test-client.js';
import { startTestServer, TEST_ADMIN, type TestServer } from '../support/test-server.js';

interface Reply {
  status: number;
  body: Record<string, any>;
}

describe.each(testDialects())('storage REST on %s', (dialect) => {
  let s: TestServer;
  let alice: { token: string; userId: string };
  let bob: { token: string; userId: string };
  let admin: string;

  async function call(base: string, method: string, path: string, token: string | undefined, body?: unknown): Promise<Reply> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  }
  const api = (method: string, path: string, who: { token: string } | undefined, body?: unknown) => call(s.clientUrl, method, path, who?.token, body);
  const adm = (method: string, path: string, body?: unknown, token = admin) => call(s.consoleUrl, method, path, token, body);

  beforeAll(async () => {
    s = await startTestServer({ dialect });
    const a = await newPlayer(s, 'alice');
    const b = await newPlayer(s, 'bob');
    alice = { token: a.auth.token, userId: a.auth.userId };
    bob = { token: b.auth.token, userId: b.auth.userId };
    const login = await call(s.consoleUrl, 'POST', '/admin/login', undefined, TEST_ADMIN);
    admin = login.body.token;
  });
  afterAll(async () => {
    await s.close();
  });

  it('writes, reads, lists, queries and deletes over REST', async () => {
    const w = await api('PUT', '/api/storage', alice, {
      objects: [
        { collection: 'inventory', key: 'sword', value: { damage: 50, level: 10 }, permissionRead: 2 },
        { collection: 'inventory', key: 'stick', value: { damage: 1, level: 1 } },
      ],
    });
    expect(w.status).toBe(200);
    expect(w.body.acks).toEqual([
      { collection: 'inventory', key: 'sword', userId: alice.userId, version: expect.any(String) },
      { collection: 'inventory', key: 'stick', userId: alice.userId, version: expect.any(String) },
    ]);
    const r = await api('POST', '/api/storage/read', alice, { ids: [{ collection: 'inventory', key: 'sword' }] });
    expect(r.status).toBe(200);
    expect(r.body.objects[0]).toMatchObject({ key: 'sword', userId: alice.userId, value: { damage: 50, level: 10 }, permissionRead: 2, permissionWrite: 1 });

    const q = await api('POST', '/api/storage/inventory/query', bob, { userId: alice.userId, filter: { level: { $gte: 5 } } });
    expect(q.status).toBe(200);
    expect(q.body.objects.map((o: { key: string }) => o.key)).toEqual(['sword']);

    const page1 = await api('GET', `/api/storage/inventory?userId=${alice.userId}&limit=1`, alice);
    expect(page1.status).toBe(200);
    expect(page1.body.objects).toHaveLength(1);
    const page2 = await api('GET', `/api/storage/inventory?userId=${alice.userId}&limit=1&cursor=${page1.body.cursor}`, alice);
    expect(page2.body.objects).toHaveLength(1);
    expect(page2.body.cursor).toBeUndefined();
    expect(page1.body.objects[0].key).not.toBe(page2.body.objects[0].key);

    // Bob sees only the public one.
    const bobList = await api('GET', `/api/storage/inventory?userId=${alice.userId}`, bob);
    expect(bobList.body.objects.map((o: { key: string }) => o.key)).toEqual(['sword']);

    const stale = await api('POST', '/api/storage/delete', alice, { ids: [{ collection: 'inventory', key: 'sword', version: 'stale' }] });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('CONFLICT');
    const del = await api('POST', '/api/storage/delete', alice, { ids: [{ collection: 'inventory', key: 'sword', version: w.body.acks[0].version }] });
    expect(del.status).toBe(204);
    expect((await api('POST', '/api/storage/read', alice, { ids: [{ collection: 'inventory', key: 'sword' }] })).body.objects).toEqual([]);
  });

  it('answers version conflicts with 409 and writes nothing', async () => {
    const first = await api('PUT', '/api/storage', alice, { objects: [{ collection: 'cas', key: 'k', value: { n: 1 }, version: '*' }] });
    expect(first.status).toBe(200);
    const again = await api('PUT', '/api/storage', alice, {
      objects: [
        { collection: 'cas', key: 'other', value: { n: 1 } },
        { collection: 'cas', key: 'k', value: { n: 2 }, version: '*' },
      ],
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'CONFLICT', reason: 'STORAGE_ALREADY_EXISTS' });
    expect((await api('POST', '/api/storage/read', alice, { ids: [{ collection: 'cas', key: 'other' }] })).body.objects).toEqual([]);
  });

  it.each([
    ['a non-object value', { objects: [{ collection: 'c', key: 'k', value: [1] }] }, 400, 'value'],
    ['an unknown field', { objects: [{ collection: 'c', key: 'k', value: {}, owner: 'x' }] }, 400, 'owner'],
    ['a bad permission', { objects: [{ collection: 'c', key: 'k', value: {}, permissionRead: 7 }] }, 400, 'permissionRead'],
    ['an oversize value', { objects: [{ collection: 'c', key: 'k', value: { s: 'x'.repeat(300 * 1024) } }] }, 413, 'value'],
    ['an oversize batch', { objects: Array.from({ length: 101 }, (_, i) => ({ collection: 'c', key: `k${i}`, value: {} })) }, 413, 'objects'],
    ['another user as owner', { objects: [{ collection: 'c', key: 'k', value: {}, userId: 'someone' }] }, 400, 'userId'],
  ])('refuses %s with a clear error', async (_name, body, status, field) => {
    const r = await api('PUT', '/api/storage', alice, body);
    expect(r.status).toBe(status);
    expect(r.body.message).toContain(field);
    expect((await api('GET', '/api/storage/c', alice)).body.objects).toEqual([]);
  });

  it('refuses bad queries and cursors with 400, and SQL-shaped input does no harm', async () => {
    const bad = [
      { filter: { level: { $where: '1' } } },
      { filter: { "a'; DROP TABLE storage_objects; --": 1 } },
      { filter: { $and: [{ $or: [{ $nor: [{ $and: [{ $or: [{ $and: [{ $or: [{ a: 1 }] }] }] }] }] }] }] } },
      { filter: {}, cursor: 'not-a-cursor!' },
      { filter: {}, sort: [{ path: 'x; DELETE', direction: 'asc' }] },
    ];
    for (const body of bad) {
      const r = await api('POST', '/api/storage/inventory/query', alice, body);
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('BAD_REQUEST');
    }
    const key = "x'); DELETE FROM storage_objects; --";
    expect((await api('PUT', '/api/storage', alice, { objects: [{ collection: 'sql', key, value: { q: key } }] })).status).toBe(200);
    const found = await api('POST', '/api/storage/sql/query', alice, { filter: { q: key } });
    expect(found.body.objects.map((o: { key: string }) => o.key)).toEqual([key]);
  });

  it('requires a player token', async () => {
    expect((await api('GET', '/api/storage/inventory', undefined)).status).toBe(401);
  });

  it('serves admin routes on the admin port as the system, behind the admin guard', async () => {
    expect((await adm('GET', '/admin/storage', undefined, 'nope')).status).toBe(401);
    const put = await adm('PUT', '/admin/storage/config/motd', { value: { text: 'hello' }, permissionRead: 2, permissionWrite: 0 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ collection: 'config', key: 'motd', userId: null });
    // Players read the public server-owned object, but cannot write it.
    const read = await api('POST', '/api/storage/read', bob, { ids: [{ collection: 'config', key: 'motd', userId: null }] });
    expect(read.body.objects[0].value).toEqual({ text: 'hello' });
    expect((await adm('GET', '/admin/storage/config/motd')).body.value).toEqual({ text: 'hello' });
    expect((await adm('GET', '/admin/storage/config/none')).status).toBe(404);
    const cols = await adm('GET', '/admin/storage');
    expect(cols.body.collections).toEqual(expect.arrayContaining([{ collection: 'config', count: 1 }]));
    const list = await adm('GET', `/admin/storage/inventory?userId=${alice.userId}&keyPrefix=st`);
    expect(list.body.objects.map((o: { key: string }) => o.key)).toEqual(['stick']);
    const search = await adm('POST', '/admin/storage/inventory/query', { filter: { damage: { $lt: 5 } } });
    expect(search.body.objects.map((o: { key: string }) => o.key)).toEqual(['stick']);
    expect((await adm('DELETE', '/admin/storage/config/motd')).status).toBe(204);
    expect((await adm('GET', '/admin/storage/config/motd')).status).toBe(404);
  });

  it('documents every storage route in Swagger', async () => {
    const doc = (await (await fetch(`${s.clientUrl}/docs-json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/api/storage'])).toContain('put');
    expect(doc.paths['/api/storage/read']).toHaveProperty('post');
    expect(doc.paths['/api/storage/delete']).toHaveProperty('post');
    expect(doc.paths['/api/storage/{collection}']).toHaveProperty('get');
    expect(doc.paths['/api/storage/{collection}/query']).toHaveProperty('post');
  });
});
