import { ErrorCode, type Clock } from '@kaosnet/common';
import {
  decodeRoomDataC2S,
  Op,
  RoomDataC2S,
  RoomDataStatus,
  roomDataS2CMessageSize,
  roomDataStatusError,
  writeRoomDataS2CMessage,
  type KaosSession,
  type KaosTalkDispatcher,
  type Lane,
} from '@kaosnet/transport';
import type { RoomMember } from './room.js';
import type { RoomsStats } from './rooms-stats.js';
import type { SessionRooms } from './session-rooms.js';

const STATUS_TEXT: Record<number, string> = {
  [RoomDataStatus.SHORT]: 'RoomData shorter than its header and targets',
  [RoomDataStatus.RESERVED_BITS]: 'RoomData flags bits 2-7 must be 0',
  [RoomDataStatus.TOO_MANY_TARGETS]: 'RoomData lists more than 32 targets',
  [RoomDataStatus.TOO_LARGE]: 'RoomData data over the limit of its delivery class',
};

/**
 * The realtime lane for RoomData (0x13): called synchronously by the dispatcher for every
 * message, never through Nest. Per message: decode into one reused object, look the ref up in
 * the session's rooms, then relay at once (relay room) or queue for the next tick
 * (authoritative room). No closures, promises or JSON per message.
 */
export class RoomDataRouter {
  readonly #rd = new RoomDataC2S();

  constructor(
    private readonly dispatcher: KaosTalkDispatcher,
    private readonly stats: RoomsStats,
    private readonly clock: Clock,
  ) {}

  /** Bound once; registered with `dispatcher.setRawHandler(Op.RoomData, router.handle)`. */
  readonly handle = (session: KaosSession, payload: Buffer): void => {
    const rd = this.#rd;
    const status = decodeRoomDataC2S(payload, rd);
    if (status !== RoomDataStatus.OK) return this.#reject(session, status);
    const rooms = session.roomState as SessionRooms<RoomMember> | undefined;
    const member = rooms?.byRef.get(rd.ref);
    if (member === undefined) {
      this.stats.droppedUnknownRef++;
      return;
    }
    const room = member.room;
    this.stats.messagesIn++;
    room.counters.messagesIn++;
    if (room.match !== undefined) return room.match.enqueue(member, rd);
    this.#relay(member, rd);
  };

  #relay(sender: RoomMember, rd: RoomDataC2S): void {
    const members = sender.room.members;
    const lane = rd.deliveryClass as Lane;
    const size = roomDataS2CMessageSize(rd.data.length);
    let sent = 0;
    if (rd.targetCount === 0) {
      const n = members.size - 1;
      if (n <= 0) return;
      // One allocation for the whole fan-out; each recipient gets its own view (refs differ).
      const buf = Buffer.allocUnsafe(size * n);
      let off = 0;
      for (const r of members.values()) {
        if (r === sender) continue;
        const end = writeRoomDataS2CMessage(buf, off, r.ref, rd.gameOp, rd.flags, sender.m, rd.data);
        r.session.send(buf.subarray(off, end), lane);
        off = end;
        sent++;
      }
    } else {
      for (let i = 0; i < rd.targetCount; i++) {
        const m = rd.targetAt(i);
        const r = members.get(m);
        // Non-members and the sender itself are ignored; a repeated target gets one copy.
        if (r === undefined || r === sender || repeated(rd, i, m)) continue;
        const buf = Buffer.allocUnsafe(size);
        writeRoomDataS2CMessage(buf, 0, r.ref, rd.gameOp, rd.flags, sender.m, rd.data);
        r.session.send(buf, lane);
        sent++;
      }
    }
    sender.room.counters.messagesOut += sent;
    this.stats.relayedOut += sent;
  }

  /** §7.1: a bad RoomData is answered with an Error, at most once per code per second. */
  #reject(session: KaosSession, status: RoomDataStatus): void {
    this.stats.malformed++;
    const code = roomDataStatusError(status) ?? ErrorCode.BAD_REQUEST;
    const now = this.clock.now();
    const last = session.lastRoomDataErrorAt.get(code);
    if (last !== undefined && now - last < 1000) return;
    session.lastRoomDataErrorAt.set(code, now);
    this.dispatcher.error(session, code, STATUS_TEXT[status] ?? 'malformed RoomData', Op.RoomData);
  }
}

function repeated(rd: RoomDataC2S, i: number, m: number): boolean {
  for (let j = 0; j < i; j++) if (rd.targetAt(j) === m) return true;
  return false;
}
