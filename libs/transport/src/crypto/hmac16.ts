/**
 * `HMAC16(k, m)` = first 16 bytes of HMAC-SHA256(k, m) (spec §0), with constant-time comparison
 * (§4.3: all MAC comparisons use `crypto.timingSafeEqual`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MAC_SIZE = 16;

/** HMAC16 over the concatenation of `parts` (no copy of the parts is made). */
export function hmac16(key: Uint8Array, ...parts: readonly Uint8Array[]): Buffer {
  const h = createHmac('sha256', key);
  for (const part of parts) {
    h.update(part);
  }
  return h.digest().subarray(0, MAC_SIZE);
}

/** Constant-time equality of two MACs; false for any length other than 16. */
export function macEquals(expected: Uint8Array, actual: Uint8Array): boolean {
  if (expected.length !== MAC_SIZE || actual.length !== MAC_SIZE) {
    return false;
  }
  return timingSafeEqual(expected, actual);
}

/**
 * Verifies `mac` = HMAC16(key, data) in constant time.
 *
 * @example
 * verifyHmac16(kHsC2s, hello.subarray(0, 327), hello.subarray(327, 343)); // true for a genuine HELLO
 */
export function verifyHmac16(key: Uint8Array, data: Uint8Array, mac: Uint8Array): boolean {
  return macEquals(hmac16(key, data), mac);
}
