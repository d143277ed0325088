/**
 * Token-bucket pacer (§3.8, RFC 9002 §7.7) plus a hard 1-second ceiling at `maxSendRate`
 * (KT-48: averaged over any 1 s the sender never exceeds it, burst included).
 *
 * The bucket works on debt: a packet may leave when the balance is ≥ 0, and its size is then
 * subtracted, so the long-run rate is exact without knowing the next packet's size in advance.
 * The ceiling counts bytes in 10-ms slots; the last 101 slots cover every 1-s window ending now.
 */
const SLOT_MS = 10;
const SLOTS = 101;

export class Pacer {
  readonly #burst: number;
  readonly #maxRate: number;
  #tokens: number;
  #lastRefill: number | undefined;
  /** Bytes per ms. */
  #rate: number;
  readonly #slots = new Float64Array(SLOTS);
  #slotIndex = 0;
  #slotStart = 0;
  #windowBytes = 0;

  constructor(burst: number, maxSendRate: number) {
    this.#burst = burst;
    this.#tokens = burst;
    this.#maxRate = maxSendRate;
    this.#rate = maxSendRate / 1000;
  }

  /** Sets the pacing rate in bytes per second. */
  setRate(bytesPerSec: number): void {
    this.#rate = Math.max(1, Math.min(this.#maxRate, bytesPerSec)) / 1000;
  }

  get rateBytesPerSec(): number {
    return this.#rate * 1000;
  }

  #refill(now: number): void {
    if (this.#lastRefill === undefined) {
      this.#lastRefill = now;
      this.#slotStart = now;
      return;
    }
    if (now > this.#lastRefill) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#lastRefill) * this.#rate);
      this.#lastRefill = now;
    }
    if (now - this.#slotStart >= SLOT_MS * SLOTS) {
      this.#slots.fill(0);
      this.#windowBytes = 0;
      this.#slotStart = now;
      return;
    }
    while (now - this.#slotStart >= SLOT_MS) {
      this.#slotStart += SLOT_MS;
      this.#slotIndex = (this.#slotIndex + 1) % SLOTS;
      this.#windowBytes -= this.#slots[this.#slotIndex];
      this.#slots[this.#slotIndex] = 0;
    }
  }

  /** Bytes an ack-eliciting packet may have now: 0 when the bucket is in debt or the 1-s ceiling is reached. */
  allowance(now: number): number {
    this.#refill(now);
    if (this.#tokens < 0) {
      return 0;
    }
    return Math.max(0, this.#maxRate - this.#windowBytes);
  }

  /** Records a sent datagram. ACK-only packets are counted but never blocked (§3.8). */
  onSent(now: number, bytes: number, ackEliciting: boolean): void {
    this.#refill(now);
    if (ackEliciting) {
      this.#tokens -= bytes;
    }
    this.#slots[this.#slotIndex] += bytes;
    this.#windowBytes += bytes;
  }

  /**
   * When sending can resume for a packet of up to `size` bytes (assuming the bucket alone).
   * Returns `now` when already allowed.
   */
  nextSendTime(now: number, size: number): number {
    this.#refill(now);
    let t = now;
    if (this.#tokens < 0) {
      t = now + -this.#tokens / this.#rate;
    }
    if (this.#maxRate - this.#windowBytes < size) {
      // The oldest slot leaves the window at the next slot boundary.
      t = Math.max(t, this.#slotStart + SLOT_MS);
    }
    return t;
  }
}
