import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { KaosConfig } from '@kaosnet/common';
import { DeliveryClass } from '@kaosnet/transport';
import { MatchHandler, MatchRegistry, RoomsService, type MatchContext, type MatchJoinDecision, type MatchMessage, type MatchPresence } from '@kaosnet/rooms';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { pause, player, until, type Recorded, type Transport } from './rooms-helpers.js';

/** An ordinary provider the handler injects, as game code would. */
@Injectable()
class Scoreboard {
  readonly seen: { roomId: string; tick: number; count: number }[] = [];
}

interface TestState {
  joins: number[];
  leaves: string[];
}

const OP = { ECHO: 1, LABEL: 2, KICK_ME: 3, THROW: 4, OVERRUN: 5, END: 6 } as const;

/** Test match: answers every tick that had input with one broadcast listing what it received. */
@MatchHandler('test.probe')
class ProbeMatch implements MatchHandler<TestState> {
  constructor(private readonly board: Scoreboard) {}

  init(_ctx: MatchContext, params: Record<string, unknown>) {
    return { state: { joins: [], leaves: [] }, tickRate: typeof params['tickRate'] === 'number' ? params['tickRate'] : 20, label: String(params['label'] ?? 'probe') };
  }

  joinAttempt(_ctx: MatchContext, state: TestState, _p: MatchPresence, metadata: Record<string, unknown>): MatchJoinDecision<TestState> {
    if (metadata['deny'] === 'forbidden') return { state, accept: false, reason: 'no spectators' };
    if (metadata['deny'] === 'conflict') return { state, accept: false, reason: 'match already started', code: 'CONFLICT' };
    return { state, accept: true };
  }

  join(ctx: MatchContext, state: TestState, p: MatchPresence): TestState {
    state.joins.push(p.m);
    ctx.send(p.m, 50, Buffer.from(`welcome ${p.m}`));
    return state;
  }

  leave(_ctx: MatchContext, state: TestState, p: MatchPresence, reason: string): TestState {
    state.leaves.push(`${p.m}:${reason}`);
    return state;
  }

  loop(ctx: MatchContext, state: TestState, tick: number, messages: readonly MatchMessage[]): TestState | null {
    if (messages.length === 0) return state;
    this.board.seen.push({ roomId: ctx.roomId, tick, count: messages.length });
    for (const msg of messages) {
      switch (msg.gameOp) {
        case OP.LABEL:
          ctx.updateLabel(msg.data.toString());
          break;
        case OP.KICK_ME:
          ctx.kick(msg.sender.m);
          break;
        case OP.THROW:
          throw new Error('handler bug');
        case OP.OVERRUN: {
          const until = performance.now() + 120;
          while (performance.now() < until) {
            // busy: longer than handlerBudgetMs
          }
          break;
        }
        case OP.END:
          ctx.end();
          break;
      }
    }
    const body = { tick, items: messages.map((m) => ({ from: m.sender.m, op: m.gameOp, data: m.data.toString() })) };
    ctx.broadcast(100, Buffer.from(JSON.stringify(body)));
    return state;
  }

  signal(_ctx: MatchContext, state: TestState, data: string) {
    return { state, data: `pong:${data}` };
  }

  inspect(state: TestState) {
    return state;
  }
}

@Module({ providers: [Scoreboard, ProbeMatch], exports: [Scoreboard] })
class ProbeGameModule {}

const ROOMS = { inputQueueSize: 8, handlerBudgetMs: 60 };

