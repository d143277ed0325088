import type { AckTracker } from './ack-tracker.js';
import type { Pacer } from './pacer.js';
import type { PathValidator } from './path-validator.js';
import type { RudpChannelTable } from './rudp-channel-table.js';
import { RudpRole, RudpState, type RudpConnectionListener } from './rudp-connection.types.js';
import type { RudpPacketBuilder } from './rudp-packet-builder.js';
import { CLOSE_REPEATS, MAX_UDP_PAYLOAD } from './rudp.constants.js';
import type { RudpLimits } from './rudp.options.js';
import { TimeoutKind, type SentPacketTracker } from './sent-packet-tracker.js';

/**
 * The clocks of a live (PENDING / CONNECTED) {@link RudpConnection}: idle and handshake timeout,
 * keep-alive (§3.9), loss / PTO timer (§3.7), path validation timer (§3.10) and unreliable TTL, and
 * the earliest of them for `nextTimeout`. CLOSING / DRAINING deadlines belong to the connection's
 * state machine. Owns the receive / keep-alive timestamps; asks the packet builder for PINGs and
 * probes instead of writing frames itself.
 */
export class RudpTimers {
  readonly #role: RudpRole;
  readonly #limits: RudpLimits;
  readonly #listener: RudpConnectionListener;
  readonly #acks: AckTracker;
  readonly #tracker: SentPacketTracker;
  readonly #pacer: Pacer;
  readonly #path: PathValidator;
  readonly #out: RudpPacketBuilder;
  readonly #table: RudpChannelTable;
  #lastReceiveTime: number;
  #lastServerPing: number;
  #unreliableExpired = 0;

  constructor(
    role: RudpRole,
    limits: RudpLimits,
    listener: RudpConnectionListener,
    acks: AckTracker,
    tracker: SentPacketTracker,
    pacer: Pacer,
    path: PathValidator,
    out: RudpPacketBuilder,
    table: RudpChannelTable,
    now: number,
  ) {
    this.#role = role;
    this.#limits = limits;
    this.#listener = listener;
    this.#acks = acks;
    this.#tracker = tracker;
    this.#pacer = pacer;
    this.#path = path;
    this.#out = out;
    this.#table = table;
    this.#lastReceiveTime = now;
    this.#lastServerPing = now;
  }

  /** Unreliable messages dropped for age (`unreliableTtlMs`). */
  get unreliableExpired(): number {
    return this.#unreliableExpired;
  }

  /** An authenticated packet arrived: the idle timer restarts. */
  onReceive(now: number): void {
    this.#lastReceiveTime = now;
  }

  /**
   * A PENDING connection waits `handshakeTimeoutMs` for its first authenticated DATA (§4.5 step 8,
   * §6), whatever the idle timeout: a resumed client may need a WELCOME resend or two first.
   */
  #idleLimit(state: RudpState): number {
    const l = this.#limits;
    return state === RudpState.PENDING ? l.handshakeTimeoutMs : l.idleTimeoutMs;
  }

  /**
   * Runs the due timers of a live connection. Returns true, having done nothing else, when the idle
   * timeout expired: the caller moves to LOST.
   */
  run(now: number, state: RudpState): boolean {
    const l = this.#limits;
    if (now - this.#lastReceiveTime >= this.#idleLimit(state)) {
      return true;
    }
    if (this.#path.onTimer(now, this.#tracker.ptoDuration())) {
      this.#listener.onPathChange?.(this.#path.current, true);
    }
    if (this.#tracker.timer() <= now) {
      if (this.#tracker.onTimeout(now) === TimeoutKind.PTO) {
        this.#out.startProbes();
      }
    }
    if (state === RudpState.CONNECTED) {
      if (this.#role === RudpRole.CLIENT) {
        if (now - this.#out.lastElicitingSent >= l.keepaliveMs) {
          this.#out.requestPing(false);
        }
      } else if (now - this.#lastReceiveTime >= 2 * l.keepaliveMs && now - this.#lastServerPing >= 2 * l.keepaliveMs) {
        // The server only pings a silent client, and at most every 2 × keepalive (§3.9).
        this.#out.requestPing(false);
        this.#lastServerPing = now;
      }
    }
    for (const queue of this.#table.unreliable) {
      if (queue !== undefined && queue.length > 0) {
        this.#unreliableExpired += queue.expire(now, l.unreliableTtlMs);
      }
    }
    return false;
  }

  /**
   * When `poll` should next run for a live connection (`now` when output is ready, undefined when
   * nothing is scheduled).
   */
  next(now: number, state: RudpState, canSendData: boolean): number | undefined {
    const l = this.#limits;
    const out = this.#out;
    if (out.immediateDue || this.#tracker.nextPn + CLOSE_REPEATS >= l.pnLimit) {
      return now;
    }
    let t = this.#lastReceiveTime + this.#idleLimit(state);
    if (this.#acks.hasReceived) {
      t = Math.min(t, this.#acks.deadline);
    }
    t = Math.min(t, this.#tracker.timer(), this.#path.timer());
    if (state === RudpState.CONNECTED) {
      t = Math.min(
        t,
        this.#role === RudpRole.CLIENT
          ? out.lastElicitingSent + l.keepaliveMs
          : Math.max(this.#lastReceiveTime, this.#lastServerPing) + 2 * l.keepaliveMs,
      );
    }
    for (const queue of this.#table.unreliable) {
      if (queue !== undefined && queue.length > 0) {
        t = Math.min(t, queue.nextExpiry(l.unreliableTtlMs) + 1);
      }
    }
    if (out.hasData(canSendData) && this.#path.sendAllowance() >= MAX_UDP_PAYLOAD) {
      // Whatever fitted was sent by the last poll; wake for the pacer only when a full packet
      // fits the window (otherwise the next ACK or the PTO opens it).
      if (this.#tracker.cc.available(this.#tracker.rtt.smoothedRtt) >= MAX_UDP_PAYLOAD) {
        t = Math.min(t, this.#pacer.nextSendTime(now, MAX_UDP_PAYLOAD));
      }
    }
    return Number.isFinite(t) ? t : undefined;
  }
}
