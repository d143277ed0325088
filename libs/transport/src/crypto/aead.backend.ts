/**
 * ChaCha20-Poly1305 (IETF, 96-bit nonce, 16-byte tag) behind one small interface with three
 * implementations: node:crypto, sodium-native (libsodium) and our WebAssembly module
 * (chacha-poly-wasm.ts). All produce identical bytes. Per game packet, sodium is several times
 * cheaper than node:crypto, and the WebAssembly module costs about two thirds of sodium, because
 * it is called without Node-API's per-argument cost (bench/transport-crypto). `auto` takes the
 * first that loads and passes its self-test against node:crypto: WebAssembly (with sodium for what
 * does not fit its memory), then sodium, then node:crypto.
 */
import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { createRequire } from 'node:module';
import { ChaChaPolySplit, hasSplitCalls } from './chacha-poly-split.js';
import { WASM_MAX_AAD, WASM_MAX_PLAINTEXT, WasmChaChaPoly } from './chacha-poly-wasm.js';
import { MAX_PLAINTEXT } from './data-packet.codec.js';

export const AEAD_KEY_SIZE = 32;
export const AEAD_NONCE_SIZE = 12;
export const AEAD_TAG_SIZE = 16;

export const AeadBackendName = {
  NODE: 'node',
  SODIUM: 'sodium',
  WASM: 'wasm',
} as const;
export type AeadBackendName = (typeof AeadBackendName)[keyof typeof AeadBackendName];

export type AeadPreference = AeadBackendName | 'auto';

export interface AeadBackend {
  readonly name: AeadBackendName;
  /** Writes ciphertext ‖ tag (`plaintext.length + 16` B) into `out` at `outOffset`. */
  sealInto(out: Buffer, outOffset: number, plaintext: Uint8Array, aad: Uint8Array, nonce: Uint8Array, key: Uint8Array): void;
  /** Plaintext of `body` (= ciphertext ‖ tag) in a new buffer, or null when the tag does not verify. */
  open(body: Uint8Array, aad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer | null;
  /** As {@link open} for the body at `packet[offset…]`, without a view of it when the backend can. */
  openAt?(packet: Uint8Array, offset: number, aad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer | null;
  /**
   * A whole DATA packet of spec §3.2 in one step, when the backend can build its header and nonce
   * itself (fewer copies per packet): `out` gets header ‖ ciphertext ‖ tag. The caller checked
   * every size and that `connId` and `pn` are u32.
   */
  sealDataPacket?(out: Buffer, connId: number, pn: number, direction: number, plaintext: Uint8Array, key: Uint8Array): void;
  /** Plaintext of a whole DATA packet (26–1,200 B, byte 0 checked by the caller), or null. */
  openDataPacket?(packet: Uint8Array, direction: number, key: Uint8Array): Buffer | null;
}

const ALGORITHM = 'chacha20-poly1305';
const TAG_OPTIONS = { authTagLength: AEAD_TAG_SIZE } as const;

/** node:crypto: one cipher object per call (a cipher cannot take a new nonce, §3.2). */
export const nodeAeadBackend: AeadBackend = {
  name: AeadBackendName.NODE,
  sealInto(out, outOffset, plaintext, aad, nonce, key) {
    const cipher = createCipheriv(ALGORITHM, key, nonce, TAG_OPTIONS);
    cipher.setAAD(aad, { plaintextLength: plaintext.length });
    const ct = cipher.update(plaintext);
    cipher.final();
    out.set(ct, outOffset);
    out.set(cipher.getAuthTag(), outOffset + ct.length);
  },
  open(body, aad, nonce, key) {
    const n = body.length - AEAD_TAG_SIZE;
    if (n < 0) {
      return null;
    }
    const decipher = createDecipheriv(ALGORITHM, key, nonce, TAG_OPTIONS);
    decipher.setAAD(aad, { plaintextLength: n });
    decipher.setAuthTag(body.subarray(n));
    const pt = decipher.update(body.subarray(0, n));
    try {
      decipher.final();
    } catch {
      return null;
    }
    return pt;
  },
};

/**
 * The two libsodium calls as sodium-native's native binding takes them: no `nsec`, and the status
 * is returned (the output length on success, negative when the tag does not verify), not thrown.
 */
export interface SodiumAeadApi {
  crypto_aead_chacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: Uint8Array | undefined, npub: Uint8Array, k: Uint8Array): number;
  crypto_aead_chacha20poly1305_ietf_decrypt(m: Uint8Array, c: Uint8Array, ad: Uint8Array | undefined, npub: Uint8Array, k: Uint8Array): number;
}

/**
 * Wraps loaded sodium calls as a backend. The lengths libsodium relies on are checked here: the
 * binding's own checks are C asserts, which a release build compiles out, so a short `out` would
 * be written past its end. When the binding also exposes the ChaCha20 keystream and Poly1305 calls,
 * short messages (the common game packet) are sealed and opened with them ({@link ChaChaPolySplit}).
 */
export function sodiumAeadBackend(sodium: SodiumAeadApi): AeadBackend {
  const split = hasSplitCalls(sodium) ? new ChaChaPolySplit(sodium) : undefined;
  // Taken off the binding once (a dictionary-mode object of ~300 functions: a hash lookup per call).
  const encrypt = sodium.crypto_aead_chacha20poly1305_ietf_encrypt;
  const decrypt = sodium.crypto_aead_chacha20poly1305_ietf_decrypt;
  const backend: AeadBackend = {
    name: AeadBackendName.SODIUM,
    sealInto(out, outOffset, plaintext, aad, nonce, key) {
      const end = outOffset + plaintext.length + AEAD_TAG_SIZE;
      if (outOffset < 0 || end > out.length || nonce.length !== AEAD_NONCE_SIZE || key.length !== AEAD_KEY_SIZE) {
        throw new RangeError('AEAD seal: output, nonce or key has the wrong size');
      }
      if (split !== undefined && ChaChaPolySplit.fits(plaintext.length, aad.length)) {
        return split.seal(out, outOffset, plaintext, aad, nonce, key);
      }
      const written = encrypt(out.subarray(outOffset, end), plaintext, aad, nonce, key);
      if (written !== plaintext.length + AEAD_TAG_SIZE) {
        throw new Error('AEAD seal failed');
      }
    },
    open(body, aad, nonce, key) {
      const n = body.length - AEAD_TAG_SIZE;
      if (n < 0 || nonce.length !== AEAD_NONCE_SIZE || key.length !== AEAD_KEY_SIZE) {
        return null;
      }
      if (split !== undefined && ChaChaPolySplit.fits(n, aad.length)) {
        return split.open(body, 0, aad, nonce, key);
      }
      const pt = Buffer.allocUnsafe(n);
      // Forged or corrupted packets are an ordinary status here, not an exception to unwind.
      return decrypt(pt, body, aad, nonce, key) === n ? pt : null;
    },
    openAt(packet, offset, aad, nonce, key) {
      const n = packet.length - offset - AEAD_TAG_SIZE;
      if (split !== undefined && offset >= 0 && ChaChaPolySplit.fits(n, aad.length) && nonce.length === AEAD_NONCE_SIZE && key.length === AEAD_KEY_SIZE) {
        return split.open(packet, offset, aad, nonce, key);
      }
      // Through `backend`, not `this`: the method still works when taken off the object.
      return backend.open(packet.subarray(offset), aad, nonce, key);
    },
  };
  return backend;
}

/** sodium-native's public functions (argument asserts, throws on a bad tag) in the binding's shape. */
interface SodiumPublicApi {
  crypto_aead_chacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array): number;
  crypto_aead_chacha20poly1305_ietf_decrypt(m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array): number;
}

