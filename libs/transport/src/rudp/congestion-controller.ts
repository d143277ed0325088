/**
 * NewReno congestion control (RFC 9002 §7, §3.8) with the GNS-style rate clamp: the effective
 * window is max(cwnd, minSendRate · srtt) so random loss cannot starve a session, and the pacing
 * rate is min(maxSendRate, 1.25 · W / srtt).
 */
export class CongestionController {
  readonly #initialCwnd: number;
  readonly #minCwnd: number;
  readonly #minSendRate: number;
  readonly #maxSendRate: number;
  cwnd: number;
  ssthresh = Number.POSITIVE_INFINITY;
  bytesInFlight = 0;
  #recoveryStart = Number.NEGATIVE_INFINITY;
  /** Set when a send was refused by the window since the last ACK: the flow is not app-limited. */
  #cwndLimited = false;
  lossEvents = 0;
  persistentCongestionEvents = 0;

  constructor(initialCwnd: number, minCwnd: number, minSendRate: number, maxSendRate: number) {
    this.#initialCwnd = initialCwnd;
    this.#minCwnd = minCwnd;
    this.#minSendRate = minSendRate;
    this.#maxSendRate = maxSendRate;
    this.cwnd = initialCwnd;
  }

  /** Restarts from initial values (path change to a new IP, §3.10); bytes in flight stay accounted. */
  reset(): void {
    this.cwnd = this.#initialCwnd;
    this.ssthresh = Number.POSITIVE_INFINITY;
    this.#recoveryStart = Number.NEGATIVE_INFINITY;
    this.#cwndLimited = false;
  }

  /** Effective window W = max(cwnd, minSendRate · srtt). */
  window(srttMs: number): number {
    return Math.max(this.cwnd, (this.#minSendRate * srttMs) / 1000);
  }

  /** Pacing rate in bytes/s: min(maxSendRate, 1.25 · W / srtt). */
  pacingRate(srttMs: number): number {
    const w = this.window(srttMs);
    return Math.min(this.#maxSendRate, (1.25 * w * 1000) / Math.max(srttMs, 1));
  }

  /** Bytes an ack-eliciting packet may take now (W − bytes_in_flight, ≥ 0). */
  available(srttMs: number): number {
    return Math.max(0, this.window(srttMs) - this.bytesInFlight);
  }

  onBlocked(): void {
    this.#cwndLimited = true;
  }

  onPacketSent(bytes: number): void {
    this.bytesInFlight += bytes;
  }

  /** An in-flight packet sent at `sentTime` was acknowledged. */
  onPacketAcked(bytes: number, sentTime: number, srttMs: number): void {
    this.bytesInFlight = Math.max(0, this.bytesInFlight - bytes);
    if (sentTime <= this.#recoveryStart) {
      return;
    }
    // App-limited (RFC 9002 §7.8): grow only while the window was actually in use.
    if (!this.#cwndLimited && this.bytesInFlight + bytes < this.window(srttMs) / 2) {
      return;
    }
    if (this.cwnd < this.ssthresh) {
      this.cwnd += bytes;
    } else {
      this.cwnd += (1_200 * bytes) / this.cwnd;
    }
  }

  /** Call once per processed ACK after the acked packets. */
  onAckProcessed(): void {
    this.#cwndLimited = false;
  }

  /** Removes a packet from flight without a congestion signal (e.g. a late ack of a lost packet is not one). */
  removeFromFlight(bytes: number): void {
    this.bytesInFlight = Math.max(0, this.bytesInFlight - bytes);
  }

  /** A congestion event: the newest lost packet was sent at `largestLostSentTime`. */
  onCongestionEvent(largestLostSentTime: number, now: number): void {
    if (largestLostSentTime <= this.#recoveryStart) {
      return;
    }
    this.lossEvents++;
    this.#recoveryStart = now;
    this.ssthresh = this.cwnd / 2;
    this.cwnd = Math.max(this.ssthresh, this.#minCwnd);
  }

  /** RFC 9002 §7.6.2: collapse to the minimum window. */
  onPersistentCongestion(now: number): void {
    this.persistentCongestionEvents++;
    this.cwnd = this.#minCwnd;
    this.#recoveryStart = now;
  }
}
