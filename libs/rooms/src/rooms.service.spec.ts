import { afterEach, describe, expect, it } from '@jest/globals';
import { DeliveryClass, encodeRoomDataC2SMessage, Op, SessionEndReason, type KaosSession } from '@kaosnet/transport';
import type { MatchContext, MatchHandler, MatchMessage } from './match-handler.js';
import { RoomsService } from './rooms.service.js';
import { roomsTestKit } from './testing/rooms-test-kit.js';

type Kit = ReturnType<typeof roomsTestKit>;

/** Sends RoomData as the dispatcher would: the payload after the 3-byte KaosTalk header. */
function roomData(kit: Kit, session: KaosSession, ref: number, gameOp: number, text: string, targets: number[] = []): void {
  kit.sut.router.handle(session, encodeRoomDataC2SMessage(ref, gameOp, DeliveryClass.RO, Buffer.from(text), targets).subarray(3));
}

interface Calls {
  loops: { tick: number; texts: string[] }[];
  joins: number[];
  leaves: string[];
}

function recorder(over: Partial<MatchHandler<Calls>> = {}): MatchHandler<Calls> {
  return {
    init: () => ({ state: { loops: [], joins: [], leaves: [] }, tickRate: 10 }),
    join: (_c, s, p) => (s.joins.push(p.m), s),
    leave: (_c, s, p, reason) => (s.leaves.push(`${p.m}:${reason}`), s),
    loop: (_c: MatchContext, s: Calls, tick: number, messages: readonly MatchMessage[]) => {
      if (messages.length) s.loops.push({ tick, texts: messages.map((m) => m.data.toString()) });
      return s;
    },
    ...over,
  };
}

