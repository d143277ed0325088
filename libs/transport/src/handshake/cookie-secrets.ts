/**
 * Rotating `cookie_secret` (spec §4.3): 32 random bytes per server process, replaced every
 * `cookieSecretRotateMs` (60,000); the previous secret is still accepted. No timers: callers pass
 * `now` and rotation happens lazily on the next use.
 */
import { randomBytes } from 'node:crypto';
import { HandshakeDefaults } from './handshake.constants.js';

export const COOKIE_SECRET_SIZE = 32;

export class CookieSecrets {
  #current: Buffer;
  #previous: Buffer | null = null;
  #rotatedAt: number;
  readonly #rotateMs: number;
  readonly #random: (size: number) => Buffer;

  constructor(now: number, rotateMs: number = HandshakeDefaults.cookieSecretRotateMs, random: (size: number) => Buffer = randomBytes) {
    this.#random = random;
    this.#rotateMs = rotateMs;
    this.#current = random(COOKIE_SECRET_SIZE);
    this.#rotatedAt = now;
  }

  /** Rotates when `rotateMs` has passed since the last rotation. */
  rotateIfDue(now: number): void {
    if (now - this.#rotatedAt >= this.#rotateMs) {
      this.rotate(now);
    }
  }

  /** Rotates now: the current secret becomes the previous one. */
  rotate(now: number): void {
    this.#previous = this.#current;
    this.#current = this.#random(COOKIE_SECRET_SIZE);
    this.#rotatedAt = now;
  }

  get current(): Buffer {
    return this.#current;
  }

  get previous(): Buffer | null {
    return this.#previous;
  }
}
