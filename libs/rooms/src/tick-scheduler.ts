import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';
import { TimerHeap, type Clock } from '@kaosnet/common';

class TickAction<T> extends Subscription implements SchedulerAction<T> {
  /** The grid bucket this action waits in, or -1. */
  key = -1;
  state?: T;

  constructor(
    private readonly scheduler: TickScheduler,
    readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super(() => {
      this.key = -1;
    });
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.state = state;
    this.scheduler.enqueue(this as TickAction<unknown>, delay);
    return this;
  }
}

/** Buckets per millisecond: a due time is rounded up to 1/8 ms, not to a whole one. */
const GRID = 8;

export interface TickSchedulerOptions {
  /**
   * When a timer wake-up finds the next bucket due within this many ms, the scheduler finishes the
   * wait by polling the event loop (`setImmediate`; I/O still runs in between) instead of another
   * timer trip, which Node would round up to the next whole millisecond. Polling stops this long
   * after each timer wake-up, and those come at most once a millisecond, so it can take at most
   * this fraction of the loop's time however many rooms there are (far less with few rooms).
   * 0 = timers only, the default: with 2,000 rooms at 60 Hz polling cost ~8 % of a core more and
   * raised p99 lateness (2.7 vs 2.1 ms); with 10 rooms it lowered p50 (≈ 0.1–0.4 vs 0.6–0.8 ms) but
   * not p99 reliably (measured in docs/rooms.md, Benchmarks).
   */
  spinMs?: number;
}

/**
 * An RxJS scheduler for many periodic room ticks: actions wait in buckets on a 1/8-ms grid and ONE
 * Node timer is armed for the earliest bucket, instead of one `setInterval` per room re-armed every
 * tick (what `asyncScheduler` does when the delay changes). Time comes from the injected Clock
 * (`monotonic()`), the same one the tick accumulator reads. Actions never run before their due time.
 *
 * Why the fine grid and the early wake-ups: Node timers fire on whole milliseconds of the loop's
 * clock and truncate a fractional delay, so a timer for a due time D fires anywhere from ~2 ms
 * before D to ~1 ms after it. Rounding D up to a whole millisecond first (the old buckets) added
 * another 0–1 ms, and an early wake-up cost a full extra trip: p50 lateness was ≈ 1.2 ms with no
 * load at all. Now a due time is rounded up by at most 1/8 ms; an early wake-up re-arms (each trip
 * lands on the next millisecond) until the head is due, or (with `spinMs`) polls for the rest.
 *
 * @example
 * const scheduler = new TickScheduler(new SystemClock());
 * fixedTimestepTicks({ tickRate: 60, clock, scheduler, maxCatchUpTicks: 4, lateTickMs: 2 }).subscribe(run);
 */
export class TickScheduler implements SchedulerLike {
  readonly #buckets = new Map<number, TickAction<unknown>[]>();
  /** Emptied bucket arrays for reuse: 2,000 rooms at 60 Hz open ~8,000 buckets a second, and fresh arrays were a steady source of GC work. */
  readonly #spare: TickAction<unknown>[][] = [];
  /** Min-heap of bucket keys (units of 1/GRID ms). */
  readonly #heap = new TimerHeap<number>();
  readonly #spinMs: number;
  #timer?: NodeJS.Timeout;
  #armedFor = Infinity;
  #immediate?: NodeJS.Immediate;
  /** Polling continues up to this clock time (set at each timer wake-up). */
  #pollUntil = -Infinity;
  #flushing = false;

  constructor(
    private readonly clock: Clock,
    options: TickSchedulerOptions = {},
  ) {
    this.#spinMs = options.spinMs ?? 0;
  }

  now(): number {
    return this.clock.monotonic();
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return new TickAction<T>(this, work).schedule(state, delay);
  }

  /** @internal */
  enqueue(action: TickAction<unknown>, delay: number): void {
    const key = Math.ceil((this.clock.monotonic() + Math.max(0, delay)) * GRID);
    action.key = key;
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      this.#buckets.set(key, (bucket = this.#spare.pop() ?? []));
      this.#heap.push(key, key);
    }
    bucket.push(action);
    // A flush decides how to wait once it has run everything due.
    if (!this.#flushing && this.#immediate === undefined && key / GRID < this.#armedFor) this.#arm(key / GRID);
  }

  /** Stops the timer (shutdown); queued actions are dropped. */
  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = this.#immediate = undefined;
    this.#armedFor = Infinity;
    this.#buckets.clear();
    this.#heap.clear();
  }

  #arm(due: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#armedFor = due;
    this.#timer = setTimeout(this.#onTimer, Math.max(0, due - this.clock.monotonic()));
    this.#timer.unref();
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    this.#pollUntil = this.clock.monotonic() + this.#spinMs;
    this.#flush();
  };

  readonly #onPoll = (): void => {
    this.#immediate = undefined;
    this.#flush();
  };

  #flush(): void {
    const heap = this.#heap;
    this.#flushing = true;
    let failure: { error: unknown } | undefined;
    // Re-read the clock per bucket: one that falls due while earlier ones run goes in this pass.
    for (let due = heap.popDue(this.clock.monotonic() * GRID); due; due = heap.popDue(this.clock.monotonic() * GRID)) {
      const key = due.item;
      const bucket = this.#buckets.get(key)!;
      this.#buckets.delete(key);
      for (const action of bucket) {
        // Skip cancelled actions and ones rescheduled into another bucket since.
        if (action.key !== key || action.closed) continue;
        action.key = -1;
        try {
          action.work.call(action, action.state);
        } catch (error) {
          // One room's failure must not cost the others their tick (the bucket is already out of
          // the map, so an action skipped here would never run again); the first error is
          // rethrown once every due action has run.
          failure ??= { error };
        }
      }
      bucket.length = 0;
      if (this.#spare.length < 64) this.#spare.push(bucket);
    }
    this.#flushing = false;
    this.#wait();
    if (failure) throw failure.error;
  }

  #wait(): void {
    const head = this.#heap.peekTime();
    if (head === undefined) return;
    const next = head / GRID;
    if (next <= this.#pollUntil) {
      // Not unref'd: Node only keeps the loop from blocking in poll for ref'd immediates.
      this.#immediate = setImmediate(this.#onPoll);
    } else this.#arm(next);
  }
}
