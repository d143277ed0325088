import { randomFillSync } from 'node:crypto';
import { CloseReason, ProtocolError, ProtocolErrorCode, protocolError, toCloseReason } from '../codec/protocol-error.js';
import { AckTracker } from './ack-tracker.js';
import { CongestionController } from './congestion-controller.js';
import { FrameReader, type WelcomeInfo } from './frame-reader.js';
import { FrameScheduler, PacketContents } from './frame-scheduler.js';
import { welcomeSize, writeClose, writePathFrame, writePing, writeWelcome } from './frame-writer.js';
import type { OutboundMessage } from './outbound-message.js';
import { Pacer } from './pacer.js';
import { PathEvent, PathValidator, type RudpPeerAddress } from './path-validator.js';
import type { MessageSink } from './reliable-receiver.js';
import { ReplayWindow } from './replay-window.js';
import { RttEstimator } from './rtt-estimator.js';
import { RudpChannelState, SendStatus } from './rudp-channel-state.js';
import {
  CloseInitiator,
  RudpRole,
  RudpState,
  type PacketCipher,
  type RudpConnectionListener,
  type RudpConnectionOptions,
  type RudpConnectionStats,
} from './rudp-connection.types.js';
import {
  ChannelMode,
  CLOSE_REPEATS,
  DATA_FLAGS,
  FrameType,
  HEADER_SIZE,
  MAX_KT_MESSAGE,
  MAX_PLAINTEXT,
  MAX_SINGLE,
  MAX_UDP_PAYLOAD,
  MIN_DATA_PACKET,
  PATH_FRAME_SIZE,
  TAG_SIZE,
  isReliableMode,
  msgIdDistance,
} from './rudp.constants.js';
import { resolveRudpLimits, type RudpLimits } from './rudp.options.js';
import { SentPacketTracker, TimeoutKind, type FrameFateSink } from './sent-packet-tracker.js';
import { UnreliableQueue } from './unreliable-queue.js';

/** Smallest useful plaintext budget for an ack-eliciting packet (ACK + a small frame). */
const MIN_ELICITING_BUDGET = 64;
/** Safety bound on datagrams produced by one poll. */
const MAX_PACKETS_PER_POLL = 256;
const PACKET_OVERHEAD = HEADER_SIZE + TAG_SIZE;

