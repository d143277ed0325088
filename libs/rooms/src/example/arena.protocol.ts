/**
 * Wire format of the example arena (game ops inside RoomData). Shared by the server handler and
 * the bots in examples/bots.ts.
 */
export const ArenaOp = {
  /** C→S, 2 B: dx, dy as int8 in -1…1 (the latest input per tick wins). */
  MOVE: 1,
  /** S→C each tick, US class: tick u32 · coinX f32 · coinY f32 · n u8 · n × (m u32 · x f32 · y f32 · score u16). */
  SNAPSHOT: 10,
  /** S→C, RO class: winner m u32 · score u16; scores reset. */
  ROUND_OVER: 11,
} as const;

export const ARENA_SIZE = 100;
export const ARENA_SPEED = 30; // units per second
export const ARENA_PICKUP = 4;
export const ARENA_WIN_SCORE = 10;

export interface ArenaPlayerView {
  m: number;
  x: number;
  y: number;
  score: number;
}

export interface ArenaSnapshot {
  tick: number;
  coin: { x: number; y: number };
  players: ArenaPlayerView[];
}

export function encodeArenaMove(dx: number, dy: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt8(Math.sign(dx), 0);
  b.writeInt8(Math.sign(dy), 1);
  return b;
}

export function decodeArenaSnapshot(data: Buffer): ArenaSnapshot | null {
  if (data.length < 13) return null;
  const n = data[12]!;
  if (data.length < 13 + 14 * n) return null;
  const players: ArenaPlayerView[] = [];
  for (let i = 0, p = 13; i < n; i++, p += 14) {
    players.push({ m: data.readUInt32LE(p), x: data.readFloatLE(p + 4), y: data.readFloatLE(p + 8), score: data.readUInt16LE(p + 12) });
  }
  return { tick: data.readUInt32LE(0), coin: { x: data.readFloatLE(4), y: data.readFloatLE(8) }, players };
}
