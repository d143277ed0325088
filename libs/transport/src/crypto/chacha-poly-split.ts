/**
 * ChaCha20-Poly1305 (RFC 8439 §2.8) for short messages, composed from libsodium's ChaCha20-IETF
 * keystream and one-shot Poly1305 instead of its combined AEAD call.
 *
 * Why: libsodium's AEAD derives the Poly1305 key from keystream block 0, then encrypts from block 1,
 * each with its single-block code, which is latency-bound (≈ 230 ns a block on these machines). A
 * 65–128-byte packet, an echo or a game input with its ACK frame, costs three such blocks in a
 * row. One 256-byte keystream request takes libsodium's four-block parallel path for about the
 * cost of one block, and yields the Poly1305 key and up to 192 bytes of keystream at once.
 *
 * Measured (best of 7, combined call → this): seal 867 → 600 ns and open 860 → 700 ns at 87
 * bytes, 1,140 → 687 and 1,147 → 847 ns at 192 bytes; in the live echo round trip (perf) the AEAD's
 * share went from 5.5 to 4.05 µs. Copies go through `set`: per-byte loops here cost more than
 * the keystream they saved.
 * The bytes are the AEAD's. A differential test covers every length against node:crypto, and the
 * backend's self-test runs on every start. The tag is checked by `crypto_onetimeauth_verify`,
 * which runs in constant time. Every loop here runs in time that depends only on the lengths.
 */
import { copyInto } from '../codec/le-bytes.js';
import { Buffer } from 'node:buffer';

/** The libsodium calls this needs, as sodium-native's native binding exposes them. */
export interface SodiumSplitApi {
  crypto_stream_chacha20_ietf(c: Uint8Array, n: Uint8Array, k: Uint8Array): unknown;
  crypto_onetimeauth(out: Uint8Array, input: Uint8Array, k: Uint8Array): unknown;
  /** True when the tag verifies (sodium-native's binding returns a boolean). */
  crypto_onetimeauth_verify(h: Uint8Array, input: Uint8Array, k: Uint8Array): unknown;
}

/**
 * Plaintexts of 65–192 bytes take this path: the three data blocks that follow block 0 in one
 * 256-byte request. Up to 64 bytes libsodium needs only two blocks, and the extra call and copies
 * cost about what the parallel keystream saves (26-byte packets: 2.13 vs 1.93 µs seal + open,
 * bench/transport-crypto), so those keep the combined call.
 */
export const SPLIT_MIN_PLAINTEXT = 65;
export const SPLIT_MAX_PLAINTEXT = 192;
/**
 * AAD of 1–16 bytes: exactly one Poly1305 block with its padding (the DATA header is 9 bytes). An
 * empty AAD contributes no block at all (RFC 8439 pads nothing), so it takes the combined call.
 */
export const SPLIT_MAX_AAD = 16;

const TAG = 16;
/** Block 0 (Poly1305 key in its first 32 bytes) and three data blocks: libsodium's 4-block path. */
const STREAM_BYTES = 256;

export function hasSplitCalls(api: unknown): api is SodiumSplitApi {
  const a = api as Partial<Record<keyof SodiumSplitApi, unknown>> | null;
  return typeof a?.crypto_stream_chacha20_ietf === 'function' && typeof a.crypto_onetimeauth === 'function' && typeof a.crypto_onetimeauth_verify === 'function';
}

/**
 * One per process: the scratch buffers are shared by every connection. Calls are synchronous and
 * never re-enter, so no two of them use the scratch at once.
 */
export class ChaChaPolySplit {
  // The calls, taken off the binding once: its exports object holds ~300 functions in dictionary
  // mode, so `binding.fn(…)` is a hash lookup through V8's generic load on every packet (perf).
  // Called without a receiver: sodium-native's functions do not use it (the self-test would fail).
  readonly #keystream: SodiumSplitApi['crypto_stream_chacha20_ietf'];
  readonly #auth: SodiumSplitApi['crypto_onetimeauth'];
  readonly #verify: SodiumSplitApi['crypto_onetimeauth_verify'];
  // Own ArrayBuffers, so the Int32 views below are aligned.
  readonly #stream = new Uint8Array(new ArrayBuffer(STREAM_BYTES));
  readonly #stream32 = new Int32Array(this.#stream.buffer);
  readonly #polyKey = this.#stream.subarray(0, 32);
  /** Poly1305 input: AAD ‖ pad ‖ ciphertext ‖ pad ‖ len(AAD) u64 LE ‖ len(ciphertext) u64 LE. */
  readonly #mac = new Uint8Array(new ArrayBuffer(SPLIT_MAX_AAD + SPLIT_MAX_PLAINTEXT + 16 + 16));
  // (Large enough for open's whole-packet copy too: 16 − offset + offset + n + 16 ≤ 16 + 192 + 16.)
  readonly #mac32 = new Int32Array(this.#mac.buffer);
  readonly #tag = new Uint8Array(TAG);
  /** View of the first `#macViewLength` bytes of `#mac`: a steady stream of one size reuses it. */
  #macView = new Uint8Array(0);
  #macViewLength = 0;
  /** View of the ciphertext / plaintext bytes `#mac[16, 16 + #textViewLength)`, cached the same way. */
  #textView = new Uint8Array(0);
  #textViewLength = 0;

