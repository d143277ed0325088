import { Buffer } from 'node:buffer';
import type { CloseReason } from '../codec/protocol-error.js';
import type { AckTracker } from './ack-tracker.js';
import { FrameScheduler, PacketContents } from './frame-scheduler.js';
import { welcomeSize, writeClose, writePathFrame, writePing, writeWelcome } from './frame-writer.js';
import type { Pacer } from './pacer.js';
import type { PathValidator } from './path-validator.js';
import type { RudpChannelTable } from './rudp-channel-table.js';
import { RudpRole, RudpState, type PacketCipher } from './rudp-connection.types.js';
import {
  DATA_FLAGS,
  FrameType,
  HEADER_SIZE,
  MAX_PLAINTEXT,
  MAX_UDP_PAYLOAD,
  MIN_DATA_PACKET,
  PATH_FRAME_SIZE,
  TAG_SIZE,
} from './rudp.constants.js';
import type { RudpLimits } from './rudp.options.js';
import type { CarriedFrames, SentPacketTracker } from './sent-packet-tracker.js';

/** Smallest useful plaintext budget for an ack-eliciting packet (ACK + a small frame). */
const MIN_ELICITING_BUDGET = 64;
const PACKET_OVERHEAD = HEADER_SIZE + TAG_SIZE;

/**
 * The send half of a {@link RudpConnection} (§3.7, §3.8): decides whether a packet is due, writes
 * ACK / WELCOME / PATH / data / PING frames into one reusable plaintext buffer in §3.8 order, and
 * seals it. Owns the "something must go out" flags (WELCOME, PING, PTO probes, PATH_RESPONSEs) and
 * the send counters. State, conn_id and whether data may flow yet are the connection's and are
 * passed in per packet.
 */
export class RudpPacketBuilder {
  readonly #role: RudpRole;
  readonly #limits: RudpLimits;
  readonly #cipher: PacketCipher;
  readonly #wallClock: () => number;
  readonly #resumed: boolean;
  readonly #acks: AckTracker;
  readonly #tracker: SentPacketTracker;
  readonly #pacer: Pacer;
  readonly #path: PathValidator;
  readonly #table: RudpChannelTable;
  readonly #scheduler = new FrameScheduler();
  readonly #plaintext = Buffer.alloc(MAX_PLAINTEXT);
  #plaintextView: Buffer = this.#plaintext;
  #plaintextViewLength = MAX_PLAINTEXT;
  readonly #contents = new PacketContents();
  #welcomeDue: boolean;
  #pingDue = false;
  #probesDue = 0;
  #probesSent = 0;
  #pathResponses: Buffer[] = [];
  #lastElicitingSent: number;

  // Stats
  #packetsSent = 0;
  #bytesSent = 0;
  #ackOnlySent = 0;
  #cwndBlocked = 0;
  #pacerBlocked = 0;

  constructor(
    role: RudpRole,
    limits: RudpLimits,
    cipher: PacketCipher,
    wallClock: () => number,
    resumed: boolean,
    acks: AckTracker,
    tracker: SentPacketTracker,
    pacer: Pacer,
    path: PathValidator,
    table: RudpChannelTable,
    now: number,
  ) {
    this.#role = role;
    this.#limits = limits;
    this.#cipher = cipher;
    this.#wallClock = wallClock;
    this.#resumed = resumed;
    this.#acks = acks;
    this.#tracker = tracker;
    this.#pacer = pacer;
    this.#path = path;
    this.#table = table;
    this.#welcomeDue = role === RudpRole.SERVER;
    this.#lastElicitingSent = now;
  }

  get lastElicitingSent(): number {
    return this.#lastElicitingSent;
  }

  /** Something must go out at once regardless of cc and pacer: a probe, a control frame or a PING. */
  get immediateDue(): boolean {
    return this.#probesDue > 0 || this.#controlDue() || this.#pingDue;
  }

  /** Forces an ack-eliciting packet; `welcome` also re-sends WELCOME (server, PENDING, KT-32). */
  requestPing(welcome: boolean): void {
    this.#pingDue = true;
    if (welcome) {
      this.#welcomeDue = true;
    }
  }

  /** The client's first authenticated packet arrived: WELCOME no longer has to be forced out. */
  cancelWelcome(): void {
    this.#welcomeDue = false;
  }

  /** PTO fired (§3.7): up to two probe packets, each starting at the oldest unacked fragments. */
  startProbes(): void {
    this.#probesDue = 2;
    this.#probesSent = 0;
    this.#scheduler.beginProbe(this.#table.reliable);
  }

  /** Closing, draining or lost: pending probes and PINGs are moot. */
  cancelPending(): void {
    this.#probesDue = 0;
    this.#pingDue = false;
  }

