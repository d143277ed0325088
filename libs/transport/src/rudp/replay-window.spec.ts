import { describe, it, expect } from '@jest/globals';
import { ReplayWindow } from './replay-window.js';
import { SeededRandom } from '../testing/seeded-random.js';

describe(ReplayWindow.name, () => {
  it('accepts pn 0 first and rejects it once marked', () => {
    const sut = new ReplayWindow();
    expect(sut.check(0)).toBe(true);
    expect(sut.mark(0)).toBe(true);
    expect(sut.check(0)).toBe(false);
    expect(sut.largest).toBe(0);
  });

  it('check is read-only: a huge pn that is never marked does not move the window (netcode #86)', () => {
    const sut = new ReplayWindow();
    sut.mark(10);
    expect(sut.check(1_000_010)).toBe(true);
    expect(sut.largest).toBe(10);
    expect(sut.check(11)).toBe(true);
  });

  it('drops pns at or below largest − 1,024 and accepts unseen ones above', () => {
    const sut = new ReplayWindow();
    sut.mark(2_000);
    expect(sut.check(2_000 - 1_024)).toBe(false);
    expect(sut.check(2_000 - 1_023)).toBe(true);
    sut.mark(1_500);
    expect(sut.check(1_500)).toBe(false);
    expect(sut.has(1_500)).toBe(true);
    expect(sut.has(1_501)).toBe(false);
  });

  it('clears the bits of skipped pns when advancing, also across a full wrap', () => {
    const sut = new ReplayWindow();
    for (let pn = 0; pn < 100; pn++) {
      sut.mark(pn);
    }
    sut.mark(100 + 1_024);
    expect(sut.has(1_124)).toBe(true);
    expect(sut.check(1_123)).toBe(true);
    sut.mark(1_130);
    expect(sut.check(1_125)).toBe(true);
    expect(sut.has(1_125)).toBe(false);
  });

  it('has() answers false outside the window', () => {
    const sut = new ReplayWindow(64);
    sut.mark(5);
    sut.mark(200);
    expect(sut.has(5)).toBe(false);
    expect(sut.has(-1)).toBe(false);
    expect(sut.has(201)).toBe(false);
  });

  it('complete and the ACK bitmap agree with a pn-by-pn reference under loss, reordering, duplicates and jumps', () => {
    const rng = new SeededRandom(20261126);
    for (let round = 0; round < 60; round++) {
      const size = [64, 96, 1_024][round % 3]!;
      const sut = new ReplayWindow(size);
      const seen = new Set<number>();
      let next = 0;
      const out = new Uint32Array(2);
      for (let step = 0; step < 2_000; step++) {
        // Mostly in order; sometimes a late pn, a duplicate, a hole or a jump past the window.
        const r = rng.next();
        const pn =
          r < 0.7 ? next++
          : r < 0.8 ? Math.max(0, next - 1 - Math.floor(rng.next() * (size + 8)))
          : r < 0.9 ? (next += 1 + Math.floor(rng.next() * 5))
          : r < 0.92 ? (next += size + Math.floor(rng.next() * 50))
          : next - 1;
        if (pn < 0) continue;
        const largestBefore = sut.largest;
        const fresh = pn > largestBefore || (largestBefore - pn < size && !seen.has(pn));
        expect(sut.mark(pn)).toBe(fresh);
        if (fresh) seen.add(pn);
        const largest = sut.largest;
        const bottom = Math.max(0, largest - size + 1);
        let complete = true;
        for (let p = bottom; p <= largest && complete; p++) complete = seen.has(p);
        expect(sut.complete).toBe(complete);
        sut.ackBitmap(out);
        let lo = 0;
        let hi = 0;
        for (let i = 0; i < Math.min(64, largest, size - 1); i++) {
          if (seen.has(largest - 1 - i)) {
            if (i < 32) lo |= 1 << i;
            else hi |= 1 << (i - 32);
          }
        }
        expect([out[0], out[1]]).toEqual([lo >>> 0, hi >>> 0]);
      }
    }
  });
});
