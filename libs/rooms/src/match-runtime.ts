import type { SchedulerLike, Subscription } from 'rxjs';
import { KaosError, type Clock } from '@kaosnet/common';
import {
  DeliveryClass,
  maxRoomDataFor,
  roomDataS2CMessageSize,
  writeRoomDataS2CMessage,
  type RoomDataC2S,
} from '@kaosnet/transport';
import { BoundedQueue } from './input-queue.js';
import type { MatchContext, MatchHandler, MatchLeaveReason, MatchMessage, MatchPresence, MatchSendOptions } from './match-handler.js';
import type { Room, RoomMember } from './room.js';
import type { RoomsOptions } from './rooms.options.js';
import { fixedTimestepTicks, TickStats, type Tick } from './tick-loop.js';

/** Why a room closed (logged, shown to admins, and sent as RoomLeave `detail`). */
export type RoomCloseCause = 'ended' | 'terminated' | 'error' | 'overrun' | 'empty' | 'shutdown';

/** What a runtime needs from the rooms service. */
export interface MatchHost {
  kick(room: Room, m: number): void;
  labelChanged(room: Room, label: string): void;
  close(room: Room, cause: RoomCloseCause): void;
  /** The handler threw or overran: terminate and log. */
  fail(room: Room, cause: 'error' | 'overrun', where: string, detail: unknown): void;
  lateness(ms: number): void;
}

const FAILED = Symbol('failed');
const NO_TARGETS: readonly number[] = Object.freeze([]);
const EMPTY_PARAMS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/**
 * The authoritative side of a room: its handler, state, tick stream and bounded input queue, and
 * the MatchContext handed to every callback. Every callback runs through one guard that isolates
 * failures (throw or overrun) to this room.
 */
export class MatchRuntime implements MatchContext {
  state: unknown;
  tickRate = 0;
  tick = 0;
  readonly tickStats = new TickStats();
  readonly queue: BoundedQueue<MatchMessage>;
  /** Set when the room failed: what happened (admin view). */
  failure?: string;
  readonly #batch: MatchMessage[] = [];
  readonly #pendingJoins: RoomMember[] = [];
  #ticks?: Subscription;
  #depth = 0;
  #endRequested = false;
  #closed = false;

  constructor(
    readonly room: Room,
    readonly handler: MatchHandler<unknown>,
    private readonly host: MatchHost,
    private readonly clock: Clock,
    private readonly scheduler: SchedulerLike,
    private readonly options: RoomsOptions,
  ) {
    this.queue = new BoundedQueue(options.inputQueueSize);
  }

  // ---- MatchContext ----
  get roomId(): string {
    return this.room.id;
  }
  get module(): string {
    return this.room.module!;
  }
  get label(): string {
    return this.room.label;
  }
  get maxPlayers(): number {
    return this.room.maxPlayers;
  }
  get closed(): boolean {
    return this.#closed;
  }

  members(): MatchPresence[] {
    return [...this.room.members.values()];
  }

  member(m: number): MatchPresence | undefined {
    return this.room.members.get(m);
  }

  now(): number {
    return this.clock.monotonic();
  }

