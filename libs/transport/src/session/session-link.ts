import type { CloseReason } from '../codec/protocol-error.js';

/**
 * Where a session's messages travel: channel 0 for control, or a RoomData delivery class.
 * Values 0-3 equal the delivery class bits of RoomData flags (§2.5).
 */
export const Lane = { RO: 0, RU: 1, US: 2, U: 3, CONTROL: 4 } as const;
export type Lane = (typeof Lane)[keyof typeof Lane];

export interface LinkStats {
  rttMs: number;
  lossRate: number;
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  messagesOut: number;
  /** Unreliable messages dropped under back-pressure. */
  shed: number;
}

/**
 * One live transport connection as the session layer sees it. The UDP endpoint (RUDP) and the
 * WebSocket endpoint implement it; nothing above this interface knows which one is in use.
 */
export interface SessionLink {
  readonly kind: 'udp' | 'ws';
  readonly remoteAddress: string;
  /** Queue one serialized KaosTalk message (op|len|payload) on a lane. Never blocks. */
  send(message: Buffer, lane: Lane): void;
  /** Flush what is queued, then close with `reason` (WS: the matching close code). */
  close(reason: CloseReason): void;
  stats(): LinkStats;
}
