/**
 * ChaCha20-Poly1305 (IETF, 96-bit nonce, 16-byte tag) behind one small interface with two
 * implementations: node:crypto and sodium-native (libsodium). Both produce identical bytes; the
 * sodium one is several times cheaper per small packet (spec §3.2 figures, bench/transport-crypto).
 * sodium-native is loaded lazily and synchronously; when it cannot be loaded, or fails its
 * self-test against node:crypto, `auto` falls back to node:crypto.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { createRequire } from 'node:module';

export const AEAD_KEY_SIZE = 32;
export const AEAD_NONCE_SIZE = 12;
export const AEAD_TAG_SIZE = 16;

export const AeadBackendName = {
  NODE: 'node',
  SODIUM: 'sodium',
} as const;
export type AeadBackendName = (typeof AeadBackendName)[keyof typeof AeadBackendName];

export type AeadPreference = AeadBackendName | 'auto';

export interface AeadBackend {
  readonly name: AeadBackendName;
  /** Writes ciphertext ‖ tag (`plaintext.length + 16` B) into `out` at `outOffset`. */
  sealInto(out: Buffer, outOffset: number, plaintext: Uint8Array, aad: Uint8Array, nonce: Uint8Array, key: Uint8Array): void;
  /** Plaintext of `body` (= ciphertext ‖ tag) in a new buffer, or null when the tag does not verify. */
  open(body: Uint8Array, aad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer | null;
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

/** The part of sodium-native's API used here. */
export interface SodiumAeadApi {
  crypto_aead_chacha20poly1305_ietf_encrypt(
    c: Uint8Array,
    m: Uint8Array,
    ad: Uint8Array | null,
    nsec: null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
  crypto_aead_chacha20poly1305_ietf_decrypt(
    m: Uint8Array,
    nsec: null,
    c: Uint8Array,
    ad: Uint8Array | null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
}

/** Wraps a loaded sodium-native module as a backend. */
export function sodiumAeadBackend(sodium: SodiumAeadApi): AeadBackend {
  return {
    name: AeadBackendName.SODIUM,
    sealInto(out, outOffset, plaintext, aad, nonce, key) {
      sodium.crypto_aead_chacha20poly1305_ietf_encrypt(
        out.subarray(outOffset, outOffset + plaintext.length + AEAD_TAG_SIZE),
        plaintext,
        aad,
        null,
        nonce,
        key,
      );
    },
    open(body, aad, nonce, key) {
      const n = body.length - AEAD_TAG_SIZE;
      if (n < 0) {
        return null;
      }
      const pt = Buffer.allocUnsafe(n);
      try {
        // sodium-native throws when the tag does not verify; forged packets are the rare path.
        sodium.crypto_aead_chacha20poly1305_ietf_decrypt(pt, null, body, aad, nonce, key);
      } catch {
        return null;
      }
      return pt;
    },
  };
}

/** Synchronously loads sodium-native; null when it is not installed or its binary does not load. */
export function loadSodiumNative(): SodiumAeadApi | null {
  try {
    const require = createRequire(import.meta.url);
    const mod = require('sodium-native') as Partial<SodiumAeadApi>;
    if (typeof mod.crypto_aead_chacha20poly1305_ietf_encrypt !== 'function' || typeof mod.crypto_aead_chacha20poly1305_ietf_decrypt !== 'function') {
      return null;
    }
    return mod as SodiumAeadApi;
  } catch {
    return null;
  }
}

/** Seals and opens one fixed message with both backends; true when they agree byte for byte. */
export function backendsAgree(candidate: AeadBackend): boolean {
  try {
    const key = Buffer.alloc(AEAD_KEY_SIZE, 0x5a);
    const nonce = Buffer.from('010000000500000000000000', 'hex');
    const aad = Buffer.from('kt1 self-test');
    const plaintext = Buffer.from('KaosTalk AEAD self-test payload');
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
    return candidate.open(a, aad, nonce, key) === null;
  } catch {
    return false;
  }
}

let autoBackend: AeadBackend | undefined;

/**
 * Picks a backend. `auto` (default) = sodium-native when it loads and passes the self-test, else
 * node:crypto; decided once per process. `sodium` throws when sodium-native is unavailable.
 * `loader` is a seam for tests (simulate an environment without the native module).
 *
 * @example
 * const backend = selectAeadBackend(); // backend.name === 'sodium' on these machines
 */
export function selectAeadBackend(preference: AeadPreference = 'auto', loader: () => SodiumAeadApi | null = loadSodiumNative): AeadBackend {
  if (preference === AeadBackendName.NODE) {
    return nodeAeadBackend;
  }
  const useCache = loader === loadSodiumNative;
  if (preference === 'auto' && useCache && autoBackend !== undefined) {
    return autoBackend;
  }
  const sodium = loader();
  const candidate = sodium === null ? null : sodiumAeadBackend(sodium);
  const chosen = candidate !== null && backendsAgree(candidate) ? candidate : null;
  if (preference === AeadBackendName.SODIUM) {
    if (chosen === null) {
      throw new Error('sodium-native is not available or failed its self-test');
    }
    return chosen;
  }
  const backend = chosen ?? nodeAeadBackend;
  if (useCache) {
    autoBackend = backend;
  }
  return backend;
}
