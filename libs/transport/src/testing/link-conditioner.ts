import { SeededRandom } from './seeded-random.js';

/** Gilbert–Elliott two-state burst loss. */
export interface BurstLossProfile {
  /** Probability per packet of moving good → bad. */
  pGoodToBad: number;
  /** Probability per packet of moving bad → good. */
  pBadToGood: number;
  /** Loss probability in the bad state (default 1). */
  lossInBad?: number;
  /** Loss probability in the good state (default 0; `lossRate` also applies). */
  lossInGood?: number;
}

/** Impairments of one direction of a link. Every field is optional; the default is a perfect link. */
export interface LinkProfile {
  /** Independent loss probability per datagram. */
  lossRate?: number;
  burst?: BurstLossProfile;
  /** Base one-way delay (ms). */
  delayMs?: number;
  /** Uniform extra delay in [0, jitterMs) (ms); reorders packets closer than the jitter (as netem does). */
  jitterMs?: number;
  /** false: jitter never reorders (a FIFO path whose queueing delay varies). Default true. */
  jitterReorders?: boolean;
  /** Probability of holding a datagram back by `reorderDelayMs` extra. */
  reorderRate?: number;
  reorderDelayMs?: number;
  /** Probability of delivering a second copy (with its own jitter). */
  duplicateRate?: number;
  /** Probability of flipping one random bit. */
  corruptRate?: number;
  /** Bottleneck rate (bytes/s) with a drop-tail queue of `queueLimitBytes` (default 64 KiB). */
  rateBytesPerSec?: number;
  queueLimitBytes?: number;
  /** Datagrams larger than this are dropped. */
  mtu?: number;
}

export interface LinkStats {
  offered: number;
  delivered: number;
  lost: number;
  burstLost: number;
  mtuDropped: number;
  queueDropped: number;
  duplicated: number;
  corrupted: number;
  reordered: number;
}

/** One scheduled delivery. */
export interface LinkDelivery {
  at: number;
  bytes: Buffer;
}

/**
 * Seeded, deterministic impairment of one link direction: loss, Gilbert–Elliott burst loss, delay,
 * jitter, reordering, duplication, corruption, a rate-limited drop-tail bottleneck and an MTU.
 * Pure: given a send time and bytes it returns 0–2 deliveries; a driver schedules them.
 */
export class LinkConditioner {
  readonly profile: LinkProfile;
  readonly #rng: SeededRandom;
  #bad = false;
  #busyUntil = 0;
  #lastArrival = Number.NEGATIVE_INFINITY;
  readonly stats: LinkStats = {
    offered: 0,
    delivered: 0,
    lost: 0,
    burstLost: 0,
    mtuDropped: 0,
    queueDropped: 0,
    duplicated: 0,
    corrupted: 0,
    reordered: 0,
  };

  constructor(profile: LinkProfile, rng: SeededRandom) {
    this.profile = profile;
    this.#rng = rng;
  }

  transmit(now: number, bytes: Buffer): LinkDelivery[] {
    const p = this.profile;
    const rng = this.#rng;
    this.stats.offered++;
    if (p.mtu !== undefined && bytes.length > p.mtu) {
      this.stats.mtuDropped++;
      return [];
    }
    if (p.burst !== undefined) {
      this.#bad = this.#bad ? !rng.chance(p.burst.pBadToGood) : rng.chance(p.burst.pGoodToBad);
      const loss = this.#bad ? (p.burst.lossInBad ?? 1) : (p.burst.lossInGood ?? 0);
      if (rng.chance(loss)) {
        this.stats.burstLost++;
        return [];
      }
    }
    if (rng.chance(p.lossRate ?? 0)) {
      this.stats.lost++;
      return [];
    }
    let departure = now;
    if (p.rateBytesPerSec !== undefined) {
      const start = Math.max(now, this.#busyUntil);
      const queued = (start - now) * (p.rateBytesPerSec / 1000);
      if (queued + bytes.length > (p.queueLimitBytes ?? 65_536)) {
        this.stats.queueDropped++;
        return [];
      }
      departure = start + (bytes.length * 1000) / p.rateBytesPerSec;
      this.#busyUntil = departure;
    }
    let payload = bytes;
    if (rng.chance(p.corruptRate ?? 0)) {
      payload = Buffer.from(bytes);
      const bit = rng.int(payload.length * 8);
      payload[bit >>> 3] ^= 1 << (bit & 7);
      this.stats.corrupted++;
    }
    const out: LinkDelivery[] = [{ at: this.#arrival(departure), bytes: payload }];
    if (rng.chance(p.duplicateRate ?? 0)) {
      this.stats.duplicated++;
      out.push({ at: this.#arrival(departure), bytes: Buffer.from(payload) });
    }
    this.stats.delivered += out.length;
    return out;
  }

  #arrival(departure: number): number {
    const p = this.profile;
    let at = departure + (p.delayMs ?? 0);
    if (p.jitterMs !== undefined && p.jitterMs > 0) {
      at += this.#rng.next() * p.jitterMs;
      if (p.jitterReorders === false) {
        at = Math.max(at, this.#lastArrival);
        this.#lastArrival = at;
      }
    }
    if (this.#rng.chance(p.reorderRate ?? 0)) {
      at += p.reorderDelayMs ?? 10;
      this.stats.reordered++;
    }
    return at;
  }
}