  /** Client: answer a PATH_CHALLENGE; at most 4 wait, so a flood cannot grow the queue (§3.10). */
  queuePathResponse(data: Buffer): void {
    if (this.#pathResponses.length < 4) {
      this.#pathResponses.push(Buffer.from(data));
    }
  }

  /** Whether any data frame waits; the client has no channel table before WELCOME (§10.1). */
  hasData(canSendData: boolean): boolean {
    if (!canSendData) {
      return false;
    }
    for (const sender of this.#table.reliable.senders) {
      if (sender !== undefined && (sender.hasRetransmit() || sender.hasFresh())) {
        return true;
      }
    }
    for (const queue of this.#table.unreliable) {
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

  /** Builds and seals the next packet, or returns undefined when nothing may or needs to be sent. */
  build(now: number, state: RudpState, connId: number | undefined, canSendData: boolean): Buffer | undefined {
    const pathAllowance = this.#path.sendAllowance();
    if (pathAllowance < MIN_DATA_PACKET + 16) {
      return undefined;
    }
    const probe = this.#probesDue > 0;
    const control = this.#controlDue() || this.#pingDue;
    const hasData = this.hasData(canSendData);
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
    const welcome = this.#role === RudpRole.SERVER && state === RudpState.PENDING;
    const challenge = this.#path.challengeDue;
    if (withAck) {
      // Keep room for WELCOME / PATH frames plus a full FRAG frame: cap the ranges then.
      const maxRanges = welcome || challenge || this.#pathResponses.length > 0 ? 1 : 8;
      off = this.#acks.write(buf, off, now, maxRanges);
    }
    let eliciting = false;
    const modes = this.#table.modes;
    if (welcome && off + welcomeSize(modes.length) <= limit) {
      const l = this.#limits;
      off = writeWelcome(buf, off, {
        resumed: this.#resumed,
        serverTime: this.#wallClock(),
        idleTimeoutMs: l.idleTimeoutMs,
        keepaliveMs: l.keepaliveMs,
        maxAckDelayMs: l.maxAckDelayMs,
        graceMs: l.graceMs,
        channelModes: modes,
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
    p.reset(off, Math.min(limit, dataBudget - PACKET_OVERHEAD), this.#limits.maxMsgsPerPacket);
    if (p.limit > off && canSendData) {
      this.#scheduler.fill(buf, p, this.#table.reliable, this.#table.unreliable, probe);
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
    return this.#seal(now, connId, off, eliciting, withAck, p);
  }

  /** One CLOSE packet (with an ACK when anything was received); sent `CLOSE_REPEATS` times (§3.9). */
  buildClose(now: number, connId: number | undefined, reason: CloseReason): Buffer {
    const buf = this.#plaintext;
    let off = 0;
    const withAck = this.#acks.hasReceived;
    if (withAck) {
      off = this.#acks.write(buf, off, now, 8);
    }
    off = writeClose(buf, off, reason);
    return this.#seal(now, connId, off, false, withAck, undefined);
  }

  #seal(
    now: number,
    connId: number | undefined,
    plaintextLength: number,
    eliciting: boolean,
    withAck: boolean,
    carried: CarriedFrames | undefined,
  ): Buffer {
    const pn = this.#tracker.nextPn;
    if (plaintextLength !== this.#plaintextViewLength) {
      // One view per length: a steady stream of same-sized packets (the common case) reuses it.
      this.#plaintextView = this.#plaintext.subarray(0, plaintextLength);
      this.#plaintextViewLength = plaintextLength;
    }
    const plaintext = this.#plaintextView;
    let datagram: Buffer;
    if (this.#cipher.sealPacket !== undefined) {
      datagram = this.#cipher.sealPacket(connId ?? 0, pn, plaintext);
    } else {
      const header = Buffer.allocUnsafe(HEADER_SIZE);
      header[0] = DATA_FLAGS;
      header.writeUInt32LE(connId ?? 0, 1);
      header.writeUInt32LE(pn, 5);
      const body = this.#cipher.seal(header, plaintext, pn);
      datagram = Buffer.concat([header, body], HEADER_SIZE + body.length);
    }
    this.#tracker.onPacketSent(now, datagram.length, eliciting, carried);
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

  // ───────────────────────────── stats ─────────────────────────────

  get packetsSent(): number {
    return this.#packetsSent;
  }

  get bytesSent(): number {
    return this.#bytesSent;
  }

  get ackOnlySent(): number {
    return this.#ackOnlySent;
  }

  get cwndBlocked(): number {
    return this.#cwndBlocked;
  }

  get pacerBlocked(): number {
    return this.#pacerBlocked;
  }

  /** Reliable / retransmitted fragment bytes and unreliable messages written by the scheduler. */
  get scheduler(): Pick<FrameScheduler, 'reliableBytesSent' | 'retransmittedBytes' | 'unreliableSent'> {
    return this.#scheduler;
  }
}
