import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '@kaosnet/common';
import { fixedTimestepTicks, TickStats, type Tick } from './tick-loop.js';
import { ManualScheduler } from './testing/manual-scheduler.js';

function setup(tickRate: number, maxCatchUpTicks = 4) {
  const clock = new ManualClock();
  const scheduler = new ManualScheduler(clock);
  const stats = new TickStats();
  const ticks: Tick[] = [];
  const lateness: number[] = [];
  let onTick: (t: Tick) => void = () => undefined;
  const sub = fixedTimestepTicks({ tickRate, clock, scheduler, maxCatchUpTicks, lateTickMs: 2, stats, onLateness: (ms) => lateness.push(ms) }).subscribe((t) => {
    ticks.push(t);
    onTick(t);
  });
  return { clock, scheduler, stats, ticks, lateness, sub, setOnTick: (f: (t: Tick) => void) => (onTick = f) };
}

describe(fixedTimestepTicks.name, () => {
  it('runs exactly tickRate ticks per second at 60 Hz with no drift over a minute', () => {
    const t = setup(60);
    t.scheduler.advance(60_001);
    expect(t.ticks.length).toBe(3600);
    expect(t.ticks.map((x) => x.tick)).toEqual(Array.from({ length: 3600 }, (_, i) => i + 1));
    // Due times are start + n·step, not accumulated timer delays.
    expect(t.ticks[3599]!.scheduledAt).toBeCloseTo(60_000, 6);
    expect(t.stats).toMatchObject({ ticks: 3600, late: 0, skipped: 0 });
    // Ceil-rounded wake-ups make each tick at most 1 ms late.
    expect(Math.max(...t.lateness)).toBeLessThan(1);
  });

  it('stops scheduling when unsubscribed', () => {
    const t = setup(20);
    t.scheduler.advance(200);
    expect(t.ticks.length).toBe(4);
    t.sub.unsubscribe();
    expect(t.scheduler.pendingCount).toBe(0);
    t.scheduler.advance(1000);
    expect(t.ticks.length).toBe(4);
  });

  it('counts a tick late when it starts after lateTickMs, and catches up without drifting', () => {
    const t = setup(20);
    // Tick 2 (due at 100 ms) takes 120 ms: ticks 3 and 4 are due by then and run back to back, late.
    t.setOnTick((x) => {
      if (x.tick === 2) t.clock.advance(120);
    });
    t.scheduler.advance(1001);
    expect(t.ticks.length).toBe(20);
    expect(t.ticks[2]!.lateMs).toBeCloseTo(70, 6);
    expect(t.ticks[3]!.lateMs).toBeCloseTo(20, 6);
    expect(t.ticks[4]!.lateMs).toBeLessThan(1);
    expect(t.stats.late).toBe(2);
    expect(t.stats.skipped).toBe(0);
    expect(t.ticks[19]!.scheduledAt).toBeCloseTo(1000, 6);
  });

  it('skips ticks beyond maxCatchUpTicks after a long stall and counts them', () => {
    const t = setup(60, 4);
    t.setOnTick((x) => {
      if (x.tick === 1) t.clock.advance(500); // 30 ticks become due
    });
    t.scheduler.advance(1001);
    expect(t.stats.skipped).toBe(26);
    // Every tick number is consumed: run + skipped = the ticks due in the second.
    expect(t.ticks.length + t.stats.skipped).toBe(60);
    const numbers = t.ticks.map((x) => x.tick);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(t.ticks[t.ticks.length - 1]!.tick).toBe(60);
  });
});
