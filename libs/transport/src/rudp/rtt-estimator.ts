import { K_GRANULARITY_MS, K_INITIAL_RTT_MS } from './rudp.constants.js';

/** RTT estimation per RFC 9002 §5 (§3.7). All values in ms. */
export class RttEstimator {
  latestRtt = 0;
  smoothedRtt = K_INITIAL_RTT_MS;
  rttVar = K_INITIAL_RTT_MS / 2;
  minRtt = Number.POSITIVE_INFINITY;
  #hasSample = false;

  /** Seeds the estimator with the handshake round trip (§3.7 "Seed"); ≤ 0 keeps kInitialRtt. */
  constructor(seedRttMs?: number) {
    if (seedRttMs !== undefined && seedRttMs > 0) {
      this.update(seedRttMs, 0, 0);
    }
  }

  get hasSample(): boolean {
    return this.#hasSample;
  }

  /** Applies one sample; `ackDelayMs` is capped at the peer's `max_ack_delay`. */
  update(latestRtt: number, ackDelayMs: number, maxAckDelayMs: number): void {
    this.latestRtt = latestRtt;
    this.minRtt = Math.min(this.minRtt, latestRtt);
    if (!this.#hasSample) {
      this.#hasSample = true;
      this.smoothedRtt = latestRtt;
      this.rttVar = latestRtt / 2;
      return;
    }
    const delay = Math.min(ackDelayMs, maxAckDelayMs);
    const adjusted = latestRtt - delay >= this.minRtt ? latestRtt - delay : latestRtt;
    this.rttVar = 0.75 * this.rttVar + 0.25 * Math.abs(this.smoothedRtt - adjusted);
    this.smoothedRtt = 0.875 * this.smoothedRtt + 0.125 * adjusted;
  }

  /** PTO without backoff: srtt + max(4·rttvar, 1 ms) + max_ack_delay (§3.7). */
  basePto(peerMaxAckDelayMs: number): number {
    return this.smoothedRtt + Math.max(4 * this.rttVar, K_GRANULARITY_MS) + peerMaxAckDelayMs;
  }
}
