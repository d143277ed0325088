import { getU16, getU32 } from '../codec/le-bytes.js';
import { randomFillSync } from 'node:crypto';
import { CloseReason, ProtocolError, ProtocolErrorCode, protocolError, toCloseReason } from '../codec/protocol-error.js';
import { AckTracker } from './ack-tracker.js';
import { CongestionController } from './congestion-controller.js';
import type { WelcomeInfo } from './frame-reader.js';
import type { OutboundMessage } from './outbound-message.js';
import { Pacer } from './pacer.js';
import { PathValidator, type RudpPeerAddress } from './path-validator.js';
import type { MessageSink } from './reliable-receiver.js';
import { ReplayWindow } from './replay-window.js';
import { RttEstimator } from './rtt-estimator.js';
import { SendStatus, type RudpChannelState } from './rudp-channel-state.js';
import { RudpChannelTable } from './rudp-channel-table.js';
import { collectRudpStats } from './rudp-connection.stats.js';
import {
  CloseInitiator,
  RudpRole,
  RudpState,
  type RudpConnectionListener,
  type RudpConnectionOptions,
  type RudpConnectionStats,
} from './rudp-connection.types.js';
import { FrameEvent, RudpFrameHandler } from './rudp-frame-handler.js';
import { RudpPacketBuilder } from './rudp-packet-builder.js';
import { RudpTimers } from './rudp-timers.js';
import { CLOSE_REPEATS, MAX_KT_MESSAGE, MAX_SINGLE, isReliableMode, type ChannelMode } from './rudp.constants.js';
import { resolveRudpLimits, type RudpLimits } from './rudp.options.js';
import { SentPacketTracker, type FrameFateSink } from './sent-packet-tracker.js';

/** Safety bound on datagrams produced by one poll. */
const MAX_PACKETS_PER_POLL = 256;

/**
 * One RUDP connection, sans-IO (KaosTalk spec §3, §4.6, §6). The endpoint feeds authenticated-to-be
 * DATA datagrams with {@link onDatagram}, sends what {@link poll} returns to {@link remoteAddress},
 * and calls `poll` again at {@link nextTimeout} (and after any `send`, once per event-loop turn, which
 * is what coalesces frames into packets).
 *
 * This class is the state machine and decides what the channel table ({@link RudpChannelTable})
 * holds; the receive path is {@link RudpFrameHandler}, the send path {@link RudpPacketBuilder} and
 * the live-state clocks {@link RudpTimers}.
 *
 * @example
 * const conn = new RudpConnection({ role: 'server', connId, cipher, now: clock(), rttSeedMs, remoteAddress });
 * conn.send(0, sessionAckBytes);
 * for (const d of conn.poll(clock())) socket.send(d, conn.remoteAddress.port, conn.remoteAddress.address);
 */
export class RudpConnection implements MessageSink, FrameFateSink {
  readonly role: RudpRole;
  readonly limits: RudpLimits;
  #connId: number | undefined;
  readonly #listener: RudpConnectionListener;
  #state: RudpState = RudpState.PENDING;
  #now: number;

  readonly #table: RudpChannelTable;
  /** Client: WELCOME processed, so the channel table is known and data may flow (§10.1). */
  #welcomed = false;

  // Parts
  readonly #acks: AckTracker;
  readonly #tracker: SentPacketTracker;
  readonly #path: PathValidator;
  readonly #inbound: RudpFrameHandler;
  readonly #out: RudpPacketBuilder;
  readonly #timers: RudpTimers;

  // Closing / draining
  #closeReason: CloseReason = CloseReason.NORMAL;
  #closesLeft = 0;
  #drainEnd = Number.POSITIVE_INFINITY;

