import type { KaosConfig } from '@kaosnet/common';

/** Every rooms limit, with its default. Override per server with `KaosConfig.rooms` (loose, like `transport`). */
export interface RoomsOptions {
  /** maxPlayers when RoomCreate leaves it out (§2.4: 16). */
  defaultMaxPlayers: number;
  /** Upper bound of maxPlayers (§2.4: 1024). */
  maxPlayersLimit: number;
  /** Maximum live rooms in this process (UNAVAILABLE beyond). */
  maxRooms: number;
  /** Maximum rooms one session may be in at once (CONFLICT beyond). */
  maxRoomsPerSession: number;
  /** An empty relay room closes after this long without members. */
  relayEmptyGraceMs: number;
  /** A released room ref is not handed out again within this time (§2.4: 60 s). */
  refReuseMs: number;
  /** Tick rate of authoritative rooms whose init gives none (clamped to 1–60). */
  defaultTickRate: number;
  /** Inbound messages waiting for the next tick, per room; the oldest is dropped (and counted) beyond. */
  inputQueueSize: number;
  /** At most this many ticks run back to back to catch up; the rest are skipped (and counted). */
  maxCatchUpTicks: number;
  /** A tick that starts more than this after its scheduled time counts as late. */
  lateTickMs: number;
  /** A handler callback running longer than this terminates its room (overrun). */
  handlerBudgetMs: number;
  /** Recent tick lateness samples kept for the admin status percentiles. */
  latenessWindow: number;
  /** Register the built-in example handler(s) (`arena`). */
  exampleHandlers: boolean;
}

export const DEFAULT_ROOMS_OPTIONS: Readonly<RoomsOptions> = Object.freeze({
  defaultMaxPlayers: 16,
  maxPlayersLimit: 1024,
  maxRooms: 50_000,
  maxRoomsPerSession: 32,
  relayEmptyGraceMs: 5_000,
  refReuseMs: 60_000,
  defaultTickRate: 60,
  inputQueueSize: 256,
  maxCatchUpTicks: 4,
  lateTickMs: 2,
  handlerBudgetMs: 100,
  latenessWindow: 8192,
  exampleHandlers: true,
});

export const ROOMS_OPTIONS = Symbol.for('kaosnet.rooms.options');
/** The RxJS scheduler driving ticks and room timers (a TickScheduler; a manual one in tests). */
export const ROOMS_SCHEDULER = Symbol.for('kaosnet.rooms.scheduler');

export function roomsOptionsFrom(config: KaosConfig): RoomsOptions {
  const overrides = ((config as KaosConfig & { rooms?: Partial<RoomsOptions> }).rooms ?? {}) as Partial<RoomsOptions>;
  return { ...DEFAULT_ROOMS_OPTIONS, defaultTickRate: clampTickRate(config.tickRate), ...overrides };
}

export function clampTickRate(hz: number | undefined, fallback = 60): number {
  if (typeof hz !== 'number' || !Number.isFinite(hz)) return fallback;
  return Math.min(60, Math.max(1, Math.round(hz)));
}
