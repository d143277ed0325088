/**
 * Token-use records (spec §4.5 step 6), keyed by `token_tag`, kept until the token expires and
 * bounded to 8 × maxConnections (netcode). A token admits one connection, plus duplicate
 * RESPONSEs and resumes of the connection it last admitted.
 */
export interface TokenUseRecord {
  connId: number;
  ip: string;
  port: number;
  clientNonce: Buffer;
  /** Drop the record after this time (token expiry + clock skew). */
  expiresAt: number;
  /** Last time a duplicate RESPONSE caused a WELCOME resend (≤ 1 per 100 ms). */
  lastWelcomeResendAt: number;
}

const SWEEP_STEP = 4;
const FULL_SWEEP_INTERVAL_MS = 1_000;

export class TokenUseTable {
  readonly #records = new Map<string, TokenUseRecord>();
  readonly #capacity: number;
  #lastFullSweep = -Infinity;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('token-use table capacity must be ≥ 1');
    this.#capacity = capacity;
  }

  /** Table key of a 16-byte tag. */
  static keyOf(tag: Uint8Array): string {
    return Buffer.from(tag.buffer, tag.byteOffset, tag.byteLength).toString('latin1');
  }

  /** The live record for `key`, or undefined (an expired record is removed). */
  get(key: string, now: number): TokenUseRecord | undefined {
    const record = this.#records.get(key);
    if (record !== undefined && record.expiresAt <= now) {
      this.#records.delete(key);
      return undefined;
    }
    return record;
  }

  /** True when a new key could be recorded now (after removing expired records). */
  hasRoom(now: number): boolean {
    this.#sweep(now, SWEEP_STEP);
    if (this.#records.size < this.#capacity) return true;
    if (now - this.#lastFullSweep >= FULL_SWEEP_INTERVAL_MS) {
      this.#lastFullSweep = now;
      this.#sweep(now, Infinity);
    }
    return this.#records.size < this.#capacity;
  }

  /**
   * Records or replaces the use of a token. Returns false when the table is full and `key` is new.
   */
  set(key: string, record: TokenUseRecord, now: number): boolean {
    const existing = this.#records.has(key);
    if (!existing && !this.hasRoom(now)) return false;
    this.#records.delete(key);
    this.#records.set(key, record);
    return true;
  }

  /** Removes expired records; call it now and then (the table also sweeps a little on each insert). */
  sweep(now: number): void {
    this.#sweep(now, Infinity);
  }

  #sweep(now: number, limit: number): void {
    let seen = 0;
    for (const [key, record] of this.#records) {
      if (seen++ >= limit) return;
      if (record.expiresAt <= now) this.#records.delete(key);
      else if (limit !== Infinity) return;
    }
  }

  get size(): number {
    return this.#records.size;
  }

  get capacity(): number {
    return this.#capacity;
  }
}
