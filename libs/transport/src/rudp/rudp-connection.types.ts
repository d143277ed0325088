import type { CloseReason, ProtocolError } from '../codec/protocol-error.js';
import type { WelcomeInfo } from './frame-reader.js';
import type { RudpPeerAddress } from './path-validator.js';
import type { RudpChannelState } from './rudp-channel-state.js';
import type { RudpLimits } from './rudp.options.js';

/**
 * Per-packet AEAD, injected (§3.2). The handshake derives K_c2s / K_s2c; the implementation seals
 * with this side's key and direction byte and opens with the peer's.
 */
export interface PacketCipher {
  /** Returns ciphertext ‖ 16-byte tag; `header` (9 B) is the AAD. Must not keep `plaintext`. */
  seal(header: Buffer, plaintext: Buffer, pn: number): Buffer;
  /** Returns the plaintext, or null when authentication fails. */
  open(header: Buffer, body: Buffer, pn: number): Buffer | null;
  /**
   * Optional fast path: the whole datagram (9-byte DATA header ‖ ciphertext ‖ tag) in one
   * allocation, byte-identical to header ‖ `seal(header, plaintext, pn)`.
   */
  sealPacket?(connId: number, pn: number, plaintext: Buffer): Buffer;
  /**
   * Optional fast path: opens a whole datagram whose header the caller has checked (pn read from
   * it); same result as `open(header, body, pn)` without the two views.
   */
  openPacket?(datagram: Buffer): Buffer | null;
}

export const RudpRole = { CLIENT: 'client', SERVER: 'server' } as const;
export type RudpRole = (typeof RudpRole)[keyof typeof RudpRole];

/** Connection states (§6). GRACE is the endpoint's business: a LOST connection's channel state is exported. */
export const RudpState = {
  /** Server: WELCOME sent, no authenticated DATA yet. Client: waiting for WELCOME. */
  PENDING: 'pending',
  CONNECTED: 'connected',
  /** Closed by this side: CLOSE × 3 sent, input dropped until `drainMs` ends. */
  CLOSING: 'closing',
  /** CLOSE received: nothing is sent, forgotten after `drainMs`. */
  DRAINING: 'draining',
  /** Idle timeout: nothing more is sent, no CLOSE (§3.9); resumable (§4.6). */
  LOST: 'lost',
  CLOSED: 'closed',
} as const;
export type RudpState = (typeof RudpState)[keyof typeof RudpState];

export const CloseInitiator = { LOCAL: 'local', PEER: 'peer' } as const;
export type CloseInitiator = (typeof CloseInitiator)[keyof typeof CloseInitiator];

/**
 * Connection events, called synchronously from `onDatagram`, `poll`, `send` or `close`. One object
 * per connection; no closure per message. Without `onMessage`, messages queue for {@link RudpConnection.receive}.
 */
export interface RudpConnectionListener {
  /** A whole KaosTalk message; `message` may be a view into the packet plaintext (do not keep it mutated). */
  onMessage?(channel: number, message: Buffer): void;
  onStateChange?(state: RudpState, previous: RudpState): void;
  /** CLOSING (local close, protocol error) or DRAINING (CLOSE received). `error` is set for protocol errors. */
  onClose?(reason: CloseReason, initiator: CloseInitiator, error?: ProtocolError | Error): void;
  /** Idle timeout (§3.9): no CLOSE was sent. `previous` tells PENDING (free it) from CONNECTED (GRACE). */
  onLost?(previous: RudpState): void;
  /** Reliable backlog above `maxQueuedOutboundBytes` / `maxQueuedOutboundMessages` (§7.2); once. */
  onOverflow?(backlogBytes: number, backlogMessages: number): void;
  /** Client: first WELCOME processed. Call {@link RudpConnection.adopt} here when `resumed`. */
  onWelcome?(info: WelcomeInfo): void;
  /** Server: the send path moved (unvalidated), was validated, or reverted (§3.10). */
  onPathChange?(address: RudpPeerAddress | undefined, validated: boolean): void;
}

export interface RudpConnectionOptions {
  role: RudpRole;
  /** Server: the allocated conn_id. Client: taken from the first authenticated packet when omitted. */
  connId?: number;
  cipher: PacketCipher;
  /** Creation time on the clock that drives `poll` / `onDatagram` (ms). */
  now: number;
  /** Handshake round trip, the first RTT sample (§3.7); kInitialRtt (333 ms) without one. */
  rttSeedMs?: number;
  /** Peer address at creation (the handshake's source address). */
  remoteAddress?: RudpPeerAddress;
  /** Server: WELCOME `resumed` flag (§4.6). */
  resumed?: boolean;
  /** Adopt this channel state at creation (server-side resume). */
  channelState?: RudpChannelState;
  limits?: Partial<RudpLimits>;
  listener?: RudpConnectionListener;
  /** Wall clock for WELCOME `server_time` (default Date.now). */
  wallClock?: () => number;
  /** Randomness for PATH_CHALLENGE (default crypto.randomFillSync). */
  randomFill?: (buf: Buffer) => void;
}

/** Counters and gauges (§3.8 "expose queue delay and shed counts"). */
export interface RudpConnectionStats {
  state: RudpState;
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  ackOnlyPacketsSent: number;
  /** Reliable message bytes sent for the first time / again (fragment payload bytes). */
  reliableBytesSent: number;
  retransmittedBytes: number;
  unreliableSent: number;
  /** Unreliable messages dropped for age (`unreliableTtlMs`). */
  unreliableExpired: number;
  packetsLost: number;
  spuriousLosses: number;
  ptoCount: number;
  /** Lost / sent packets. */
  lossRate: number;
  srttMs: number;
  rttVarMs: number;
  minRttMs: number;
  latestRttMs: number;
  cwnd: number;
  bytesInFlight: number;
  pacingRate: number;
  /** Age of the oldest message not yet sent (ms). */
  queueDelayMs: number;
  backlogBytes: number;
  backlogMessages: number;
  /** Out-of-order messages and partial reassemblies held by the reliable receive channels. */
  receiveBufferedBytes: number;
  /** Delivered messages waiting in the pull queue ({@link RudpConnection.receive}). */
  inboxLength: number;
  /** Dropped before processing: replay, AEAD failure, inbound rate, wrong state / conn_id. */
  droppedReplay: number;
  droppedAuth: number;
  droppedRate: number;
  droppedOther: number;
  /** Sends refused by the congestion window / pacer. */
  cwndBlocked: number;
  pacerBlocked: number;
}
