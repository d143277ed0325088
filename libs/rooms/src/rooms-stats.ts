/**
 * Server-wide rooms counters and a sliding window of recent tick lateness for percentiles
 * (admin status, benches). Plain fields: updated on the hot path.
 */
export class RoomsStats {
  roomsCreated = 0;
  roomsClosed = 0;
  roomsFailed = 0;
  /** RoomData received from members (relay + authoritative). */
  messagesIn = 0;
  /** RoomData sent by relay fan-out. */
  relayedOut = 0;
  /** RoomData for a ref the session does not hold (normal after a leave): dropped. */
  droppedUnknownRef = 0;
  /** RoomData rejected by the decoder (answered with an Error, rate-limited per second). */
  malformed = 0;
  /** Totals of rooms that have closed (live rooms are summed on demand). */
  retired = { ticks: 0, late: 0, skipped: 0, inputDropped: 0 };
  readonly #lateness: Float64Array;
  #next = 0;
  #count = 0;

  constructor(windowSize = 8192) {
    this.#lateness = new Float64Array(windowSize);
  }

  recordLateness(ms: number): void {
    this.#lateness[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#lateness.length;
    if (this.#count < this.#lateness.length) this.#count++;
  }

  /** Percentiles (0–100) of the recent lateness window, in ms; null when no tick ran yet. */
  latenessPercentiles(ps: readonly number[]): (number | null)[] {
    if (this.#count === 0) return ps.map(() => null);
    const sorted = this.#lateness.slice(0, this.#count).sort();
    return ps.map((p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!);
  }

  get latenessSamples(): number {
    return this.#count;
  }

  resetLateness(): void {
    this.#next = 0;
    this.#count = 0;
  }
}
