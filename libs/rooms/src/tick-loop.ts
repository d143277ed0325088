import { Observable, type SchedulerAction, type SchedulerLike } from 'rxjs';
import type { Clock } from '@kaosnet/common';

/** One tick of a fixed-timestep loop. */
export interface Tick {
  /** 1, 2, 3, … (skipped ticks consume numbers). */
  readonly tick: number;
  /** Monotonic ms at which this tick was due. */
  readonly scheduledAt: number;
  /** How late it started (≥ 0). */
  readonly lateMs: number;
}

/** Counters a tick stream updates in place (read by admin and benches). */
export class TickStats {
  ticks = 0;
  late = 0;
  skipped = 0;
  maxLateMs = 0;
  /** Sum of lateness over `ticks` (for the mean). */
  lateSumMs = 0;
  /** Time spent inside the loop callback (ms, summed). */
  busyMs = 0;
  maxBusyMs = 0;
}

export interface TickStreamOptions {
  tickRate: number;
  clock: Clock;
  scheduler: SchedulerLike;
  /** Ticks run back to back at most; older due ticks are skipped. */
  maxCatchUpTicks: number;
  /** Lateness above which a tick counts as late. */
  lateTickMs: number;
  stats?: TickStats;
  /** Called with each tick's lateness (for server-wide percentiles). */
  onLateness?: (lateMs: number) => void;
}

/**
 * A room's ticks as an RxJS stream with a fixed-timestep accumulator. The n-th tick is due at
 * `start + n · step` however late earlier wake-ups were, so time does not drift; a wake-up that
 * finds several ticks due runs up to `maxCatchUpTicks` of them and skips the rest (counted). The
 * scheduler is only asked for the next wake-up, so any SchedulerLike works: `asyncScheduler` in
 * production, a manual scheduler in unit tests.
 *
 * @example
 * fixedTimestepTicks({ tickRate: 20, clock, scheduler: asyncScheduler, maxCatchUpTicks: 4, lateTickMs: 2 })
 *   .subscribe((t) => room.runTick(t));
 */
export function fixedTimestepTicks(options: TickStreamOptions): Observable<Tick> {
  return new Observable<Tick>((subscriber) => {
    const { clock, scheduler, maxCatchUpTicks, lateTickMs, onLateness } = options;
    const stats = options.stats ?? new TickStats();
    const step = 1000 / options.tickRate;
    const start = clock.monotonic();
    let n = 0;
    const dueOf = (k: number) => start + k * step;

    const wake = function (this: SchedulerAction<void>): void {
      const now = clock.monotonic();
      // Ticks due now: n+1 … last.
      const last = Math.floor((now - start) / step + 1e-9);
      if (last - n > maxCatchUpTicks) {
        stats.skipped += last - n - maxCatchUpTicks;
        n = last - maxCatchUpTicks;
      }
      while (n < last && !subscriber.closed) {
        n++;
        const scheduledAt = dueOf(n);
        const lateMs = Math.max(0, clock.monotonic() - scheduledAt);
        stats.ticks++;
        stats.lateSumMs += lateMs;
        if (lateMs > stats.maxLateMs) stats.maxLateMs = lateMs;
        if (lateMs > lateTickMs) stats.late++;
        onLateness?.(lateMs);
        subscriber.next({ tick: n, scheduledAt, lateMs });
      }
      if (subscriber.closed) return;
      // Wake at the next due time (a wake-up that comes early finds nothing due and waits again).
      this.schedule(undefined, Math.max(0, dueOf(n + 1) - clock.monotonic()));
    };
    const action = scheduler.schedule(wake, step);
    return () => action.unsubscribe();
  });
}
