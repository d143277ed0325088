import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';
import type { Clock } from '@kaosnet/common';

class TickAction<T> extends Subscription implements SchedulerAction<T> {
  /** The ms bucket this action waits in, or -1. */
  due = -1;
  state?: T;

  constructor(
    private readonly scheduler: TickScheduler,
    readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super(() => {
      this.due = -1;
    });
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.state = state;
    this.scheduler.enqueue(this as TickAction<unknown>, delay);
    return this;
  }
}

/**
 * An RxJS scheduler for many periodic room ticks: actions wait in 1-ms buckets and ONE Node timer
 * is armed for the earliest bucket, instead of one `setInterval` per room re-armed every tick
 * (what `asyncScheduler` does when the delay changes). With thousands of 60 Hz rooms this removes
 * most of the timer bookkeeping from the event loop. Time comes from the injected Clock
 * (`monotonic()`), the same one the tick accumulator reads.
 *
 * @example
 * const scheduler = new TickScheduler(new SystemClock());
 * fixedTimestepTicks({ tickRate: 60, clock, scheduler, maxCatchUpTicks: 4, lateTickMs: 2 }).subscribe(run);
 */
export class TickScheduler implements SchedulerLike {
  readonly #buckets = new Map<number, TickAction<unknown>[]>();
  /** Min-heap of bucket keys (ms). */
  readonly #heap: number[] = [];
  #timer?: NodeJS.Timeout;
  #armedFor = Infinity;

  constructor(private readonly clock: Clock) {}

  now(): number {
    return this.clock.monotonic();
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return new TickAction<T>(this, work).schedule(state, delay);
  }

  /** @internal */
  enqueue(action: TickAction<unknown>, delay: number): void {
    const due = Math.ceil(this.clock.monotonic() + Math.max(0, delay));
    action.due = due;
    let bucket = this.#buckets.get(due);
    if (!bucket) {
      this.#buckets.set(due, (bucket = []));
      heapPush(this.#heap, due);
    }
    bucket.push(action);
    if (due < this.#armedFor) this.#arm(due);
  }

  /** Stops the timer (shutdown); queued actions are dropped. */
  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Infinity;
    this.#buckets.clear();
    this.#heap.length = 0;
  }

  #arm(due: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#armedFor = due;
    this.#timer = setTimeout(this.#flush, Math.max(0, due - this.clock.monotonic()));
    this.#timer.unref();
  }

  readonly #flush = (): void => {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const heap = this.#heap;
    while (heap.length > 0 && heap[0]! <= this.clock.monotonic()) {
      const key = heapPop(heap);
      const bucket = this.#buckets.get(key)!;
      this.#buckets.delete(key);
      for (const action of bucket) {
        // Skip cancelled actions and ones rescheduled into another bucket since.
        if (action.due !== key || action.closed) continue;
        action.due = -1;
        action.work.call(action, action.state);
      }
    }
    // Re-arm for the earliest bucket: one that was already waiting may be earlier than anything
    // enqueued (and armed for) while this flush ran.
    if (heap.length > 0 && heap[0]! < this.#armedFor) this.#arm(heap[0]!);
  };
}

function heapPush(h: number[], v: number): void {
  h.push(v);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p]! <= v) break;
    h[i] = h[p]!;
    i = p;
  }
  h[i] = v;
}

function heapPop(h: number[]): number {
  const top = h[0]!;
  const last = h.pop()!;
  if (h.length > 0) {
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r]! < h[l]! ? r : l;
      if (h[c]! >= last) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
  return top;
}
