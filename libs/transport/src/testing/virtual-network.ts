import type { RudpPeerAddress } from '../rudp/path-validator.js';
import { LinkConditioner, type LinkProfile } from './link-conditioner.js';
import { SeededRandom } from './seeded-random.js';

/** Anything sans-IO with the RUDP driving surface. */
export interface SansIoEndpoint {
  onDatagram(now: number, bytes: Buffer, from?: RudpPeerAddress): void;
  poll(now: number): Buffer[];
  nextTimeout(): number | undefined;
}

export type Side = 'a' | 'b';

export interface VirtualNetworkOptions {
  seed: number;
  a: SansIoEndpoint;
  b: SansIoEndpoint;
  /** Impairments a → b and b → a. */
  aToB?: LinkProfile;
  bToA?: LinkProfile;
  /** Source addresses the endpoints appear from (changeable for path-migration tests). */
  aAddress?: RudpPeerAddress;
  bAddress?: RudpPeerAddress;
  startTime?: number;
  /**
   * Sees every datagram an endpoint emits before the link; return false to drop it (a test client
   * that "drops" chosen packets). Also the place to record traffic.
   */
  onEmit?: (from: Side, bytes: Buffer, now: number) => boolean | void;
  /** Sees every datagram the link delivers. */
  onDeliver?: (to: Side, bytes: Buffer, now: number, from: RudpPeerAddress) => void;
}

interface Pending {
  at: number;
  seq: number;
  to: Side;
  bytes: Buffer;
  from: RudpPeerAddress;
}

/**
 * A seeded virtual network with a virtual clock driving two sans-IO endpoints through a
 * {@link LinkConditioner} per direction. Deterministic for a given seed and call sequence; never
 * sleeps: time jumps to the next delivery or timer.
 *
 * @example
 * const net = new VirtualNetwork({ seed: 1, a: client, b: server, aToB: { lossRate: 0.05, delayMs: 20, jitterMs: 10 } });
 * client.send(1, msg);
 * net.runUntil(net.now + 1_000);
 */
export class VirtualNetwork {
  now: number;
  readonly a: SansIoEndpoint;
  readonly b: SansIoEndpoint;
  readonly aToB: LinkConditioner;
  readonly bToA: LinkConditioner;
  aAddress: RudpPeerAddress;
  bAddress: RudpPeerAddress;
  readonly #options: VirtualNetworkOptions;
  #heap: Pending[] = [];
  #seq = 0;
  /** Steps taken (for loop guards in tests). */
  steps = 0;

  constructor(options: VirtualNetworkOptions) {
    this.#options = options;
    this.now = options.startTime ?? 0;
    this.a = options.a;
    this.b = options.b;
    const rng = new SeededRandom(options.seed);
    this.aToB = new LinkConditioner(options.aToB ?? {}, new SeededRandom(rng.nextUint32()));
    this.bToA = new LinkConditioner(options.bToA ?? {}, new SeededRandom(rng.nextUint32()));
    this.aAddress = options.aAddress ?? { address: '10.0.0.1', port: 40_000 };
    this.bAddress = options.bAddress ?? { address: '10.0.0.2', port: 7_350 };
  }

  /** Delivers raw bytes to an endpoint at `at` (default now), bypassing the link (forged / replayed packets). */
  inject(to: Side, bytes: Buffer, at: number = this.now, from?: RudpPeerAddress): void {
    this.#push({ at, seq: this.#seq++, to, bytes, from: from ?? (to === 'a' ? this.bAddress : this.aAddress) });
  }

  /** Polls both endpoints at the current time and sends what they emit. */
  flush(): void {
    this.#pollSide('a');
    this.#pollSide('b');
  }

  #pollSide(side: Side): void {
    const endpoint = side === 'a' ? this.a : this.b;
    const link = side === 'a' ? this.aToB : this.bToA;
    const from = side === 'a' ? this.aAddress : this.bAddress;
    const to: Side = side === 'a' ? 'b' : 'a';
    for (const bytes of endpoint.poll(this.now)) {
      if (this.#options.onEmit?.(side, bytes, this.now) === false) {
        continue;
      }
      for (const d of link.transmit(this.now, bytes)) {
        this.#push({ at: d.at, seq: this.#seq++, to, bytes: d.bytes, from });
      }
    }
  }

  /** Time of the next event (delivery or endpoint timer), +∞ if none. */
  nextEventTime(): number {
    let t = this.#heap.length > 0 ? this.#heap[0].at : Number.POSITIVE_INFINITY;
    const ta = this.a.nextTimeout();
    const tb = this.b.nextTimeout();
    if (ta !== undefined) {
      t = Math.min(t, ta);
    }
    if (tb !== undefined) {
      t = Math.min(t, tb);
    }
    return t;
  }

  /** Advances virtual time to `until`, processing every event on the way. */
  runUntil(until: number, maxSteps = 5_000_000): void {
    this.flush();
    while (this.#advance(until)) {
      if (++this.steps > maxSteps) {
        throw new Error('virtual network did not settle (step limit)');
      }
    }
  }

  /** Runs while `notDone()` holds (checked after each step), at most `limitMs` virtual ms; returns whether it finished. */
  runWhile(notDone: () => boolean, limitMs: number): boolean {
    const end = this.now + limitMs;
    this.flush();
    while (notDone()) {
      if (!this.#advance(end)) {
        return false;
      }
      if (++this.steps > 5_000_000) {
        throw new Error('virtual network did not settle (step limit)');
      }
    }
    return true;
  }

  /** One step to the next event not after `limit`; false (time set to `limit`) when there is none. */
  #advance(limit: number): boolean {
    let t = this.nextEventTime();
    if (t <= this.now) {
      // Endpoints were polled at `now` already: a timer still reported as due must not freeze time.
      const heapTop = this.#heap.length > 0 ? this.#heap[0].at : Number.POSITIVE_INFINITY;
      t = heapTop <= this.now ? this.now : Math.min(heapTop, this.now + 0.01);
    }
    if (t > limit) {
      this.now = Math.max(this.now, limit);
      return false;
    }
    this.now = t;
    this.#step();
    return true;
  }

  #step(): void {
    while (this.#heap.length > 0 && this.#heap[0].at <= this.now) {
      const ev = this.#pop();
      this.#options.onDeliver?.(ev.to, ev.bytes, this.now, ev.from);
      (ev.to === 'a' ? this.a : this.b).onDatagram(this.now, ev.bytes, ev.from);
    }
    this.flush();
  }

  // Binary heap ordered by (at, seq).
  #less(x: Pending, y: Pending): boolean {
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }

  #push(item: Pending): void {
    const h = this.#heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(h[i], h[parent])) {
        break;
      }
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  #pop(): Pending {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop() as Pending;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#less(h[l], h[m])) {
          m = l;
        }
        if (r < h.length && this.#less(h[r], h[m])) {
          m = r;
        }
        if (m === i) {
          break;
        }
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
