import { describe, it, expect } from '@jest/globals';
import { CongestionController } from './congestion-controller.js';

const make = (): CongestionController => new CongestionController(12_000, 2_400, 32_768, 262_144);

describe(CongestionController.name, () => {
  it('starts at 12,000 B and grows by the acked bytes in slow start', () => {
    const sut = make();
    sut.onPacketSent(1_200);
    sut.onBlocked();
    sut.onPacketAcked(1_200, 10, 50);
    expect(sut.cwnd).toBe(13_200);
    expect(sut.bytesInFlight).toBe(0);
  });

  it('halves on a loss after recovery start, never below 2,400, once per recovery period', () => {
    const sut = make();
    sut.onCongestionEvent(5, 100);
    expect([sut.cwnd, sut.ssthresh]).toEqual([6_000, 6_000]);
    sut.onCongestionEvent(50, 110); // sent before recovery started: same event
    expect(sut.cwnd).toBe(6_000);
    sut.onCongestionEvent(120, 130);
    sut.onCongestionEvent(140, 150);
    sut.onCongestionEvent(160, 170);
    expect(sut.cwnd).toBe(2_400);
  });

  it('grows by 1,200 · acked / cwnd in congestion avoidance and not while app-limited', () => {
    const sut = make();
    sut.onCongestionEvent(1, 1);
    sut.onPacketSent(6_000);
    sut.onPacketAcked(1_200, 10, 50);
    expect(sut.cwnd).toBeCloseTo(6_000 + (1_200 * 1_200) / 6_000);
    const idle = make();
    idle.onPacketSent(1_200);
    idle.onPacketAcked(1_200, 10, 50);
    expect(idle.cwnd).toBe(12_000);
  });

  it('collapses to the minimum window on persistent congestion', () => {
    const sut = make();
    sut.onPersistentCongestion(10);
    expect(sut.cwnd).toBe(2_400);
  });

  it('clamps the effective window to minSendRate · srtt and the pacing rate to maxSendRate', () => {
    const sut = make();
    sut.onPersistentCongestion(10);
    expect(sut.window(1_000)).toBe(32_768);
    expect(sut.window(10)).toBe(2_400);
    expect(sut.pacingRate(10)).toBe(262_144);
    expect(sut.pacingRate(1_000)).toBeCloseTo(1.25 * 32_768);
  });
});
