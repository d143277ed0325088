/**
 * Handshake rate limits (spec §4.5 step 2, §7.2): a token bucket per source IP (10/s, burst 20)
 * kept in a bounded LRU (65,536 IPs), then a global budget (20,000/s). Counts HELLO + RESPONSE.
 */
import { HandshakeDefaults } from './handshake.constants.js';

export interface HandshakeRateOptions {
  readonly perIpPerSec?: number;
  readonly perIpBurst?: number;
  readonly maxTrackedIps?: number;
  readonly globalPerSec?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export const RateVerdict = {
  OK: 0,
  IP: 1,
  GLOBAL: 2,
} as const;
export type RateVerdict = (typeof RateVerdict)[keyof typeof RateVerdict];

export class HandshakeRateLimiter {
  readonly #perIpPerMs: number;
  readonly #perIpBurst: number;
  readonly #maxIps: number;
  readonly #globalPerMs: number;
  readonly #globalBurst: number;
  readonly #ips = new Map<string, Bucket>();
  #globalTokens: number;
  #globalAt = -Infinity;

  constructor(options: HandshakeRateOptions = {}) {
    this.#perIpPerMs = (options.perIpPerSec ?? HandshakeDefaults.perIpHandshakesPerSec) / 1000;
    this.#perIpBurst = options.perIpBurst ?? HandshakeDefaults.perIpHandshakeBurst;
    this.#maxIps = options.maxTrackedIps ?? HandshakeDefaults.maxTrackedIps;
    const global = options.globalPerSec ?? HandshakeDefaults.maxHandshakesPerSec;
    this.#globalPerMs = global / 1000;
    this.#globalBurst = global;
    this.#globalTokens = global;
  }

  /** Takes one handshake from the IP's bucket, then from the global budget. */
  take(ip: string, now: number): RateVerdict {
    const ips = this.#ips;
    let bucket = ips.get(ip);
    if (bucket === undefined) {
      if (ips.size >= this.#maxIps) {
        // Map iteration order is insertion order and every hit re-inserts: the first key is the LRU.
        const oldest = ips.keys().next().value as string;
        ips.delete(oldest);
      }
      bucket = { tokens: this.#perIpBurst, at: now };
    } else {
      ips.delete(ip);
      bucket.tokens = Math.min(this.#perIpBurst, bucket.tokens + Math.max(0, now - bucket.at) * this.#perIpPerMs);
      bucket.at = now;
    }
    ips.set(ip, bucket);
    if (bucket.tokens < 1) {
      return RateVerdict.IP;
    }
    bucket.tokens -= 1;
    if (now > this.#globalAt) {
      const elapsed = this.#globalAt === -Infinity ? 0 : now - this.#globalAt;
      this.#globalTokens = Math.min(this.#globalBurst, this.#globalTokens + elapsed * this.#globalPerMs);
      this.#globalAt = now;
    }
    if (this.#globalTokens < 1) {
      return RateVerdict.GLOBAL;
    }
    this.#globalTokens -= 1;
    return RateVerdict.OK;
  }

  /** IPs currently tracked (bounded by `maxTrackedIps`). */
  get trackedIps(): number {
    return this.#ips.size;
  }
}
