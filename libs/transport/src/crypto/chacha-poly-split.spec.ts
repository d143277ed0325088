import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { backendsAgree, loadSodiumNative, nodeAeadBackend, sodiumAeadBackend, type SodiumAeadApi } from './aead.backend.js';
import { ChaChaPolySplit, SPLIT_MAX_AAD, SPLIT_MAX_PLAINTEXT, SPLIT_MIN_PLAINTEXT, hasSplitCalls, type SodiumSplitApi } from './chacha-poly-split.js';

const binding = loadSodiumNative();

function splitApi(): SodiumSplitApi {
  expect(binding).not.toBeNull();
  expect(hasSplitCalls(binding)).toBe(true);
  return binding as unknown as SodiumSplitApi;
}

/** node:crypto's ChaCha20-Poly1305: ciphertext ‖ tag. */
function reference(plaintext: Buffer, aad: Buffer, nonce: Buffer, key: Buffer): Buffer {
  const out = Buffer.alloc(plaintext.length + 16);
  nodeAeadBackend.sealInto(out, 0, plaintext, aad, nonce, key);
  return out;
}

describe('ChaCha20-Poly1305 from libsodium keystream + Poly1305 (short messages)', () => {
  it('gives node:crypto\'s bytes for every plaintext length up to its maximum (0 included), with AADs of 1, 9 and 16 bytes', () => {
    const split = new ChaChaPolySplit(splitApi());
    for (const aadLength of [1, 9, SPLIT_MAX_AAD]) {
      expect(ChaChaPolySplit.fits(SPLIT_MAX_PLAINTEXT, aadLength) && ChaChaPolySplit.fits(SPLIT_MIN_PLAINTEXT, aadLength)).toBe(true);
      for (let n = 0; n <= SPLIT_MAX_PLAINTEXT; n++) {
        const key = randomBytes(32);
        const nonce = randomBytes(12);
        const aad = randomBytes(aadLength);
        const plaintext = randomBytes(n);
        const out = Buffer.alloc(7 + n + 16 + 5, 0xcc);
        split.seal(out, 7, plaintext, aad, nonce, key);
        expect(out.subarray(7, 7 + n + 16).equals(reference(plaintext, aad, nonce, key))).toBe(true);
        // Nothing written outside [7, 7 + n + 16).
        expect(out.subarray(0, 7).every((b) => b === 0xcc) && out.subarray(7 + n + 16).every((b) => b === 0xcc)).toBe(true);
        expect(split.open(out.subarray(0, 7 + n + 16), 7, aad, nonce, key)!.equals(plaintext)).toBe(true); // in place, at an offset
        // Past 16 bytes of prefix the body is copied byte by byte instead of with the packet.
        expect(split.open(Buffer.concat([randomBytes(20), out.subarray(7, 7 + n + 16)]), 20, aad, nonce, key)!.equals(plaintext)).toBe(true);
      }
    }
    expect([ChaChaPolySplit.fits(SPLIT_MIN_PLAINTEXT, 9), ChaChaPolySplit.fits(SPLIT_MIN_PLAINTEXT - 1, 9), ChaChaPolySplit.fits(100, 0)]).toEqual([true, false, false]);
    expect([ChaChaPolySplit.fits(SPLIT_MAX_PLAINTEXT + 1, 9), ChaChaPolySplit.fits(100, SPLIT_MAX_AAD + 1)]).toEqual([false, false]);
  });

  it('keeps no state between calls: long and short messages interleaved in random order still match', () => {
    // The scratch buffers are shared: a long message leaves bytes that a short one must not pick up.
    const split = new ChaChaPolySplit(splitApi());
    const key = randomBytes(32);
    for (let i = 0; i < 300; i++) {
      const n = i % 2 === 0 ? SPLIT_MAX_PLAINTEXT - (i % 7) : SPLIT_MIN_PLAINTEXT + (i % 17);
      const nonce = randomBytes(12);
      const aad = randomBytes(i % 3 === 0 ? 16 : 9);
      const plaintext = randomBytes(n);
      const expected = reference(plaintext, aad, nonce, key);
      const out = Buffer.alloc(n + 16);
      split.seal(out, 0, plaintext, aad, nonce, key);
      expect(out.equals(expected)).toBe(true);
      expect(split.open(expected, 0, aad, nonce, key)!.equals(plaintext)).toBe(true);
    }
  });

  it('refuses every single-bit change of ciphertext or tag, another AAD, nonce or key, and returns no plaintext', () => {
    const split = new ChaChaPolySplit(splitApi());
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const aad = randomBytes(9);
    const plaintext = randomBytes(87);
    const sealed = reference(plaintext, aad, nonce, key);
    for (let byte = 0; byte < sealed.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const forged = Buffer.from(sealed);
        forged[byte] = forged[byte]! ^ (1 << bit);
        expect(split.open(forged, 0, aad, nonce, key)).toBeNull();
      }
    }
    const otherAad = Buffer.from(aad);
    otherAad[8] = otherAad[8]! ^ 1;
    expect(split.open(sealed, 0, otherAad, nonce, key)).toBeNull();
    expect(split.open(sealed, 0, aad.subarray(0, 8), nonce, key)).toBeNull();
    expect(split.open(sealed, 0, aad, randomBytes(12), key)).toBeNull();
    expect(split.open(sealed, 0, aad, nonce, randomBytes(32))).toBeNull();
    // A truncated body is another (shorter) message whose tag does not verify.
    expect(split.open(sealed.subarray(0, sealed.length - 1), 0, aad, nonce, key)).toBeNull();
    expect(split.open(sealed, 0, aad, nonce, key)!.equals(plaintext)).toBe(true);
  });

  it('the sodium backend takes the split path up to its limit and libsodium\'s combined call above, same bytes for every length', () => {
    const be = sodiumAeadBackend(binding!);
    const key = randomBytes(32);
    for (let n = 0; n <= 1_200; n += n < SPLIT_MAX_PLAINTEXT + 4 ? 1 : 37) {
      const nonce = randomBytes(12);
      // 0 and 20 bytes of AAD take the combined call (an empty AAD has no Poly1305 block).
      const aad = randomBytes([9, 20, 0][n % 3]!);
      const plaintext = randomBytes(n);
      const out = Buffer.alloc(n + 16);
      be.sealInto(out, 0, plaintext, aad, nonce, key);
      expect(out.equals(reference(plaintext, aad, nonce, key))).toBe(true);
      expect(be.open(out, aad, nonce, key)!.equals(plaintext)).toBe(true);
      // openAt: the body read in place behind a 9-byte header, as openPacket does.
      const packet = Buffer.concat([randomBytes(9), out]);
      expect(be.openAt!(packet, 9, aad, nonce, key)!.equals(plaintext)).toBe(true);
      out[n >> 1] = out[n >> 1]! ^ 0x80;
      packet[9 + (n >> 1)] = packet[9 + (n >> 1)]! ^ 0x80;
      expect(be.open(out, aad, nonce, key)).toBeNull();
      expect(be.openAt!(packet, 9, aad, nonce, key)).toBeNull();
    }
    // openAt taken off the backend still works on the combined path (it falls back to open).
    const { openAt } = be;
    const nonce = randomBytes(12);
    const aad = randomBytes(9);
    const plaintext = randomBytes(10);
    const sealed = reference(plaintext, aad, nonce, key);
    expect(openAt!(Buffer.concat([randomBytes(9), sealed]), 9, aad, nonce, key)!.equals(plaintext)).toBe(true);
  });

  it('a binding whose verify does not return true is refused by the self-test (fails closed), and backends without the calls keep the combined path', () => {
    splitApi(); // the binding loaded and has the split calls
    const lying = { ...(binding as object), crypto_onetimeauth_verify: () => 0 } as unknown as SodiumAeadApi;
    const be = sodiumAeadBackend(lying);
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const aad = randomBytes(9);
    const plaintext = randomBytes(100);
    const out = Buffer.alloc(116);
    be.sealInto(out, 0, plaintext, aad, nonce, key);
    expect(be.open(out, aad, nonce, key)).toBeNull(); // 0 is not `true`: nothing is accepted
    expect(backendsAgree(be)).toBe(false);
    const combinedOnly = {
      crypto_aead_chacha20poly1305_ietf_encrypt: binding!.crypto_aead_chacha20poly1305_ietf_encrypt,
      crypto_aead_chacha20poly1305_ietf_decrypt: binding!.crypto_aead_chacha20poly1305_ietf_decrypt,
    };
    expect(hasSplitCalls(combinedOnly)).toBe(false);
    const plain = sodiumAeadBackend(combinedOnly);
    plain.sealInto(out, 0, plaintext, aad, nonce, key);
    expect(out.equals(reference(plaintext, aad, nonce, key))).toBe(true);
  });
});