function hasAeadCalls(mod: unknown): boolean {
  const m = mod as Partial<Record<keyof SodiumAeadApi, unknown>> | null;
  return typeof m?.crypto_aead_chacha20poly1305_ietf_encrypt === 'function' && typeof m.crypto_aead_chacha20poly1305_ietf_decrypt === 'function';
}

/**
 * Synchronously loads sodium-native; null when it is not installed or its binary does not load.
 * The native binding is called directly when it loads: the public wrappers re-check every
 * argument with `assert` (≈ 10 % of a 100-B seal, measured) on the hottest path of the server,
 * and this module checks the lengths itself. Should a future sodium-native change the binding,
 * the self-test in {@link selectAeadBackend} rejects it and the public API (then node:crypto)
 * is used.
 */
export function loadSodiumNative(): SodiumAeadApi | null {
  const require = createRequire(import.meta.url);
  try {
    const binding: unknown = require('sodium-native/binding');
    if (hasAeadCalls(binding)) {
      return binding as SodiumAeadApi;
    }
  } catch {
    // fall through to the public API
  }
  return loadSodiumPublic();
}

/** sodium-native's public API adapted to {@link SodiumAeadApi}; null when it does not load. */
export function loadSodiumPublic(): SodiumAeadApi | null {
  try {
    const require = createRequire(import.meta.url);
    const mod: unknown = require('sodium-native');
    if (!hasAeadCalls(mod)) {
      return null;
    }
    const api = mod as SodiumPublicApi;
    return {
      crypto_aead_chacha20poly1305_ietf_encrypt: (c, m, ad, npub, k) => api.crypto_aead_chacha20poly1305_ietf_encrypt(c, m, ad ?? null, null, npub, k),
      crypto_aead_chacha20poly1305_ietf_decrypt: (m, c, ad, npub, k) => {
        try {
          return api.crypto_aead_chacha20poly1305_ietf_decrypt(m, null, c, ad ?? null, npub, k);
        } catch {
          return -1;
        }
      },
    };
  } catch {
    return null;
  }
}

