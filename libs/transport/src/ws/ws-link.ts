import type { WebSocket } from 'ws';
import { CloseReason, WS_CLOSE_CODE } from '../codec/protocol-error.js';
import { Lane, type LinkStats, type SessionLink } from '../session/session-link.js';

export interface WsLinkLimits {
  shedBytes: number;
  maxQueuedOutboundBytes: number;
}

/**
 * A WebSocket as a SessionLink (§5). Messages queued during one event-loop turn leave as one WS
 * binary message (§5.2 SHOULD). Unreliable lanes are shed while the socket is backed up (§5.5);
 * reliable output past the outbound cap overflows the session (close 4507).
 */
export class WsLink implements SessionLink {
  readonly kind = 'ws' as const;
  readonly #ws: WebSocket;
  readonly #limits: WsLinkLimits;
  readonly #pending: Buffer[] = [];
  #pendingBytes = 0;
  #flushScheduled = false;
  #closed = false;
  /** Called once when reliable output overflows; the owner ends the session `overflow`. */
  onOverflow?: () => void;
  readonly #stats: LinkStats = { rttMs: 0, lossRate: 0, bytesIn: 0, bytesOut: 0, messagesIn: 0, messagesOut: 0, shed: 0 };
  lastReceivedAt: number;
  pingSentAt = 0;

  constructor(ws: WebSocket, readonly remoteAddress: string, limits: WsLinkLimits, now: number) {
    this.#ws = ws;
    this.#limits = limits;
    this.lastReceivedAt = now;
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(message: Buffer, lane: Lane): void {
    if (this.#closed) return;
    const backlog = this.#ws.bufferedAmount + this.#pendingBytes;
    if ((lane === Lane.US || lane === Lane.U) && backlog > this.#limits.shedBytes) {
      this.#stats.shed++;
      return;
    }
    if (backlog + message.length > this.#limits.maxQueuedOutboundBytes) {
      this.#overflow();
      return;
    }
    this.#pending.push(message);
    this.#pendingBytes += message.length;
    this.#stats.messagesOut++;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
  }

  close(reason: CloseReason): void {
    this.closeWithCode(WS_CLOSE_CODE[reason]);
  }

  /** Flushes what is queued, then closes with a raw WS close code (4401, 4408, 1003 …). */
  closeWithCode(code: number): void {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    try {
      this.#ws.close(code);
    } catch {
      this.#ws.terminate();
    }
  }

  countIn(bytes: number, messages: number, now: number): void {
    this.#stats.bytesIn += bytes;
    this.#stats.messagesIn += messages;
    this.lastReceivedAt = now;
  }

  ping(): void {
    if (!this.#closed) this.#ws.ping();
  }

  recordPong(now: number): void {
    this.lastReceivedAt = now;
    if (this.pingSentAt) this.#stats.rttMs = now - this.pingSentAt;
  }

  stats(): LinkStats {
    return { ...this.#stats };
  }

  #overflow(): void {
    if (this.#closed) return;
    this.#pending.length = 0;
    this.#pendingBytes = 0;
    if (this.onOverflow) this.onOverflow();
    this.closeWithCode(WS_CLOSE_CODE[CloseReason.OVERFLOW]);
  }

  // Arrow property: one bound function per link, not one closure per message.
  readonly #flush = (): void => {
    this.#flushScheduled = false;
    if (this.#pending.length === 0 || this.#closed) return;
    const out = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending.length = 0;
    this.#pendingBytes = 0;
    this.#stats.bytesOut += out.length;
    this.#ws.send(out, { binary: true });
  };
}