/**
 * One RUDP connection, sans-IO (KaosTalk spec §3, §4.6, §6). The endpoint feeds authenticated-to-be
 * DATA datagrams with {@link onDatagram}, sends what {@link poll} returns to {@link remoteAddress},
 * and calls `poll` again at {@link nextTimeout} (and after any `send`, once per event-loop turn, which
 * is what coalesces frames into packets).
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
  readonly #cipher: PacketCipher;
  readonly #listener: RudpConnectionListener;
  readonly #wallClock: () => number;
  readonly #randomFill: (buf: Buffer) => void;
  #state: RudpState = RudpState.PENDING;
  #now: number;

  // Receive path
  readonly #replay: ReplayWindow;
  readonly #acks: AckTracker;
  readonly #reader = new FrameReader();
  #modes: readonly ChannelMode[];
  #welcomed = false;
  readonly #inbox: { channel: number; message: Buffer }[] = [];
  #inboxHead = 0;
  #usLast: number[] = [];
  #lastReceiveTime: number;
  #rateWindowStart: number;
  #rateWindowCount = 0;
  #rateExceededSince = -1;

  // Send path
  #channels: RudpChannelState;
  #unreliable: (UnreliableQueue | undefined)[] = [];
  #early: { channel: number; message: Buffer }[] = [];
  readonly #tracker: SentPacketTracker;
  readonly #pacer: Pacer;
  readonly #scheduler = new FrameScheduler();
  readonly #path: PathValidator;
  readonly #plaintext = Buffer.alloc(MAX_PLAINTEXT);
  readonly #contents = new PacketContents();
  #welcomeDue: boolean;
  readonly #resumedFlag: boolean;
  #pingDue = false;
  #probesDue = 0;
  #probesSent = 0;
  #pathResponses: Buffer[] = [];
  #lastElicitingSent: number;
  #lastServerPing: number;
  #closeReason: CloseReason = CloseReason.NORMAL;
  #closesLeft = 0;
  #drainEnd = Number.POSITIVE_INFINITY;
  #overflowSignalled = false;

  // Stats
  #packetsSent = 0;
  #packetsReceived = 0;
  #bytesSent = 0;
  #bytesReceived = 0;
  #ackOnlySent = 0;
  #droppedReplay = 0;
  #droppedAuth = 0;
  #droppedRate = 0;
  #droppedOther = 0;
  #cwndBlocked = 0;
  #pacerBlocked = 0;
  #unreliableExpired = 0;

  constructor(options: RudpConnectionOptions) {
    this.role = options.role;
    this.limits = resolveRudpLimits(options.limits);
    const l = this.limits;
    this.#connId = options.connId;
    if (this.role === RudpRole.SERVER && (options.connId === undefined || options.connId === 0)) {
      throw new RangeError('a server connection needs a non-zero connId');
    }
    this.#cipher = options.cipher;
    this.#listener = options.listener ?? {};
    this.#wallClock = options.wallClock ?? Date.now;
    this.#randomFill = options.randomFill ?? ((buf: Buffer) => void randomFillSync(buf));
    this.#now = options.now;
    this.#lastReceiveTime = options.now;
    this.#rateWindowStart = options.now;
    this.#lastElicitingSent = options.now;
    this.#lastServerPing = options.now;
    this.#replay = new ReplayWindow(l.replayWindow);
    this.#acks = new AckTracker(this.#replay, l.maxAckDelayMs);
    this.#modes = l.channelModes;
    this.#channels = this.#newChannelState(this.#modes);
    this.#resetUnreliable();
    const rtt = new RttEstimator(options.rttSeedMs);
    const cc = new CongestionController(l.initialCwnd, l.minCwnd, l.minSendRate, l.maxSendRate);
    this.#tracker = new SentPacketTracker(rtt, cc, this, l.peerMaxAckDelayMs, l.maxPtoMs, l.reorderAdaptive);
    this.#pacer = new Pacer(l.pacerBurst, l.maxSendRate);
    this.#path = new PathValidator(options.remoteAddress);
    this.#welcomeDue = this.role === RudpRole.SERVER;
    this.#resumedFlag = options.resumed ?? false;
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
    return this.#modes;
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
   */
  send(channel: number, message: Buffer): SendStatus {
    if (!Number.isInteger(channel) || channel < 0 || channel >= this.#modes.length) {
      throw new RangeError(`channel ${channel} does not exist`);
    }
    if (message.length < 3 || message.length > MAX_KT_MESSAGE || 3 + message.readUInt16LE(1) !== message.length) {
      throw new TypeError('send() takes exactly one serialized KaosTalk message');
    }
    const mode = this.#modes[channel];
    if (!isReliableMode(mode) && message.length > MAX_SINGLE) {
      return SendStatus.TOO_LARGE;
    }
    const s = this.#state;
    if (s !== RudpState.PENDING && s !== RudpState.CONNECTED) {
      return SendStatus.DROPPED;
    }
    if (this.role === RudpRole.CLIENT && !this.#welcomed) {
      // The channel table is only known after WELCOME (§10.1); hold messages until then.
      this.#early.push({ channel, message });
      return SendStatus.QUEUED;
    }
    return this.#enqueue(channel, mode, message);
  }

  #enqueue(channel: number, mode: ChannelMode, message: Buffer): SendStatus {
    if (!isReliableMode(mode)) {
      (this.#unreliable[channel] as UnreliableQueue).push(message, this.#now);
      return SendStatus.QUEUED;
    }
    this.#channels.enqueue(channel, message, this.#now);
    if (this.#channels.overflowed) {
      if (!this.#overflowSignalled) {
        this.#overflowSignalled = true;
        this.#listener.onOverflow?.(this.#channels.backlogBytes, this.#channels.backlogMessages);
      }
      return SendStatus.OVERFLOW;
    }
    return SendStatus.QUEUED;
  }

  /** Next delivered message when no `onMessage` listener is set. */
  receive(): { channel: number; message: Buffer } | undefined {
    if (this.#inboxHead >= this.#inbox.length) {
      return undefined;
    }
    const item = this.#inbox[this.#inboxHead++];
    if (this.#inboxHead === this.#inbox.length) {
      this.#inbox.length = 0;
      this.#inboxHead = 0;
    }
    return item;
  }

  /** Forces an ack-eliciting packet (keep-alive, or the endpoint re-sending WELCOME for a duplicate RESPONSE, KT-32). */
  ping(): void {
    this.#pingDue = true;
    if (this.role === RudpRole.SERVER && this.#state === RudpState.PENDING) {
      this.#welcomeDue = true;
    }
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
    const state = this.#channels;
    state.detached = true;
    this.#channels = this.#newChannelState(this.#modes);
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
    if (!state.matches(this.#modes)) {
      throw new RangeError('adopted channel state has a different channel table');
    }
    if (this.#channels.backlogMessages > 0) {
      throw new Error('adopt() after reliable messages were queued on this connection');
    }
    state.detached = false;
    this.#channels = state;
    for (const sender of state.senders) {
      sender?.requeueAllInFlight();
    }
    this.#overflowSignalled = state.overflowed;
  }

  /**
   * Feeds one DATA datagram for this connection (receive order §3.2): state, conn_id, inbound
   * packet limit, replay pre-check, AEAD open, replay mark, path check, idle reset, frames.
   * Never throws for peer input: drops or closes PROTOCOL_ERROR.
   */
  onDatagram(now: number, datagram: Buffer, from?: RudpPeerAddress): void {
    this.#now = now;
    const s = this.#state;
    if ((s !== RudpState.PENDING && s !== RudpState.CONNECTED) || datagram.length < MIN_DATA_PACKET || datagram.length > MAX_UDP_PAYLOAD || datagram[0] !== DATA_FLAGS) {
      this.#droppedOther++;
      return;
    }
    const connId = datagram.readUInt32LE(1);
    if (this.#connId !== undefined && connId !== this.#connId) {
      this.#droppedOther++;
      return;
    }
    if (!this.#inboundAllowed(now)) {
      return;
    }
    const pn = datagram.readUInt32LE(5);
    if (!this.#replay.check(pn)) {
      this.#droppedReplay++;
      return;
    }
    const header = datagram.subarray(0, HEADER_SIZE);
    let plaintext: Buffer | null;
    try {
      plaintext = this.#cipher.open(header, datagram.subarray(HEADER_SIZE), pn);
    } catch {
      plaintext = null;
    }
    if (plaintext === null) {
      this.#droppedAuth++;
      return;
    }
    const previousLargest = this.#replay.largest;
    this.#replay.mark(pn);
    this.#connId ??= connId;
    this.#packetsReceived++;
    this.#bytesReceived += datagram.length;
    if (this.role === RudpRole.SERVER && s === RudpState.CONNECTED) {
      this.#checkPath(from, pn > previousLargest, datagram.length, now);
    }
    this.#lastReceiveTime = now;
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
      this.#welcomeDue = false;
      this.#setState(RudpState.CONNECTED);
    }
  }

  // ───────────────────────────── receive internals ─────────────────────────────

  #inboundAllowed(now: number): boolean {
    const l = this.limits;
    if (now - this.#rateWindowStart >= 1_000) {
      if (this.#rateWindowCount <= l.maxInboundPacketsPerSec) {
        this.#rateExceededSince = -1;
      }
      this.#rateWindowStart = now;
      this.#rateWindowCount = 0;
    }
    if (++this.#rateWindowCount <= l.maxInboundPacketsPerSec) {
      return true;
    }
    this.#droppedRate++;
    if (this.#rateExceededSince < 0) {
      this.#rateExceededSince = this.#rateWindowStart;
    } else if (now - this.#rateExceededSince >= l.rateLimitCloseMs) {
      this.close(CloseReason.RATE_LIMITED, protocolError(ProtocolErrorCode.RATE_LIMITED, 'inbound packet rate', CloseReason.RATE_LIMITED));
    }
    return false;
  }

  #checkPath(from: RudpPeerAddress | undefined, isNewer: boolean, size: number, now: number): void {
    const event = this.#path.onPacket(from, isNewer, size, now, this.#tracker.ptoDuration(), this.#randomFill);
    if (event === PathEvent.NONE) {
      return;
    }
    if (event === PathEvent.MIGRATED_NEW_IP) {
      this.#tracker.rtt = new RttEstimator();
      this.#tracker.cc.reset();
    }
    this.#listener.onPathChange?.(this.#path.current, this.#path.validated);
  }

  /** Parses and applies the frames; returns whether the packet was ack-eliciting. */
  #processFrames(plaintext: Buffer, now: number, from: RudpPeerAddress | undefined): boolean {
    const r = this.#reader;
    r.reset(plaintext, this.#modes, this.limits.maxMsgsPerPacket);
    let ackEliciting = false;
    while (r.next()) {
      const type = r.type;
      if (type >= FrameType.MSG) {
        ackEliciting = true;
        this.#onDataFrame(r.type < FrameType.FRAG);
        continue;
      }
      switch (type) {
        case FrameType.PADDING:
          break;
        case FrameType.ACK:
          this.#tracker.onAck(r, now);
          break;
        case FrameType.PING:
          ackEliciting = true;
          break;
        case FrameType.CLOSE:
          this.#onPeerClose(r.closeReason);
          return false;
        case FrameType.WELCOME:
          if (this.role === RudpRole.SERVER) {
            throw protocolError(ProtocolErrorCode.UNEXPECTED_FRAME, 'WELCOME sent by a client');
          }
          ackEliciting = true;
          this.#onWelcome(r.welcome as WelcomeInfo);
          break;
        case FrameType.PATH_CHALLENGE:
          if (this.role === RudpRole.SERVER) {
            throw protocolError(ProtocolErrorCode.UNEXPECTED_FRAME, 'PATH_CHALLENGE sent by a client');
          }
          ackEliciting = true;
          if (this.#pathResponses.length < 4) {
            this.#pathResponses.push(Buffer.from(r.pathData));
          }
          break;
        case FrameType.PATH_RESPONSE:
          if (this.role === RudpRole.CLIENT) {
            throw protocolError(ProtocolErrorCode.UNEXPECTED_FRAME, 'PATH_RESPONSE sent by a server');
          }
          ackEliciting = true;
          if (this.#path.onResponse(from, r.pathData)) {
            this.#listener.onPathChange?.(this.#path.current, true);
          }
          break;
      }
    }
    return ackEliciting;
  }

  #onDataFrame(isMsg: boolean): void {
    const r = this.#reader;
    const channel = r.channel;
    const mode = this.#modes[channel];
    const receiver = this.#channels.receivers[channel];
    if (receiver !== undefined) {
      if (isMsg) {
        receiver.onMessage(r.msgId, r.message, this);
      } else {
        receiver.onFragment(r.msgId, r.fragIndex, r.fragCount, r.chunk, this);
      }
      return;
    }
    if (mode === ChannelMode.UNRELIABLE_SEQUENCED) {
      // §3.4 / §10.13: the first message is delivered; later ones only if newer in serial order.
      const last = this.#usLast[channel] ?? -1;
      if (last >= 0) {
        const d = msgIdDistance(r.msgId, last);
        if (d === 0 || d > 32_767) {
          return;
        }
      }
      this.#usLast[channel] = r.msgId;
    }
    this.deliverMessage(channel, r.message);
  }

  /** @internal MessageSink: hands a complete message to the application. */
  deliverMessage(channel: number, message: Buffer): void {
    const onMessage = this.#listener.onMessage;
    if (onMessage !== undefined) {
      onMessage.call(this.#listener, channel, message);
    } else {
      this.#inbox.push({ channel, message });
    }
  }

  #onWelcome(info: WelcomeInfo): void {
    if (this.#welcomed) {
      return;
    }
    this.#welcomed = true;
    const sameModes = info.channelModes.length === this.#modes.length && info.channelModes.every((m, i) => m === this.#modes[i]);
    if (!sameModes) {
      this.#modes = info.channelModes;
      this.#reader.setModes(this.#modes);
      this.#channels = this.#newChannelState(this.#modes);
      this.#resetUnreliable();
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
    const early = this.#early;
    this.#early = [];
    for (const { channel, message } of early) {
      if (channel < this.#modes.length) {
        const mode = this.#modes[channel];
        if (isReliableMode(mode) || message.length <= MAX_SINGLE) {
          this.#enqueue(channel, mode, message);
        }
      }
    }
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
    this.#channels.senders[msg.channel]?.onFrameAcked(msg, frag, wasInFlight);
  }

  /** @internal */
  onFrameLost(msg: OutboundMessage, frag: number): void {
    this.#channels.senders[msg.channel]?.onFrameLost(msg, frag);
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
          out.push(this.#buildClosePacket(now));
        }
        if (now >= this.#drainEnd) {
          this.#setState(RudpState.CLOSED);
        }
        return out;
      default:
        break;
    }
    if (this.#runTimers(now)) {
      return this.poll(now);
    }
    for (let i = 0; i < MAX_PACKETS_PER_POLL; i++) {
      if (this.#tracker.nextPn + CLOSE_REPEATS >= this.limits.pnLimit) {
        this.close(CloseReason.PN_EXHAUSTED, protocolError(ProtocolErrorCode.PN_EXHAUSTED, 'packet numbers exhausted', CloseReason.PN_EXHAUSTED));
        return out.concat(this.poll(now));
      }
      const datagram = this.#buildPacket(now);
      if (datagram === undefined) {
        break;
      }
      out.push(datagram);
    }
    return out;
  }

  /** Returns true when the state changed to one handled at the top of poll (lost / closing). */
  #runTimers(now: number): boolean {
    const l = this.limits;
    const idleLimit = this.#state === RudpState.PENDING ? Math.min(l.handshakeTimeoutMs, l.idleTimeoutMs) : l.idleTimeoutMs;
    if (now - this.#lastReceiveTime >= idleLimit) {
      const previous = this.#state;
      this.#discardQueues();
      this.#setState(RudpState.LOST);
      this.#listener.onLost?.(previous);
      return true;
    }
    if (this.#path.onTimer(now, this.#tracker.ptoDuration())) {
      this.#listener.onPathChange?.(this.#path.current, true);
    }
    if (this.#tracker.timer() <= now) {
      if (this.#tracker.onTimeout(now) === TimeoutKind.PTO) {
        this.#probesDue = 2;
        this.#probesSent = 0;
        this.#scheduler.beginProbe(this.#channels);
      }
    }
    if (this.#state === RudpState.CONNECTED) {
      if (this.role === RudpRole.CLIENT) {
        if (now - this.#lastElicitingSent >= l.keepaliveMs) {
          this.#pingDue = true;
        }
      } else if (now - this.#lastReceiveTime >= 2 * l.keepaliveMs && now - this.#lastServerPing >= 2 * l.keepaliveMs) {
        this.#pingDue = true;
        this.#lastServerPing = now;
      }
    }
    for (const queue of this.#unreliable) {
      if (queue !== undefined && queue.length > 0) {
        this.#unreliableExpired += queue.expire(now, l.unreliableTtlMs);
      }
    }
    return false;
  }

  #canSendData(): boolean {
    return this.role === RudpRole.SERVER || this.#welcomed;
  }

  #hasData(): boolean {
    if (!this.#canSendData()) {
      return false;
    }
    for (const sender of this.#channels.senders) {
      if (sender !== undefined && (sender.hasRetransmit() || sender.hasFresh())) {
        return true;
      }
    }
    for (const queue of this.#unreliable) {
      if (queue !== undefined && queue.length > 0) {
        return true;
      }
    }
    return false;
  }

  /** Control frames that go out even when congestion-blocked (§3.8 order: ACK / CLOSE / PATH first). */
  #controlDue(): boolean {
    return this.#welcomeDue || this.#path.challengeDue || this.#pathResponses.length > 0;
  }

  #buildPacket(now: number): Buffer | undefined {
    const pathAllowance = this.#path.sendAllowance();
    if (pathAllowance < MIN_DATA_PACKET + 16) {
      return undefined;
    }
    const probe = this.#probesDue > 0;
    const control = this.#controlDue() || this.#pingDue;
    const hasData = this.#hasData();
    const ackDue = this.#acks.isDue(now);
    if (!probe && !control && !hasData && !ackDue) {
      return undefined;
    }
    // Budget for ack-eliciting content: probes and control frames bypass cc and pacer (§3.7, §3.8).
    let dataBudget = 0;
    if (probe) {
      dataBudget = MAX_UDP_PAYLOAD;
    } else if (hasData) {
      const cc = this.#tracker.cc;
      const ccAvailable = cc.available(this.#tracker.rtt.smoothedRtt);
      this.#pacer.setRate(cc.pacingRate(this.#tracker.rtt.smoothedRtt));
      const pacerAvailable = this.#pacer.allowance(now);
      if (ccAvailable < MIN_ELICITING_BUDGET + PACKET_OVERHEAD) {
        this.#cwndBlocked++;
        cc.onBlocked();
      } else if (pacerAvailable < MIN_ELICITING_BUDGET + PACKET_OVERHEAD) {
        this.#pacerBlocked++;
      } else {
        dataBudget = Math.min(ccAvailable, pacerAvailable);
      }
    }
    if (dataBudget === 0 && !control && !ackDue && !probe) {
      return undefined;
    }
    const buf = this.#plaintext;
    const limit = Math.min(MAX_PLAINTEXT, pathAllowance - PACKET_OVERHEAD);
    let off = 0;
    const withAck = this.#acks.hasReceived;
    const welcome = this.role === RudpRole.SERVER && this.#state === RudpState.PENDING;
    const challenge = this.#path.challengeDue;
    if (withAck) {
      // Keep room for WELCOME / PATH frames plus a full FRAG frame: cap the ranges then.
      const maxRanges = welcome || challenge || this.#pathResponses.length > 0 ? 1 : 8;
      off = this.#acks.write(buf, off, now, maxRanges);
    }
    let eliciting = false;
    if (welcome && off + welcomeSize(this.#modes.length) <= limit) {
      off = writeWelcome(buf, off, {
        resumed: this.#resumedFlag,
        serverTime: this.#wallClock(),
        idleTimeoutMs: this.limits.idleTimeoutMs,
        keepaliveMs: this.limits.keepaliveMs,
        maxAckDelayMs: this.limits.maxAckDelayMs,
        graceMs: this.limits.graceMs,
        channelModes: this.#modes,
      });
      eliciting = true;
    }
    if (challenge && off + PATH_FRAME_SIZE <= limit) {
      off = writePathFrame(buf, off, FrameType.PATH_CHALLENGE, this.#path.challenge);
      this.#path.onChallengeSent();
      eliciting = true;
    }
    while (this.#pathResponses.length > 0 && off + PATH_FRAME_SIZE <= limit) {
      off = writePathFrame(buf, off, FrameType.PATH_RESPONSE, this.#pathResponses.shift() as Buffer);
      eliciting = true;
    }
    const p = this.#contents;
    p.reset(off, Math.min(limit, dataBudget - PACKET_OVERHEAD), this.limits.maxMsgsPerPacket);
    if (p.limit > off && this.#canSendData()) {
      this.#scheduler.fill(buf, p, this.#channels, this.#unreliable, probe);
      if (p.frames > 0) {
        eliciting = true;
      }
      off = p.offset;
    }
    if (probe) {
      this.#probesDue--;
      if (!eliciting && this.#probesSent > 0) {
        // The second probe has nothing new to carry: skip it rather than send a bare PING.
        this.#probesDue = 0;
      } else if (!eliciting) {
        this.#pingDue = true;
      }
    }
    if (!eliciting && this.#pingDue && off < limit) {
      off = writePing(buf, off);
      eliciting = true;
    }
    if (!eliciting && !(withAck && ackDue)) {
      return undefined;
    }
    if (probe && eliciting) {
      this.#probesSent++;
    }
    return this.#seal(now, off, eliciting, withAck, p.msgs, p.frags);
  }

  #buildClosePacket(now: number): Buffer {
    const buf = this.#plaintext;
    let off = 0;
    const withAck = this.#acks.hasReceived;
    if (withAck) {
      off = this.#acks.write(buf, off, now, 8);
    }
    off = writeClose(buf, off, this.#closeReason);
    return this.#seal(now, off, false, withAck, undefined, undefined);
  }

  #seal(
    now: number,
    plaintextLength: number,
    eliciting: boolean,
    withAck: boolean,
    msgs: OutboundMessage[] | undefined,
    frags: number[] | undefined,
  ): Buffer {
    const pn = this.#tracker.nextPn;
    const header = Buffer.allocUnsafe(HEADER_SIZE);
    header[0] = DATA_FLAGS;
    header.writeUInt32LE(this.#connId ?? 0, 1);
    header.writeUInt32LE(pn, 5);
    const body = this.#cipher.seal(header, this.#plaintext.subarray(0, plaintextLength), pn);
    const datagram = Buffer.concat([header, body], HEADER_SIZE + body.length);
    this.#tracker.onPacketSent(now, datagram.length, eliciting, msgs, frags);
    this.#pacer.onSent(now, datagram.length, eliciting);
    this.#path.onSent(datagram.length);
    this.#packetsSent++;
    this.#bytesSent += datagram.length;
    if (withAck) {
      this.#acks.onAckSent();
    }
    if (eliciting) {
      this.#lastElicitingSent = now;
      this.#pingDue = false;
      this.#welcomeDue = false;
    } else {
      this.#ackOnlySent++;
    }
    return datagram;
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
    const l = this.limits;
    const now = this.#now;
    if (this.#probesDue > 0 || this.#controlDue() || this.#pingDue || this.#tracker.nextPn + CLOSE_REPEATS >= l.pnLimit) {
      return now;
    }
    const idleLimit = s === RudpState.PENDING ? Math.min(l.handshakeTimeoutMs, l.idleTimeoutMs) : l.idleTimeoutMs;
    let t = this.#lastReceiveTime + idleLimit;
    if (this.#acks.hasReceived) {
      t = Math.min(t, this.#acks.deadline);
    }
    t = Math.min(t, this.#tracker.timer(), this.#path.timer());
    if (s === RudpState.CONNECTED) {
      t = Math.min(
        t,
        this.role === RudpRole.CLIENT
          ? this.#lastElicitingSent + l.keepaliveMs
          : Math.max(this.#lastReceiveTime, this.#lastServerPing) + 2 * l.keepaliveMs,
      );
    }
    for (const queue of this.#unreliable) {
      if (queue !== undefined && queue.length > 0) {
        t = Math.min(t, queue.nextExpiry(l.unreliableTtlMs) + 1);
      }
    }
    if (this.#hasData() && this.#path.sendAllowance() >= MAX_UDP_PAYLOAD) {
      // Whatever fitted was sent by the last poll; wake for the pacer only when a full packet
      // fits the window (otherwise the next ACK or the PTO opens it).
      if (this.#tracker.cc.available(this.#tracker.rtt.smoothedRtt) >= MAX_UDP_PAYLOAD) {
        t = Math.min(t, this.#pacer.nextSendTime(now, MAX_UDP_PAYLOAD));
      }
    }
    return Number.isFinite(t) ? t : undefined;
  }

  // ───────────────────────────── helpers ─────────────────────────────

  #newChannelState(modes: readonly ChannelMode[]): RudpChannelState {
    const l = this.limits;
    return new RudpChannelState(modes, l.msgWindow, l.reliableWindowBytes, l.maxQueuedOutboundBytes, l.maxQueuedOutboundMessages);
  }

  #resetUnreliable(): void {
    this.#unreliable = this.#modes.map((mode, channel) =>
      isReliableMode(mode) ? undefined : new UnreliableQueue(channel, mode === ChannelMode.UNRELIABLE_SEQUENCED),
    );
    this.#usLast = this.#modes.map(() => -1);
  }

  #discardQueues(): void {
    for (const queue of this.#unreliable) {
      queue?.clear();
    }
    this.#early = [];
    this.#probesDue = 0;
    this.#pingDue = false;
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
    const rtt = this.#tracker.rtt;
    const cc = this.#tracker.cc;
    let queueDelay = 0;
    for (const sender of this.#channels.senders) {
      if (sender !== undefined) {
        queueDelay = Math.max(queueDelay, sender.oldestUnsentAge(this.#now));
      }
    }
    for (const queue of this.#unreliable) {
      if (queue !== undefined) {
        queueDelay = Math.max(queueDelay, queue.oldestAge(this.#now));
      }
    }
    let receiveBuffered = 0;
    for (const receiver of this.#channels.receivers) {
      receiveBuffered += receiver?.bufferedBytes ?? 0;
    }
    return {
      state: this.#state,
      packetsSent: this.#packetsSent,
      packetsReceived: this.#packetsReceived,
      bytesSent: this.#bytesSent,
      bytesReceived: this.#bytesReceived,
      ackOnlyPacketsSent: this.#ackOnlySent,
      reliableBytesSent: this.#scheduler.reliableBytesSent,
      retransmittedBytes: this.#scheduler.retransmittedBytes,
      unreliableSent: this.#scheduler.unreliableSent,
      unreliableExpired: this.#unreliableExpired,
      packetsLost: this.#tracker.packetsLost,
      spuriousLosses: this.#tracker.spuriousLosses,
      ptoCount: this.#tracker.ptoFired,
      lossRate: this.#packetsSent === 0 ? 0 : this.#tracker.packetsLost / this.#packetsSent,
      srttMs: rtt.smoothedRtt,
      rttVarMs: rtt.rttVar,
      minRttMs: Number.isFinite(rtt.minRtt) ? rtt.minRtt : 0,
      latestRttMs: rtt.latestRtt,
      cwnd: cc.cwnd,
      bytesInFlight: cc.bytesInFlight,
      pacingRate: cc.pacingRate(rtt.smoothedRtt),
      queueDelayMs: queueDelay,
      backlogBytes: this.#channels.backlogBytes,
      backlogMessages: this.#channels.backlogMessages,
      receiveBufferedBytes: receiveBuffered,
      inboxLength: this.#inbox.length - this.#inboxHead,
      droppedReplay: this.#droppedReplay,
      droppedAuth: this.#droppedAuth,
      droppedRate: this.#droppedRate,
      droppedOther: this.#droppedOther,
      cwndBlocked: this.#cwndBlocked,
      pacerBlocked: this.#pacerBlocked,
    };
  }
}
