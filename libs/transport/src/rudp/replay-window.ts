import { REPLAY_WINDOW } from './rudp.constants.js';

/**
 * Per-direction replay window over received packet numbers (§3.2). {@link check} is read-only and
 * runs before AEAD open; {@link mark} runs only after a successful open (netcode #86), so a forged
 * packet with a huge pn cannot push the window forward.
 *
 * The same bits describe which pns were received, so the ACK encoder reads them too.
 */
export class ReplayWindow {
  readonly size: number;
  #largest = -1;
  readonly #bits: Uint32Array;
  /** Set bits in the window: equal to its span when no pn in it is missing (the common case). */
  #received = 0;

  constructor(size: number = REPLAY_WINDOW) {
    this.size = size;
    this.#bits = new Uint32Array(size >>> 5);
  }

  /** @internal The bits themselves (bit `pn % size`), for the ACK encoder's range scan. */
  get words(): Uint32Array {
    return this.#bits;
  }

  /** Largest pn marked so far, −1 before the first. */
  get largest(): number {
    return this.#largest;
  }

  /**
   * True when every pn from the window bottom (or 0) to {@link largest} was received. Lets the
   * ACK encoder skip its bit scans on a loss-free link, where it runs for every packet sent.
   */
  get complete(): boolean {
    return this.#received === Math.min(this.#largest + 1, this.size);
  }

  /** True when a packet with this pn may be opened: newer than the window bottom and not seen. */
  check(pn: number): boolean {
    if (this.#largest < 0 || pn > this.#largest) {
      return true;
    }
    // Subtraction form (netcode IMPLEMENTERS §1): no overflow near the top of the pn space.
    if (this.#largest - pn >= this.size) {
      return false;
    }
    return !this.#get(pn);
  }

  /** Records an authenticated pn. Returns false when it was already recorded or too old. */
  mark(pn: number): boolean {
    if (!this.check(pn)) {
      return false;
    }
    if (pn > this.#largest) {
      const advance = pn - this.#largest;
      if (this.#largest < 0 || advance >= this.size) {
        this.#bits.fill(0);
        this.#received = 0;
      } else {
        // Slots largest+1 … pn held pns that now fall out of the window; pn's slot is set below.
        for (let p = this.#largest + 1; p <= pn; p++) {
          if (this.#get(p)) {
            this.#clear(p);
            this.#received--;
          }
        }
      }
      this.#largest = pn;
    }
    this.#set(pn);
    this.#received++;
    return true;
  }

  /** Whether `pn` was received; pns below the window read as not received. */
  has(pn: number): boolean {
    if (pn < 0 || pn > this.#largest || this.#largest - pn >= this.size) {
      return false;
    }
    return this.#get(pn);
  }

  /**
   * The ACK bitmap (§3.6): bit i set ⇔ pn `largest − 1 − i` was received, i < 64, as two u32 in
   * `out[0]` (bits 0–31) and `out[1]`. One tight loop over the words, not 64 `has()` calls: it runs
   * for every packet that carries an ACK.
   */
  ackBitmap(out: Uint32Array): void {
    const bits = this.#bits;
    const size = this.size;
    const largest = this.#largest;
    let lo = 0;
    let hi = 0;
    // i < largest keeps the pn ≥ 0; i < size − 1 keeps it inside the window (as `has` does).
    const n = Math.min(64, largest, size - 1);
    if (n <= 0) {
      out[0] = 0;
      out[1] = 0;
      return;
    }
    if (this.complete) {
      // Nothing missing: the first n bits are set.
      out[0] = n >= 32 ? 0xffff_ffff : (1 << n) - 1;
      out[1] = n >= 64 ? 0xffff_ffff : n > 32 ? (1 << (n - 32)) - 1 : 0;
      return;
    }
    for (let i = 0; i < n; i++) {
      const idx = (largest - 1 - i) % size;
      if ((bits[idx >>> 5]! & (1 << (idx & 31))) !== 0) {
        if (i < 32) {
          lo |= 1 << i;
        } else {
          hi |= 1 << (i - 32);
        }
      }
    }
    out[0] = lo;
    out[1] = hi;
  }

  #get(pn: number): boolean {
    const i = pn % this.size;
    return (this.#bits[i >>> 5] & (1 << (i & 31))) !== 0;
  }

  #set(pn: number): void {
    const i = pn % this.size;
    this.#bits[i >>> 5] |= 1 << (i & 31);
  }

  #clear(pn: number): void {
    const i = pn % this.size;
    this.#bits[i >>> 5] &= ~(1 << (i & 31));
  }
}
