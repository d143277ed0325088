import { getU32 } from '../codec/le-bytes.js';
import { ProtocolErrorCode, protocolError } from '../codec/protocol-error.js';
import { FrameReader, type WelcomeInfo } from './frame-reader.js';
import { PathEvent, type PathValidator, type RudpPeerAddress } from './path-validator.js';
import type { MessageSink } from './reliable-receiver.js';
import type { ReplayWindow } from './replay-window.js';
import { RttEstimator } from './rtt-estimator.js';
import type { RudpChannelTable } from './rudp-channel-table.js';
import { RudpRole, type PacketCipher, type RudpConnectionListener } from './rudp-connection.types.js';
import type { RudpPacketBuilder } from './rudp-packet-builder.js';
import { ChannelMode, DATA_FLAGS, FrameType, HEADER_SIZE, MAX_UDP_PAYLOAD, MIN_DATA_PACKET, msgIdDistance } from './rudp.constants.js';
import type { RudpLimits } from './rudp.options.js';
import type { SentPacketTracker } from './sent-packet-tracker.js';

/** Why {@link RudpFrameHandler.run} stopped: the connection acts on WELCOME and CLOSE itself. */
export const FrameEvent = {
  /** All frames applied. */
  END: 0,
  /** Client: a WELCOME frame; the channel table may change before the next frame is read. */
  WELCOME: 1,
  /** The peer closed; the rest of the packet is ignored. */
  CLOSE: 2,
} as const;
export type FrameEvent = (typeof FrameEvent)[keyof typeof FrameEvent];

/**
 * The receive half of a {@link RudpConnection}: admits a DATA datagram (§3.2: shape, conn_id,
 * inbound rate, replay, AEAD open, replay mark), then applies its frames (ACK, PING, PATH, data).
 * WELCOME and CLOSE change the connection's state machine, so {@link run} returns to the connection
 * at those frames and resumes afterwards; no callback is allocated per packet. Also the
 * {@link MessageSink} of the reliable receivers and the pull queue behind `receive()`.
 */
export class RudpFrameHandler implements MessageSink {
  readonly #role: RudpRole;
  readonly #limits: RudpLimits;
  readonly #cipher: PacketCipher;
  readonly #listener: RudpConnectionListener;
  readonly #replay: ReplayWindow;
  readonly #tracker: SentPacketTracker;
  readonly #path: PathValidator;
  readonly #out: RudpPacketBuilder;
  readonly #table: RudpChannelTable;
  readonly #randomFill: (buf: Buffer) => void;
  readonly #reader = new FrameReader();
  #ackEliciting = false;
  readonly #inbox: { channel: number; message: Buffer }[] = [];
  #inboxHead = 0;
  #usLast: number[] = [];
  #rateWindowStart: number;
  #rateWindowCount = 0;
  #rateExceededSince = -1;
  #rateLimitClose = false;
  #pn = 0;
  #previousLargest = 0;

  // Stats
  #packetsReceived = 0;
  #bytesReceived = 0;
  #droppedReplay = 0;
  #droppedAuth = 0;
  #droppedRate = 0;
  #droppedOther = 0;

  constructor(
    role: RudpRole,
    limits: RudpLimits,
    cipher: PacketCipher,
    listener: RudpConnectionListener,
    replay: ReplayWindow,
    tracker: SentPacketTracker,
    path: PathValidator,
    out: RudpPacketBuilder,
    table: RudpChannelTable,
    randomFill: (buf: Buffer) => void,
    now: number,
  ) {
    this.#role = role;
    this.#limits = limits;
    this.#cipher = cipher;
    this.#listener = listener;
    this.#replay = replay;
    this.#tracker = tracker;
    this.#path = path;
    this.#out = out;
    this.#table = table;
    this.#randomFill = randomFill;
    this.#rateWindowStart = now;
  }

  // ───────────────────────────── admission ─────────────────────────────

  /**
   * Authenticates one datagram; returns its plaintext, or null when it was dropped (and counted).
   * On success {@link pn} and {@link previousLargest} describe it. `accepting` is false outside
   * PENDING / CONNECTED; `connId` is undefined while a client has not learnt it.
   */
  open(now: number, datagram: Buffer, accepting: boolean, connId: number | undefined): Buffer | null {
    this.#rateLimitClose = false;
    if (!accepting || datagram.length < MIN_DATA_PACKET || datagram.length > MAX_UDP_PAYLOAD || datagram[0] !== DATA_FLAGS) {
      this.#droppedOther++;
      return null;
    }
    if (connId !== undefined && getU32(datagram, 1) !== connId) {
      this.#droppedOther++;
      return null;
    }
    if (!this.#inboundAllowed(now)) {
      return null;
    }
    const pn = getU32(datagram, 5);
    if (!this.#replay.check(pn)) {
      this.#droppedReplay++;
      return null;
    }
    let plaintext: Buffer | null;
    try {
      const cipher = this.#cipher;
      plaintext = cipher.openPacket !== undefined ? cipher.openPacket(datagram) : cipher.open(datagram.subarray(0, HEADER_SIZE), datagram.subarray(HEADER_SIZE), pn);
    } catch {
      plaintext = null;
    }
    if (plaintext === null) {
      this.#droppedAuth++;
      return null;
    }
    this.#previousLargest = this.#replay.largest;
    this.#replay.mark(pn);
    this.#pn = pn;
    this.#packetsReceived++;
    this.#bytesReceived += datagram.length;
    return plaintext;
  }

