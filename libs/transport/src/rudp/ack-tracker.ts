import { putU16, putU32 } from '../codec/le-bytes.js';
import { ACK_BITMAP_BITS, ACK_DELAY_UNIT_MS, ACK_FRAME_BASE_SIZE, ACK_RANGE_SIZE, FrameType, MAX_ACK_RANGES } from './rudp.constants.js';
import type { ReplayWindow } from './replay-window.js';

/**
 * Receiver side of acknowledgements (§3.6, §10.4, §10.5): decides when an ACK is due and encodes
 * ACK frames (largest, ack_delay, 64-bit bitmap, up to 8 ranges of the newest pns below it) from the
 * received-pn bits kept by the {@link ReplayWindow}.
 */
export class AckTracker {
  readonly #window: ReplayWindow;
  readonly #maxAckDelayMs: number;
  #largestRecvTime = 0;
  #unackedElicitingCount = 0;
  #immediate = false;
  #deadline = Number.POSITIVE_INFINITY;
  readonly #bitmap = new Uint32Array(2);

  constructor(window: ReplayWindow, maxAckDelayMs: number) {
    this.#window = window;
    this.#maxAckDelayMs = maxAckDelayMs;
  }

  /** True once any packet was received: from then on every packet carries an ACK (§3.6). */
  get hasReceived(): boolean {
    return this.#window.largest >= 0;
  }

  /** Deadline of the pending ACK, +∞ when none is owed. */
  get deadline(): number {
    return this.#immediate ? Number.NEGATIVE_INFINITY : this.#deadline;
  }

  /**
   * Records an authenticated packet. `previousLargest` is the largest pn before this one was
   * marked (−1 at first, so pn 0 is in order, §10.4). Only ack-eliciting packets make an ACK due.
   */
  onPacketReceived(pn: number, previousLargest: number, ackEliciting: boolean, now: number): void {
    if (pn > previousLargest) {
      this.#largestRecvTime = now;
    }
    if (!ackEliciting) {
      return;
    }
    this.#unackedElicitingCount++;
    if (this.#unackedElicitingCount >= 2 || pn !== previousLargest + 1) {
      this.#immediate = true;
    } else if (this.#deadline === Number.POSITIVE_INFINITY) {
      this.#deadline = now + this.#maxAckDelayMs;
    }
  }

  /** Asks for an immediate ACK (e.g. for the first WELCOME, so the handshake completes quickly). */
  requestImmediate(): void {
    if (this.hasReceived) {
      this.#immediate = true;
    }
  }

  /** Whether an ACK-only packet must go out now. Never true without an ack-eliciting packet (§10.4). */
  isDue(now: number): boolean {
    return this.#unackedElicitingCount > 0 && (this.#immediate || now >= this.#deadline);
  }

  /** Any packet carrying an ACK resets the owed-ACK state (§10.5). */
  onAckSent(): void {
    this.#unackedElicitingCount = 0;
    this.#immediate = false;
    this.#deadline = Number.POSITIVE_INFINITY;
  }

  /** Bytes the ACK frame will take with at most `maxRanges` ranges. */
  frameSize(maxRanges: number = MAX_ACK_RANGES): number {
    return ACK_FRAME_BASE_SIZE + ACK_RANGE_SIZE * this.#countRanges(maxRanges, undefined, 0);
  }

  /** Writes an ACK frame describing the received pns; returns the offset after it. */
  write(buf: Buffer, offset: number, now: number, maxRanges: number = MAX_ACK_RANGES): number {
    const largest = this.#window.largest;
    buf[offset] = FrameType.ACK;
    putU32(buf, offset + 1, largest);
    const delay = Math.floor(Math.max(0, now - this.#largestRecvTime) / ACK_DELAY_UNIT_MS);
    putU16(buf, offset + 5, Math.min(0xffff, delay));
    const bitmap = this.#bitmap;
    this.#window.ackBitmap(bitmap);
    putU32(buf, offset + 7, bitmap[0]!);
    putU32(buf, offset + 11, bitmap[1]!);
    const count = this.#countRanges(maxRanges, buf, offset + ACK_FRAME_BASE_SIZE);
    buf[offset + 15] = count;
    return offset + ACK_FRAME_BASE_SIZE + ACK_RANGE_SIZE * count;
  }

  /**
   * Walks runs of received pns below the bitmap, newest first; writes them when `buf` is given.
   * Reads the window's words directly and skips whole empty / full words: with nothing lost this
   * is one range found in ~size/32 steps, on every ACK sent.
   */
  #countRanges(maxRanges: number, buf: Buffer | undefined, offset: number): number {
    const w = this.#window;
    const words = w.words;
    const size = w.size;
    const largest = w.largest;
    const bottom = Math.max(0, largest - size + 1);
    let cursor = largest - ACK_BITMAP_BITS;
    let p = cursor - 1;
    let count = 0;
    if (w.complete) {
      // Loss-free: one run from just below the bitmap down to the window bottom, or none.
      if (maxRanges < 1 || p < bottom) {
        return 0;
      }
      if (buf !== undefined) {
        putU16(buf, offset, 0);
        putU16(buf, offset + 2, p - bottom + 1);
      }
      return 1;
    }
    while (count < maxRanges && p >= bottom) {
      // Skip pns not received.
      for (;;) {
        if (p < bottom) {
          break;
        }
        const i = p % size;
        const word = words[i >>> 5]!;
        if ((word & (1 << (i & 31))) !== 0) {
          break;
        }
        p = (p & 31) === 31 && p - 31 >= bottom && word === 0 ? p - 32 : p - 1;
      }
      if (p < bottom) {
        break;
      }
      const rangeHi = p;
      // Walk the run of received pns.
      for (;;) {
        if (p < bottom) {
          break;
        }
        const i = p % size;
        const word = words[i >>> 5]!;
        if ((word & (1 << (i & 31))) === 0) {
          break;
        }
        p = (p & 31) === 31 && p - 31 >= bottom && word === 0xffff_ffff ? p - 32 : p - 1;
      }
      const rangeLo = p + 1;
      if (buf !== undefined) {
        putU16(buf, offset, cursor - 1 - rangeHi);
        putU16(buf, offset + 2, rangeHi - rangeLo + 1);
        offset += ACK_RANGE_SIZE;
      }
      cursor = rangeLo;
      count++;
    }
    return count;
  }
}
