import type { Subscription } from 'rxjs';
import { Op, type KaosSession } from '@kaosnet/transport';
import type { MatchPresence } from './match-handler.js';
import type { MatchRuntime } from './match-runtime.js';

/** Room states on the wire (§2.4). Relay rooms are `open`; authoritative rooms `running`. */
export const RoomStatus = { OPEN: 'open', RUNNING: 'running', CLOSED: 'closed' } as const;
export type RoomStatus = (typeof RoomStatus)[keyof typeof RoomStatus];

/** `Member` on the wire (§2.4). */
export interface MemberWire {
  m: number;
  userId: string;
  username?: string;
}

/** A session's membership in a room: the room's `m` for it and the session's `ref` for the room. */
export class RoomMember implements MatchPresence {
  constructor(
    readonly room: Room,
    readonly m: number,
    readonly session: KaosSession,
    /** The member's own reference for this room (what its RoomData carries). */
    readonly ref: number,
    readonly metadata: Record<string, unknown>,
    readonly joinedAt: number,
  ) {}

  get userId(): string {
    return this.session.userId;
  }
  get username(): string | undefined {
    return this.session.username;
  }
  get sessionId(): string {
    return this.session.sessionId;
  }

  toWire(): MemberWire {
    const username = this.session.username;
    return username === undefined ? { m: this.m, userId: this.session.userId } : { m: this.m, userId: this.session.userId, username };
  }

  /** An unsolicited control event to this member's session. */
  event(op: number, body: Record<string, unknown>): void {
    this.session.sendEvent(op, body);
  }
}

/** Counters of one room. */
export interface RoomCounters {
  /** RoomData messages received from members. */
  messagesIn: number;
  /** RoomData messages sent to members (relay fan-out or handler sends). */
  messagesOut: number;
}

/**
 * A room: identity, label, capacity, status and members. Membership rules and events live in
 * RoomsService; the authoritative part (handler, ticks, input queue) in MatchRuntime.
 */
export class Room {
  readonly members = new Map<number, RoomMember>();
  readonly bySession = new Map<string, RoomMember>();
  status: RoomStatus;
  match?: MatchRuntime;
  /** Pending close: an empty relay room's grace, or a termination's grace. */
  closeTimer?: Subscription;
  readonly counters: RoomCounters = { messagesIn: 0, messagesOut: 0 };
  #nextM = 1;

  constructor(
    readonly id: string,
    /** Creation order, for stable list cursors. */
    readonly seq: number,
    public label: string,
    readonly maxPlayers: number,
    readonly createdAt: number,
    readonly module?: string,
  ) {
    this.status = module === undefined ? RoomStatus.OPEN : RoomStatus.RUNNING;
  }

  get size(): number {
    return this.members.size;
  }

  get authoritative(): boolean {
    return this.module !== undefined;
  }

  /** The m the next member will get (member refs are never reused). */
  peekM(): number {
    return this.#nextM;
  }

  takeM(): number {
    return this.#nextM++;
  }

  /** Snapshot for one member (§2.4 RoomState). */
  snapshot(self: RoomMember, cid?: string): Record<string, unknown> {
    const out: Record<string, unknown> = {
      roomId: this.id,
      ref: self.ref,
      self: self.toWire(),
      label: this.label,
      state: this.status,
      maxPlayers: this.maxPlayers,
      members: [...this.members.values()].map((m) => m.toWire()),
    };
    if (cid !== undefined) out['cid'] = cid;
    if (this.module !== undefined) {
      out['module'] = this.module;
      out['tickRate'] = this.match?.tickRate;
    }
    return out;
  }

  /** A RoomState delta to every member except `except`, each with its own ref. */
  delta(body: { joins?: MemberWire[]; leaves?: number[]; state?: RoomStatus; label?: string }, except?: RoomMember): void {
    for (const member of this.members.values()) {
      if (member === except) continue;
      member.event(Op.RoomState, { roomId: this.id, ref: member.ref, ...body });
    }
  }

  listEntry(): { roomId: string; label: string; size: number; maxPlayers: number; state: RoomStatus; module?: string } {
    const e = { roomId: this.id, label: this.label, size: this.members.size, maxPlayers: this.maxPlayers, state: this.status };
    return this.module === undefined ? e : { ...e, module: this.module };
  }
}
