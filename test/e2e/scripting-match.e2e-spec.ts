import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { KaosSocket } from '@kaosnet/client';
import type { KaosConfig } from '@kaosnet/common';
import { ArenaOp, decodeArenaSnapshot, encodeArenaMove } from '@kaosnet/rooms';
import { newPlayer } from '../support/kaos-test-client.js';
import { startTestServer, TEST_ADMIN, type TestServer } from '../support/test-server.js';

interface Data {
  ref: number;
  gameOp: number;
  sender: number;
  data: Buffer;
}

/** The example scripts (scripts/*.lua) with real clients: Lua arena over UDP, purchase_item with storage. */
describe('Lua match module and example scripts', () => {
  let s: TestServer;
  let dir: string;
  let adminToken: string;
  const sockets: KaosSocket[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kaos-lua-'));
    for (const f of readdirSync('scripts').filter((f) => f.endsWith('.lua'))) copyFileSync(join('scripts', f), join(dir, f));
    copyFileSync('test/fixtures/lua/match/match_tools.lua', join(dir, 'match_tools.lua'));
    s = await startTestServer({ config: { luaDir: dir } as Partial<KaosConfig> });
    const res = await fetch(`${s.consoleUrl}/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(TEST_ADMIN) });
    adminToken = ((await res.json()) as { token: string }).token;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function udpPlayer(): Promise<{ socket: KaosSocket; data: Data[]; userId: string }> {
    const { client, auth } = await newPlayer(s);
    const socket = await client.connect(auth, { transport: 'udp' });
    sockets.push(socket);
    const data: Data[] = [];
    socket.on('roomData', (d: Data) => data.push(d));
    return { socket, data, userId: auth.userId };
  }

  async function until<T>(f: () => T | undefined, what: string, ms = 5000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = f();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('registers the example match module with the rooms engine', async () => {
    const res = await fetch(`${s.consoleUrl}/admin/runtime`, { headers: { authorization: `Bearer ${adminToken}` } });
    const body = (await res.json()) as { matches: { name: string; script: string }[] };
    expect(body.matches).toEqual(expect.arrayContaining([{ name: 'lua_arena', script: 'lua_arena.lua' }]));
  });

  it('plays the Lua arena with real clients over UDP: joins, moves, snapshots, label updates', async () => {
    const a = await udpPlayer();
    const b = await udpPlayer();
    const created = await a.socket.createRoom({ module: 'lua_arena', maxPlayers: 4, params: { seed: 3 } });
    expect(created).toMatchObject({ module: 'lua_arena', tickRate: 20, self: { m: 1 } });
    const roomId = created['roomId'] as string;
    const joined = await b.socket.joinRoom(roomId, { name: 'bee' });
    expect(joined).toMatchObject({ roomId, self: { m: 2 } });
    await expect(b.socket.joinRoom(roomId, { name: 'x'.repeat(30) })).rejects.toBeDefined();

    const snapshotsOf = (p: { data: Data[] }) => p.data.filter((d) => d.gameOp === ArenaOp.SNAPSHOT).map((d) => decodeArenaSnapshot(d.data)!);
    const first = await until(() => snapshotsOf(b).find((x) => x.players.length === 2), 'a snapshot with both players');
    const startX = first.players.find((p) => p.m === 2)!.x;
    // Player 2 steers right (or left when already at the right wall) for a while.
    const dx = startX > 90 ? -1 : 1;
    const ref = joined['ref'] as number;
    const mover = setInterval(() => b.socket.sendRoomData(ref, ArenaOp.MOVE, encodeArenaMove(dx, 0)), 50);
    try {
      const moved = await until(
        () => snapshotsOf(a).find((x) => x.tick > first.tick && Math.abs(x.players.find((p) => p.m === 2)!.x - startX) > 3),
        'player 2 moving in the snapshots player 1 receives',
      );
      expect(moved.players.map((p) => p.m).sort()).toEqual([1, 2]);
    } finally {
      clearInterval(mover);
    }
    const list = await a.socket.listRooms({ label: 'lua_arena' });
    expect(JSON.stringify(list)).toContain('lua_arena 2/4');

    const state = await fetch(`${s.consoleUrl}/admin/rooms/${roomId}/state`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(((await state.json()) as { state: { round: number } }).state).toMatchObject({ round: 1 });
  });

  it('creates and signals a Lua match from a Lua RPC through the rooms bindings', async () => {
    const { auth } = await newPlayer(s);
    const rpc = async (id: string, body: unknown) => {
      const res = await fetch(`${s.clientUrl}/api/rpc/${id}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.token}` }, body: JSON.stringify(body) });
      return (await res.json()) as Record<string, any>;
    };
    const room = JSON.parse((await rpc('arena.create', {}))['payload']);
    expect(room).toMatchObject({ module: 'lua_arena', label: 'lua_arena 0/4', maxPlayers: 4 });
    const answer = (await rpc('arena.signal', { room_id: room.roomId }))['payload'];
    expect(JSON.parse(answer)).toEqual({ round: 1, players: 0, echo: 'hello' });
  });

  it('kicks a session from Lua through the sessions binding', async () => {
    const p = await udpPlayer();
    const ended = once(p.socket, 'sessionEnd');
    const res = await fetch(`${s.consoleUrl}/admin/rpc/sessions.kick`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ session_id: p.socket.ack!.sessionId }),
    });
    expect(await res.json()).toEqual({ payload: 'true' });
    expect(await ended).toEqual(['kicked']);
  });

  it('runs the purchase_item example: storage writes through the service, errors with codes', async () => {
    const { client, auth } = await newPlayer(s);
    const socket = await client.connect(auth, { transport: 'udp' });
    sockets.push(socket);
    const buy = (item: string) => socket.rpc('purchase_item', JSON.stringify({ item_id: item })).then((p) => JSON.parse(p!));
    expect(await buy('sword')).toMatchObject({ success: true, item: 'sword', coins: 150 });
    expect(await buy('shield')).toMatchObject({ success: true, item: 'shield', coins: 70 });
    await expect(buy('sword')).rejects.toMatchObject({ code: 'CONFLICT', message: 'not enough coins' });
    await expect(buy('dragon')).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'unknown item: dragon' });
    const res = await fetch(`${s.clientUrl}/api/storage/wallet?userId=${auth.userId}`, { headers: { authorization: `Bearer ${auth.token}` } });
    expect(JSON.stringify(await res.json())).toContain('"coins":70');
  });

  it('runs a before hook on storage writes from REST (and not on the scripts own writes)', async () => {
    const { auth } = await newPlayer(s);
    const res = await fetch(`${s.clientUrl}/api/storage`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.token}` },
      body: JSON.stringify({ objects: [{ collection: 'forbidden', key: 'k', value: { a: 1 } }] }),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'FORBIDDEN', message: 'no writes there' });
  });

  it('runs before hooks on RoomCreate and RoomJoin over KaosTalk: they can refuse and change the request', async () => {
    const a = await udpPlayer();
    await expect(a.socket.createRoom({ label: 'no lua rooms' })).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'that label is reserved' });
    const room = await a.socket.createRoom({ label: 'rename me' });
    expect(room['label']).toBe('renamed by lua');
    const b = await udpPlayer();
    await expect(b.socket.joinRoom(room['roomId'] as string, { team: 'red' })).rejects.toMatchObject({ code: 'CONFLICT', message: 'red team is full' });
    const joined = await b.socket.joinRoom(room['roomId'] as string, { team: 'blue' });
    expect((joined['members'] as unknown[]).length).toBe(2);
  });
});