describe(RoomsService.name, () => {
  let kit: Kit;
  afterEach(() => kit?.sut.onModuleDestroy());

  const calls = (roomId: string) => kit.sut.get(roomId)!.match!.state as Calls;

  it('hands the messages queued between ticks to loop once, on the next tick', async () => {
    kit = roomsTestKit();
    kit.matches.registerInstance('rec', recorder());
    const a = kit.session();
    const snap = await kit.sut.createRoom(a.session, { module: 'rec' });
    const roomId = snap['roomId'] as string;
    roomData(kit, a.session, 1, 1, 'one');
    roomData(kit, a.session, 1, 1, 'two');
    kit.scheduler.advance(100); // tick 1
    roomData(kit, a.session, 1, 1, 'three');
    kit.scheduler.advance(50);
    expect(calls(roomId).loops).toEqual([{ tick: 1, texts: ['one', 'two'] }]);
    kit.scheduler.advance(50); // tick 2
    expect(calls(roomId).loops).toEqual([
      { tick: 1, texts: ['one', 'two'] },
      { tick: 2, texts: ['three'] },
    ]);
  });

  it('runs join on the next tick, after the snapshot; a member that leaves before it sees neither join nor leave', async () => {
    kit = roomsTestKit();
    kit.matches.registerInstance('rec', recorder());
    const [a, b] = [kit.session(), kit.session()];
    const roomId = (await kit.sut.createRoom(a.session, { module: 'rec' }))['roomId'] as string;
    kit.sut.joinRoom(b.session, roomId, {});
    expect(calls(roomId).joins).toEqual([]);
    kit.sut.leaveRoom(b.session, 1);
    kit.scheduler.advance(100);
    expect(calls(roomId)).toMatchObject({ joins: [1], leaves: [] });
    kit.sut.joinRoom(b.session, roomId, {});
    kit.scheduler.advance(100);
    kit.registry.end(b.session, SessionEndReason.DISCONNECTED);
    expect(calls(roomId)).toMatchObject({ joins: [1, 3], leaves: ['3:disconnected'] });
  });

  it('terminates a room whose loop throws, tells its members, and keeps other rooms ticking', async () => {
    kit = roomsTestKit();
    kit.matches.registerInstance('rec', recorder());
    kit.matches.registerInstance('bomb', recorder({ loop: () => { throw new Error('boom'); } }));
    const [a, b] = [kit.session(), kit.session()];
    const bad = (await kit.sut.createRoom(a.session, { module: 'bomb' }))['roomId'] as string;
    const good = (await kit.sut.createRoom(b.session, { module: 'rec' }))['roomId'] as string;
    kit.scheduler.advance(100);
    expect(kit.sut.get(bad)).toBeUndefined();
    expect(a.link.events(Op.RoomLeave)).toEqual([{ roomId: bad, ref: 1, reason: 'closed', detail: 'error' }]);
    expect(kit.sut.stats.roomsFailed).toBe(1);
    roomData(kit, b.session, 1, 1, 'alive');
    kit.scheduler.advance(100);
    expect(calls(good).loops).toEqual([{ tick: 2, texts: ['alive'] }]);
    // The failed room's ref is free again for its former member's RoomData: dropped, not routed.
    roomData(kit, a.session, 1, 1, 'late');
    expect(kit.sut.stats.droppedUnknownRef).toBe(1);
  });

  it('terminates a room whose callback overruns the budget (measured on the room clock)', async () => {
    kit = roomsTestKit({ handlerBudgetMs: 50 });
    kit.matches.registerInstance('slow', recorder({ loop: (_c, s) => (kit.clock.advance(80), s) }));
    const a = kit.session();
    const roomId = (await kit.sut.createRoom(a.session, { module: 'slow' }))['roomId'] as string;
    kit.scheduler.advance(100);
    expect(kit.sut.get(roomId)).toBeUndefined();
    expect(a.link.events(Op.RoomLeave)).toEqual([expect.objectContaining({ reason: 'closed', detail: 'overrun' })]);
  });

  it('closes the room after the callback that calls end(), and when loop returns null', async () => {
    kit = roomsTestKit();
    let broadcastAfterEnd = false;
    kit.matches.registerInstance('ender', recorder({ loop: (ctx, s, tick) => (tick === 2 ? (ctx.end(), ctx.broadcast(5, Buffer.from('last')), (broadcastAfterEnd = true), s) : s) }));
    kit.matches.registerInstance('nuller', recorder({ loop: (_c, s, tick) => (tick === 3 ? null : s) }));
    const a = kit.session();
    const e = (await kit.sut.createRoom(a.session, { module: 'ender' }))['roomId'] as string;
    const n = (await kit.sut.createRoom(a.session, { module: 'nuller' }))['roomId'] as string;
    kit.scheduler.advance(200);
    expect(broadcastAfterEnd).toBe(true);
    expect(kit.sut.get(e)).toBeUndefined();
    expect(a.link.data().map((d) => d.text)).toEqual(['last']);
    expect(kit.sut.get(n)).toBeDefined();
    kit.scheduler.advance(100);
    expect(kit.sut.get(n)).toBeUndefined();
    expect(a.link.events(Op.RoomLeave).map((x) => x['detail'])).toEqual(['ended', 'ended']);
  });

  it('drops the oldest input when the queue is full and counts it', async () => {
    kit = roomsTestKit({ inputQueueSize: 4 });
    kit.matches.registerInstance('rec', recorder());
    const a = kit.session();
    const roomId = (await kit.sut.createRoom(a.session, { module: 'rec' }))['roomId'] as string;
    for (let i = 0; i < 10; i++) roomData(kit, a.session, 1, 1, String(i));
    const room = kit.sut.get(roomId)!;
    expect(room.match!.queue.size).toBe(4);
    expect(room.match!.queue.dropped).toBe(6);
    kit.scheduler.advance(100);
    expect(calls(roomId).loops).toEqual([{ tick: 1, texts: ['6', '7', '8', '9'] }]);
  });

  it('relays to the other members at once with their refs, never back to the sender, and honours target lists', async () => {
    kit = roomsTestKit();
    const [a, b, c] = [kit.session(), kit.session(), kit.session()];
    await kit.sut.createRoom(b.session, { label: 'first' }); // b's ref 1 is taken elsewhere
    const roomId = (await kit.sut.createRoom(a.session, {}))['roomId'] as string;
    kit.sut.joinRoom(b.session, roomId, {}); // m 2, b's ref 2
    kit.sut.joinRoom(c.session, roomId, {}); // m 3, c's ref 1
    roomData(kit, a.session, 1, 9, 'all');
    roomData(kit, a.session, 1, 9, 'to-c', [3, 1, 77, 3]);
    expect(a.link.data()).toEqual([]);
    expect(b.link.data()).toEqual([{ ref: 2, gameOp: 9, sender: 1, text: 'all' }]);
    expect(c.link.data()).toEqual([
      { ref: 1, gameOp: 9, sender: 1, text: 'all' },
      { ref: 1, gameOp: 9, sender: 1, text: 'to-c' },
    ]);
    expect(kit.sut.stats.relayedOut).toBe(3);
  });

  it('closes an empty relay room after the grace, unless someone joins within it', async () => {
    kit = roomsTestKit({ relayEmptyGraceMs: 1000 });
    const [a, b] = [kit.session(), kit.session()];
    const roomId = (await kit.sut.createRoom(a.session, {}))['roomId'] as string;
    kit.sut.leaveRoom(a.session, 1);
    kit.scheduler.advance(900);
    kit.sut.joinRoom(b.session, roomId, {});
    kit.scheduler.advance(500);
    expect(kit.sut.get(roomId)).toBeDefined();
    kit.sut.leaveRoom(b.session, 1);
    kit.scheduler.advance(999);
    expect(kit.sut.get(roomId)).toBeDefined();
    kit.scheduler.advance(1);
    expect(kit.sut.get(roomId)).toBeUndefined();
  });

  it('takes an ended session out of every room; the others get leave deltas', async () => {
    kit = roomsTestKit();
    const [a, b] = [kit.session(), kit.session()];
    const r1 = (await kit.sut.createRoom(a.session, {}))['roomId'] as string;
    const r2 = (await kit.sut.createRoom(a.session, {}))['roomId'] as string;
    kit.sut.joinRoom(b.session, r1, {});
    kit.sut.joinRoom(b.session, r2, {});
    kit.registry.end(b.session, SessionEndReason.KICKED);
    expect(kit.sut.get(r1)!.size).toBe(1);
    expect(kit.sut.get(r2)!.size).toBe(1);
    expect(a.link.events(Op.RoomState).filter((e) => e['leaves'])).toEqual([
      { roomId: r1, ref: 1, leaves: [2] },
      { roomId: r2, ref: 2, leaves: [2] },
    ]);
    expect(kit.sut.membershipsOf(b.session)).toEqual([]);
  });

  it('runs terminate(grace) and closes after the grace', async () => {
    kit = roomsTestKit();
    const graces: number[] = [];
    kit.matches.registerInstance('t', recorder({ terminate: (_c, s, g) => (graces.push(g), s) }));
    const a = kit.session();
    const roomId = (await kit.sut.createRoom(a.session, { module: 't' }))['roomId'] as string;
    kit.sut.terminateRoom(roomId, 2);
    expect(graces).toEqual([2]);
    kit.scheduler.advance(1999);
    expect(kit.sut.get(roomId)).toBeDefined();
    kit.scheduler.advance(1);
    expect(kit.sut.get(roomId)).toBeUndefined();
    expect(a.link.events(Op.RoomLeave)).toEqual([expect.objectContaining({ reason: 'closed', detail: 'terminated' })]);
  });

  it('counts late and skipped ticks of a room into the server-wide lateness window', async () => {
    kit = roomsTestKit({ maxCatchUpTicks: 2, handlerBudgetMs: 1000 });
    kit.matches.registerInstance('stall', recorder({ loop: (_c, s, tick) => (tick === 1 && kit.clock.advance(450), s) }));
    const a = kit.session();
    const roomId = (await kit.sut.createRoom(a.session, { module: 'stall' }))['roomId'] as string;
    kit.scheduler.advance(1000);
    const t = kit.sut.get(roomId)!.match!.tickStats;
    expect(t.skipped).toBeGreaterThan(0);
    expect(t.late).toBeGreaterThan(0);
    expect(kit.sut.stats.latenessPercentiles([100])[0]).toBeGreaterThan(50);
  });
});