  constructor(options: RudpConnectionOptions) {
    this.role = options.role;
    this.limits = resolveRudpLimits(options.limits);
    const l = this.limits;
    this.#connId = options.connId;
    if (this.role === RudpRole.SERVER && (options.connId === undefined || options.connId === 0)) {
      throw new RangeError('a server connection needs a non-zero connId');
    }
    const listener = options.listener ?? {};
    const now = options.now;
    this.#listener = listener;
    this.#now = now;
    const replay = new ReplayWindow(l.replayWindow);
    this.#acks = new AckTracker(replay, l.maxAckDelayMs);
    const rtt = new RttEstimator(options.rttSeedMs);
    const cc = new CongestionController(l.initialCwnd, l.minCwnd, l.minSendRate, l.maxSendRate);
    this.#tracker = new SentPacketTracker(rtt, cc, this, l.peerMaxAckDelayMs, l.maxPtoMs, l.reorderAdaptive);
    const pacer = new Pacer(l.pacerBurst, l.maxSendRate);
    this.#path = new PathValidator(options.remoteAddress);
    const wallClock = options.wallClock ?? Date.now;
    const randomFill = options.randomFill ?? ((buf: Buffer) => void randomFillSync(buf));
    const table = new RudpChannelTable(l, listener);
    this.#table = table;
    const cipher = options.cipher;
    this.#out = new RudpPacketBuilder(this.role, l, cipher, wallClock, options.resumed ?? false, this.#acks, this.#tracker, pacer, this.#path, table, now);
    this.#inbound = new RudpFrameHandler(this.role, l, cipher, listener, replay, this.#tracker, this.#path, this.#out, table, randomFill, now);
    this.#timers = new RudpTimers(this.role, l, listener, this.#acks, this.#tracker, pacer, this.#path, this.#out, table, now);
    this.#inbound.onModesChanged();
    if (options.channelState !== undefined) {
      this.adopt(options.channelState);
    }
  }

  // ───────────────────────────── public surface ─────────────────────────────

  get state(): RudpState {
    return this.#state;
  }

  get connId(): number | undefined {
    return this.#connId;
  }

  /** Where datagrams from {@link poll} go (changes with path migration, §3.10). */
  get remoteAddress(): RudpPeerAddress | undefined {
    return this.#path.current;
  }

  get pathValidated(): boolean {
    return this.#path.validated;
  }

  /** Channel modes in force (client: from WELCOME). */
  get channelModes(): readonly ChannelMode[] {
    return this.#table.modes;
  }

  /** Current PTO (with backoff) and `drainMs` = max(3 × PTO without backoff, minDrainMs) (§3.9, §10.10). */
  get ptoMs(): number {
    return this.#tracker.ptoDuration();
  }

