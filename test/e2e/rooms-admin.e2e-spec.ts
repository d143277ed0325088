import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { MatchHandler, type MatchContext } from '@kaosnet/rooms';
import { newPlayer } from '../support/kaos-test-client.js';
import { startTestServer, TEST_ADMIN, type TestServer } from '../support/test-server.js';
import { player, until, type Recorded } from './rooms-helpers.js';

@MatchHandler('test.admin')
class AdminProbeMatch implements MatchHandler<{ terminated: number[] }> {
  init() {
    return { state: { terminated: [] as number[] }, tickRate: 30, label: 'admin-probe' };
  }
  loop(_ctx: MatchContext, state: { terminated: number[] }) {
    return state;
  }
  terminate(ctx: MatchContext, state: { terminated: number[] }, grace: number) {
    state.terminated.push(grace);
    ctx.broadcast(77, Buffer.from(`bye in ${grace}`));
    return state;
  }
  inspect(state: { terminated: number[] }) {
    return { terminated: state.terminated, secret: undefined };
  }
}

@Module({ providers: [AdminProbeMatch] })
class AdminProbeModule {}

describe('rooms admin API and GET /api/rooms', () => {
  let s: TestServer;
  const tokens: Record<string, string> = {};
  const open: Recorded[] = [];

  const call = async (method: string, path: string, token: string, body?: unknown, base?: string) => {
    const res = await fetch(`${base ?? s.consoleUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
  };
  const join = async () => {
    const p = await player(s, 'ws');
    open.push(p);
    return p;
  };

  beforeAll(async () => {
    s = await startTestServer({ modules: [AdminProbeModule] });
    const login = async (username: string, password: string) =>
      ((await (await fetch(`${s.consoleUrl}/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })).json()) as { token: string }).token;
    tokens['admin'] = await login(TEST_ADMIN.username, TEST_ADMIN.password);
    for (const role of ['viewer', 'developer']) {
      const username = `${role}_${randomUUID().slice(0, 8)}`;
      expect((await call('POST', '/admin/users', tokens['admin'], { username, password: 'password-123', role })).status).toBe(201);
      tokens[role] = await login(username, 'password-123');
    }
    const key = await call('POST', '/admin/api-keys', tokens['admin'], { name: 'rooms-reader', scopes: ['rooms:read'] });
    tokens['roomsKey'] = key.body['key'];
  });
  afterAll(async () => {
    for (const p of open) p.socket.close();
    await s.close();
  });

  it('reports status: uptime, sessions, rooms, messages/s and tick lateness', async () => {
    const a = await join();
    await a.socket.createRoom({ module: 'test.admin' });
    await new Promise((r) => setTimeout(r, 200));
    const r = await call('GET', '/admin/status', tokens['viewer']!);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ uptimeMs: expect.any(Number), sessions: expect.any(Number), rooms: { total: expect.any(Number), authoritative: expect.any(Number) }, messagesPerSec: expect.any(Number) });
    expect(r.body['sessions']).toBeGreaterThanOrEqual(1);
    expect(r.body['tickLateness']['p99']).toEqual(expect.any(Number));
    expect(r.body['ticks']['total']).toBeGreaterThan(0);
  });

  it('lists, finds and kicks sessions; a kick really closes the connection and leaves its rooms', async () => {
    const [a, b] = [await join(), await join()];
    const roomId = (await a.socket.createRoom({ label: 'kick-room' }))['roomId'] as string;
    await b.socket.joinRoom(roomId);
    const sessionId = b.socket.ack!.sessionId;
    const list = await call('GET', `/admin/sessions?search=${b.userId}`, tokens['viewer']!);
    expect(list.body['sessions']).toEqual([expect.objectContaining({ sessionId, userId: b.userId, transport: 'ws', rooms: 1 })]);
    const one = await call('GET', `/admin/sessions/${sessionId}`, tokens['viewer']!);
    expect(one.body).toMatchObject({ sessionId, memberships: [{ roomId, ref: 1, m: 2, label: 'kick-room' }], link: expect.any(Object) });
    expect((await call('GET', '/admin/sessions/nope', tokens['viewer']!)).status).toBe(404);

    expect((await call('POST', `/admin/sessions/${sessionId}/kick`, tokens['viewer']!)).status).toBe(403);
    const ended = new Promise<string>((resolve) => b.socket.once('sessionEnd', resolve));
    const closed = new Promise((resolve) => b.socket.once('close', resolve));
    expect(await call('POST', `/admin/sessions/${sessionId}/kick`, tokens['developer']!)).toEqual({ status: 200, body: { sessionId, kicked: true } });
    expect(await ended).toBe('kicked');
    await closed;
    await until(() => a.states.find((e) => e['roomId'] === roomId && e['leaves']), 3000, 'leave delta');
    expect((await call('GET', `/admin/sessions/${sessionId}`, tokens['viewer']!)).status).toBe(404);
  });

  it('lists rooms with label search, shows one with members and tick statistics, and its handler state view', async () => {
    const a = await join();
    const label = `adm-${randomUUID().slice(0, 8)}`;
    const relayId = (await a.socket.createRoom({ label }))['roomId'] as string;
    const matchId = (await a.socket.createRoom({ module: 'test.admin' }))['roomId'] as string;
    const list = await call('GET', `/admin/rooms?label=${label}`, tokens['viewer']!);
    expect(list.body).toEqual({ rooms: [expect.objectContaining({ roomId: relayId, label, handler: 'relay', size: 1, state: 'open' })] });
    await new Promise((r) => setTimeout(r, 150));
    const room = await call('GET', `/admin/rooms/${matchId}`, tokens['roomsKey']!);
    expect(room.status).toBe(200);
    expect(room.body).toMatchObject({ roomId: matchId, handler: 'test.admin', tickRate: 30, state: 'running', members: [{ m: 1, userId: a.userId, ref: 2 }] });
    expect(room.body['tickStats']['ticks']).toBeGreaterThan(0);
    expect((await call('GET', `/admin/rooms/${matchId}/state`, tokens['viewer']!)).body).toEqual({ roomId: matchId, state: { terminated: [] } });
    expect((await call('GET', `/admin/rooms/${relayId}/state`, tokens['viewer']!)).body).toEqual({ roomId: relayId, state: null });
    expect((await call('GET', `/admin/rooms/${randomUUID()}`, tokens['viewer']!)).status).toBe(404);
  });

  it('terminates a room: terminate() runs, members see RoomLeave closed; viewers and read-only keys may not', async () => {
    const [a, b] = [await join(), await join()];
    const roomId = (await a.socket.createRoom({ module: 'test.admin' }))['roomId'] as string;
    await b.socket.joinRoom(roomId);
    expect((await call('POST', `/admin/rooms/${roomId}/terminate`, tokens['viewer']!, {})).status).toBe(403);
    expect((await call('POST', `/admin/rooms/${roomId}/terminate`, tokens['roomsKey']!, {})).status).toBe(403);
    const r = await call('POST', `/admin/rooms/${roomId}/terminate`, tokens['developer']!, { graceSeconds: 0 });
    expect(r.status).toBe(200);
    for (const p of [a, b]) {
      await until(() => p.data.find((d) => d.gameOp === 77), 3000, 'terminate broadcast');
      expect(await until(() => p.leaves.find((e) => e['roomId'] === roomId), 3000, 'closed')).toEqual({ roomId, ref: 1, reason: 'closed', detail: 'terminated' });
    }
    expect((await call('GET', `/admin/rooms/${roomId}`, tokens['viewer']!)).status).toBe(404);
  });

  it('refuses the admin routes without a console credential, and never serves them on the client port', async () => {
    const { auth } = await newPlayer(s);
    expect((await call('GET', '/admin/rooms', auth.token)).status).toBe(401);
    expect((await call('GET', '/admin/status', tokens['roomsKey']!)).status).toBe(403);
    expect((await call('GET', '/admin/rooms', tokens['admin']!, undefined, s.clientUrl)).status).toBe(404);
  });

  it('lists rooms for players on GET /api/rooms with label, limit and cursor (bearer required)', async () => {
    const a = await join();
    const { auth } = await newPlayer(s);
    const label = `api-${randomUUID().slice(0, 8)}`;
    for (const n of [1, 2, 3]) await a.socket.createRoom({ label: `${label}-${n}` });
    const p1 = await call('GET', `/api/rooms?label=${label}&limit=2`, auth.token, undefined, s.clientUrl);
    expect(p1.status).toBe(200);
    expect(p1.body['rooms'].map((r: { label: string }) => r.label)).toEqual([`${label}-1`, `${label}-2`]);
    const p2 = await call('GET', `/api/rooms?label=${label}&limit=2&cursor=${p1.body['cursor']}`, auth.token, undefined, s.clientUrl);
    expect(p2.body).toEqual({ rooms: [expect.objectContaining({ label: `${label}-3`, size: 1, maxPlayers: 16, state: 'open' })] });
    expect((await call('GET', '/api/rooms?limit=0', auth.token, undefined, s.clientUrl)).status).toBe(400);
    expect((await fetch(`${s.clientUrl}/api/rooms`)).status).toBe(401);
  });
});
