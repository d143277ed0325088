import { ProtocolErrorCode, protocolError } from '../codec/protocol-error.js';
import type { FrameReader } from './frame-reader.js';
import type { OutboundMessage } from './outbound-message.js';
import type { CongestionController } from './congestion-controller.js';
import type { RttEstimator } from './rtt-estimator.js';
import {
  ACK_BITMAP_BITS,
  ACK_DELAY_UNIT_MS,
  K_GRANULARITY_MS,
  K_PACKET_THRESHOLD,
  K_PERSISTENT_CONGESTION_THRESHOLD,
  K_TIME_THRESHOLD,
  REPLAY_WINDOW,
} from './rudp.constants.js';

/** Receives the fate of reliable frames carried by sent packets. */
export interface FrameFateSink {
  onFrameAcked(msg: OutboundMessage, frag: number, wasInFlight: boolean): void;
  onFrameLost(msg: OutboundMessage, frag: number): void;
}

const OUTSTANDING = 0;
const ACKED = 1;
const LOST = 2;

/**
 * The reliable frames one packet carried, as the frame scheduler records them: the first inline
 * (nearly every game packet carries one message, and two arrays per packet were most of its
 * bookkeeping garbage), the rest in arrays.
 */
export interface CarriedFrames {
  readonly msg: OutboundMessage | undefined;
  readonly frag: number;
  readonly moreMsgs: OutboundMessage[] | undefined;
  readonly moreFrags: number[] | undefined;
}

class SentPacket {
  state = OUTSTANDING;
  readonly msg: OutboundMessage | undefined;
  readonly frag: number;
  readonly moreMsgs: OutboundMessage[] | undefined;
  readonly moreFrags: number[] | undefined;
  constructor(
    readonly pn: number,
    readonly timeSent: number,
    readonly size: number,
    readonly ackEliciting: boolean,
    carried: CarriedFrames | undefined,
  ) {
    this.msg = carried?.msg;
    this.frag = carried?.frag ?? 0;
    this.moreMsgs = carried?.moreMsgs;
    this.moreFrags = carried?.moreFrags;
  }
}

/** What {@link SentPacketTracker.onTimeout} did. */
export const TimeoutKind = { NONE: 0, LOSS: 1, PTO: 2 } as const;
export type TimeoutKind = (typeof TimeoutKind)[keyof typeof TimeoutKind];

/**
 * Sent-packet bookkeeping, ACK processing, RTT sampling, loss detection and PTO exactly per
 * RFC 9002 §5–6 and §7.6 (§3.7 of the spec). Packet numbers are consecutive, so records live in a
 * FIFO indexed by pn. Packets declared lost are kept until the peer can no longer ack them so that
 * a late ACK still acks their frames (§3.6, §10.9); it is not a congestion-control signal.
 */
export class SentPacketTracker {
  rtt: RttEstimator;
  cc: CongestionController;
  readonly #fate: FrameFateSink;
  readonly #maxPtoMs: number;
  readonly #reorderAdaptive: boolean;
  #packets: (SentPacket | undefined)[] = [];
  /**
   * Slots of `#packets` in use: [#head, #len). The array keeps its length when it empties, since
   * `length = 0` was a generic store and dropped the backing store once per packet in a ping-pong;
   * every slot below #len is cleared before #len is reset, so nothing stale stays reachable.
   */
  #len = 0;
  #head = 0;
  /** pn of `#packets[#head]`. */
  #basePn = 0;
  nextPn = 0;
  largestAcked = -1;
  #lossTime = Number.POSITIVE_INFINITY;
  ptoCount = 0;
  #timeOfLastAckEliciting = 0;
  #elicitingInFlight = 0;
  #firstRttSampleTime = Number.POSITIVE_INFINITY;
  #packetThreshold = K_PACKET_THRESHOLD;
  #timeThreshold = K_TIME_THRESHOLD;
  /** Peer's max_ack_delay (§10.10). */
  peerMaxAckDelayMs: number;
  // Stats
  packetsLost = 0;
  spuriousLosses = 0;
  ptoFired = 0;

  constructor(
    rtt: RttEstimator,
    cc: CongestionController,
    fate: FrameFateSink,
    peerMaxAckDelayMs: number,
    maxPtoMs: number,
    reorderAdaptive: boolean,
  ) {
    this.rtt = rtt;
    this.cc = cc;
    this.#fate = fate;
    this.peerMaxAckDelayMs = peerMaxAckDelayMs;
    this.#maxPtoMs = maxPtoMs;
    this.#reorderAdaptive = reorderAdaptive;
  }

  get ackElicitingInFlight(): number {
    return this.#elicitingInFlight;
  }