  get drainMs(): number {
    return Math.max(3 * this.#tracker.rtt.basePto(this.#tracker.peerMaxAckDelayMs), this.limits.minDrainMs);
  }

  /**
   * Queues one whole serialized KaosTalk message on `channel`. US/U messages above MAX_SINGLE are
   * refused (TOO_LARGE, §3.5), never truncated. Reliable messages are never dropped; above the
   * backlog limit they are still queued, `OVERFLOW` is returned and `onOverflow` fires once.
   * Throws RangeError / TypeError for a channel that does not exist or bytes that are not exactly one
   * KaosTalk message (caller bugs, not peer input).
   *
   * `now` is the caller's clock: a sans-IO connection only learns the time from its calls, and
   * without it an unreliable message sent after a quiet spell would be stamped with the time of
   * the last activity and expire (`unreliableTtlMs`) before it is ever sent.
   */
  send(channel: number, message: Buffer, now: number = this.#now): SendStatus {
    if (now > this.#now) this.#now = now;
    const modes = this.#table.modes;
    if (!Number.isInteger(channel) || channel < 0 || channel >= modes.length) {
      throw new RangeError(`channel ${channel} does not exist`);
    }
    if (message.length < 3 || message.length > MAX_KT_MESSAGE || 3 + getU16(message, 1) !== message.length) {
      throw new TypeError('send() takes exactly one serialized KaosTalk message');
    }
    const mode = modes[channel];
    if (!isReliableMode(mode) && message.length > MAX_SINGLE) {
      return SendStatus.TOO_LARGE;
    }
    const s = this.#state;
    if (s !== RudpState.PENDING && s !== RudpState.CONNECTED) {
      return SendStatus.DROPPED;
    }
    if (this.role === RudpRole.CLIENT && !this.#welcomed) {
      // The channel table is only known after WELCOME (§10.1); hold messages until then.
      this.#table.hold(channel, message);
      return SendStatus.QUEUED;
    }
    return this.#table.enqueue(channel, mode, message, this.#now);
  }

  /** Next delivered message when no `onMessage` listener is set. */
  receive(): { channel: number; message: Buffer } | undefined {
    return this.#inbound.receive();
  }

  /** Forces an ack-eliciting packet (keep-alive, or the endpoint re-sending WELCOME for a duplicate RESPONSE, KT-32). */
  ping(): void {
    this.#out.requestPing(this.role === RudpRole.SERVER && this.#state === RudpState.PENDING);
  }

  /**
   * Closes with CLOSE(reason) in the next 3 packets, then CLOSING for `drainMs` (§3.9). No-op once
   * closing, draining, lost or closed.
   */
  close(reason: CloseReason = CloseReason.NORMAL, error?: ProtocolError | Error): void {
    const s = this.#state;
    if (s !== RudpState.PENDING && s !== RudpState.CONNECTED) {
      return;
    }
    this.#closeReason = reason;
    this.#closesLeft = CLOSE_REPEATS;
    this.#drainEnd = this.#now + this.drainMs;
    this.#discardQueues();
    this.#setState(RudpState.CLOSING);
    this.#listener.onClose?.(reason, CloseInitiator.LOCAL, error);
  }

  /**
   * Detaches the reliable channel state (§4.6 GRACE): the endpoint keeps it, may queue reliable
   * messages into it, and hands it to the resuming connection. This connection can send no more
   * reliable data afterwards.
   */
  exportChannelState(): RudpChannelState {
    const state = this.#table.detachReliable();
    if (this.#state === RudpState.PENDING || this.#state === RudpState.CONNECTED) {
      this.#setState(RudpState.CLOSED);
    }
    return state;
  }

  /**
   * Takes over a previous connection's reliable channel state (§4.6 resume): every reliable frame
   * sent and not acked is treated as lost and re-sent with its original msg_id; receive windows and
   * buffers continue, so delivery stays exactly once and in order. Call before any reliable message
   * is queued here (server: at creation; client: in `onWelcome` when `resumed`).
   */
  adopt(state: RudpChannelState): void {
    this.#table.adopt(state);
  }

  /**
   * Feeds one DATA datagram for this connection (receive order §3.2): state, conn_id, inbound
   * packet limit, replay pre-check, AEAD open, replay mark, path check, idle reset, frames.
   * Never throws for peer input: drops or closes PROTOCOL_ERROR.
   */
  onDatagram(now: number, datagram: Buffer, from?: RudpPeerAddress): void {
    this.#now = now;
    const s = this.#state;
    const inbound = this.#inbound;
    const plaintext = inbound.open(now, datagram, s === RudpState.PENDING || s === RudpState.CONNECTED, this.#connId);
    if (plaintext === null) {
      if (inbound.rateLimitClose) {
        this.close(CloseReason.RATE_LIMITED, protocolError(ProtocolErrorCode.RATE_LIMITED, 'inbound packet rate', CloseReason.RATE_LIMITED));
      }
      return;
    }
    // Locals, not the handler's getters, from here on: a listener may feed another datagram.
    const pn = inbound.pn;
    const previousLargest = inbound.previousLargest;
    this.#connId ??= getU32(datagram, 1);
    if (this.role === RudpRole.SERVER && s === RudpState.CONNECTED) {
      inbound.checkPath(from, pn > previousLargest, datagram.length, now);
    }
    this.#timers.onReceive(now);
    let ackEliciting: boolean;
    try {
      ackEliciting = this.#processFrames(plaintext, now, from);
    } catch (error) {
      if (error instanceof ProtocolError) {
        this.close(error.closeCode, error);
      } else {
        this.close(CloseReason.INTERNAL, error instanceof Error ? error : new Error(String(error)));
      }
      return;
    }
    if (this.#state === RudpState.DRAINING || this.#state === RudpState.CLOSING) {
      return;
    }
    this.#acks.onPacketReceived(pn, previousLargest, ackEliciting, now);
    if (this.role === RudpRole.SERVER && this.#state === RudpState.PENDING) {
      this.#out.cancelWelcome();
      this.#setState(RudpState.CONNECTED);
    }
  }

  // ───────────────────────────── receive internals ─────────────────────────────

  /** Applies the frames, acting on WELCOME / CLOSE here; returns whether the packet was ack-eliciting. */
  #processFrames(plaintext: Buffer, now: number, from: RudpPeerAddress | undefined): boolean {
    const frames = this.#inbound;
    frames.begin(plaintext);
    for (;;) {
      const event = frames.run(now, from);
      if (event === FrameEvent.WELCOME) {
        this.#onWelcome(frames.welcome);
      } else if (event === FrameEvent.CLOSE) {
        this.#onPeerClose(frames.closeReason);
        return false;
      } else {
        return frames.ackEliciting;
      }
    }
  }

  /** @internal MessageSink: hands a complete message to the application. */
  deliverMessage(channel: number, message: Buffer): void {
    this.#inbound.deliverMessage(channel, message);
  }

  #onWelcome(info: WelcomeInfo): void {
    if (this.#welcomed) {
      return;
    }
    this.#welcomed = true;
    if (this.#table.useModes(info.channelModes)) {
      this.#inbound.onModesChanged();
    }
    this.#tracker.peerMaxAckDelayMs = info.maxAckDelayMs;
    if (info.keepaliveMs > 0) {
      this.limits.keepaliveMs = info.keepaliveMs;
    }
    if (info.idleTimeoutMs > 0) {
      this.limits.idleTimeoutMs = info.idleTimeoutMs;
    }
    this.#acks.requestImmediate();
    this.#setState(RudpState.CONNECTED);
    this.#listener.onWelcome?.(info);
    this.#table.releaseHeld(this.#now);
  }

  #onPeerClose(reasonByte: number): void {
    this.#closeReason = toCloseReason(reasonByte);
    this.#drainEnd = this.#now + this.drainMs;
    this.#discardQueues();
    this.#setState(RudpState.DRAINING);
    this.#listener.onClose?.(this.#closeReason, CloseInitiator.PEER);
  }

