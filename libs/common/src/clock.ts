// Imported, not the global: Node 20's global `performance` is a getter, which V8 cannot fold, so
// every monotonic() (several per packet) paid a generic global load (perf).
import { performance } from 'node:perf_hooks';

/**
 * Time source injected everywhere time matters, so tests can step it instead of sleeping.
 * `now()` is wall-clock ms since the epoch; `monotonic()` is for durations (never jumps back).
 */
export abstract class Clock {
  abstract now(): number;
  abstract monotonic(): number;
}

export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
  monotonic(): number {
    return performance.now();
  }
}

/** A clock that only moves when told to. */
export class ManualClock extends Clock {
  #now: number;
  #mono = 0;
  constructor(startMs = Date.UTC(2026, 0, 1)) {
    super();
    this.#now = startMs;
  }
  now(): number {
    return this.#now;
  }
  monotonic(): number {
    return this.#mono;
  }
  advance(ms: number): void {
    this.#now += ms;
    this.#mono += ms;
  }
  set(nowMs: number): void {
    this.#mono += Math.max(0, nowMs - this.#now);
    this.#now = nowMs;
  }
}
