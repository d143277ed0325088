import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';
import type { ManualClock } from '@kaosnet/common';

interface Pending {
  dueAt: number;
  seq: number;
  action: ManualAction<unknown>;
}

class ManualAction<T> extends Subscription implements SchedulerAction<T> {
  pending?: Pending;
  constructor(
    private readonly scheduler: ManualScheduler,
    readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super(() => scheduler.cancel(this as ManualAction<unknown>));
  }
  state?: T;
  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.state = state;
    this.scheduler.enqueue(this as ManualAction<unknown>, delay);
    return this;
  }
}

/**
 * An RxJS scheduler that runs only when the test advances its ManualClock through it (no real
 * timers, no sleeping). Actions run in due order; the clock is set to each due time first, so a
 * handler that advances the clock itself simulates a slow tick.
 *
 * @example
 * const clock = new ManualClock(); const scheduler = new ManualScheduler(clock);
 * scheduler.advance(1000); // runs everything due in the next second
 */
export class ManualScheduler implements SchedulerLike {
  #queue: Pending[] = [];
  #seq = 0;

  constructor(readonly clock: ManualClock) {}

  now(): number {
    return this.clock.monotonic();
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    const action = new ManualAction<T>(this, work);
    return action.schedule(state, delay);
  }

  enqueue(action: ManualAction<unknown>, delay: number): void {
    this.cancel(action);
    const pending = { dueAt: this.clock.monotonic() + Math.max(0, delay), seq: this.#seq++, action };
    action.pending = pending;
    this.#queue.push(pending);
    this.#queue.sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);
  }

  cancel(action: ManualAction<unknown>): void {
    if (!action.pending) return;
    const i = this.#queue.indexOf(action.pending);
    if (i >= 0) this.#queue.splice(i, 1);
    action.pending = undefined;
  }

  get pendingCount(): number {
    return this.#queue.length;
  }

  /** Runs every action due within the next `ms`, moving the clock to each due time; ends at now + ms (or later if a handler advanced the clock). */
  advance(ms: number): void {
    const end = this.clock.monotonic() + ms;
    for (;;) {
      const next = this.#queue[0];
      if (!next || next.dueAt > end) break;
      this.#queue.shift();
      const action = next.action;
      action.pending = undefined;
      if (next.dueAt > this.clock.monotonic()) this.clock.advance(next.dueAt - this.clock.monotonic());
      action.work.call(action, action.state);
    }
    if (end > this.clock.monotonic()) this.clock.advance(end - this.clock.monotonic());
  }
}
