import type { Lane } from '@kaosnet/transport';

/** Why a socket transport went away. */
export interface TransportClose {
  /** WS close code, or RUDP CLOSE reason (0-9); -1 when the peer vanished (timeout). */
  code: number;
  reason: string;
}

/**
 * What KaosSocket needs from a transport (WebSocket or RUDP): send whole KaosTalk messages on a
 * lane, get whole messages back. The transport owns framing, channels and keep-alive.
 */
export interface SocketTransport {
  readonly kind: 'ws' | 'udp';
  /**
   * True when every payload handed to `onMessage` sits in memory of its own that nothing reuses
   * and that is small (RUDP: a view into one decrypted packet, ≤ 1,200 B), so the socket may pass
   * it on without a copy. WebSocket payloads can be views into a read chunk of up to 64 KiB, which
   * a kept payload would pin: those are copied.
   */
  readonly ownsPayloads?: boolean;
  send(message: Buffer, lane: Lane): void;
  /** Abrupt close (RUDP: CLOSE ×3; WS: close frame). */
  close(): void;
  onMessage?: (op: number, payload: Buffer, channel: number) => void;
  onClose?: (info: TransportClose) => void;
}
