import { applyDecorators, Injectable, SetMetadata } from '@nestjs/common';
import type { DeliveryClass } from '@kaosnet/transport';

/**
 * A member of a room as handlers see it. `m` is the member reference (§2.4): assigned at join,
 * starting at 1, never reused within the room; 0 means the server / room handler.
 */
export interface MatchPresence {
  readonly m: number;
  readonly userId: string;
  readonly username?: string;
  readonly sessionId: string;
}

/**
 * One RoomData message a member sent to an authoritative room, handed to `loop` once, on the
 * next tick. `data` is a copy (safe to keep).
 */
export interface MatchMessage {
  readonly sender: MatchPresence;
  readonly gameOp: number;
  readonly delivery: DeliveryClass;
  readonly data: Buffer;
  /** Member refs the client addressed (empty = "all"); the handler decides what they mean. */
  readonly targets: readonly number[];
  /** Monotonic ms at which the server received it. */
  readonly receivedAt: number;
}

/** What `init` returns. */
export interface MatchInit<State> {
  state: State;
  /** Ticks per second, 1–60 (default: the server's KAOS_TICK_RATE). */
  tickRate?: number;
  /** Searchable label, ≤ 128 characters (RoomList, GET /api/rooms). */
  label?: string;
}

/** The answer to a join attempt. A rejected player sees the error `code` (default FORBIDDEN) with `reason`. */
export interface MatchJoinDecision<State> {
  state: State;
  accept: boolean;
  reason?: string;
  code?: 'FORBIDDEN' | 'CONFLICT';
}

/** Options of a handler-originated send. Sender is always 0 (the room). */
export interface MatchSendOptions {
  /** Delivery class: 0 RO (default), 1 RU, 2 US, 3 U. */
  delivery?: DeliveryClass;
}

/** Why a member left: as sent in RoomLeave, plus the non-wire causes. */
export type MatchLeaveReason = 'left' | 'kicked' | 'disconnected' | 'closed';

/**
 * What a handler can do with its room. One context per room; valid until the room closes
 * (calls after that are ignored).
 */
export interface MatchContext {
  readonly roomId: string;
  /** The module name the room was created with. */
  readonly module: string;
  readonly tickRate: number;
  /** The tick being run (0 before the first one). */
  readonly tick: number;
  readonly label: string;
  readonly maxPlayers: number;
  /** Current members, in join order. */
  members(): MatchPresence[];
  member(m: number): MatchPresence | undefined;
  /** RoomData from the room (sender 0) to every member, or to the member refs in `to`. */
  broadcast(gameOp: number, data: Uint8Array, to?: readonly number[] | null, options?: MatchSendOptions): void;
  /** RoomData from the room (sender 0) to one member. */
  send(m: number, gameOp: number, data: Uint8Array, options?: MatchSendOptions): void;
  /** Removes a member; it receives RoomLeave `{reason: "kicked"}`. `leave` runs for it. */
  kick(m: number): void;
  /** Changes the label seen by RoomList; members receive a RoomState delta with `label`. */
  updateLabel(label: string): void;
  /** Ends the room after the current callback: members receive RoomLeave `{reason: "closed"}`. */
  end(): void;
  /** Monotonic milliseconds (the room's clock). */
  now(): number;
}

/**
 * An authoritative room's game logic. State lives outside the handler: every callback receives
 * the current state and returns the next one (Nakama's match handler model), so one handler
 * instance can serve many rooms. Callbacks are synchronous except `init`; a callback that throws,
 * or runs longer than `handlerBudgetMs`, terminates its room only (members see RoomLeave
 * `closed`; the error is logged). Optional callbacks default to: accept every join, no-op join /
 * leave / terminate, signals answered with no data.
 *
 * @example
 * @MatchHandler('counter')
 * export class CounterMatch implements MatchHandler<{ n: number }> {
 *   init() { return { state: { n: 0 }, tickRate: 10, label: 'counter' }; }
 *   loop(ctx: MatchContext, state: { n: number }, tick: number, messages: readonly MatchMessage[]) {
 *     state.n += messages.length;
 *     if (tick % 10 === 0) ctx.broadcast(1, Buffer.from(String(state.n)));
 *     return state;
 *   }
 * }
 */
export interface MatchHandler<State = unknown> {
  /** Called once when the room is created. `params` come from RoomCreate or the server API. */
  init(ctx: MatchContext, params: Record<string, unknown>): MatchInit<State> | Promise<MatchInit<State>>;
  /** Before a member is added; reject with a reason. Default: accept (the room-full check runs first). */
  joinAttempt?(ctx: MatchContext, state: State, presence: MatchPresence, metadata: Record<string, unknown>): MatchJoinDecision<State>;
  /** After a member was added (its snapshot is on its way). */
  join?(ctx: MatchContext, state: State, presence: MatchPresence): State;
  /** After a member left, was kicked, or its session ended. */
  leave?(ctx: MatchContext, state: State, presence: MatchPresence, reason: MatchLeaveReason): State;
  /** Once per tick, with the messages queued since the previous tick. Return `null` to end the room. */
  loop(ctx: MatchContext, state: State, tick: number, messages: readonly MatchMessage[]): State | null;
  /** The server or an admin is terminating the room; it closes after `graceSeconds`. */
  terminate?(ctx: MatchContext, state: State, graceSeconds: number): State | void;
  /** A server-side poke (admin, RPC, matchmaker), answered with data. */
  signal?(ctx: MatchContext, state: State, data: string): { state: State; data?: string };
  /** A JSON view of the state for `GET /admin/rooms/:id/state`. */
  inspect?(state: State): unknown;
}

/** Builds the handler for one room. A Nest provider's factory returns the same instance each time; a Lua factory may build one VM per room. */
export type MatchHandlerFactory = (module: string) => MatchHandler<unknown>;

export const MATCH_HANDLER_METADATA = 'kaosnet:match-handler';

/**
 * Registers a Nest provider as the match handler of module `name` (discovered at start-up).
 * The class is `@Injectable()`, may inject any provider, and must be listed in its module's
 * `providers`.
 *
 * @example
 * @MatchHandler('arena')
 * export class ArenaMatch implements MatchHandler<ArenaState> { … }
 */
export function MatchHandler(name: string): ClassDecorator {
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(name)) throw new Error(`@MatchHandler name "${name}" must be 1-64 of [A-Za-z0-9_.:-]`);
  return applyDecorators(Injectable(), SetMetadata(MATCH_HANDLER_METADATA, name));
}
