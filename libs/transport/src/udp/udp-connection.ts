import { ErrorCode } from '@kaosnet/common';
import { parseControlRequest } from '../codec/control-payload.codec.js';
import { Op } from '../codec/op-code.table.js';
import type { CloseReason, ProtocolError } from '../codec/protocol-error.js';
import { codeError } from '../dispatch/send-error.js';
import type { RudpChannelState } from '../rudp/rudp-channel-state.js';
import type { RudpConnection } from '../rudp/rudp-connection.js';
import { RudpState, type CloseInitiator, type RudpConnectionListener } from '../rudp/rudp-connection.types.js';
import type { KaosSession } from '../session/kaos-session.js';
import { Lane, type LinkStats, type SessionLink } from '../session/session-link.js';
import type { VerifiedToken } from '../session/session-starter.js';

/** What a UDP connection needs from its endpoint (kept narrow so this file stays a state holder). */
export interface UdpConnectionHost {
  markDirty(conn: UdpConnection): void;
  onConnMessage(conn: UdpConnection, channel: number, message: Buffer): void;
  onConnClosed(conn: UdpConnection, initiator: CloseInitiator, error?: ProtocolError | Error): void;
  onConnLost(conn: UdpConnection, previous: RudpState): void;
  onConnOverflow(conn: UdpConnection): void;
  onConnFreed(conn: UdpConnection): void;
  now(): number;
}

/** Lane → channel of the default table (0 RO control, 1 RO, 2 RU, 3 US, 4 U; §3.4). */
const LANE_CHANNEL: Record<Lane, number> = { [Lane.CONTROL]: 0, [Lane.RO]: 1, [Lane.RU]: 2, [Lane.US]: 3, [Lane.U]: 4 };

/**
 * One RUDP connection of the UDP endpoint, and the SessionLink its session talks through. During
 * GRACE (§4.6) the link keeps queueing reliable messages into the detached channel state and drops
 * unreliable ones; a resuming connection takes the state (and this link's session) over.
 */
export class UdpConnection implements SessionLink, RudpConnectionListener {
  readonly kind = 'udp' as const;
  rudp!: RudpConnection;
  session?: KaosSession;
  starting = false;
  readonly early: { channel: number; message: Buffer }[] = [];
  /** Deadline armed in the endpoint's ConnectionScheduler heap, +∞ when none (lazy deletion key). */
  timerAt = Infinity;
  /** GRACE: the detached reliable state and when the grace ends (monotonic ms). */
  graceState?: RudpChannelState;
  graceUntil = 0;
  /** SessionStart must arrive before this (monotonic ms), else close UNAUTHORIZED (§2.7). */
  startDeadline: number;
  /** Server-initiated close waiting for queued messages (SessionEnd) to be acked (§3.9 linger). */
  lingerClose?: { reason: CloseReason; until: number };
  freed = false;
  bytesIn = 0;
  messagesIn = 0;

  constructor(
    private readonly host: UdpConnectionHost,
    readonly connId: number,
    readonly token: VerifiedToken & { tokenTag: Buffer },
    readonly ip: string,
    now: number,
    sessionStartTimeoutMs: number,
  ) {
    this.startDeadline = now + sessionStartTimeoutMs;
  }

  get remoteAddress(): string {
    const a = this.rudp?.remoteAddress;
    return a ? `${a.address}:${a.port}` : this.ip;
  }

  get inGrace(): boolean {
    return this.graceState !== undefined;
  }

  // --- SessionLink ---------------------------------------------------------------------------

  send(message: Buffer, lane: Lane): void {
    const channel = LANE_CHANNEL[lane];
    if (this.graceState) {
      if (lane === Lane.US || lane === Lane.U) return;
      this.graceState.enqueue(channel, message, this.host.now());
      if (this.graceState.overflowed) this.host.onConnOverflow(this);
      return;
    }
    const s = this.rudp.state;
    if (s !== RudpState.PENDING && s !== RudpState.CONNECTED) return;
    this.rudp.send(channel, message, this.host.now());
    this.host.markDirty(this);
  }

  close(reason: CloseReason, lingerMs = 1000): void {
    if (this.graceState) {
      this.host.onConnFreed(this);
      return;
    }
    this.lingerClose ??= { reason, until: this.host.now() + lingerMs };
    this.host.markDirty(this);
  }

  stats(): LinkStats {
    const s = this.rudp.stats();
    return { rttMs: s.srttMs, lossRate: s.lossRate, bytesIn: s.bytesReceived, bytesOut: s.bytesSent, messagesIn: this.messagesIn, messagesOut: 0, shed: s.unreliableExpired };
  }

  /** Answer to any op before SessionStart (§2.7, KT-9). */
  unauthorized(op: number, message: Buffer): void {
    const cid = op === Op.SessionStart ? undefined : parseControlRequest(op, message.subarray(3)).cid;
    this.rudp.send(0, codeError(ErrorCode.UNAUTHORIZED, 'SessionStart first', op, cid));
    this.host.markDirty(this);
  }

  // --- RudpConnectionListener ----------------------------------------------------------------

  onMessage(channel: number, message: Buffer): void {
    this.messagesIn++;
    this.bytesIn += message.length;
    this.host.onConnMessage(this, channel, message);
  }

  onClose(_reason: CloseReason, initiator: CloseInitiator, error?: ProtocolError | Error): void {
    this.host.onConnClosed(this, initiator, error);
  }

  onLost(previous: RudpState): void {
    this.host.onConnLost(this, previous);
  }

  onOverflow(): void {
    this.host.onConnOverflow(this);
  }

  onStateChange(state: RudpState): void {
    if (state === RudpState.CLOSED && !this.graceState) this.host.onConnFreed(this);
  }
}
