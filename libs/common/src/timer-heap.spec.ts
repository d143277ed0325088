import { describe, expect, it } from '@jest/globals';
import { TimerHeap } from './timer-heap.js';

describe(TimerHeap.name, () => {
  it('pops entries in deadline order, only those due, and keeps the rest', () => {
    const heap = new TimerHeap<string>();
    const times = [50, 10, 40, 10, 30, 20, 60, 5];
    times.forEach((t, i) => heap.push(t, `e${i}`));
    expect(heap.peekTime()).toBe(5);
    const popped: number[] = [];
    for (let d = heap.popDue(30); d; d = heap.popDue(30)) popped.push(d.time);
    expect(popped).toEqual([5, 10, 10, 20, 30]);
    expect(heap.size).toBe(3);
    expect(heap.peekTime()).toBe(40);
    expect(heap.popDue(39)).toBeUndefined();
    heap.clear();
    expect(heap.size).toBe(0);
    expect(heap.popDue(Infinity)).toBeUndefined();
  });

  it('orders 1,000 random deadlines like a sort', () => {
    const heap = new TimerHeap<number>();
    let seed = 7;
    const values = Array.from({ length: 1_000 }, () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % 10_000);
    for (const v of values) heap.push(v, v);
    const out: number[] = [];
    for (let d = heap.popDue(Infinity); d; d = heap.popDue(Infinity)) {
      expect(d.item).toBe(d.time);
      out.push(d.time);
    }
    expect(out).toEqual([...values].sort((a, b) => a - b));
  });
});