  broadcast(gameOp: number, data: Uint8Array, to?: readonly number[] | null, options?: MatchSendOptions): void {
    if (this.#closed) return;
    const delivery = checkSend(gameOp, data, options);
    const members = this.room.members;
    const size = roomDataS2CMessageSize(data.length);
    if (to && to.length) {
      for (const m of to) {
        const r = members.get(m);
        if (r) this.#sendTo(r, gameOp, delivery, data, size);
      }
      return;
    }
    if (members.size === 0) return;
    // One allocation for every recipient; each gets its own view (its ref differs).
    const buf = Buffer.allocUnsafe(size * members.size);
    let off = 0;
    for (const r of members.values()) {
      const end = writeRoomDataS2CMessage(buf, off, r.ref, gameOp, delivery, 0, data);
      r.session.send(buf.subarray(off, end), delivery);
      off = end;
    }
    this.room.counters.messagesOut += members.size;
  }

  send(m: number, gameOp: number, data: Uint8Array, options?: MatchSendOptions): void {
    if (this.#closed) return;
    const delivery = checkSend(gameOp, data, options);
    const r = this.room.members.get(m);
    if (r) this.#sendTo(r, gameOp, delivery, data, roomDataS2CMessageSize(data.length));
  }

  kick(m: number): void {
    if (this.#closed || !this.room.members.has(m)) return;
    this.host.kick(this.room, m);
  }

  updateLabel(label: string): void {
    if (this.#closed) return;
    if (typeof label !== 'string' || label.length > 128) throw KaosError.invalidField('label', 'must be a string of at most 128 characters');
    if (label === this.room.label) return;
    this.room.label = label;
    this.host.labelChanged(this.room, label);
  }

  end(): void {
    if (this.#closed) return;
    if (this.#depth > 0) this.#endRequested = true;
    else this.host.close(this.room, 'ended');
  }

  // ---- lifecycle (called by RoomsService) ----

  /** Runs `init`; a KaosError from it is the client's answer, anything else INTERNAL (logged by the caller). */
  async init(params: Record<string, unknown> | undefined): Promise<void> {
    this.#depth++;
    try {
      const result = await this.handler.init(this, params ?? EMPTY_PARAMS);
      if (!result || typeof result !== 'object' || !('state' in result)) throw new Error('init() must return { state, tickRate?, label? }');
      this.state = result.state;
      this.tickRate = clampRate(result.tickRate ?? this.options.defaultTickRate);
      if (result.label !== undefined) {
        if (typeof result.label !== 'string' || result.label.length > 128) throw new Error('init() label must be a string of at most 128 characters');
        this.room.label = result.label;
      }
    } finally {
      this.#depth--;
    }
  }

  /** Starts the tick stream. */
  start(): void {
    if (this.#closed || this.#ticks) return;
    if (this.#endRequested) return this.host.close(this.room, 'ended');
    this.#ticks = fixedTimestepTicks({
      tickRate: this.tickRate,
      clock: this.clock,
      scheduler: this.scheduler,
      maxCatchUpTicks: this.options.maxCatchUpTicks,
      lateTickMs: this.options.lateTickMs,
      stats: this.tickStats,
      onLateness: (ms) => this.host.lateness(ms),
    }).subscribe(this.#onTick);
  }

  /** Stops ticks and drops queued input; the runtime ignores every later call. */
  stop(): void {
    this.#closed = true;
    this.#ticks?.unsubscribe();
    this.#ticks = undefined;
    this.queue.clear();
    this.#pendingJoins.length = 0;
  }

  /** Hot path: one RoomData from a member, kept (copied) until the next tick. */
  enqueue(sender: RoomMember, rd: RoomDataC2S): void {
    let targets = NO_TARGETS;
    if (rd.targetCount > 0) {
      const list: number[] = [];
      for (let i = 0; i < rd.targetCount; i++) list.push(rd.targetAt(i));
      targets = list;
    }
    this.queue.push({ sender, gameOp: rd.gameOp, delivery: rd.deliveryClass, data: Buffer.from(rd.data), targets, receivedAt: this.clock.monotonic() });
  }

  joinAttempt(presence: MatchPresence, metadata: Record<string, unknown>): { accept: boolean; reason?: string; code?: 'FORBIDDEN' | 'CONFLICT' } | null {
    const h = this.handler;
    if (!h.joinAttempt) return { accept: true };
    const r = this.#call('joinAttempt', () => h.joinAttempt!(this, this.state, presence, metadata));
    if (r === FAILED) return null;
    if (!r || typeof r !== 'object') {
      this.host.fail(this.room, 'error', 'joinAttempt', new Error('joinAttempt() must return { state, accept }'));
      return null;
    }
    this.state = r.state;
    return { accept: r.accept === true, reason: typeof r.reason === 'string' ? r.reason.slice(0, 256) : undefined, code: r.code === 'CONFLICT' ? 'CONFLICT' : 'FORBIDDEN' };
  }

  /** `join` runs at the start of the next tick, after the joiner's snapshot has left. */
  joined(member: RoomMember): void {
    this.#pendingJoins.push(member);
  }

  left(member: RoomMember, reason: MatchLeaveReason): void {
    const pending = this.#pendingJoins.indexOf(member);
    if (pending >= 0) {
      // It never saw `join`: it does not see `leave` either.
      this.#pendingJoins.splice(pending, 1);
      return;
    }
    const h = this.handler;
    if (!h.leave) return;
    const r = this.#call('leave', () => h.leave!(this, this.state, member, reason));
    if (r !== FAILED && r !== undefined) this.state = r;
  }

  terminate(graceSeconds: number): void {
    const h = this.handler;
    if (!h.terminate) return;
    const r = this.#call('terminate', () => h.terminate!(this, this.state, graceSeconds));
    if (r !== FAILED && r !== undefined) this.state = r;
  }

  signal(data: string): string | undefined {
    const h = this.handler;
    if (!h.signal) return undefined;
    const r = this.#call('signal', () => h.signal!(this, this.state, data));
    if (r === FAILED) throw KaosError.internal(new Error(`room ${this.room.id} failed in signal`));
    if (r && typeof r === 'object') {
      this.state = r.state;
      return typeof r.data === 'string' ? r.data : undefined;
    }
    return undefined;
  }

  inspect(): unknown {
    const h = this.handler;
    if (!h.inspect) return null;
    const r = this.#call('inspect', () => h.inspect!(this.state));
    return r === FAILED ? null : r;
  }

  /** The loop call for #call, bound once: a closure per tick (120,000 a second with 2,000 rooms) is GC work on the tick path. */
  #loopMessages: readonly MatchMessage[] = [];
  readonly #runLoop = () => this.handler.loop(this, this.state, this.tick, this.#loopMessages);

  readonly #onTick = (t: Tick): void => {
    if (this.#closed) return;
    this.tick = t.tick;
    if (this.#pendingJoins.length > 0 && this.handler.join) {
      const joins = this.#pendingJoins.splice(0);
      for (const member of joins) {
        if (this.room.members.get(member.m) !== member) continue;
        const r = this.#call('join', () => this.handler.join!(this, this.state, member));
        if (r === FAILED) return;
        if (r !== undefined) this.state = r;
      }
    } else {
      this.#pendingJoins.length = 0;
    }
    if (this.#closed) return;
    const messages = this.queue.drainInto(this.#batch);
    const t0 = this.clock.monotonic();
    this.#loopMessages = messages;
    const next = this.#call('loop', this.#runLoop);
    const took = this.clock.monotonic() - t0;
    this.tickStats.busyMs += took;
    if (took > this.tickStats.maxBusyMs) this.tickStats.maxBusyMs = took;
    messages.length = 0;
    if (next === FAILED || this.#closed) return;
    if (next === null) return this.host.close(this.room, 'ended');
    if (next !== undefined) this.state = next;
  };

  /** The one guard around handler code: throw → fail, over budget → fail, `end()` → close afterwards. */
  #call<T>(where: string, fn: () => T): T | typeof FAILED {
    if (this.#closed) return FAILED;
    this.#depth++;
    const t0 = this.clock.monotonic();
    let out: T;
    try {
      out = fn();
    } catch (error) {
      this.#depth--;
      this.failure = `${where} threw`;
      this.host.fail(this.room, 'error', where, error);
      return FAILED;
    }
    this.#depth--;
    const took = this.clock.monotonic() - t0;
    if (took > this.options.handlerBudgetMs) {
      const detail = `${took.toFixed(1)} ms > ${this.options.handlerBudgetMs} ms`;
      this.failure = `${where} overran: ${detail}`;
      this.host.fail(this.room, 'overrun', where, detail);
      return FAILED;
    }
    if (this.#endRequested && this.#depth === 0 && !this.#closed) {
      this.#endRequested = false;
      this.host.close(this.room, 'ended');
    }
    return out;
  }

  #sendTo(r: RoomMember, gameOp: number, delivery: DeliveryClass, data: Uint8Array, size: number): void {
    const buf = Buffer.allocUnsafe(size);
    writeRoomDataS2CMessage(buf, 0, r.ref, gameOp, delivery, 0, data);
    r.session.send(buf, delivery);
    this.room.counters.messagesOut++;
  }
}

function clampRate(hz: number): number {
  if (typeof hz !== 'number' || !Number.isFinite(hz) || hz < 1 || hz > 60) throw new Error(`tickRate must be 1-60, got ${String(hz)}`);
  return hz;
}

function checkSend(gameOp: number, data: Uint8Array, options?: MatchSendOptions): DeliveryClass {
  const delivery = options?.delivery ?? DeliveryClass.RO;
  if (!Number.isInteger(gameOp) || gameOp < 0 || gameOp > 0xffff) throw new RangeError('gameOp must be a u16');
  if (delivery !== 0 && delivery !== 1 && delivery !== 2 && delivery !== 3) throw new RangeError('delivery must be 0-3');
  if (data.length > maxRoomDataFor(delivery)) throw new RangeError(`data of ${data.length} B exceeds ${maxRoomDataFor(delivery)} B for class ${delivery}`);
  return delivery;
}
