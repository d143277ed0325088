/**
 * Every transport limit, with the spec's default (kaostalk.md §7.2, §8). Each is configurable per
 * server through `KaosConfig.transport`.
 */
export interface RateLimit {
  perSec: number;
  burst: number;
}

export interface TransportOptions {
  /** u64 game + protocol version baked into connect tokens (§4.2). */
  protocolId: bigint;
  /** Token sealing keys: `current` seals, `current` and `previous` open (§4.2 rotation). */
  tokenKeys: { current: { id: number; key: Buffer }; previous?: { id: number; key: Buffer } };
  tokenLifetimeMs: number;
  udp: { enabled: boolean; host: string; port: number };
  /** host:port strings clients are told to dial and tokens list; derived from `udp` when empty. */
  publicUdpEndpoints: string[];
  wsPath: string;
  maxSessions: number;
  sessionStartTimeoutMs: number;
  /** Idle timeout of a session on either transport (RUDP token value, WS idle close). */
  idleTimeoutMs: number;
  resumeGraceMs: number;
  messageRate: RateLimit & { bytesPerSec: number };
  controlRate: RateLimit;
  rpcRate: RateLimit;
  /** Errors in `errorWindowMs` beyond which the session is ended `protocol_error`. */
  maxErrors: number;
  errorWindowMs: number;
  /** Over a rate limit this long without pause → SessionEnd `rate_limited`. */
  rateLimitedCloseMs: number;
  ws: {
    maxFrameBytes: number;
    maxMessagesPerFrame: number;
    authTimeoutMs: number;
    pingMs: number;
    shedBytes: number;
    maxQueuedOutboundBytes: number;
    allowQueryToken: boolean;
  };
  closeLingerMs: number;
  /** Per-connection RUDP limits (`RudpLimits` of rudp/rudp.options.ts: channel modes, send rates, inbound packet limit, backlog…). */
  rudp?: Record<string, unknown>;
}

export const DEFAULT_PROTOCOL_ID = 0x4b41_4f53_0000_0001n; // "KAOS" v1

export function defaultTransportOptions(partial: Partial<TransportOptions> & Pick<TransportOptions, 'tokenKeys'>): TransportOptions {
  return {
    protocolId: DEFAULT_PROTOCOL_ID,
    tokenLifetimeMs: 60_000,
    udp: { enabled: true, host: '0.0.0.0', port: 7350 },
    publicUdpEndpoints: [],
    wsPath: '/ws',
    maxSessions: 10_000,
    sessionStartTimeoutMs: 5_000,
    idleTimeoutMs: 10_000,
    resumeGraceMs: 30_000,
    messageRate: { perSec: 200, burst: 400, bytesPerSec: 262_144 },
    controlRate: { perSec: 20, burst: 40 },
    rpcRate: { perSec: 10, burst: 20 },
    maxErrors: 50,
    errorWindowMs: 10_000,
    rateLimitedCloseMs: 10_000,
    closeLingerMs: 1_000,
    ...partial,
    ws: {
      maxFrameBytes: 131_072,
      maxMessagesPerFrame: 512,
      authTimeoutMs: 5_000,
      pingMs: 15_000,
      shedBytes: 65_536,
      maxQueuedOutboundBytes: 524_288,
      allowQueryToken: false,
      ...(partial.ws ?? {}),
    },
  };
}
