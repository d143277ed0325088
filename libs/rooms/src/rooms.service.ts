import { Inject, Injectable, Logger, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { interval, timer, type SchedulerLike, type Subscription } from 'rxjs';
import { checkJsonObject, Clock, isUuid, KaosError, newId, type Caller } from '@kaosnet/common';
import type { HookRunner } from '@kaosnet/scripting';
import { KaosTalkGateway, Op, type KaosSession } from '@kaosnet/transport';
import type { MatchLeaveReason } from './match-handler.js';
import { MatchRegistry } from './match-registry.js';
import { MatchRuntime, type MatchHost, type RoomCloseCause } from './match-runtime.js';
import { Room, RoomMember, RoomStatus } from './room.js';
import { RoomDataRouter } from './room-data.router.js';
import { RoomsErrors } from './rooms.errors.js';
import { ROOMS_OPTIONS, ROOMS_SCHEDULER, type RoomsOptions } from './rooms.options.js';
import { RoomsStats } from './rooms-stats.js';
import { SessionRooms } from './session-rooms.js';

export interface RoomCreateRequest {
  label?: unknown;
  maxPlayers?: unknown;
  module?: unknown;
  params?: unknown;
}

export interface RoomListQuery {
  limit?: unknown;
  cursor?: unknown;
  label?: unknown;
}

export interface RoomListPage<T> {
  rooms: T[];
  cursor?: string;
}

const MAX_PARAMS_BYTES = 16_384;

/**
 * The one core of rooms and matches: membership, refs, relay and authoritative rooms, list,
 * termination, and cleanup when sessions end. The KaosTalk handlers, REST controllers, admin
 * controllers and (later) Lua bindings are thin adapters over it.
 */
/** @kaosnet/scripting's HOOK_RUNNER token (a `Symbol.for` key: a runtime import would be a cycle). */
const HOOK_RUNNER = Symbol.for('kaosnet.scripting.hook-runner');

@Injectable()
export class RoomsService implements OnModuleInit, OnModuleDestroy, MatchHost {
  readonly #logger = new Logger('Rooms');
  readonly #rooms = new Map<string, Room>();
  readonly stats: RoomsStats;
  readonly router: RoomDataRouter;
  #seq = 0;
  #subs: Subscription[] = [];
  #startedAt = 0;
  #lastSample = { at: 0, messages: 0, roomData: 0 };
  messagesPerSec = 0;
  roomDataPerSec = 0;

  constructor(
    private readonly gateway: KaosTalkGateway,
    private readonly registry: MatchRegistry,
    private readonly clock: Clock,
    @Inject(ROOMS_OPTIONS) readonly options: RoomsOptions,
    @Inject(ROOMS_SCHEDULER) private readonly scheduler: SchedulerLike,
    // Optional Lua hooks (libs/scripting): with no hook registered nothing changes.
    @Optional() @Inject(HOOK_RUNNER) private readonly hooks?: HookRunner,
  ) {
    this.stats = new RoomsStats(options.latenessWindow);
    this.router = new RoomDataRouter(gateway.dispatcher, this.stats, clock);
  }

  onModuleInit(): void {
    this.#startedAt = this.clock.now();
    this.gateway.dispatcher.setRawHandler(Op.RoomData, this.router.handle);
    this.#subs.push(this.gateway.registry.ended$.subscribe(({ session }) => this.sessionEnded(session)));
    this.#lastSample = { at: this.clock.monotonic(), messages: this.gateway.dispatcher.stats.messages, roomData: this.stats.messagesIn };
    this.#subs.push(interval(1000, this.scheduler).subscribe(() => this.#sample()));
  }

  onModuleDestroy(): void {
    for (const s of this.#subs) s.unsubscribe();
    this.#subs = [];
    for (const room of [...this.#rooms.values()]) this.close(room, 'shutdown');
  }

  /** Milliseconds since the rooms service started (the server's realtime uptime). */
  uptimeMs(): number {
    return this.clock.now() - this.#startedAt;
  }

  // ---- KaosTalk ops (session first: the realtime caller) ----

  /** RoomCreate: a relay room, or an authoritative one when `module` names a match handler; the creator joins. */
  async createRoom(session: KaosSession, request: RoomCreateRequest): Promise<Record<string, unknown>> {
    // Scripting hooks: a before hook may change or refuse the request; after hooks see the snapshot.
    const caller = this.hooks ? callerOf(session) : undefined;
    const body = this.hooks?.has('before', 'room.create') ? await this.hooks.runBefore('room.create', caller!, request) : request;
    const result = await this.#createRoom(session, body);
    if (this.hooks?.has('after', 'room.create')) await this.hooks.runAfter('room.create', caller!, body, result);
    return result;
  }

  async #createRoom(session: KaosSession, body: RoomCreateRequest): Promise<Record<string, unknown>> {
    const label = checkLabel(body.label);
    const maxPlayers = this.#checkMaxPlayers(body.maxPlayers);
    this.#checkSessionCapacity(session);
    if (body.module !== undefined && body.module !== null) {
      if (typeof body.module !== 'string' || body.module.length === 0 || body.module.length > 64) throw KaosError.invalidField('module', 'must be a string of 1-64 characters');
      const params = body.params === undefined || body.params === null ? {} : checkJsonObject('params', body.params, MAX_PARAMS_BYTES);
      const room = await this.createMatch(body.module, params, { label, maxPlayers });
      return this.#join(session, room, {});
    }
    if (body.params !== undefined && body.params !== null) checkJsonObject('params', body.params, MAX_PARAMS_BYTES);
    const room = this.#newRoom(label ?? '', maxPlayers);
    try {
      return this.#join(session, room, {});
    } catch (error) {
      this.close(room, 'empty');
      throw error;
    }
  }

  /**
   * Server-side creation of an authoritative room with no members yet (RPCs, matchmaker, Lua
   * `match_create`). `init` runs before the room becomes visible.
   *
   * @example
   * const room = await rooms.createMatch('arena', { mode: 'ffa' });
   */
  async createMatch(module: string, params: Record<string, unknown> = {}, opts: { label?: string; maxPlayers?: number } = {}): Promise<Room> {
    if (this.#rooms.size >= this.options.maxRooms) throw RoomsErrors.serverFull(this.options.maxRooms);
    const handler = this.registry.create(module);
    const room = new Room(newId(), ++this.#seq, opts.label ?? '', opts.maxPlayers ?? this.options.defaultMaxPlayers, this.clock.now(), module);
    const runtime = new MatchRuntime(room, handler, this, this.clock, this.scheduler, this.options);
    room.match = runtime;
    try {
      await runtime.init(params);
    } catch (error) {
      runtime.stop();
      if (error instanceof KaosError) throw error;
      this.#logger.error(`match "${module}" init failed: ${describe(error)}`);
      throw KaosError.internal(error);
    }
    if (runtime.closed) throw KaosError.conflict('The match ended during init', { reason: 'MATCH_ENDED' });
    this.#rooms.set(room.id, room);
    this.stats.roomsCreated++;
    runtime.start();
    if (room.status === RoomStatus.CLOSED) throw KaosError.conflict('The match ended during init', { reason: 'MATCH_ENDED' });
    return room;
  }

  /**
   * RoomJoin. Synchronous unless a scripting hook is registered for `room.join` (the before hook
   * may change roomId/metadata or refuse; after hooks see the snapshot).
   */
  joinRoom(session: KaosSession, roomId: unknown, metadata: unknown): Record<string, unknown> | Promise<Record<string, unknown>> {
    if (this.hooks && (this.hooks.has('before', 'room.join') || this.hooks.has('after', 'room.join'))) return this.#joinHooked(session, { roomId, metadata });
    return this.#joinRoom(session, roomId, metadata);
  }

  async #joinHooked(session: KaosSession, request: { roomId: unknown; metadata: unknown }): Promise<Record<string, unknown>> {
    const hooks = this.hooks!;
    const caller = callerOf(session);
    const body = hooks.has('before', 'room.join') ? await hooks.runBefore('room.join', caller, request) : request;
    const result = this.#joinRoom(session, body.roomId, body.metadata);
    if (hooks.has('after', 'room.join')) await hooks.runAfter('room.join', caller, body, result);
    return result;
  }

  #joinRoom(session: KaosSession, roomId: unknown, metadata: unknown): Record<string, unknown> {
    if (!isUuid(roomId)) throw RoomsErrors.roomNotFound();
    const room = this.#rooms.get(roomId);
    if (!room) throw RoomsErrors.roomNotFound();
    const meta = metadata === undefined || metadata === null ? {} : checkJsonObject('metadata', metadata, MAX_PARAMS_BYTES);
    return this.#join(session, room, meta);
  }

  /** RoomLeave: the reply body `{roomId, ref}`. */
  leaveRoom(session: KaosSession, ref: unknown): { roomId: string; ref: number } {
    const member = this.#memberOf(session, ref);
    this.removeMember(member, 'left');
    return { roomId: member.room.id, ref: member.ref };
  }

  /** RoomState request: a fresh snapshot. */
  roomSnapshot(session: KaosSession, ref: unknown): Record<string, unknown> {
    const member = this.#memberOf(session, ref);
    return member.room.snapshot(member);
  }

  /** RoomList and `GET /api/rooms`: open and running rooms in creation order, label substring filter (case-insensitive). */
  listRooms(query: RoomListQuery = {}): RoomListPage<ReturnType<Room['listEntry']>> {
    const page = this.pageRooms(query, 100, 20, false);
    return { rooms: page.rooms.map((r) => r.listEntry()), ...(page.cursor ? { cursor: page.cursor } : {}) };
  }

  /** Paging over live rooms (admins also see closed-in-grace rooms). */
  pageRooms(query: RoomListQuery, maxLimit: number, defaultLimit: number, includeClosed: boolean): RoomListPage<Room> {
    const limit = query.limit === undefined || query.limit === null ? defaultLimit : query.limit;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > maxLimit) throw KaosError.invalidField('limit', `must be an integer 1-${maxLimit}`);
    const label = checkLabel(query.label)?.toLowerCase();
    let after = 0;
    if (query.cursor !== undefined && query.cursor !== null && query.cursor !== '') {
      if (typeof query.cursor !== 'string' || !/^r[0-9a-z]{1,12}$/.test(query.cursor)) throw KaosError.invalidField('cursor', 'is not a cursor from a previous page');
      after = parseInt(query.cursor.slice(1), 36);
    }
    const rooms: Room[] = [];
    let more = false;
    for (const room of this.#rooms.values()) {
      if (room.seq <= after) continue;
      if (!includeClosed && room.status === RoomStatus.CLOSED) continue;
      if (label && !room.label.toLowerCase().includes(label)) continue;
      if (rooms.length === limit) {
        more = true;
        break;
      }
      rooms.push(room);
    }
    return more ? { rooms, cursor: `r${rooms[rooms.length - 1]!.seq.toString(36)}` } : { rooms };
  }

  // ---- server / admin API ----

  get(roomId: string): Room | undefined {
    return this.#rooms.get(roomId);
  }

  getOrThrow(roomId: string): Room {
    const room = isUuid(roomId) ? this.#rooms.get(roomId) : undefined;
    if (!room) throw RoomsErrors.roomNotFound();
    return room;
  }

  get size(): number {
    return this.#rooms.size;
  }

  all(): IterableIterator<Room> {
    return this.#rooms.values();
  }

  /** Runs the handler's `terminate(graceSeconds)`, then closes the room (at once, or after the grace); members see RoomLeave `closed`. */
  terminateRoom(roomId: string, graceSeconds = 0): Room {
    const room = this.getOrThrow(roomId);
    if (!Number.isFinite(graceSeconds) || graceSeconds < 0 || graceSeconds > 3600) throw KaosError.invalidField('graceSeconds', 'must be 0-3600');
    room.match?.terminate(graceSeconds);
    if (room.status === RoomStatus.CLOSED) return room;
    if (graceSeconds === 0) this.close(room, 'terminated');
    else {
      room.closeTimer?.unsubscribe();
      room.closeTimer = timer(graceSeconds * 1000, this.scheduler).subscribe(() => this.close(room, 'terminated'));
    }
    return room;
  }

  /** Pokes an authoritative room's `signal(data)` and returns its answer. */
  signalRoom(roomId: string, data: string): string | undefined {
    const room = this.getOrThrow(roomId);
    if (!room.match) throw RoomsErrors.notAuthoritative();
    return room.match.signal(data);
  }

  /** Removes a member as a kick: it receives RoomLeave `kicked`. */
  kickMember(roomId: string, m: number): void {
    const room = this.getOrThrow(roomId);
    const member = room.members.get(m);
    if (!member) throw KaosError.notFound('No such member', { reason: 'MEMBER_NOT_FOUND' });
    this.removeMember(member, 'kicked');
  }

  /** The rooms a session is in (admin). */
  membershipsOf(session: KaosSession): RoomMember[] {
    const rooms = session.roomState as SessionRooms<RoomMember> | undefined;
    return rooms ? [...rooms.byRef.values()] : [];
  }

  /** A session ended: it leaves every room (no RoomLeave: it is gone). */
  sessionEnded(session: KaosSession): void {
    for (const member of this.membershipsOf(session)) this.removeMember(member, 'disconnected');
  }

  // ---- MatchHost ----

  kick(room: Room, m: number): void {
    const member = room.members.get(m);
    if (member) this.removeMember(member, 'kicked');
  }

  labelChanged(room: Room, label: string): void {
    room.delta({ label });
  }

  lateness(ms: number): void {
    this.stats.recordLateness(ms);
  }

  fail(room: Room, cause: 'error' | 'overrun', where: string, detail: unknown): void {
    this.stats.roomsFailed++;
    this.#logger.error(`room ${room.id} (${room.module}) terminated: ${where} ${cause === 'overrun' ? 'overran' : 'threw'}: ${describe(detail)}`);
    this.close(room, cause);
  }

  /** Closes a room: ticks stop, every member gets RoomLeave `{reason: "closed", detail: cause}`. Idempotent. */
  close(room: Room, cause: RoomCloseCause): void {
    if (room.status === RoomStatus.CLOSED) return;
    room.status = RoomStatus.CLOSED;
    room.closeTimer?.unsubscribe();
    const match = room.match;
    if (match) {
      match.stop();
      const r = this.stats.retired;
      r.ticks += match.tickStats.ticks;
      r.late += match.tickStats.late;
      r.skipped += match.tickStats.skipped;
      r.inputDropped += match.queue.dropped;
    }
    if (this.#rooms.get(room.id) === room) this.#rooms.delete(room.id);
    const now = this.clock.now();
    for (const member of room.members.values()) {
      (member.session.roomState as SessionRooms<RoomMember>).release(member.ref, now);
      member.event(Op.RoomLeave, { roomId: room.id, ref: member.ref, reason: 'closed', detail: cause });
    }
    room.members.clear();
    room.bySession.clear();
    this.stats.roomsClosed++;
  }

  /** Removes one member: refs released, others get a delta, the handler's `leave` runs; a kicked member gets RoomLeave `kicked`. */
  removeMember(member: RoomMember, reason: MatchLeaveReason): void {
    const room = member.room;
    if (room.members.get(member.m) !== member) return;
    room.members.delete(member.m);
    room.bySession.delete(member.sessionId);
    (member.session.roomState as SessionRooms<RoomMember>).release(member.ref, this.clock.now());
    if (reason === 'kicked') member.event(Op.RoomLeave, { roomId: room.id, ref: member.ref, reason: 'kicked' });
    room.delta({ leaves: [member.m] });
    if (room.match) room.match.left(member, reason);
    else if (room.members.size === 0 && room.status !== RoomStatus.CLOSED) this.#scheduleEmptyClose(room);
  }

  // ---- internals ----

  #newRoom(label: string, maxPlayers: number): Room {
    if (this.#rooms.size >= this.options.maxRooms) throw RoomsErrors.serverFull(this.options.maxRooms);
    const room = new Room(newId(), ++this.#seq, label, maxPlayers, this.clock.now());
    this.#rooms.set(room.id, room);
    this.stats.roomsCreated++;
    return room;
  }

  #join(session: KaosSession, room: Room, metadata: Record<string, unknown>): Record<string, unknown> {
    this.#checkJoinable(session, room);
    const match = room.match;
    if (match) {
      const decision = match.joinAttempt({ m: room.peekM(), userId: session.userId, username: session.username, sessionId: session.sessionId }, metadata);
      if (decision === null) throw RoomsErrors.roomClosed();
      if (!decision.accept) throw RoomsErrors.joinRejected(decision.code ?? 'FORBIDDEN', decision.reason);
      // The handler may have ended the room or filled it meanwhile.
      this.#checkJoinable(session, room);
    }
    if (!session.active) throw RoomsErrors.sessionNotFound();
    const rooms = sessionRoomsOf(session, this.options.refReuseMs);
    const now = this.clock.now();
    const member = rooms.allocate(now, (ref) => new RoomMember(room, room.takeM(), session, ref, metadata, now));
    if (!member) throw RoomsErrors.tooManyRooms(this.options.maxRoomsPerSession);
    if (!match) {
      room.closeTimer?.unsubscribe();
      room.closeTimer = undefined;
    }
    room.members.set(member.m, member);
    room.bySession.set(session.sessionId, member);
    room.delta({ joins: [member.toWire()] }, member);
    match?.joined(member);
    return room.snapshot(member);
  }

  #checkJoinable(session: KaosSession, room: Room): void {
    if (room.status === RoomStatus.CLOSED) throw RoomsErrors.roomClosed();
    if (room.bySession.has(session.sessionId)) throw RoomsErrors.alreadyMember();
    if (room.members.size >= room.maxPlayers) throw RoomsErrors.roomFull(room.maxPlayers);
    this.#checkSessionCapacity(session);
  }

  #checkSessionCapacity(session: KaosSession): void {
    const rooms = session.roomState as SessionRooms<RoomMember> | undefined;
    if (rooms && rooms.size >= this.options.maxRoomsPerSession) throw RoomsErrors.tooManyRooms(this.options.maxRoomsPerSession);
  }

  #checkMaxPlayers(value: unknown): number {
    if (value === undefined || value === null) return this.options.defaultMaxPlayers;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > this.options.maxPlayersLimit) {
      throw KaosError.invalidField('maxPlayers', `must be an integer 1-${this.options.maxPlayersLimit}`);
    }
    return value;
  }

  #memberOf(session: KaosSession, ref: unknown): RoomMember {
    if (typeof ref !== 'number' || !Number.isInteger(ref) || ref < 1 || ref > 0xffff) throw KaosError.invalidField('ref', 'must be an integer 1-65535');
    const member = (session.roomState as SessionRooms<RoomMember> | undefined)?.byRef.get(ref);
    if (!member) throw RoomsErrors.refNotFound(ref);
    return member;
  }

  #scheduleEmptyClose(room: Room): void {
    room.closeTimer?.unsubscribe();
    room.closeTimer = timer(this.options.relayEmptyGraceMs, this.scheduler).subscribe(() => {
      room.closeTimer = undefined;
      if (room.members.size === 0) this.close(room, 'empty');
    });
  }

  #sample(): void {
    const now = this.clock.monotonic();
    const secs = (now - this.#lastSample.at) / 1000;
    if (secs <= 0) return;
    const messages = this.gateway.dispatcher.stats.messages;
    this.messagesPerSec = Math.round((messages - this.#lastSample.messages) / secs);
    this.roomDataPerSec = Math.round((this.stats.messagesIn - this.#lastSample.roomData) / secs);
    this.#lastSample = { at: now, messages, roomData: this.stats.messagesIn };
  }
}

function sessionRoomsOf(session: KaosSession, reuseMs: number): SessionRooms<RoomMember> {
  let rooms = session.roomState as SessionRooms<RoomMember> | undefined;
  if (!rooms) session.roomState = rooms = new SessionRooms<RoomMember>(reuseMs);
  return rooms;
}

function checkLabel(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > 128) throw KaosError.invalidField('label', 'must be a string of at most 128 characters');
  return value;
}

function describe(detail: unknown): string {
  if (detail instanceof Error) return detail.stack ?? detail.message;
  return typeof detail === 'string' ? detail : JSON.stringify(detail);
}

function callerOf(session: KaosSession): Caller {
  return { kind: 'user', userId: session.userId, sessionId: session.sessionId, username: session.username, vars: session.vars, origin: 'kaostalk' };
}
