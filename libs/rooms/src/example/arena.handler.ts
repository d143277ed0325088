import { ArenaOp, ARENA_PICKUP, ARENA_SIZE, ARENA_SPEED, ARENA_WIN_SCORE, type ArenaSnapshot } from './arena.protocol.js';
import { DeliveryClass } from '@kaosnet/transport';
import { MatchHandler, type MatchContext, type MatchJoinDecision, type MatchMessage, type MatchPresence } from '../match-handler.js';

interface ArenaPlayer {
  m: number;
  name: string;
  x: number;
  y: number;
  dx: number;
  dy: number;
  score: number;
}

export interface ArenaState {
  players: Map<number, ArenaPlayer>;
  coin: { x: number; y: number };
  round: number;
  /** Tick at which the arena became empty (it ends after `emptyTicks`), or 0. */
  emptySince: number;
  emptyTicks: number;
  seed: number;
}

/**
 * The example game shipped with the server: a 20 Hz arena where players steer toward coins.
 * Inputs queue between ticks; each tick applies the latest input per player, moves everyone,
 * awards coins, and broadcasts a binary snapshot (unreliable-sequenced). First to 10 wins the
 * round. Create one with RoomCreate `{module: "arena"}`; `npm run example:bots` plays it.
 */
@MatchHandler('arena')
export class ArenaMatch implements MatchHandler<ArenaState> {
  init(ctx: MatchContext, params: Record<string, unknown>): { state: ArenaState; tickRate: number; label: string } {
    const seed = typeof params['seed'] === 'number' ? params['seed'] : 1;
    const state: ArenaState = { players: new Map(), coin: { x: 50, y: 50 }, round: 1, emptySince: 0, emptyTicks: 20 * 30, seed };
    return { state, tickRate: 20, label: `arena 0/${ctx.maxPlayers}` };
  }

  joinAttempt(_ctx: MatchContext, state: ArenaState, _p: MatchPresence, metadata: Record<string, unknown>): MatchJoinDecision<ArenaState> {
    const name = metadata['name'];
    if (name !== undefined && (typeof name !== 'string' || name.length > 24)) return { state, accept: false, reason: 'name must be a string of at most 24 characters' };
    return { state, accept: true };
  }

  join(ctx: MatchContext, state: ArenaState, p: MatchPresence): ArenaState {
    const spot = this.#random(state);
    state.players.set(p.m, { m: p.m, name: p.username ?? `player${p.m}`, x: spot * ARENA_SIZE, y: (1 - spot) * ARENA_SIZE, dx: 0, dy: 0, score: 0 });
    state.emptySince = 0;
    ctx.updateLabel(`arena ${state.players.size}/${ctx.maxPlayers}`);
    return state;
  }

  leave(ctx: MatchContext, state: ArenaState, p: MatchPresence): ArenaState {
    state.players.delete(p.m);
    ctx.updateLabel(`arena ${state.players.size}/${ctx.maxPlayers}`);
    return state;
  }

  loop(ctx: MatchContext, state: ArenaState, tick: number, messages: readonly MatchMessage[]): ArenaState | null {
    for (const msg of messages) {
      if (msg.gameOp !== ArenaOp.MOVE || msg.data.length < 2) continue;
      const p = state.players.get(msg.sender.m);
      if (!p) continue;
      p.dx = Math.sign(msg.data.readInt8(0));
      p.dy = Math.sign(msg.data.readInt8(1));
    }
    if (state.players.size === 0) {
      state.emptySince ||= tick;
      return tick - state.emptySince > state.emptyTicks ? null : state;
    }
    const step = ARENA_SPEED / ctx.tickRate;
    let winner: ArenaPlayer | undefined;
    for (const p of state.players.values()) {
      const norm = p.dx !== 0 && p.dy !== 0 ? Math.SQRT1_2 : 1;
      p.x = clamp(p.x + p.dx * step * norm);
      p.y = clamp(p.y + p.dy * step * norm);
      if (Math.hypot(p.x - state.coin.x, p.y - state.coin.y) <= ARENA_PICKUP) {
        p.score++;
        state.coin = { x: this.#random(state) * ARENA_SIZE, y: this.#random(state) * ARENA_SIZE };
        if (p.score >= ARENA_WIN_SCORE) winner = p;
      }
    }
    ctx.broadcast(ArenaOp.SNAPSHOT, encodeSnapshot(tick, state), null, { delivery: DeliveryClass.US });
    if (winner) {
      const b = Buffer.alloc(6);
      b.writeUInt32LE(winner.m, 0);
      b.writeUInt16LE(winner.score, 4);
      ctx.broadcast(ArenaOp.ROUND_OVER, b);
      for (const p of state.players.values()) p.score = 0;
      state.round++;
    }
    return state;
  }

  signal(_ctx: MatchContext, state: ArenaState, data: string): { state: ArenaState; data: string } {
    return { state, data: JSON.stringify({ round: state.round, players: state.players.size, echo: data }) };
  }

  inspect(state: ArenaState): ArenaSnapshot & { round: number } {
    return {
      tick: 0,
      round: state.round,
      coin: state.coin,
      players: [...state.players.values()].map((p) => ({ m: p.m, x: p.x, y: p.y, score: p.score })),
    };
  }

  /** A tiny deterministic PRNG (mulberry32) kept in the state, so rounds replay from a seed. */
  #random(state: ArenaState): number {
    let t = (state.seed = (state.seed + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > ARENA_SIZE ? ARENA_SIZE : v;
}

function encodeSnapshot(tick: number, state: ArenaState): Buffer {
  // 76 players fit the 1,087-B limit of an unreliable message.
  const n = Math.min(state.players.size, 76);
  const b = Buffer.allocUnsafe(13 + 14 * n);
  b.writeUInt32LE(tick >>> 0, 0);
  b.writeFloatLE(state.coin.x, 4);
  b.writeFloatLE(state.coin.y, 8);
  b[12] = n;
  let p = 13;
  let i = 0;
  for (const pl of state.players.values()) {
    if (i++ === n) break;
    b.writeUInt32LE(pl.m, p);
    b.writeFloatLE(pl.x, p + 4);
    b.writeFloatLE(pl.y, p + 8);
    b.writeUInt16LE(Math.min(pl.score, 0xffff), p + 12);
    p += 14;
  }
  return b;
}
