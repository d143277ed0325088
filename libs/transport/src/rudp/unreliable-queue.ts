import { MSG_ID_MASK } from './rudp.constants.js';

/**
 * Send queue of one US or U channel (§3.4): FIFO, each message sent at most once (KT-49);
 * messages older than `unreliableTtlMs` are dropped unsent and counted.
 */
export class UnreliableQueue {
  readonly channel: number;
  readonly sequenced: boolean;
  #msgs: Buffer[] = [];
  #ids: number[] = [];
  #times: number[] = [];
  #head = 0;
  #nextMsgId = 0;
  expired = 0;
  #bytes = 0;

  constructor(channel: number, sequenced: boolean) {
    this.channel = channel;
    this.sequenced = sequenced;
  }

  get length(): number {
    return this.#msgs.length - this.#head;
  }

  get queuedBytes(): number {
    return this.#bytes;
  }

  push(message: Buffer, now: number): void {
    this.#msgs.push(message);
    this.#ids.push(this.#nextMsgId);
    this.#times.push(now);
    this.#bytes += message.length;
    if (this.sequenced) {
      this.#nextMsgId = (this.#nextMsgId + 1) & MSG_ID_MASK;
    }
  }

  /** Drops messages queued before `now − ttl`; returns how many were dropped. */
  expire(now: number, ttlMs: number): number {
    let dropped = 0;
    while (this.#head < this.#msgs.length && now - this.#times[this.#head] > ttlMs) {
      this.#bytes -= this.#msgs[this.#head].length;
      this.#head++;
      dropped++;
    }
    this.expired += dropped;
    this.#compact();
    return dropped;
  }

  /** Age of the oldest queued message (queue delay), 0 when empty. */
  oldestAge(now: number): number {
    return this.#head < this.#msgs.length ? now - this.#times[this.#head] : 0;
  }

  /** Time at which the oldest message expires, +∞ when empty. */
  nextExpiry(ttlMs: number): number {
    return this.#head < this.#msgs.length ? this.#times[this.#head] + ttlMs : Number.POSITIVE_INFINITY;
  }

  peek(): Buffer | undefined {
    return this.#msgs[this.#head];
  }

  peekMsgId(): number {
    return this.#ids[this.#head];
  }

  pop(): void {
    this.#bytes -= this.#msgs[this.#head].length;
    this.#head++;
    this.#compact();
  }

  clear(): void {
    this.#msgs = [];
    this.#ids = [];
    this.#times = [];
    this.#head = 0;
    this.#bytes = 0;
  }

  #compact(): void {
    if (this.#head === this.#msgs.length) {
      this.#msgs.length = 0;
      this.#ids.length = 0;
      this.#times.length = 0;
      this.#head = 0;
    } else if (this.#head > 256) {
      this.#msgs = this.#msgs.slice(this.#head);
      this.#ids = this.#ids.slice(this.#head);
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
  }
}
