import { TimerHeap } from '@kaosnet/common';

/** What the scheduler needs of a connection: its armed deadline (lazy-deletion key) and liveness. */
export interface ScheduledConnection {
  /** Deadline currently armed in the heap, +∞ when none. Owned by the scheduler. */
  timerAt: number;
  readonly freed: boolean;
}

/**
 * When the UDP endpoint services its connections: a dirty set flushed once per callback, and one
 * process timer over a heap of every connection's next deadline. Servicing itself (poll, send,
 * re-arm) is the endpoint's `service` callback; this class only decides when it runs.
 *
 * * A DATA datagram's replies leave at the end of its callback ({@link beginDatagram} /
 *   {@link endDatagram}): handlers that reply synchronously, a relay's fan-out, all share one
 *   flush, with no microtask hop (−0.3 µs per echo round trip, docs/transport.md).
 * * Anything else marked dirty (timers, room ticks, sends after an `await`) is flushed in a
 *   microtask after the callback that queued it, not at `setImmediate`: everything queued in the
 *   same turn still shares packets, and leaves before the loop goes back to epoll.
 */
export class ConnectionScheduler<C extends ScheduledConnection> {
  readonly #dirty = new Set<C>();
  #flushScheduled = false;
  #inDatagram = false;
  readonly #timers = new TimerHeap<C>();
  #timer?: NodeJS.Timeout;
  #timerAt = Infinity;

  constructor(
    private readonly service: (conn: C, now: number) => void,
    private readonly now: () => number,
  ) {}

  /** `conn` has output or state to act on: it is serviced by the next flush. */
  markDirty(conn: C): void {
    this.#dirty.add(conn);
    if (!this.#flushScheduled && !this.#inDatagram) {
      this.#flushScheduled = true;
      queueMicrotask(this.flush);
    }
  }

  /** A DATA datagram is about to be processed: what its handlers mark dirty waits for {@link endDatagram}. */
  beginDatagram(): void {
    this.#inDatagram = true;
  }

  /** The datagram was processed (or threw): `conn` and everything its handlers touched are flushed now. */
  endDatagram(conn: C | undefined): void {
    this.#inDatagram = false;
    if (conn !== undefined) {
      this.#dirty.add(conn);
      this.flush();
    }
  }

  /** Services every dirty connection once. */
  readonly flush = (): void => {
    this.#flushScheduled = false;
    if (this.#dirty.size === 0) {
      return;
    }
    const now = this.now();
    for (const conn of this.#dirty) {
      this.service(conn, now);
    }
    this.#dirty.clear();
  };

  /**
   * Makes sure `conn` is serviced by `at`. An entry already armed at or before `at` is kept: when
   * it fires, the service arms whatever is due then. Every packet sent moves the PTO deadline a
   * little later, so re-arming each time cost a heap push per packet and a pop per stale entry
   * later; this costs one early service per deadline instead.
   */
  arm(conn: C, at: number): void {
    if (conn.timerAt <= at) {
      return;
    }
    conn.timerAt = at;
    this.#timers.push(at, conn);
    if (at < this.#timerAt) {
      this.#schedule(at);
    }
  }

  /** Arms `at` in place of whatever `conn` had armed, even if that was earlier (GRACE). */
  rearm(conn: C, at: number): void {
    conn.timerAt = Infinity;
    this.arm(conn, at);
  }

  /** Stops the process timer (endpoint shutdown). */
  stop(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
    }
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #schedule(at: number): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
    }
    this.#timerAt = at;
    this.#timer = setTimeout(this.#onTimer, Math.max(0, Math.ceil(at - this.now())));
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.now();
    for (let due = this.#timers.popDue(now); due; due = this.#timers.popDue(now)) {
      const conn = due.item;
      if (conn.timerAt !== due.time || conn.freed) {
        continue;
      }
      conn.timerAt = Infinity;
      this.service(conn, now);
    }
    const next = this.#nextLiveTime();
    if (next !== undefined) {
      this.#schedule(next);
    }
  };

  /**
   * Earliest deadline that is still armed. An entry goes stale when its connection was re-armed
   * earlier or freed; arming the process timer for it would wake the event loop for nothing, so
   * stale entries are dropped here.
   */
  #nextLiveTime(): number | undefined {
    const heap = this.#timers;
    for (let t = heap.peekTime(); t !== undefined; t = heap.peekTime()) {
      const conn = heap.peekItem()!;
      if (conn.timerAt === t && !conn.freed) {
        return t;
      }
      heap.popDue(Infinity);
    }
    return undefined;
  }
}
