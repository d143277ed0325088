import { describe, it, expect } from '@jest/globals';
import { AckTracker } from './ack-tracker.js';
import { FrameReader } from './frame-reader.js';
import { ReplayWindow } from './replay-window.js';
import { DEFAULT_CHANNEL_MODES } from './rudp.constants.js';
import { SeededRandom } from '../testing/seeded-random.js';

/** Decodes the ACK frame written by the tracker and expands it into the set of acked pns. */
function ackedSet(buf: Buffer): Set<number> {
  const r = new FrameReader();
  r.reset(buf, DEFAULT_CHANNEL_MODES, 64);
  expect(r.next()).toBe(true);
  const out = new Set<number>([r.ackLargest]);
  for (let i = 0; i < 64; i++) {
    const bit = i < 32 ? (r.ackBitmapLo >>> i) & 1 : (r.ackBitmapHi >>> (i - 32)) & 1;
    if (bit) {
      out.add(r.ackLargest - 1 - i);
    }
  }
  let cursor = r.ackLargest - 64;
  for (let i = 0; i < r.ackRangeCount; i++) {
    const hi = cursor - 1 - r.ackGaps[i];
    const lo = hi - r.ackLengths[i] + 1;
    for (let p = lo; p <= hi; p++) {
      out.add(p);
    }
    cursor = lo;
  }
  return out;
}

function tracker(pns: number[]): { sut: AckTracker; window: ReplayWindow } {
  const window = new ReplayWindow();
  const sut = new AckTracker(window, 25);
  for (const pn of pns) {
    const prev = window.largest;
    window.mark(pn);
    sut.onPacketReceived(pn, prev, true, 0);
  }
  return { sut, window };
}

describe(AckTracker.name, () => {
  it('encodes a contiguous run with no ranges while largest ≤ 64', () => {
    const { sut } = tracker([0, 1, 2, 3]);
    const buf = Buffer.alloc(64);
    const end = sut.write(buf, 0, 0);
    expect(end).toBe(16);
    expect([...ackedSet(buf.subarray(0, end))].sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
  });

  it('describes holes below the bitmap with gap/length ranges, newest first', () => {
    const received: number[] = [];
    for (let pn = 0; pn <= 300; pn++) {
      if (!(pn % 37 === 5) && !(pn >= 100 && pn < 110)) {
        received.push(pn);
      }
    }
    const { sut } = tracker(received);
    const buf = Buffer.alloc(64);
    const end = sut.write(buf, 0, 0);
    const acked = ackedSet(buf.subarray(0, end));
    // Everything reported was received; the newest 8 ranges cover the highest pns exactly.
    for (const pn of acked) {
      expect(received).toContain(pn);
    }
    const lowest = Math.min(...acked);
    for (const pn of received.filter((p) => p >= lowest)) {
      expect(acked.has(pn)).toBe(true);
    }
    expect(buf[15]).toBe(8);
  });

  it('limits the ranges when asked (room for WELCOME / PATH frames)', () => {
    const received = Array.from({ length: 400 }, (_, i) => i).filter((p) => p % 10 !== 0);
    const { sut } = tracker(received);
    expect(sut.frameSize(1)).toBe(20);
    expect(sut.frameSize()).toBe(16 + 4 * 8);
  });

  it('is due after max_ack_delay for one ack-eliciting packet, at once for two or out of order', () => {
    const window = new ReplayWindow();
    const sut = new AckTracker(window, 25);
    window.mark(0);
    sut.onPacketReceived(0, -1, true, 100);
    expect(sut.isDue(110)).toBe(false);
    expect(sut.isDue(125)).toBe(true);
    window.mark(1);
    sut.onPacketReceived(1, 0, true, 110);
    expect(sut.isDue(110)).toBe(true);
    sut.onAckSent();
    window.mark(5);
    sut.onPacketReceived(5, 1, true, 120);
    expect(sut.isDue(120)).toBe(true);
  });

  it('never becomes due for packets that are not ack-eliciting', () => {
    const window = new ReplayWindow();
    const sut = new AckTracker(window, 25);
    for (let pn = 0; pn < 10; pn += 2) {
      const prev = window.largest;
      window.mark(pn);
      sut.onPacketReceived(pn, prev, false, pn);
    }
    expect(sut.isDue(10_000)).toBe(false);
    expect(sut.hasReceived).toBe(true);
  });

  it('writes ack_delay in 32 µs units since largest arrived, saturating', () => {
    const window = new ReplayWindow();
    const sut = new AckTracker(window, 25);
    window.mark(0);
    sut.onPacketReceived(0, -1, true, 1_000);
    const buf = Buffer.alloc(32);
    sut.write(buf, 0, 1_003.2);
    expect(buf.readUInt16LE(5)).toBe(100);
    sut.write(buf, 0, 10_000);
    expect(buf.readUInt16LE(5)).toBe(0xffff);
  });

  it('matches a per-pn reference encoding on random receive patterns (windows of 64 … 1,024, 1 … 8 ranges)', () => {
    const rng = new SeededRandom(20261125);
    for (let round = 0; round < 300; round++) {
      const size = [64, 96, 256, 1_024][round % 4]!;
      const window = new ReplayWindow(size);
      const sut = new AckTracker(window, 25);
      const top = 1 + Math.floor(rng.next() * 3_000);
      const lossRate = [0, 0.01, 0.2, 0.7][Math.floor(rng.next() * 4)]!;
      const received = new Set<number>();
      for (let pn = 0; pn <= top; pn++) {
        // Bursts of loss as well as single holes.
        if (rng.next() < lossRate) continue;
        window.mark(pn);
        received.add(pn);
      }
      if (window.largest < 0) continue;
      const maxRanges = 1 + (round % 8);
      const buf = Buffer.alloc(64);
      const end = sut.write(buf, 0, 0, maxRanges);
      // Reference: the bitmap bits and the newest `maxRanges` runs below it, pn by pn.
      const largest = window.largest;
      const bottom = Math.max(0, largest - size + 1);
      const expected = new Set<number>([largest]);
      for (let i = 0; i < 64; i++) {
        const pn = largest - 1 - i;
        if (pn >= bottom && received.has(pn)) expected.add(pn);
      }
      let runs = 0;
      for (let pn = largest - 65; pn >= bottom && runs < maxRanges; ) {
        while (pn >= bottom && !received.has(pn)) pn--;
        if (pn < bottom) break;
        while (pn >= bottom && received.has(pn)) expected.add(pn--);
        runs++;
      }
      expect(end).toBe(16 + 4 * runs);
      expect([...ackedSet(buf.subarray(0, end))].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
    }
  });
});
