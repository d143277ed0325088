/**
 * Protocol violations (KaosTalk spec §7.1). They are not application errors: they close or reset
 * the connection, are counted, and never reach a service. Build them with {@link protocolError}
 * only, so every violation carries a stable `KT_ERR_*` code and the close reason to send.
 */

/** RUDP CLOSE frame reasons (§3.3). Unknown values received on the wire are treated as INTERNAL. */
export const CloseReason = {
  NORMAL: 0,
  PROTOCOL_ERROR: 1,
  OVERFLOW: 2,
  KICKED: 3,
  SHUTDOWN: 4,
  REPLACED: 5,
  PN_EXHAUSTED: 6,
  RATE_LIMITED: 7,
  UNAUTHORIZED: 8,
  INTERNAL: 9,
} as const;
export type CloseReason = (typeof CloseReason)[keyof typeof CloseReason];

/** Maps a received CLOSE reason byte to a known reason (§3.3: unknown → INTERNAL). */
export function toCloseReason(value: number): CloseReason {
  return value >= 0 && value <= 9 && Number.isInteger(value) ? (value as CloseReason) : CloseReason.INTERNAL;
}

/** WebSocket close codes (§5.6) for each RUDP close reason. */
export const WS_CLOSE_CODE: Readonly<Record<CloseReason, number>> = {
  0: 1000,
  1: 1002,
  2: 4507,
  3: 4403,
  4: 1001,
  5: 4409,
  6: 1011,
  7: 4429,
  8: 4401,
  9: 1011,
};

/** Stable codes of protocol violations. Metrics count them by this code. */
export const ProtocolErrorCode = {
  /** A buffer ends inside a KaosTalk header or payload (§2.1), or a frame is cut short. */
  TRUNCATED: 'KT_ERR_TRUNCATED',
  /** Empty WS message / empty plaintext (§3.3, §7.1). */
  EMPTY: 'KT_ERR_EMPTY',
  /** More messages in one WS message (512) or MSG+FRAG frames in one packet (64) than allowed. */
  TOO_MANY_MESSAGES: 'KT_ERR_TOO_MANY_MESSAGES',
  /** A buffer larger than the transport allows (e.g. WS message > 131,072 B). */
  TOO_LARGE: 'KT_ERR_TOO_LARGE',
  /** Unknown or reserved RUDP frame type (§3.3). */
  UNKNOWN_FRAME: 'KT_ERR_UNKNOWN_FRAME',
  /** A frame that is not allowed here (second ACK/WELCOME, WELCOME or PATH_CHALLENGE from a client…). */
  UNEXPECTED_FRAME: 'KT_ERR_UNEXPECTED_FRAME',
  /** Malformed ACK frame (§3.3, §10.3). */
  BAD_ACK: 'KT_ERR_BAD_ACK',
  /** MSG or FRAG on a channel that was not announced (§10.2). */
  BAD_CHANNEL: 'KT_ERR_BAD_CHANNEL',
  /** Fragmentation rule broken (§3.5). */
  BAD_FRAGMENT: 'KT_ERR_BAD_FRAGMENT',
  /** msg_id outside the receive window (§3.4). */
  WINDOW: 'KT_ERR_WINDOW',
  /** Per-channel receive buffer cap exceeded (§3.4). */
  BUFFER_OVERFLOW: 'KT_ERR_BUFFER_OVERFLOW',
  /** Malformed WELCOME (§3.3). */
  BAD_WELCOME: 'KT_ERR_BAD_WELCOME',
  /** Outbound backlog above the limit (§7.2). */
  OVERFLOW: 'KT_ERR_OVERFLOW',
  /** Packet numbers about to run out (§3.2). */
  PN_EXHAUSTED: 'KT_ERR_PN_EXHAUSTED',
  /** Over a rate limit for too long (§7.1). */
  RATE_LIMITED: 'KT_ERR_RATE_LIMITED',
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** A protocol violation: closes the connection with `closeCode`. */
export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  readonly closeCode: CloseReason;

  constructor(code: ProtocolErrorCode, message: string, closeCode: CloseReason) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.closeCode = closeCode;
  }
}

/**
 * The one helper that builds protocol violations.
 *
 * @example
 * throw protocolError(ProtocolErrorCode.TRUNCATED, 'buffer ends inside a KaosTalk header');
 * // → ProtocolError { code: 'KT_ERR_TRUNCATED', closeCode: 1 (PROTOCOL_ERROR) }
 */
export function protocolError(
  code: ProtocolErrorCode,
  message: string,
  closeCode: CloseReason = CloseReason.PROTOCOL_ERROR,
): ProtocolError {
  return new ProtocolError(code, message, closeCode);
}

export function isProtocolError(value: unknown): value is ProtocolError {
  return value instanceof ProtocolError;
}