/**
 * Seals and opens fixed messages with both backends; true when they agree byte for byte. Their
 * sizes take each backend's paths: 31, 93 and 310 bytes the sodium backend's combined, keystream +
 * Poly1305 (chacha-poly-split.ts) and combined calls; 31–1,085 bytes the WebAssembly module: its
 * first keystream batch, its second, and several.
 */
export function backendsAgree(candidate: AeadBackend): boolean {
  try {
    const key = Buffer.alloc(AEAD_KEY_SIZE, 0x5a);
    const nonce = Buffer.from('010000000500000000000000', 'hex');
    const aad = Buffer.from('kt1 self-test');
    const short = Buffer.from('KaosTalk AEAD self-test payload');
    const repeat = (k: number) => Buffer.concat(Array.from({ length: k }, () => short));
    for (const plaintext of [short, repeat(3), repeat(10), repeat(35)]) {
      const a = Buffer.alloc(plaintext.length + AEAD_TAG_SIZE);
      const b = Buffer.alloc(plaintext.length + AEAD_TAG_SIZE);
      nodeAeadBackend.sealInto(a, 0, plaintext, aad, nonce, key);
      candidate.sealInto(b, 0, plaintext, aad, nonce, key);
      if (!a.equals(b)) {
        return false;
      }
      const opened = candidate.open(a, aad, nonce, key);
      if (opened === null || !opened.equals(plaintext)) {
        return false;
      }
      a[0] = a[0]! ^ 1;
      if (candidate.open(a, aad, nonce, key) !== null) {
        return false;
      }
    }
    return dataPacketsAgree(candidate, key, short);
  } catch {
    return false;
  }
}

/**
 * The whole-packet calls, when the candidate has them (they are what runs for every DATA packet):
 * a packet as §3.2 builds it by hand (header 0x40 ‖ conn_id ‖ pn as AAD, nonce 01 00 00 00 ‖ pn
 * u64 LE) with node:crypto, sealed and opened, and refused once its pn is changed.
 */
function dataPacketsAgree(candidate: AeadBackend, key: Buffer, plaintext: Buffer): boolean {
  if (candidate.sealDataPacket === undefined && candidate.openDataPacket === undefined) {
    return true;
  }
  if (candidate.sealDataPacket === undefined || candidate.openDataPacket === undefined) {
    return false;
  }
  const header = Buffer.from('40efbeadde05000080', 'hex'); // conn_id 0xdeadbeef, pn 0x80000005
  const nonce = Buffer.from('010000000500008000000000', 'hex');
  const want = Buffer.alloc(header.length + plaintext.length + AEAD_TAG_SIZE);
  header.copy(want, 0);
  nodeAeadBackend.sealInto(want, header.length, plaintext, header, nonce, key);
  const got = Buffer.alloc(want.length);
  candidate.sealDataPacket(got, 0xdeadbeef, 0x80000005, 1, plaintext, key);
  if (!got.equals(want)) {
    return false;
  }
  const opened = candidate.openDataPacket(want, 1, key);
  if (opened === null || !opened.equals(plaintext)) {
    return false;
  }
  want[5] = want[5]! ^ 1; // another pn: the header is the AAD and the pn is in the nonce
  return candidate.openDataPacket(want, 1, key) === null;
}

/**
 * The WebAssembly module as a backend, with `large` for anything that does not fit the module's
 * regions (AAD over 128 B, text over 2,032 B: never a DATA packet) and for plaintexts of
 * `largeFrom` bytes and more. `auto` hands nothing over by size: up to a full 1,200-byte packet
 * the module was as fast as libsodium or faster (bench/transport-crypto, docs/transport.md).
 */
