import { ChannelMode, DEFAULT_CHANNEL_MODES, MAX_CHANNELS, PN_LIMIT } from './rudp.constants.js';

/**
 * Tunables of one RUDP connection. Every limit of the spec is an option with the spec's default
 * (§7.2, §8); the UDP endpoint passes server-wide values, tests shrink them.
 */
export interface RudpLimits {
  /** Channel modes; index = channel. Server configuration, announced in WELCOME. Default 0 RO, 1 RO, 2 RU, 3 US, 4 U. */
  channelModes: readonly ChannelMode[];
  /** Own `max_ack_delay` (25 ms). The server announces it in WELCOME. */
  maxAckDelayMs: number;
  /** Peer's `max_ack_delay`, used in PTO (§10.10). Client: replaced by the WELCOME value. Default 25. */
  peerMaxAckDelayMs: number;
  /** `keepalive_ms` (2,000). Client: replaced by the WELCOME value. */
  keepaliveMs: number;
  /** `idle_timeout_ms` (10,000; token value if non-zero). Client: replaced by the WELCOME value. */
  idleTimeoutMs: number;
  /** A PENDING connection without authenticated DATA for this long is lost (5,000, §4.5 step 8). */
  handshakeTimeoutMs: number;
  /** Resume grace announced in WELCOME (30,000); the endpoint enforces it. */
  graceMs: number;
  /** Cap of the backed-off PTO (2,000). */
  maxPtoMs: number;
  /** Minimum of `drainMs` = max(3 × PTO, this) (1,000). */
  minDrainMs: number;
  /** Send window in messages per reliable channel (1,024). */
  msgWindow: number;
  /** Send window / receive buffer bytes per reliable channel (131,072). */
  reliableWindowBytes: number;
  /** Unreliable messages older than this are dropped unsent (100). */
  unreliableTtlMs: number;
  /** Outbound reliable backlog (unacked + waiting), bytes (524,288) and messages (2,048), §7.2. */
  maxQueuedOutboundBytes: number;
  maxQueuedOutboundMessages: number;
  /** Congestion control (§3.8). */
  initialCwnd: number;
  minCwnd: number;
  minSendRate: number;
  maxSendRate: number;
  pacerBurst: number;
  /** Inbound DATA packets per second before decrypt (300); excess dropped; sustained for `rateLimitCloseMs` → close RATE_LIMITED. */
  maxInboundPacketsPerSec: number;
  rateLimitCloseMs: number;
  /** MSG + FRAG frames per packet (64). */
  maxMsgsPerPacket: number;
  /** Replay window (1,024). */
  replayWindow: number;
  /** §3.7 `reorderAdaptive` (off). */
  reorderAdaptive: boolean;
  /** First packet number never to be reached (0xFFFF_FFF0); lowered in tests. */
  pnLimit: number;
}

export const DEFAULT_RUDP_LIMITS: Readonly<RudpLimits> = Object.freeze({
  channelModes: DEFAULT_CHANNEL_MODES,
  maxAckDelayMs: 25,
  peerMaxAckDelayMs: 25,
  keepaliveMs: 2_000,
  idleTimeoutMs: 10_000,
  handshakeTimeoutMs: 5_000,
  graceMs: 30_000,
  maxPtoMs: 2_000,
  minDrainMs: 1_000,
  msgWindow: 1_024,
  reliableWindowBytes: 131_072,
  unreliableTtlMs: 100,
  maxQueuedOutboundBytes: 524_288,
  maxQueuedOutboundMessages: 2_048,
  initialCwnd: 12_000,
  minCwnd: 2_400,
  minSendRate: 32_768,
  maxSendRate: 262_144,
  pacerBurst: 12_000,
  maxInboundPacketsPerSec: 300,
  rateLimitCloseMs: 10_000,
  maxMsgsPerPacket: 64,
  replayWindow: 1_024,
  reorderAdaptive: false,
  pnLimit: PN_LIMIT,
});

/** Fills defaults and checks ranges; throws RangeError on nonsense (configuration errors, not protocol errors). */
export function resolveRudpLimits(partial: Partial<RudpLimits> | undefined): RudpLimits {
  const limits: RudpLimits = { ...DEFAULT_RUDP_LIMITS, ...partial };
  const modes = limits.channelModes;
  if (modes.length < 1 || modes.length > MAX_CHANNELS || modes[0] !== ChannelMode.RELIABLE_ORDERED) {
    throw new RangeError('channelModes: 1–16 channels, channel 0 must be reliable-ordered');
  }
  for (const mode of modes) {
    if (mode !== 0 && mode !== 1 && mode !== 2 && mode !== 3) {
      throw new RangeError(`channelModes: unknown mode ${String(mode)}`);
    }
  }
  if (limits.msgWindow < 1 || limits.msgWindow > 1_024) {
    throw new RangeError('msgWindow must be 1–1,024');
  }
  if (limits.replayWindow < 64 || limits.replayWindow % 32 !== 0) {
    throw new RangeError('replayWindow must be a multiple of 32, ≥ 64');
  }
  if (limits.maxMsgsPerPacket < 1 || limits.maxMsgsPerPacket > 64) {
    throw new RangeError('maxMsgsPerPacket must be 1–64');
  }
  if (limits.minSendRate <= 0 || limits.maxSendRate < limits.minSendRate) {
    throw new RangeError('send rates: 0 < minSendRate ≤ maxSendRate');
  }
  return limits;
}