describe.each<Transport>(['udp', 'ws'])('authoritative rooms over %s', (transport) => {
  let s: TestServer;
  const open: Recorded[] = [];
  beforeAll(async () => {
    s = await startTestServer({ modules: [ProbeGameModule], config: { rooms: ROOMS } as Partial<KaosConfig> });
  });
  afterAll(async () => {
    for (const p of open) p.socket.close();
    await s.close();
  });
  const join = async () => {
    const p = await player(s, transport);
    open.push(p);
    return p;
  };
  const broadcasts = (p: Recorded) => p.data.filter((d) => d.gameOp === 100).map((d) => ({ sender: d.sender, ...JSON.parse(d.data.toString()) }) as { sender: number; tick: number; items: { from: number; op: number; data: string }[] });
  const probeRoom = async (owner: Recorded, params: Record<string, unknown> = {}) => owner.socket.createRoom({ module: 'test.probe', params, maxPlayers: 3 });

  it('runs a discovered @MatchHandler provider: snapshot, join callback on the next tick, and handler sends', async () => {
    const a = await join();
    const snap = await probeRoom(a, { label: 'probe-a' });
    expect(snap).toMatchObject({ state: 'running', module: 'test.probe', tickRate: 20, label: 'probe-a', self: { m: 1 } });
    const welcome = await until(() => a.data.find((d) => d.gameOp === 50), 3000, 'welcome');
    expect(welcome).toMatchObject({ ref: snap['ref'], sender: 0 });
    expect(welcome.data.toString()).toBe('welcome 1');
  });

  it('hands queued messages to loop once per tick, and its broadcasts reach every member from sender 0', async () => {
    const [a, b] = [await join(), await join()];
    const snap = await probeRoom(a);
    await b.socket.joinRoom(snap['roomId'] as string);
    for (let i = 0; i < 5; i++) a.socket.sendRoomData(1, OP.ECHO, Buffer.from(`a${i}`));
    b.socket.sendRoomData(1, OP.ECHO, Buffer.from('b0'), { delivery: DeliveryClass.RU });
    await until(() => broadcasts(b).flatMap((x) => x.items).length >= 6, 3000, 'all six echoed');
    await until(() => broadcasts(a).flatMap((x) => x.items).length >= 6, 3000, 'a sees all six');
    const got = broadcasts(b);
    const items = got.flatMap((x) => x.items);
    // Each message is handed over exactly once, in arrival order per sender.
    expect(items.filter((i) => i.from === 1).map((i) => i.data)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(items.filter((i) => i.from === 2).map((i) => i.data)).toEqual(['b0']);
    expect(got.every((x) => x.sender === 0)).toBe(true);
    // One loop call per tick: distinct, increasing tick numbers.
    const ticks = got.map((x) => x.tick);
    expect(new Set(ticks).size).toBe(ticks.length);
    const board = s.server.app.get(Scoreboard);
    expect(board.seen.filter((x) => x.roomId === snap['roomId']).reduce((n, x) => n + x.count, 0)).toBe(6);
  });

  it('shows join rejections to the client as FORBIDDEN / CONFLICT with the handler reason; a full room is CONFLICT', async () => {
    const [a, b, c, d] = [await join(), await join(), await join(), await join()];
    const roomId = (await probeRoom(a))['roomId'] as string;
    await expect(b.socket.joinRoom(roomId, { deny: 'forbidden' })).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'no spectators' });
    await expect(b.socket.joinRoom(roomId, { deny: 'conflict' })).rejects.toMatchObject({ code: 'CONFLICT', message: 'match already started' });
    await b.socket.joinRoom(roomId);
    await c.socket.joinRoom(roomId);
    await expect(d.socket.joinRoom(roomId)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('kicks a member from the handler: RoomLeave "kicked" to it, a leave delta to the others, leave() runs', async () => {
    const [a, b] = [await join(), await join()];
    const roomId = (await probeRoom(a))['roomId'] as string;
    await b.socket.joinRoom(roomId);
    b.socket.sendRoomData(1, OP.KICK_ME, Buffer.alloc(0));
    expect(await until(() => b.leaves.find((e) => e['roomId'] === roomId), 3000, 'kick')).toEqual({ roomId, ref: 1, reason: 'kicked' });
    await until(() => a.states.find((e) => e['roomId'] === roomId && e['leaves']), 3000, 'leave delta');
    const service = s.server.app.get(RoomsService);
    expect(service.get(roomId)!.match!.inspect()).toMatchObject({ leaves: ['2:kicked'] });
    // The kicked session's ref is gone: its RoomData is dropped.
    await expect(b.socket.request(0x14, { ref: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('updates the label from the handler and RoomList shows it', async () => {
    const a = await join();
    const roomId = (await probeRoom(a))['roomId'] as string;
    const l = `renamed-${randomUUID().slice(0, 8)}`;
    a.socket.sendRoomData(1, OP.LABEL, Buffer.from(l));
    await until(() => a.states.find((e) => e['roomId'] === roomId && e['label'] === l), 3000, 'label delta');
    expect((await a.socket.listRooms({ label: l }))['rooms']).toEqual([{ roomId, label: l, size: 1, maxPlayers: 3, state: 'running', module: 'test.probe' }]);
  });

  it.each([
    ['throws', OP.THROW, 'error'],
    ['overruns its budget', OP.OVERRUN, 'overrun'],
  ])('terminates only the room whose handler %s; the server and other rooms go on', async (_what, op, detail) => {
    const [a, b] = [await join(), await join()];
    const bad = (await probeRoom(a))['roomId'] as string;
    const good = (await probeRoom(b))['roomId'] as string;
    await a.socket.joinRoom(good);
    a.socket.sendRoomData(1, op, Buffer.alloc(0));
    expect(await until(() => a.leaves.find((e) => e['roomId'] === bad), 3000, 'closed')).toEqual({ roomId: bad, ref: 1, reason: 'closed', detail });
    await expect(a.socket.joinRoom(bad)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    b.socket.sendRoomData(1, OP.ECHO, Buffer.from('still here'));
    await until(() => broadcasts(a).some((x) => x.items.some((i) => i.data === 'still here')), 3000, 'other room still ticks');
  });

  it('ends the room when the handler calls end(): members see RoomLeave closed', async () => {
    const [a, b] = [await join(), await join()];
    const roomId = (await probeRoom(a))['roomId'] as string;
    await b.socket.joinRoom(roomId);
    a.socket.sendRoomData(1, OP.END, Buffer.alloc(0));
    for (const p of [a, b]) expect(await until(() => p.leaves.find((e) => e['roomId'] === roomId), 3000, 'closed')).toMatchObject({ reason: 'closed', detail: 'ended' });
  });

  it('bounds the input queue: the oldest inputs are dropped and counted', async () => {
    const a = await join();
    const roomId = (await probeRoom(a, { tickRate: 1 }))['roomId'] as string;
    const room = s.server.app.get(RoomsService).get(roomId)!;
    await pause(50);
    const N = 40;
    for (let i = 0; i < N; i++) a.socket.sendRoomData(1, OP.ECHO, Buffer.from(String(i)));
    await until(() => room.counters.messagesIn >= N, 3000, 'all received');
    expect(room.match!.queue.size).toBeLessThanOrEqual(ROOMS.inputQueueSize);
    const got = await until(() => broadcasts(a).find((x) => x.items.length > 0), 3000, 'tick with inputs');
    if (got.items.length === ROOMS.inputQueueSize) {
      // All arrived before one tick: exactly the newest 8 survive.
      expect(got.items.map((i) => i.data)).toEqual(Array.from({ length: 8 }, (_, i) => String(N - 8 + i)));
    }
    expect(room.match!.queue.dropped).toBeGreaterThan(0);
    expect(room.match!.queue.dropped + broadcasts(a).flatMap((x) => x.items).length + room.match!.queue.size).toBe(N);
  });

  it('accepts a handler factory registered at run time (the Lua path) and answers signals', async () => {
    const registry = s.server.app.get(MatchRegistry);
    const name = `rt.${transport}`;
    let built = 0;
    registry.register(name, () => {
      built++;
      return { init: () => ({ state: 0, tickRate: 10 }), loop: (_c, st) => st, signal: (_c, st, data) => ({ state: st, data: data.toUpperCase() }) };
    });
    expect(() => registry.register(name, () => ({ init: () => ({ state: 0 }), loop: () => 0 }))).toThrow(/already registered/);
    const a = await join();
    const roomId = (await a.socket.createRoom({ module: name }))['roomId'] as string;
    expect(built).toBe(1);
    expect(s.server.app.get(RoomsService).signalRoom(roomId, 'hi')).toBe('HI');
  });
});
