/**
 * Min-heap of (deadline, item) for code that keeps one process timer for many deadlines: the UDP
 * endpoint (20,000 idle connections cost one timer, not 20,000) and the rooms' TickScheduler. It
 * does no deletion; callers skip stale entries when they pop them (lazy deletion).
 */
export class TimerHeap<T> {
  readonly #times: number[] = [];
  readonly #items: T[] = [];

  get size(): number {
    return this.#times.length;
  }

  peekTime(): number | undefined {
    return this.#times[0];
  }

  /** Item of the earliest entry. */
  peekItem(): T | undefined {
    return this.#items[0];
  }

  /** Drops every entry (shutdown). */
  clear(): void {
    this.#times.length = 0;
    this.#items.length = 0;
  }

  push(time: number, item: T): void {
    const t = this.#times;
    const it = this.#items;
    let i = t.length;
    t.push(time);
    it.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (t[p]! <= time) break;
      t[i] = t[p]!;
      it[i] = it[p]!;
      i = p;
    }
    t[i] = time;
    it[i] = item;
  }

  /** Removes and returns the earliest entry if its time is ≤ `now`. */
  popDue(now: number): { time: number; item: T } | undefined {
    const t = this.#times;
    if (t.length === 0 || t[0]! > now) return undefined;
    const it = this.#items;
    const time = t[0]!;
    const item = it[0]!;
    const lastT = t.pop()!;
    const lastI = it.pop()!;
    const n = t.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && t[r]! < t[l]! ? r : l;
        if (t[c]! >= lastT) break;
        t[i] = t[c]!;
        it[i] = it[c]!;
        i = c;
      }
      t[i] = lastT;
      it[i] = lastI;
    }
    return { time, item };
  }
}
