import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import type { KaosConfig } from '@kaosnet/common';
import { KaosRpc, type RpcContext } from '@kaosnet/scripting';
import { newPlayer } from '../support/kaos-test-client.js';
import { startTestServer, TEST_ADMIN, type TestServer } from '../support/test-server.js';

const FIXTURES = join(process.cwd(), 'test/fixtures/lua');
const HTTP_KEY = 'test-http-key-0123456789';

@Injectable()
class TsRpcs {
  @KaosRpc('ts.echo')
  echo(ctx: RpcContext, payload?: string): string {
    return JSON.stringify({ payload: payload ?? null, userId: ctx.userId ?? null });
  }
}

@Module({ providers: [TsRpcs] })
class TsRpcModule {}

describe('Lua scripting: RPCs, hooks, bindings and errors', () => {
  let s: TestServer;
  let adminToken: string;

  beforeAll(async () => {
    s = await startTestServer({ config: { luaDir: join(FIXTURES, 'basic'), httpKey: HTTP_KEY } as Partial<KaosConfig>, modules: [TsRpcModule] });
    const res = await fetch(`${s.consoleUrl}/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(TEST_ADMIN) });
    adminToken = ((await res.json()) as { token: string }).token;
  });
  afterAll(async () => {
    await s.close();
  });

  const rest = async (id: string, body: unknown, auth: { bearer?: string; httpKey?: string } = {}) => {
    const url = `${s.clientUrl}/api/rpc/${id}${auth.httpKey ? `?http_key=${auth.httpKey}` : ''}`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth.bearer ? { authorization: `Bearer ${auth.bearer}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${s.consoleUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('runs a Lua RPC over REST with the user ctx and a decoded payload', async () => {
    const { auth } = await newPlayer(s);
    const r = await rest('echo', { item_id: 'sword' }, { bearer: auth.token });
    expect(r.status).toBe(200);
    const out = JSON.parse(r.body['payload']);
    expect(out).toMatchObject({ payload: { item_id: 'sword' }, user_id: auth.userId, origin: 'rest' });
    expect(typeof out.session_id).toBe('string');
  });

  it('refuses REST RPCs without a bearer token or with a wrong http_key, and runs as the server with the right one', async () => {
    expect((await rest('echo', {})).status).toBe(401);
    expect((await rest('echo', {}, { httpKey: 'wrong' })).status).toBe(401);
    const r = await rest('echo', { a: 1 }, { httpKey: HTTP_KEY });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body['payload'])).toMatchObject({ origin: 'server', payload: { a: 1 } });
  });

  it('runs the same Lua RPC over KaosTalk (UDP) with the session id in ctx', async () => {
    const { client, auth } = await newPlayer(s);
    const socket = await client.connect(auth, { transport: 'udp' });
    try {
      const out = JSON.parse((await socket.rpc('echo', JSON.stringify({ n: 1 })))!);
      expect(out).toMatchObject({ payload: { n: 1 }, user_id: auth.userId, origin: 'kaostalk', session_id: socket.ack!.sessionId });
    } finally {
      socket.close();
    }
  });

  it('shares one dispatch between Lua and TypeScript RPCs; an unknown id is NOT_FOUND', async () => {
    const { client, auth } = await newPlayer(s);
    const r = await rest('ts.echo', { x: 1 }, { bearer: auth.token });
    expect(JSON.parse(r.body['payload'])).toEqual({ payload: '{"x":1}', userId: auth.userId });
    expect((await rest('nope', {}, { bearer: auth.token })).body).toMatchObject({ code: 'NOT_FOUND' });
    const socket = await client.connect(auth, { transport: 'ws' });
    try {
      expect(JSON.parse((await socket.rpc('ts.echo', 'hi'))!)).toEqual({ payload: 'hi', userId: auth.userId });
      await expect(socket.rpc('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      socket.close();
    }
  });

  it('round-trips numbers above 2^31 exactly (floats, not 32-bit integers)', async () => {
    const { auth } = await newPlayer(s);
    for (const n of [2 ** 31, 2 ** 31 + 1, 3_000_000_000, 1_735_689_600_123, 2 ** 52 + 1, -(2 ** 40) - 7]) {
      const r = await rest('numbers', { n }, { bearer: auth.token });
      const out = JSON.parse(r.body['payload']);
      expect(out).toMatchObject({ n, plus_one: n + 1, doubled: n * 2, type: 'float' });
    }
    const now = JSON.parse((await rest('numbers', { n: 1 }, { bearer: auth.token })).body['payload']).now;
    expect(Math.abs(now - Date.now())).toBeLessThan(5000);
  });

  it('turns error({message, code}) into that KaosError on REST and KaosTalk', async () => {
    const { client, auth } = await newPlayer(s);
    expect(await rest('not_found', {}, { bearer: auth.token })).toEqual({ status: 404, body: expect.objectContaining({ code: 'NOT_FOUND', message: 'no such item' }) });
    const socket = await client.connect(auth, { transport: 'ws' });
    try {
      await expect(socket.rpc('not_found')).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no such item' });
    } finally {
      socket.close();
    }
  });

  it('reports a runtime error with script and line: INTERNAL for players, details for admins', async () => {
    const { auth } = await newPlayer(s);
    const r = await rest('broken', {}, { bearer: auth.token });
    expect(r.status).toBe(500);
    expect(r.body).toMatchObject({ code: 'INTERNAL' });
    expect(JSON.stringify(r.body)).not.toContain('rpcs.lua');
    const a = await admin('POST', '/admin/rpc/broken', {});
    expect(a.status).toBe(200);
    expect(a.body['error']).toMatchObject({ script: 'rpcs.lua', line: 19, code: 'INTERNAL', message: expect.stringContaining('attempt to index a nil value') });
    const rt = await admin('GET', '/admin/runtime');
    expect(rt.body['recentErrors'][0]).toMatchObject({ script: 'rpcs.lua', line: 19, label: expect.stringContaining('rpc broken') });
  });

  it('gives scripts the kaos utilities and require between scripts', async () => {
    const out = JSON.parse((await admin('POST', '/admin/rpc/utils', {})).body['payload']);
    expect(out).toEqual({
      uuid_len: 36,
      sha: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      b64: 'aGVsbG8=',
      unb64: 'hello',
      json: '{"a":1,"b":[1,2,3]}',
      decoded: { x: [1, 2, { y: true }] },
      greeting: 'hello, server',
      date: '1970-01-01',
    });
    const raw = await admin('POST', '/admin/rpc/raw');
    expect(raw.body).toEqual({ payload: 'plain text: nil' });
  });

  it('binds accounts: a script reads an account through AccountsService; its KaosError arrives as {message, code}', async () => {
    const { auth } = await newPlayer(s);
    const me = JSON.parse((await rest('me', {}, { bearer: auth.token })).body['payload']);
    expect(me).toEqual({ id: auth.userId, username: auth.username });
    const missing = JSON.parse((await rest('missing_account', {}, { bearer: auth.token })).body['payload']);
    expect(missing).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });

  it('runs before hooks that modify and reject an account update, and the after hook', async () => {
    const { client, auth } = await newPlayer(s);
    const put = async (body: unknown) => {
      const res = await fetch(`${s.clientUrl}/api/account`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.token}` }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const ok = await put({ displayName: 'Zed' });
    expect(ok).toMatchObject({ status: 200 });
    expect(ok.body['displayName']).toBe('[Zed]');
    const refused = await put({ displayName: 'admin' });
    expect(refused).toEqual({ status: 403, body: expect.objectContaining({ code: 'FORBIDDEN', message: 'that name is reserved' }) });
    expect((await client.getAccount(auth)).displayName).toBe('[Zed]');
  });

  it('runs the authenticate before hook: refuses a device, and tags the session vars seen by later RPCs', async () => {
    const res = await fetch(`${s.clientUrl}/api/auth/device`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: s.serverKeyAuth }, body: JSON.stringify({ deviceId: `blocked-${Date.now()}` }) });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'FORBIDDEN', message: 'this device is blocked' });
    const { auth } = await newPlayer(s);
    const out = JSON.parse((await rest('echo', {}, { bearer: auth.token })).body['payload']);
    expect(out.vars).toEqual({ tagged: 'by-lua' });
  });

  it('runs a before hook on RPCs that can change the payload or reject the call', async () => {
    const { auth } = await newPlayer(s);
    const tagged = JSON.parse((await rest('echo', { tag: 1 }, { bearer: auth.token })).body['payload']);
    expect(tagged.payload).toEqual({ tag: 1, tagged_by_hook: true });
    expect(await rest('echo', { reject: true }, { bearer: auth.token })).toEqual({ status: 400, body: expect.objectContaining({ code: 'BAD_REQUEST', message: 'rejected by before hook' }) });
  });

  it('lists scripts, shows one, and describes the runtime on the admin API', async () => {
    const list = await admin('GET', '/admin/scripts');
    expect(list.body['scripts'].map((f: { name: string }) => f.name)).toEqual(['lib/util.lua', 'rpcs.lua']);
    const one = await admin('GET', `/admin/scripts/${encodeURIComponent('lib/util.lua')}`);
    expect(one.body['content']).toContain('function M.greet');
    expect((await admin('GET', '/admin/scripts/nope.lua')).status).toBe(404);
    const rt = await admin('GET', '/admin/runtime');
    expect(rt.body['rpcs']['typescript']).toContain('ts.echo');
    expect(rt.body['rpcs']['lua'].map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining(['echo', 'numbers', 'utils']));
    expect(rt.body['hooks']['before'].map((h: { operation: string }) => h.operation)).toEqual(['account.update', 'authenticate', 'rpc']);
    expect(rt.body['bindings'].map((b: { name: string }) => b.name)).toEqual(expect.arrayContaining(['kaos.account_get', 'kaos.account_update', 'kaos.account_ban']));
  });

  it('keeps admin script routes off the client port and behind the admin guard', async () => {
    expect((await fetch(`${s.clientUrl}/admin/scripts`)).status).toBe(404);
    expect((await fetch(`${s.consoleUrl}/admin/scripts`)).status).toBe(401);
    const { auth } = await newPlayer(s);
    expect((await fetch(`${s.consoleUrl}/admin/runtime`, { headers: { authorization: `Bearer ${auth.token}` } })).status).toBe(401);
  });
});
