import { describe, it, expect } from '@jest/globals';
import { Pacer } from './pacer.js';

describe(Pacer.name, () => {
  it('lets a 12,000-B burst out, then paces at the set rate', () => {
    const sut = new Pacer(12_000, 262_144);
    sut.setRate(100_000);
    let sent = 0;
    while (sut.allowance(0) > 0) {
      sut.onSent(0, 1_200, true);
      sent += 1_200;
    }
    expect(sent).toBe(13_200);
    expect(sut.nextSendTime(0, 1_200)).toBeCloseTo(12);
    expect(sut.allowance(12)).toBeGreaterThan(0);
  });

  it('never lets more than maxSendRate out in any 1-s window, burst included (KT-48)', () => {
    const sut = new Pacer(12_000, 262_144);
    sut.setRate(1e9);
    const sends: [number, number][] = [];
    for (let t = 0; t < 5_000; t += 0.5) {
      while (sut.allowance(t) >= 1_200) {
        sut.onSent(t, 1_200, true);
        sends.push([t, 1_200]);
      }
    }
    for (let start = 0; start < 4_000; start += 7) {
      const bytes = sends.filter(([t]) => t >= start && t < start + 1_000).reduce((a, [, b]) => a + b, 0);
      expect(bytes).toBeLessThanOrEqual(262_144);
    }
  });

  it('counts ACK-only packets without blocking on them', () => {
    const sut = new Pacer(1_200, 262_144);
    sut.onSent(0, 1_200, true);
    expect(sut.allowance(0)).toBeGreaterThan(0);
    sut.onSent(0, 45, false);
    sut.onSent(0, 1, true);
    expect(sut.allowance(0)).toBe(0);
  });
});