  /** Records packet `nextPn` (every DATA packet, ACK-only included, so acks of it are valid). */
  onPacketSent(
    now: number,
    size: number,
    ackEliciting: boolean,
    carried?: CarriedFrames,
  ): void {
    if (this.#len === this.#head) {
      this.#len = 0;
      this.#head = 0;
      this.#basePn = this.nextPn;
    }
    this.#packets[this.#len++] = new SentPacket(this.nextPn, now, size, ackEliciting, carried);
    this.nextPn++;
    if (ackEliciting) {
      this.#timeOfLastAckEliciting = now;
      this.#elicitingInFlight++;
      this.cc.onPacketSent(size);
    }
  }

  #get(pn: number): SentPacket | undefined {
    if (pn < this.#basePn) {
      return undefined;
    }
    const i = this.#head + pn - this.#basePn;
    return i < this.#len ? this.#packets[i] : undefined;
  }

  /** Processes the ACK frame held by `reader` (§3.3, §3.7). Throws for an ACK of an unsent pn. */
  onAck(reader: FrameReader, now: number): void {
    const largest = reader.ackLargest;
    if (largest >= this.nextPn) {
      throw protocolError(ProtocolErrorCode.BAD_ACK, `ACK of pn ${largest}, never sent`);
    }
    if (largest > this.largestAcked) {
      this.largestAcked = largest;
    }
    const sentTimeOfLargest = this.#get(largest)?.timeSent;
    const largestWasNew = this.#get(largest)?.state === OUTSTANDING;
    let newlyAcked = 0;
    let elicitingNewly = false;
    // largest, then the bitmap, then the ranges, as pn intervals.
    let r = this.#ackInterval(largest, largest);
    newlyAcked += r >> 1;
    elicitingNewly ||= (r & 1) === 1;
    const lo = reader.ackBitmapLo;
    const hi = reader.ackBitmapHi;
    // Bits describe pns below `largest`, newest first: stop at the first one no longer tracked.
    const bits = Math.min(ACK_BITMAP_BITS, largest - this.#basePn);
    for (let i = 0; i < bits; i++) {
      const set = i < 32 ? (lo >>> i) & 1 : (hi >>> (i - 32)) & 1;
      if (set === 1) {
        const pn = largest - 1 - i;
        r = this.#ackInterval(pn, pn);
        newlyAcked += r >> 1;
        elicitingNewly ||= (r & 1) === 1;
      }
    }
    let cursor = largest - ACK_BITMAP_BITS;
    for (let i = 0; i < reader.ackRangeCount; i++) {
      const rangeHi = cursor - 1 - reader.ackGaps[i];
      const rangeLo = rangeHi - reader.ackLengths[i] + 1;
      r = this.#ackInterval(rangeLo, rangeHi);
      newlyAcked += r >> 1;
      elicitingNewly ||= (r & 1) === 1;
      cursor = rangeLo;
    }
    if (newlyAcked === 0) {
      return;
    }
    if (largestWasNew && elicitingNewly && sentTimeOfLargest !== undefined) {
      this.rtt.update(now - sentTimeOfLargest, reader.ackDelay * ACK_DELAY_UNIT_MS, this.peerMaxAckDelayMs);
      if (this.#firstRttSampleTime === Number.POSITIVE_INFINITY) {
        this.#firstRttSampleTime = now;
      }
    }
    this.detectLost(now);
    this.ptoCount = 0;
    this.cc.onAckProcessed();
    this.#trimFront();
  }

  /** Acks pns [lo, hi]; returns (newly acked count << 1) | anyAckEliciting. */
  #ackInterval(lo: number, hi: number): number {
    let newly = 0;
    let eliciting = 0;
    const from = Math.max(lo, this.#basePn);
    const to = Math.min(hi, this.nextPn - 1);
    for (let pn = from; pn <= to; pn++) {
      const p = this.#packets[this.#head + pn - this.#basePn];
      if (p === undefined || p.state === ACKED) {
        continue;
      }
      const wasOutstanding = p.state === OUTSTANDING;
      p.state = ACKED;
      if (wasOutstanding) {
        newly++;
        if (p.ackEliciting) {
          eliciting = 1;
          this.#elicitingInFlight--;
          this.cc.onPacketAcked(p.size, p.timeSent, this.rtt.smoothedRtt);
        }
      } else {
        this.spuriousLosses++;
        if (this.#reorderAdaptive) {
          this.#packetThreshold = Math.min(16, this.#packetThreshold + 1);
          this.#timeThreshold = Math.min(2, this.#timeThreshold + 1 / 8);
        }
      }
      if (p.msg !== undefined) {
        this.#fate.onFrameAcked(p.msg, p.frag, wasOutstanding);
        if (p.moreMsgs !== undefined && p.moreFrags !== undefined) {
          for (let i = 0; i < p.moreMsgs.length; i++) {
            this.#fate.onFrameAcked(p.moreMsgs[i]!, p.moreFrags[i]!, wasOutstanding);
          }
        }
      }
    }
    return (newly << 1) | eliciting;
  }

  /** RFC 9002 §6.1 DetectAndRemoveLostPackets, with §7.6 persistent congestion. */
  detectLost(now: number): void {
    this.#lossTime = Number.POSITIVE_INFINITY;
    if (this.largestAcked < 0) {
      return;
    }
    const rtt = this.rtt;
    const lossDelay = Math.max(this.#timeThreshold * Math.max(rtt.smoothedRtt, rtt.latestRtt), K_GRANULARITY_MS);
    const lostSendTime = now - lossDelay;
    const pcDuration = rtt.basePto(this.peerMaxAckDelayMs) * K_PERSISTENT_CONGESTION_THRESHOLD;
    let largestLostTime = Number.NEGATIVE_INFINITY;
    let runStart = Number.NaN;
    let runNew = false;
    let persistent = false;
    const end = Math.min(this.largestAcked, this.nextPn - 1);
    for (let pn = this.#basePn; pn < end; pn++) {
      const p = this.#packets[this.#head + pn - this.#basePn];
      if (p === undefined) {
        continue;
      }
      if (p.state === ACKED) {
        runStart = Number.NaN;
        runNew = false;
        continue;
      }
      if (p.state === OUTSTANDING) {
        if (p.timeSent > lostSendTime && this.largestAcked - pn < this.#packetThreshold) {
          this.#lossTime = Math.min(this.#lossTime, p.timeSent + lossDelay);
          continue;
        }
        this.#declareLost(p);
        if (p.ackEliciting) {
          largestLostTime = Math.max(largestLostTime, p.timeSent);
          runNew = true;
        }
      }
      // p is lost (now or earlier): extend the run of consecutive lost ack-eliciting packets.
      if (p.ackEliciting && p.timeSent >= this.#firstRttSampleTime) {
        if (Number.isNaN(runStart)) {
          runStart = p.timeSent;
        } else if (runNew && p.timeSent - runStart > pcDuration) {
          persistent = true;
        }
      }
    }
    if (largestLostTime > Number.NEGATIVE_INFINITY) {
      this.cc.onCongestionEvent(largestLostTime, now);
      if (persistent) {
        this.cc.onPersistentCongestion(now);
      }
    }
  }

  #declareLost(p: SentPacket): void {
    p.state = LOST;
    this.packetsLost++;
    if (p.ackEliciting) {
      this.#elicitingInFlight--;
      this.cc.removeFromFlight(p.size);
    }
    if (p.msg !== undefined) {
      this.#fate.onFrameLost(p.msg, p.frag);
      if (p.moreMsgs !== undefined && p.moreFrags !== undefined) {
        for (let i = 0; i < p.moreMsgs.length; i++) {
          this.#fate.onFrameLost(p.moreMsgs[i]!, p.moreFrags[i]!);
        }
      }
    }
  }

  /** Drops acked records, and lost ones the peer can no longer acknowledge, from the front. */
  #trimFront(): void {
    const floor = this.largestAcked - REPLAY_WINDOW;
    while (this.#head < this.#len) {
      const p = this.#packets[this.#head] as SentPacket;
      if (p.state === ACKED || (p.state === LOST && p.pn <= floor)) {
        this.#packets[this.#head++] = undefined;
        this.#basePn++;
        continue;
      }
      break;
    }
    if (this.#head > 4096 && this.#head * 2 > this.#len) {
      this.#packets = this.#packets.slice(this.#head, this.#len);
      this.#len -= this.#head;
      this.#head = 0;
    }
  }

  /** PTO for the current backoff: min(maxPtoMs, (srtt + max(4·rttvar, 1) + max_ack_delay) · 2^pto_count). */
  ptoDuration(): number {
    return Math.min(this.#maxPtoMs, this.rtt.basePto(this.peerMaxAckDelayMs) * 2 ** Math.min(this.ptoCount, 20));
  }

  /** Loss timer if armed, else the PTO timer while ack-eliciting packets are in flight (§10.10). */
  timer(): number {
    if (this.#lossTime !== Number.POSITIVE_INFINITY) {
      return this.#lossTime;
    }
    if (this.#elicitingInFlight <= 0) {
      return Number.POSITIVE_INFINITY;
    }
    return this.#timeOfLastAckEliciting + this.ptoDuration();
  }

  /** Runs an expired timer: loss detection, or a PTO (the caller then sends 1–2 probes). */
  onTimeout(now: number): TimeoutKind {
    if (this.#lossTime <= now) {
      this.detectLost(now);
      this.#trimFront();
      return TimeoutKind.LOSS;
    }
    if (this.#elicitingInFlight > 0 && this.#timeOfLastAckEliciting + this.ptoDuration() <= now) {
      this.ptoCount++;
      this.ptoFired++;
      return TimeoutKind.PTO;
    }
    return TimeoutKind.NONE;
  }

  /** Records still kept (outstanding, or lost but still ackable). */
  get trackedPackets(): number {
    return this.#len - this.#head;
  }
}
