import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { KaosConfig } from '@kaosnet/common';
import { DeliveryClass, encodeMessage, Lane, Op } from '@kaosnet/transport';
import { RoomsService } from '@kaosnet/rooms';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { pause, player, u32, until, type Recorded, type Transport } from './rooms-helpers.js';

const ROOMS = { relayEmptyGraceMs: 300 };

describe.each<Transport>(['udp', 'ws'])('relay rooms over %s', (transport) => {
  let s: TestServer;
  const open: Recorded[] = [];
  beforeAll(async () => {
    s = await startTestServer({ config: { rooms: ROOMS } as Partial<KaosConfig> });
  });
  afterAll(async () => {
    for (const p of open) p.socket.close();
    await s.close();
  });
  const join = async (name = 'p') => {
    const p = await player(s, transport, name);
    open.push(p);
    return p;
  };
  const label = () => `t-${transport}-${randomUUID().slice(0, 8)}`;

  it('creates, joins, lists and leaves a room with snapshots and deltas', async () => {
    const a = await join('a');
    const b = await join('b');
    const l = label();
    const created = await a.socket.createRoom({ label: l, maxPlayers: 4 });
    expect(created).toMatchObject({ label: l, state: 'open', maxPlayers: 4, ref: 1, self: { m: 1, userId: a.userId }, members: [{ m: 1, userId: a.userId }] });
    const roomId = created['roomId'] as string;
    const joined = await b.socket.joinRoom(roomId);
    expect(joined).toMatchObject({ roomId, ref: 1, self: { m: 2, userId: b.userId } });
    expect((joined['members'] as unknown[]).length).toBe(2);
    const delta = await until(() => a.states.find((e) => e['roomId'] === roomId && e['joins']), 3000, 'join delta');
    expect(delta).toEqual({ roomId, ref: 1, joins: [expect.objectContaining({ m: 2, userId: b.userId })] });

    const listed = await b.socket.listRooms({ label: l });
    expect(listed['rooms']).toEqual([{ roomId, label: l, size: 2, maxPlayers: 4, state: 'open' }]);
    expect(await b.socket.request(Op.RoomState, { ref: 1 })).toMatchObject({ roomId, ref: 1, self: { m: 2 } });

    expect(await b.socket.leaveRoom(1)).toMatchObject({ roomId, ref: 1 });
    expect(await until(() => a.states.find((e) => e['roomId'] === roomId && e['leaves']), 3000, 'leave delta')).toEqual({ roomId, ref: 1, leaves: [2] });
    await expect(b.socket.leaveRoom(1)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // A new member gets a fresh member ref: refs are never reused within a room.
    expect(await b.socket.joinRoom(roomId)).toMatchObject({ self: { m: 3 } });
  });

  it('does not hand a released room ref out again within 60 s', async () => {
    const a = await join();
    const r1 = await a.socket.createRoom({ label: label() });
    await a.socket.leaveRoom(r1['ref'] as number);
    const r2 = await a.socket.createRoom({ label: label() });
    expect(r2['ref']).not.toBe(r1['ref']);
  });

  it('relays RoomData to every other member at once with its own ref and the sender m, never back to the sender', async () => {
    const [a, b, c] = [await join(), await join(), await join()];
    const room = await a.socket.createRoom({ label: label() });
    const roomId = room['roomId'] as string;
    // b and c first hold another room, so their refs for this one differ from a's.
    await b.socket.createRoom({ label: label() });
    const bRef = (await b.socket.joinRoom(roomId))['ref'] as number;
    const cRef = (await c.socket.joinRoom(roomId))['ref'] as number;
    expect(bRef).toBe(2);
    a.socket.sendRoomData(1, 7, Buffer.from('hello'));
    const gotB = await until(() => b.data.find((d) => d.gameOp === 7), 3000, 'b data');
    const gotC = await until(() => c.data.find((d) => d.gameOp === 7), 3000, 'c data');
    expect(gotB).toMatchObject({ ref: bRef, sender: 1, flags: 0 });
    expect(gotB.data.toString()).toBe('hello');
    expect(gotC).toMatchObject({ ref: cRef, sender: 1 });
    await pause(100);
    expect(a.data.filter((d) => d.gameOp === 7)).toEqual([]);
  });

  it('sends only to listed targets that are members, ignoring the sender and unknown refs', async () => {
    const [a, b, c] = [await join(), await join(), await join()];
    const roomId = (await a.socket.createRoom({ label: label() }))['roomId'] as string;
    await b.socket.joinRoom(roomId); // m 2
    await c.socket.joinRoom(roomId); // m 3
    a.socket.sendRoomData(1, 8, Buffer.from('to-c'), { targets: [3, 3] });
    a.socket.sendRoomData(1, 9, Buffer.from('nobody'), { targets: [99, 1] });
    b.socket.sendRoomData(1, 10, Buffer.from('marker'), { targets: [3] });
    await until(() => c.data.find((d) => d.gameOp === 10), 3000, 'marker');
    expect(c.data.filter((d) => d.gameOp === 8).map((d) => d.data.toString())).toEqual(['to-c']);
    expect(b.data.filter((d) => d.gameOp === 8)).toEqual([]);
    expect([...a.data, ...b.data, ...c.data].filter((d) => d.gameOp === 9)).toEqual([]);
  });

  it('keeps each delivery class guarantee end to end', async () => {
    const [a, b] = [await join(), await join()];
    const roomId = (await a.socket.createRoom({ label: label() }))['roomId'] as string;
    await b.socket.joinRoom(roomId);
    // 4 × 80 messages stay inside the default per-session message burst (400).
    const N = 80;
    const classes = [DeliveryClass.RO, DeliveryClass.RU, DeliveryClass.US, DeliveryClass.U];
    for (let i = 0; i < N; i++) for (const cls of classes) a.socket.sendRoomData(1, 20 + cls, u32(i), { delivery: cls });
    a.socket.sendRoomData(1, 99, Buffer.alloc(0), { delivery: DeliveryClass.RO });
    await until(() => b.data.find((d) => d.gameOp === 99), 5000, 'end marker');
    await pause(50);
    const seqs = (cls: number) => b.data.filter((d) => d.gameOp === 20 + cls).map((d) => d.data.readUInt32LE(0));
    // RO: all, in order. RU: all, exactly once. US: increasing, no repeats. U: at most once each.
    expect(seqs(DeliveryClass.RO)).toEqual(Array.from({ length: N }, (_, i) => i));
    expect([...seqs(DeliveryClass.RU)].sort((x, y) => x - y)).toEqual(Array.from({ length: N }, (_, i) => i));
    const us = seqs(DeliveryClass.US);
    for (let i = 1; i < us.length; i++) expect(us[i]!).toBeGreaterThan(us[i - 1]!);
    const u = seqs(DeliveryClass.U);
    expect(new Set(u).size).toBe(u.length);
    for (const d of b.data.filter((x) => x.gameOp >= 20 && x.gameOp <= 23)) expect(d.flags).toBe(d.gameOp - 20);
  });

  it('drops RoomData for an unknown ref without an error; the session stays usable', async () => {
    const a = await join();
    const errors: unknown[] = [];
    a.socket.on('error', (e) => errors.push(e));
    const service = s.server.app.get(RoomsService);
    const before = service.stats.droppedUnknownRef;
    a.socket.sendRoomData(999, 1, Buffer.from('x'));
    await until(() => service.stats.droppedUnknownRef > before, 3000, 'drop counted');
    expect(await a.socket.listRooms({ limit: 1 })).toHaveProperty('rooms');
    expect(errors).toEqual([]);
  });

  it('answers a malformed RoomData with BAD_REQUEST, at most once per second', async () => {
    const a = await join();
    const errors: { code: string; op?: number }[] = [];
    a.socket.on('error', (e) => errors.push(e as unknown as { code: string; op?: number }));
    const bad = Buffer.from([1, 0, 1, 0, 0x80, 0]); // reserved flag bit set
    for (let i = 0; i < 5; i++) a.socket.transport.send(encodeMessage(Op.RoomData, bad), Lane.RO);
    await until(() => errors.length > 0, 3000, 'error');
    await pause(100);
    expect(errors).toEqual([expect.objectContaining({ code: 'BAD_REQUEST', op: Op.RoomData })]);
  });

  it('refuses a join to a full room with CONFLICT, to an unknown room with NOT_FOUND, and a second join with CONFLICT', async () => {
    const [a, b, c] = [await join(), await join(), await join()];
    const roomId = (await a.socket.createRoom({ label: label(), maxPlayers: 2 }))['roomId'] as string;
    await b.socket.joinRoom(roomId);
    await expect(c.socket.joinRoom(roomId)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('full') });
    await expect(b.socket.joinRoom(roomId)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('Already') });
    await expect(c.socket.joinRoom(randomUUID())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(c.socket.joinRoom('not-a-uuid')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(c.socket.createRoom({ label: 'x'.repeat(129) })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(c.socket.createRoom({ maxPlayers: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(c.socket.createRoom({ module: 'no.such.module' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists with a label filter and a cursor', async () => {
    const a = await join();
    const prefix = label();
    for (const n of [1, 2, 3]) await a.socket.createRoom({ label: `${prefix}-${n}` });
    const p1 = await a.socket.listRooms({ label: prefix.toUpperCase(), limit: 2 });
    expect((p1['rooms'] as { label: string }[]).map((r) => r.label)).toEqual([`${prefix}-1`, `${prefix}-2`]);
    const p2 = await a.socket.listRooms({ label: prefix, limit: 2, cursor: p1['cursor'] as string });
    expect((p2['rooms'] as { label: string }[]).map((r) => r.label)).toEqual([`${prefix}-3`]);
    expect(p2['cursor']).toBeUndefined();
    await expect(a.socket.listRooms({ limit: 101 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(a.socket.listRooms({ cursor: '../../etc' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('takes a dropped session out of all its rooms, and closes an empty relay room after the grace', async () => {
    const [a, b] = [await join(), await join()];
    const l = label();
    const r1 = (await a.socket.createRoom({ label: `${l}-1` }))['roomId'] as string;
    const r2 = (await a.socket.createRoom({ label: `${l}-2` }))['roomId'] as string;
    await b.socket.joinRoom(r1);
    await b.socket.joinRoom(r2);
    if (transport === 'ws') b.socket.close();
    else await b.socket.disconnect();
    await until(() => a.states.filter((e) => e['leaves'] && (e['roomId'] === r1 || e['roomId'] === r2)).length === 2, 3000, 'both leaves');
    expect((await a.socket.listRooms({ label: l }))['rooms']).toEqual([expect.objectContaining({ size: 1 }), expect.objectContaining({ size: 1 })]);
    await a.socket.leaveRoom(1);
    await a.socket.leaveRoom(2);
    expect(((await a.socket.listRooms({ label: l }))['rooms'] as unknown[]).length).toBe(2);
    await pause(ROOMS.relayEmptyGraceMs + 200);
    expect((await a.socket.listRooms({ label: l }))['rooms']).toEqual([]);
  });
});
