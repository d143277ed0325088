import { describe, it, expect } from '@jest/globals';
import { LinkConditioner } from './link-conditioner.js';
import { SeededRandom } from './seeded-random.js';

const packet = Buffer.alloc(1_000, 7);

function run(profile: ConstructorParameters<typeof LinkConditioner>[0], n = 10_000, seed = 1): { sut: LinkConditioner; arrivals: number[][] } {
  const sut = new LinkConditioner(profile, new SeededRandom(seed));
  const arrivals: number[][] = [];
  for (let i = 0; i < n; i++) {
    arrivals.push(sut.transmit(i, packet).map((d) => d.at));
  }
  return { sut, arrivals };
}

describe(LinkConditioner.name, () => {
  it('is deterministic for a seed', () => {
    const profile = { lossRate: 0.1, jitterMs: 20, duplicateRate: 0.05 };
    expect(run(profile, 500, 9).arrivals).toEqual(run(profile, 500, 9).arrivals);
    expect(run(profile, 500, 9).arrivals).not.toEqual(run(profile, 500, 10).arrivals);
  });

  it('loses about lossRate of the datagrams', () => {
    const { sut } = run({ lossRate: 0.2 });
    expect(sut.stats.lost / sut.stats.offered).toBeCloseTo(0.2, 1);
  });

  it('loses in bursts with Gilbert–Elliott', () => {
    const { sut, arrivals } = run({ burst: { pGoodToBad: 0.02, pBadToGood: 0.25 } });
    const lostRuns: number[] = [];
    let runLength = 0;
    for (const a of arrivals) {
      if (a.length === 0) {
        runLength++;
      } else if (runLength > 0) {
        lostRuns.push(runLength);
        runLength = 0;
      }
    }
    const mean = lostRuns.reduce((x, y) => x + y, 0) / lostRuns.length;
    expect(mean).toBeGreaterThan(2.5);
    expect(sut.stats.burstLost / sut.stats.offered).toBeCloseTo(0.02 / 0.27, 1);
  });

  it('delays by delayMs plus jitter; FIFO jitter never reorders', () => {
    const { arrivals } = run({ delayMs: 50, jitterMs: 30, jitterReorders: false }, 2_000);
    const flat = arrivals.map((a) => a[0]);
    for (let i = 0; i < flat.length; i++) {
      expect(flat[i] - i).toBeGreaterThanOrEqual(50);
      if (i > 0) {
        expect(flat[i]).toBeGreaterThanOrEqual(flat[i - 1]);
      }
    }
    const reordering = run({ delayMs: 50, jitterMs: 30 }, 2_000).arrivals.map((a) => a[0]);
    expect(reordering.some((t, i) => i > 0 && t < reordering[i - 1])).toBe(true);
  });

  it('duplicates, corrupts one bit, and drops above the MTU', () => {
    const sut = new LinkConditioner({ duplicateRate: 1, corruptRate: 1, mtu: 1_200 }, new SeededRandom(3));
    const out = sut.transmit(0, packet);
    expect(out).toHaveLength(2);
    const diff = [...out[0].bytes].reduce((bits, b, i) => bits + popcount(b ^ packet[i]), 0);
    expect(diff).toBe(1);
    expect(packet.every((b) => b === 7)).toBe(true);
    expect(sut.transmit(0, Buffer.alloc(1_201))).toEqual([]);
    expect(sut.stats.mtuDropped).toBe(1);
  });

  it('serialises at the bottleneck rate and tail-drops beyond the queue limit', () => {
    const sut = new LinkConditioner({ rateBytesPerSec: 100_000, queueLimitBytes: 5_000 }, new SeededRandom(1));
    const times = [];
    for (let i = 0; i < 10; i++) {
      times.push(sut.transmit(0, packet)[0]?.at);
    }
    expect(times.slice(0, 5)).toEqual([10, 20, 30, 40, 50]);
    expect(times.slice(5).every((t) => t === undefined)).toBe(true);
    expect(sut.stats.queueDropped).toBe(5);
  });
});

function popcount(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) {
    c++;
  }
  return c;
}
