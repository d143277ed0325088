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

  constructor(size: number = REPLAY_WINDOW) {
    this.size = size;
    this.#bits = new Uint32Array(size >>> 5);
  }

  /** Largest pn marked so far, −1 before the first. */
  get largest(): number {
    return this.#largest;
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
      } else {
        for (let p = this.#largest + 1; p < pn; p++) {
          this.#clear(p);
        }
      }
      this.#largest = pn;
    }
    this.#set(pn);
    return true;
  }

  /** Whether `pn` was received; pns below the window read as not received. */
  has(pn: number): boolean {
    if (pn < 0 || pn > this.#largest || this.#largest - pn >= this.size) {
      return false;
    }
    return this.#get(pn);
  }

  /** Whether the whole 32-aligned word containing `pn` is received (fast path for range scans). */
  wordFull(pn: number): boolean {
    return this.#bits[(pn % this.size) >>> 5] === 0xffff_ffff;
  }

  /** Whether the whole 32-aligned word containing `pn` is empty. */
  wordEmpty(pn: number): boolean {
    return this.#bits[(pn % this.size) >>> 5] === 0;
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