export function wasmAeadBackend(wasm: WasmChaChaPoly, large: AeadBackend = nodeAeadBackend, largeFromOption: number = WASM_MAX_PLAINTEXT + 1): AeadBackend {
  // Never more than the module's region holds, whatever the caller asked for.
  const largeFrom = Math.min(largeFromOption, WASM_MAX_PLAINTEXT + 1);
  const openAt = (packet: Uint8Array, offset: number, aad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer | null => {
    const n = packet.length - offset - AEAD_TAG_SIZE;
    if (offset < 0 || n < 0 || nonce.length !== AEAD_NONCE_SIZE || key.length !== AEAD_KEY_SIZE) {
      return null;
    }
    if (n < largeFrom && aad.length <= WASM_MAX_AAD) {
      return wasm.open(packet, offset, aad, nonce, key);
    }
    return large.openAt !== undefined ? large.openAt(packet, offset, aad, nonce, key) : large.open(packet.subarray(offset), aad, nonce, key);
  };
  // Whole DATA packets (plaintext ≤ 1,175 B) when nothing of that size is handed over.
  const packets: Pick<AeadBackend, 'sealDataPacket' | 'openDataPacket'> =
    largeFrom > MAX_PLAINTEXT
      ? {
          sealDataPacket: (out, connId, pn, direction, plaintext, key) => wasm.sealPacket(out, connId, pn, direction, plaintext, key),
          openDataPacket: (packet, direction, key) => wasm.openPacket(packet, direction, key),
        }
      : {};
  return {
    name: AeadBackendName.WASM,
    ...packets,
    sealInto(out, outOffset, plaintext, aad, nonce, key) {
      const n = plaintext.length;
      if (outOffset < 0 || outOffset + n + AEAD_TAG_SIZE > out.length || nonce.length !== AEAD_NONCE_SIZE || key.length !== AEAD_KEY_SIZE) {
        throw new RangeError('AEAD seal: output, nonce or key has the wrong size');
      }
      if (n < largeFrom && aad.length <= WASM_MAX_AAD) {
        return wasm.seal(out, outOffset, plaintext, aad, nonce, key);
      }
      large.sealInto(out, outOffset, plaintext, aad, nonce, key);
    },
    open: (body, aad, nonce, key) => openAt(body, 0, aad, nonce, key),
    openAt,
  };
}

/** The WebAssembly module, instantiated once per process (null where the engine cannot run it). */
let wasmModule: WasmChaChaPoly | null | undefined;
export function loadWasmChaChaPoly(): WasmChaChaPoly | null {
  if (wasmModule === undefined) {
    wasmModule = WasmChaChaPoly.load();
  }
  return wasmModule;
}

let autoBackend: AeadBackend | undefined;

/** The first sodium loader whose backend passes the self-test, or null. */
function verifiedSodium(loaders: (() => SodiumAeadApi | null)[]): AeadBackend | null {
  for (const load of loaders) {
    const sodium = load();
    const candidate = sodium === null ? null : sodiumAeadBackend(sodium);
    if (candidate !== null && backendsAgree(candidate)) {
      return candidate;
    }
  }
  return null;
}

/**
 * Picks a backend; each candidate must pass {@link backendsAgree} first.
 * - `auto` (default): the WebAssembly module, with sodium (else node:crypto) for what does not fit
 *   its memory; else sodium; else node:crypto. Decided once per process.
 * - `wasm`: the WebAssembly module (node:crypto only where it does not fit); throws when it cannot run.
 * - `sodium`: sodium-native; throws when it is unavailable.
 * - `node`: node:crypto.
 * `loader` and `wasmLoader` are seams for tests (simulate an environment without either).
 *
 * @example
 * const backend = selectAeadBackend(); // backend.name === 'wasm' on these machines
 */
export function selectAeadBackend(
  preference: AeadPreference = 'auto',
  loader: () => SodiumAeadApi | null = loadSodiumNative,
  wasmLoader: () => WasmChaChaPoly | null = loadWasmChaChaPoly,
): AeadBackend {
  if (preference === AeadBackendName.NODE) {
    return nodeAeadBackend;
  }
  const useCache = loader === loadSodiumNative && wasmLoader === loadWasmChaChaPoly;
  if (preference === 'auto' && useCache && autoBackend !== undefined) {
    return autoBackend;
  }
  if (preference === AeadBackendName.WASM) {
    const wasm = wasmLoader();
    const candidate = wasm === null ? null : wasmAeadBackend(wasm);
    if (candidate === null || !backendsAgree(candidate)) {
      throw new Error('the WebAssembly ChaCha20-Poly1305 module cannot run here or failed its self-test');
    }
    return candidate;
  }
  // The binding first; should it fail the self-test, sodium-native's public functions.
  const sodium = verifiedSodium(useCache ? [loadSodiumNative, loadSodiumPublic] : [loader]);
  if (preference === AeadBackendName.SODIUM) {
    if (sodium === null) {
      throw new Error('sodium-native is not available or failed its self-test');
    }
    return sodium;
  }
  const wasm = wasmLoader();
  const withWasm = wasm === null ? null : wasmAeadBackend(wasm, sodium ?? nodeAeadBackend);
  const backend = withWasm !== null && backendsAgree(withWasm) ? withWasm : (sodium ?? nodeAeadBackend);
  if (useCache) {
    autoBackend = backend;
  }
  return backend;
}
