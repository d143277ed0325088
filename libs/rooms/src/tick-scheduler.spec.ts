import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ManualClock } from '@kaosnet/common';
import { TickScheduler } from './tick-scheduler.js';

/** A clock that moves a little on every read, as a real one does while the scheduler polls. */
class CreepingClock extends ManualClock {
  override monotonic(): number {
    this.advance(0.01);
    return super.monotonic();
  }
}

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
  });
  afterEach(() => {
    sut.dispose();
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  describe('with timers only (spinMs 0)', () => {
    beforeEach(() => {
      clock = new ManualClock();
      sut = new TickScheduler(clock, { spinMs: 0 });
    });

    it('runs actions in due order from one timer, including several in the same millisecond', () => {
      const ran: string[] = [];
      sut.schedule(() => void ran.push('c'), 5);
      sut.schedule(() => void ran.push('a'), 3);
      sut.schedule(() => void ran.push('b'), 2.2); // due 2.25 ms on the 1/8-ms grid: never early
      step(2);
      expect(ran).toEqual([]);
      step(1);
      expect(ran).toEqual(['b', 'a']);
      step(2);
      expect(ran).toEqual(['b', 'a', 'c']);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('lets an action reschedule itself and skips cancelled or moved entries', () => {
      const ran: number[] = [];
      const sub = sut.schedule(
        function (this: { schedule(s?: number, d?: number): unknown }, n?: number) {
          ran.push(n!);
          if (n! < 3) this.schedule(n! + 1, 10);
        },
        10,
        1,
      );
      const cancelled = sut.schedule(() => void ran.push(99), 15);
      cancelled.unsubscribe();
      step(100);
      expect(ran).toEqual([1, 2, 3]);
      sub.unsubscribe();
    });

    it('keeps the other actions scheduled when one throws', () => {
      const ran: string[] = [];
      sut.schedule(() => {
        throw new Error('boom');
      }, 1);
      sut.schedule(() => void ran.push('later'), 4);
      expect(() => step(1)).toThrow('boom');
      step(3);
      expect(ran).toEqual(['later']);
    });

    it('still runs the rest of the same bucket when one action throws, then rethrows the first error', () => {
      const ran: string[] = [];
      sut.schedule(() => {
        throw new Error('first');
      }, 1);
      sut.schedule(() => void ran.push('same bucket'), 1);
      sut.schedule(() => {
        throw new Error('second');
      }, 1);
      sut.schedule(() => void ran.push('next bucket'), 2);
      expect(() => step(1)).toThrow('first');
      expect(ran).toEqual(['same bucket']);
      step(1);
      expect(ran).toEqual(['same bucket', 'next bucket']);
    });
  });

  describe('finishing the wait (spinMs 0.25)', () => {
    beforeEach(() => {
      clock = new CreepingClock();
      sut = new TickScheduler(clock, { spinMs: 0.25 });
    });

    it('polls instead of another timer trip when a wake-up finds the action due within spinMs, and never runs it early', () => {
      let ranAt = -1;
      const timers = jest.spyOn(globalThis, 'setTimeout');
      const immediates = jest.spyOn(globalThis, 'setImmediate');
      sut.schedule(() => void (ranAt = clock.monotonic()), 2.1); // due 2.125 ms
      // The fake timer fires at 2 ms (Node-like: the fraction is dropped), before the due time.
      step(2);
      // What is pending is a setImmediate poll, not a timer; each poll reads the (creeping) clock.
      for (let polls = 0; polls < 20 && ranAt < 0; polls++) jest.runOnlyPendingTimers();
      expect(timers).toHaveBeenCalledTimes(1); // the first arm only: no second timer trip
      expect(immediates.mock.calls.length).toBeGreaterThan(0);
      expect(ranAt).toBeGreaterThanOrEqual(2.125);
      expect(ranAt).toBeLessThan(2.2);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('re-arms the timer (no polling) when the action is further off than spinMs', () => {
      let ranAt = -1;
      const immediates = jest.spyOn(globalThis, 'setImmediate');
      sut.schedule(() => void (ranAt = clock.monotonic()), 2.6); // due 2.625 ms
      step(2);
      expect(ranAt).toBe(-1);
      expect(immediates).not.toHaveBeenCalled();
      expect(jest.getTimerCount()).toBe(1);
      step(1);
      expect(ranAt).toBeGreaterThanOrEqual(2.625);
    });
  });
});
