import { describe, expect, it } from '@jest/globals';
import { BoundedQueue } from './input-queue.js';

describe(BoundedQueue.name, () => {
  it('keeps FIFO order and drains into the given array', () => {
    const sut = new BoundedQueue<number>(4);
    [1, 2, 3].forEach((n) => sut.push(n));
    const out = [99];
    expect(sut.drainInto(out)).toEqual([1, 2, 3]);
    expect(sut.size).toBe(0);
    expect(sut.drainInto(out)).toEqual([]);
  });

  it('drops the oldest entry when full and counts every drop', () => {
    const sut = new BoundedQueue<number>(3);
    const kept = [1, 2, 3, 4, 5].map((n) => sut.push(n));
    expect(kept).toEqual([true, true, true, false, false]);
    expect(sut.dropped).toBe(2);
    expect(sut.size).toBe(3);
    expect(sut.drainInto([])).toEqual([3, 4, 5]);
    sut.push(6);
    expect(sut.drainInto([])).toEqual([6]);
  });

  it('refuses a non-positive capacity', () => {
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
  });
});