  /** Packet number of the last datagram {@link open} accepted. */
  get pn(): number {
    return this.#pn;
  }

  /** Largest packet number received before it (ack scheduling, path migration). */
  get previousLargest(): number {
    return this.#previousLargest;
  }

  /** Set when {@link open} refused a datagram and the inbound rate has been over the limit for `rateLimitCloseMs`. */
  get rateLimitClose(): boolean {
    return this.#rateLimitClose;
  }

  #inboundAllowed(now: number): boolean {
    const l = this.#limits;
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
      this.#rateLimitClose = true;
    }
    return false;
  }

  /** Server, CONNECTED: a packet from another address may move the send path (§3.10). */
  checkPath(from: RudpPeerAddress | undefined, isNewer: boolean, size: number, now: number): void {
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

  // ───────────────────────────── frames ─────────────────────────────

  /** The table's modes were replaced (creation, WELCOME): frames after it are read with them. */
  onModesChanged(): void {
    const modes = this.#table.modes;
    this.#reader.setModes(modes);
    this.#usLast = modes.map(() => -1);
  }

  /** Starts reading the frames of an authenticated packet. */
  begin(plaintext: Buffer): void {
    this.#reader.reset(plaintext, this.#table.modes, this.#limits.maxMsgsPerPacket);
    this.#ackEliciting = false;
  }

  /** Whether the frames applied so far made the packet ack-eliciting. */
  get ackEliciting(): boolean {
    return this.#ackEliciting;
  }

  /** The WELCOME frame {@link run} stopped at. */
  get welcome(): WelcomeInfo {
    return this.#reader.welcome as WelcomeInfo;
  }

  /** The reason byte of the CLOSE frame {@link run} stopped at. */
  get closeReason(): number {
    return this.#reader.closeReason;
  }

  /**
   * Applies frames until the end of the packet or a WELCOME / CLOSE frame. Throws ProtocolError for
   * a frame this role must never receive (and FrameReader's for malformed frames).
   */
  run(now: number, from: RudpPeerAddress | undefined): FrameEvent {
    const r = this.#reader;
    while (r.next()) {
      const type = r.type;
      if (type >= FrameType.MSG) {
        this.#ackEliciting = true;
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
          this.#ackEliciting = true;
          break;
        case FrameType.CLOSE:
          return FrameEvent.CLOSE;
        case FrameType.WELCOME:
          if (this.#role === RudpRole.SERVER) {
            throw protocolError(ProtocolErrorCode.UNEXPECTED_FRAME, 'WELCOME sent by a client');
          }
          this.#ackEliciting = true;
          return FrameEvent.WELCOME;
        case FrameType.PATH_CHALLENGE:
          if (this.#role === RudpRole.SERVER) {
            throw protocolError(ProtocolErrorCode.UNEXPECTED_FRAME, 'PATH_CHALLENGE sent by a client');
          }
          this.#ackEliciting = true;
          this.#out.queuePathResponse(r.pathData);
          break;
        case FrameType.PATH_RESPONSE:
          if (this.#role === RudpRole.CLIENT) {
            throw protocolError(ProtocolErrorCode.UNEXPECTED_FRAME, 'PATH_RESPONSE sent by a server');
          }
          this.#ackEliciting = true;
          if (this.#path.onResponse(from, r.pathData)) {
            this.#listener.onPathChange?.(this.#path.current, true);
          }
          break;
      }
    }
    return FrameEvent.END;
  }

  #onDataFrame(isMsg: boolean): void {
    const r = this.#reader;
    const channel = r.channel;
    const mode = this.#table.modes[channel];
    const receiver = this.#table.reliable.receivers[channel];
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

  // ───────────────────────────── delivery ─────────────────────────────

  /** MessageSink: hands a complete message to the listener, or to the pull queue without one. */
  deliverMessage(channel: number, message: Buffer): void {
    const onMessage = this.#listener.onMessage;
    if (onMessage !== undefined) {
      onMessage.call(this.#listener, channel, message);
    } else {
      this.#inbox.push({ channel, message });
    }
  }

  /** Next message of the pull queue. */
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

  // ───────────────────────────── stats ─────────────────────────────

  get inboxLength(): number {
    return this.#inbox.length - this.#inboxHead;
  }

  get packetsReceived(): number {
    return this.#packetsReceived;
  }

  get bytesReceived(): number {
    return this.#bytesReceived;
  }

  get droppedReplay(): number {
    return this.#droppedReplay;
  }

  get droppedAuth(): number {
    return this.#droppedAuth;
  }

  get droppedRate(): number {
    return this.#droppedRate;
  }

  get droppedOther(): number {
    return this.#droppedOther;
  }
}
