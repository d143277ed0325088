import { CloseReason } from '../codec/protocol-error.js';
import { encodeControlEvent } from '../codec/control-payload.codec.js';
import { Op } from '../codec/op-code.table.js';
import type { TransportOptions } from '../transport.options.js';
import { Lane, type LinkStats, type SessionLink } from './session-link.js';
import { TokenBucket } from './token-bucket.js';

export const SessionState = { NEW: 'new', ACTIVE: 'active', SUSPENDED: 'suspended', ENDED: 'ended' } as const;
export type SessionState = (typeof SessionState)[keyof typeof SessionState];

/** Reasons carried by an unsolicited SessionEnd (§2.4). */
export const SessionEndReason = {
  CLIENT: 'client',
  KICKED: 'kicked',
  SHUTDOWN: 'shutdown',
  REPLACED: 'replaced',
  OVERFLOW: 'overflow',
  RATE_LIMITED: 'rate_limited',
  PROTOCOL_ERROR: 'protocol_error',
  EXPIRED: 'expired',
  /** Not sent on the wire: the transport went away (WS close, RUDP lost past grace, CLOSE). */
  DISCONNECTED: 'disconnected',
} as const;
export type SessionEndReason = (typeof SessionEndReason)[keyof typeof SessionEndReason];

export const CLOSE_FOR_END: Record<SessionEndReason, CloseReason> = {
  client: CloseReason.NORMAL,
  kicked: CloseReason.KICKED,
  shutdown: CloseReason.SHUTDOWN,
  replaced: CloseReason.REPLACED,
  overflow: CloseReason.OVERFLOW,
  rate_limited: CloseReason.RATE_LIMITED,
  protocol_error: CloseReason.PROTOCOL_ERROR,
  expired: CloseReason.UNAUTHORIZED,
  disconnected: CloseReason.NORMAL,
};

export interface SessionIdentity {
  sessionId: string;
  userId: string;
  username?: string;
  vars?: Record<string, string>;
}

/**
 * A user's realtime session: identity, its current link, limits and counters. Plain fields only
 * (it sits on the per-message path); rules about sessions live in SessionRegistry and the
 * dispatcher.
 */
export class KaosSession {
  readonly sessionId: string;
  readonly userId: string;
  username?: string;
  vars?: Record<string, string>;
  state: SessionState = SessionState.NEW;
  link: SessionLink;
  readonly connectedAt: number;
  lastSeenAt: number;
  client?: string;
  lang?: string;
  /** Rate limits (§7.2). */
  readonly messageBucket: TokenBucket;
  readonly byteBucket: TokenBucket;
  readonly controlBucket: TokenBucket;
  readonly rpcBucket: TokenBucket;
  /** Start of the current run of rate-limited input, or 0. */
  limitedSince = 0;
  /** Error timestamps in the current window (ring of maxErrors + 1). */
  readonly errorTimes: number[] = [];
  droppedMessages = 0;
  /** Per-op-code counts of ignored RoomData errors within the current second (§7.1: ≤ 1 per code per second). */
  lastRoomDataErrorAt = new Map<string, number>();
  /** Set by the rooms layer: per-session room refs. Opaque to the transport. */
  roomState: unknown;

  constructor(identity: SessionIdentity, link: SessionLink, now: number, options: TransportOptions) {
    this.sessionId = identity.sessionId;
    this.userId = identity.userId;
    this.username = identity.username;
    this.vars = identity.vars;
    this.link = link;
    this.connectedAt = now;
    this.lastSeenAt = now;
    this.messageBucket = new TokenBucket(options.messageRate.perSec, options.messageRate.burst, now);
    this.byteBucket = new TokenBucket(options.messageRate.bytesPerSec, options.messageRate.bytesPerSec, now);
    this.controlBucket = new TokenBucket(options.controlRate.perSec, options.controlRate.burst, now);
    this.rpcBucket = new TokenBucket(options.rpcRate.perSec, options.rpcRate.burst, now);
  }

  get active(): boolean {
    return this.state === SessionState.ACTIVE;
  }

  /** Queue a serialized message to this session (dropped silently once ended). */
  send(message: Buffer, lane: Lane = Lane.CONTROL): void {
    if (this.state === SessionState.ENDED) return;
    this.link.send(message, lane);
  }

  /** Unsolicited control event (no cid). */
  sendEvent(op: number, body: Record<string, unknown>): void {
    this.send(encodeControlEvent(op, body), Lane.CONTROL);
  }

  sendSessionEnd(reason: SessionEndReason): void {
    if (reason === SessionEndReason.DISCONNECTED) return;
    this.sendEvent(Op.SessionEnd, { reason });
  }

  stats(): LinkStats {
    return this.link.stats();
  }
}