  // ───────────────────────────── FrameFateSink ─────────────────────────────

  /** @internal */
  onFrameAcked(msg: OutboundMessage, frag: number, wasInFlight: boolean): void {
    this.#table.reliable.senders[msg.channel]?.onFrameAcked(msg, frag, wasInFlight);
  }

  /** @internal */
  onFrameLost(msg: OutboundMessage, frag: number): void {
    this.#table.reliable.senders[msg.channel]?.onFrameLost(msg, frag);
  }

  // ───────────────────────────── timers and output ─────────────────────────────

  /**
   * Runs due timers and returns the datagrams to send now (each ≤ 1,200 B) to {@link remoteAddress}.
   */
  poll(now: number): Buffer[] {
    this.#now = now;
    const out: Buffer[] = [];
    switch (this.#state) {
      case RudpState.LOST:
      case RudpState.CLOSED:
        return out;
      case RudpState.DRAINING:
        if (now >= this.#drainEnd) {
          this.#setState(RudpState.CLOSED);
        }
        return out;
      case RudpState.CLOSING:
        while (this.#closesLeft > 0) {
          this.#closesLeft--;
          out.push(this.#out.buildClose(now, this.#connId, this.#closeReason));
        }
        if (now >= this.#drainEnd) {
          this.#setState(RudpState.CLOSED);
        }
        return out;
      default:
        break;
    }
    if (this.#timers.run(now, this.#state)) {
      // Idle timeout (§3.9): no CLOSE is sent; the endpoint may keep the channel state (GRACE).
      const previous = this.#state;
      this.#discardQueues();
      this.#setState(RudpState.LOST);
      this.#listener.onLost?.(previous);
      return this.poll(now);
    }
    for (let i = 0; i < MAX_PACKETS_PER_POLL; i++) {
      if (this.#tracker.nextPn + CLOSE_REPEATS >= this.limits.pnLimit) {
        this.close(CloseReason.PN_EXHAUSTED, protocolError(ProtocolErrorCode.PN_EXHAUSTED, 'packet numbers exhausted', CloseReason.PN_EXHAUSTED));
        return out.concat(this.poll(now));
      }
      const datagram = this.#out.build(now, this.#state, this.#connId, this.#canSendData());
      if (datagram === undefined) {
        break;
      }
      out.push(datagram);
    }
    return out;
  }

  #canSendData(): boolean {
    return this.role === RudpRole.SERVER || this.#welcomed;
  }

  /**
   * Absolute time (same clock as `poll`) at which `poll` should run next; at or before the last
   * `now` when output is ready; undefined when nothing will ever be due (closed, lost).
   */
  nextTimeout(): number | undefined {
    const s = this.#state;
    if (s === RudpState.LOST || s === RudpState.CLOSED) {
      return undefined;
    }
    if (s === RudpState.CLOSING) {
      return this.#closesLeft > 0 ? this.#now : this.#drainEnd;
    }
    if (s === RudpState.DRAINING) {
      return this.#drainEnd;
    }
    return this.#timers.next(this.#now, s, this.#canSendData());
  }

  // ───────────────────────────── helpers ─────────────────────────────

  #discardQueues(): void {
    this.#table.discardUnsent();
    this.#out.cancelPending();
  }

  #setState(next: RudpState): void {
    const previous = this.#state;
    if (previous === next) {
      return;
    }
    this.#state = next;
    this.#listener.onStateChange?.(next, previous);
  }

  /** Counters and gauges for metrics and for games to adapt their send rate (§3.8). */
  stats(): RudpConnectionStats {
    return collectRudpStats(this.#state, this.#now, this.#table, this.#tracker, this.#out, this.#inbound, this.#timers);
  }
}
