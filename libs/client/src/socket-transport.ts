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
  send(message: Buffer, lane: Lane): void;
  /** Abrupt close (RUDP: CLOSE ×3; WS: close frame). */
  close(): void;
  onMessage?: (op: number, payload: Buffer, channel: number) => void;
  onClose?: (info: TransportClose) => void;
}
