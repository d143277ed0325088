import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ManualClock } from '@kaosnet/common';
import { TickScheduler } from './tick-scheduler.js';

describe(TickScheduler.name, () => {
  let clock: ManualClock;
  let sut: TickScheduler;
  const step = (ms: number) => {
    for (let i = 0; i < ms; i++) {
      clock.advance(1);
      jest.advanceTimersByTime(1);
    }
  };
  beforeEach(() => {
    jest.useFakeTimers();
    clock = new ManualClock();
    sut = new TickScheduler(clock);
  });
  afterEach(() => {
    sut.dispose();
    jest.useRealTimers();
  });

  it('runs actions in due order from one timer, including several in the same millisecond', () => {
    const ran: string[] = [];
    sut.schedule(() => void ran.push('c'), 5);
    sut.schedule(() => void ran.push('a'), 3);
    sut.schedule(() => void ran.push('b'), 2.2); // rounds up to 3 ms: never early
    step(2);
    expect(ran).toEqual([]);
    step(1);
    expect(ran).toEqual(['a', 'b']);
    step(2);
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('lets an action reschedule itself and skips cancelled or moved entries', () => {
    const ran: number[] = [];
    const sub = sut.schedule(function (this: { schedule(s?: number, d?: number): unknown }, n?: number) {
      ran.push(n!);
      if (n! < 3) this.schedule(n! + 1, 10);
    }, 10, 1);
    const cancelled = sut.schedule(() => void ran.push(99), 15);
    cancelled.unsubscribe();
    step(100);
    expect(ran).toEqual([1, 2, 3]);
    sub.unsubscribe();
  });
});