  constructor(api: SodiumSplitApi) {
    this.#keystream = api.crypto_stream_chacha20_ietf;
    this.#auth = api.crypto_onetimeauth;
    this.#verify = api.crypto_onetimeauth_verify;
  }

  /** Whether a message of these sizes takes this path. */
  static fits(plaintextLength: number, aadLength: number): boolean {
    return plaintextLength >= SPLIT_MIN_PLAINTEXT && plaintextLength <= SPLIT_MAX_PLAINTEXT && aadLength >= 1 && aadLength <= SPLIT_MAX_AAD;
  }

  /** Writes ciphertext ‖ tag into `out` at `outOffset`; the caller checked sizes ({@link fits}, `out`, nonce, key). */
  seal(out: Uint8Array, outOffset: number, plaintext: Uint8Array, aad: Uint8Array, nonce: Uint8Array, key: Uint8Array): void {
    const n = plaintext.length;
    const mac = this.#mac;
    this.#keystream(this.#stream, nonce, key);
    this.#writeAad(aad);
    copyInto(mac, plaintext, 16);
    this.#xorKeystream(n);
    this.#auth(this.#tag, this.#macInput(aad.length, n), this.#polyKey);
    this.#wipePolyKey();
    copyInto(out, this.#text(n), outOffset);
    copyInto(out, this.#tag, outOffset + n);
  }

  /**
   * Plaintext of the ciphertext ‖ tag at `packet[offset…]` (at most {@link SPLIT_MAX_PLAINTEXT} + 16
   * bytes), or null. Read in place: a view of the body would cost more than copying it here.
   */
  open(packet: Uint8Array, offset: number, aad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer | null {
    const n = packet.length - offset - TAG;
    const mac = this.#mac;
    const tag = this.#tag;
    if (offset <= 16) {
      // The whole packet in one copy, so its body lands at 16; the AAD block written after it
      // replaces whatever of the header landed in [0, 16). A per-byte loop here cost ~0.3 µs.
      copyInto(mac, packet, 16 - offset);
    } else {
      for (let i = 0; i < n + TAG; i++) {
        mac[16 + i] = packet[offset + i]!;
      }
    }
    this.#writeAad(aad);
    for (let i = 0; i < TAG; i++) {
      tag[i] = mac[16 + n + i]!;
    }
    const input = this.#macInput(aad.length, n); // overwrites the tag's copy with padding and lengths
    this.#keystream(this.#stream, nonce, key);
    const ok = this.#verify(tag, input, this.#polyKey) === true;
    this.#wipePolyKey();
    if (!ok) {
      return null;
    }
    this.#xorKeystream(n);
    const pt = Buffer.allocUnsafe(n);
    copyInto(pt, this.#text(n), 0);
    return pt;
  }

  #text(n: number): Uint8Array {
    if (n !== this.#textViewLength) {
      this.#textView = this.#mac.subarray(16, 16 + n);
      this.#textViewLength = n;
    }
    return this.#textView;
  }

  /**
   * As libsodium wipes its block 0: the one-time key outlives no call. Word stores, not `fill`,
   * whose lookup V8 left generic on this path.
   */
  #wipePolyKey(): void {
    const s = this.#stream32;
    for (let i = 0; i < 8; i++) {
      s[i] = 0;
    }
  }

  /** AAD and its zero padding into the first Poly1305 block. */
  #writeAad(aad: Uint8Array): void {
    const mac = this.#mac;
    const a = aad.length;
    for (let i = 0; i < a; i++) {
      mac[i] = aad[i]!;
    }
    for (let i = a; i < 16; i++) {
      mac[i] = 0;
    }
  }

  /**
   * XORs keystream from block 1 over the `n` bytes at `#mac[16…]`, four at a time: both views are
   * aligned and cover the same bytes, so the host's byte order does not matter.
   */
  #xorKeystream(n: number): void {
    const mac32 = this.#mac32;
    const stream32 = this.#stream32;
    const words = (n + 3) >>> 2; // the bytes past n land in the padding, which #macInput rewrites
    for (let i = 0; i < words; i++) {
      mac32[4 + i] = mac32[4 + i]! ^ stream32[16 + i]!;
    }
  }

  /** Pads the ciphertext at `#mac[16…16+n)`, appends the two lengths, returns the Poly1305 input. */
  #macInput(aadLength: number, n: number): Uint8Array {
    const mac = this.#mac;
    const end = 16 + ((n + 15) & ~15);
    for (let p = 16 + n; p < end; p++) {
      mac[p] = 0;
    }
    // u64 LE lengths, written bytewise (an Int32 store would follow the host's byte order).
    mac[end] = aadLength;
    mac[end + 8] = n & 0xff;
    mac[end + 9] = n >>> 8;
    for (let i = 1; i < 8; i++) {
      mac[end + i] = 0;
    }
    for (let i = 10; i < 16; i++) {
      mac[end + i] = 0;
    }
    const total = end + 16;
    if (total !== this.#macViewLength) {
      this.#macView = mac.subarray(0, total);
      this.#macViewLength = total;
    }
    return this.#macView;
  }
}
