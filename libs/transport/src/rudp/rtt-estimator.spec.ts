import { describe, it, expect } from '@jest/globals';
import { RttEstimator } from './rtt-estimator.js';

describe(RttEstimator.name, () => {
  it('starts at kInitialRtt 333 ms without a seed and takes the handshake seed as first sample', () => {
    expect(new RttEstimator().smoothedRtt).toBe(333);
    const seeded = new RttEstimator(40);
    expect([seeded.smoothedRtt, seeded.rttVar, seeded.minRtt]).toEqual([40, 20, 40]);
  });

  it('subtracts ack_delay (capped at max_ack_delay) only when the result stays ≥ min_rtt (RFC 9002 §5.3)', () => {
    const sut = new RttEstimator(100);
    sut.update(150, 100, 25); // adjusted 125
    expect(sut.smoothedRtt).toBeCloseTo(0.875 * 100 + 0.125 * 125);
    expect(sut.rttVar).toBeCloseTo(0.75 * 50 + 0.25 * 25);
    const other = new RttEstimator(100);
    other.update(110, 20, 25); // 90 < min_rtt 100 → unadjusted 110
    expect(other.smoothedRtt).toBeCloseTo(0.875 * 100 + 0.125 * 110);
  });

  it('computes the PTO base as srtt + max(4·rttvar, 1) + max_ack_delay', () => {
    const sut = new RttEstimator(40);
    expect(sut.basePto(25)).toBe(40 + 80 + 25);
  });
});
