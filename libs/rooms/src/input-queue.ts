/**
 * A bounded FIFO ring (Nakama's match input channel, but shedding the OLDEST entry when full so
 * the freshest input survives). Drained once per tick into a reused array.
 */
export class BoundedQueue<T> {
  readonly #slots: (T | undefined)[];
  #head = 0;
  #size = 0;
  /** Entries dropped because the queue was full. */
  dropped = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('queue capacity must be a positive integer');
    this.#slots = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Adds an entry; returns false when the oldest one had to be dropped for it. */
  push(item: T): boolean {
    const cap = this.capacity;
    if (this.#size === cap) {
      this.#slots[this.#head] = item;
      this.#head = (this.#head + 1) % cap;
      this.dropped++;
      return false;
    }
    this.#slots[(this.#head + this.#size) % cap] = item;
    this.#size++;
    return true;
  }

  /** Moves every entry, oldest first, into `out` (cleared first); returns it. */
  drainInto(out: T[]): T[] {
    out.length = 0;
    const cap = this.capacity;
    for (let i = 0; i < this.#size; i++) {
      const idx = (this.#head + i) % cap;
      out.push(this.#slots[idx]!);
      this.#slots[idx] = undefined;
    }
    this.#head = 0;
    this.#size = 0;
    return out;
  }

  clear(): void {
    this.#slots.fill(undefined);
    this.#head = 0;
    this.#size = 0;
  }
}
