/**
 * KaosTalk key schedule (spec §4.4, §10.14): HKDF-SHA256, 32-byte outputs, `info` = ASCII label
 * directly followed by `pid8` (protocol_id as 8 bytes LE), data-key salt = client_nonce ‖ server_nonce.
 */
import { hkdfSync } from 'node:crypto';

export const KEY_SIZE = 32;
export const NONCE_SIZE = 16;

const LABEL_HS_C2S = Buffer.from('kt1 hs c2s', 'ascii');
const LABEL_HS_S2C = Buffer.from('kt1 hs s2c', 'ascii');
const LABEL_DATA_C2S = Buffer.from('kt1 data c2s', 'ascii');
const LABEL_DATA_S2C = Buffer.from('kt1 data s2c', 'ascii');

/** `pid8`: protocol_id as 8 bytes little-endian. */
export function protocolIdBytes(protocolId: bigint): Buffer {
  if (protocolId < 0n || protocolId > 0xffff_ffff_ffff_ffffn) {
    throw new RangeError('protocol_id must be a u64');
  }
  const out = Buffer.allocUnsafe(8);
  out.writeBigUInt64LE(protocolId, 0);
  return out;
}

/** HKDF-SHA256 with a 32-byte output. */
export function hkdf32(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, KEY_SIZE));
}

function check(name: string, value: Uint8Array, size: number): void {
  if (value.length !== size) {
    throw new RangeError(`${name} must be ${size} bytes, got ${value.length}`);
  }
}

export interface HandshakeKeys {
  /** Key of `hello_mac` and `response_mac`. */
  readonly hsC2s: Buffer;
  /** Key of `challenge_mac` and the DENIED MAC. */
  readonly hsS2c: Buffer;
}

export interface DataKeys {
  /** `K_c2s`: AEAD key of client → server DATA packets. */
  readonly c2s: Buffer;
  /** `K_s2c`: AEAD key of server → client DATA packets. */
  readonly s2c: Buffer;
}

/** `K_hs_c2s` only (what a server needs to check a HELLO or RESPONSE MAC). */
export function deriveHandshakeC2s(keyC2s: Uint8Array, clientNonce: Uint8Array, pid8: Uint8Array): Buffer {
  check('key_c2s', keyC2s, KEY_SIZE);
  check('client_nonce', clientNonce, NONCE_SIZE);
  return hkdf32(keyC2s, clientNonce, Buffer.concat([LABEL_HS_C2S, pid8]));
}

/** `K_hs_s2c` only (CHALLENGE and DENIED MACs). */
export function deriveHandshakeS2c(keyS2c: Uint8Array, clientNonce: Uint8Array, pid8: Uint8Array): Buffer {
  check('key_s2c', keyS2c, KEY_SIZE);
  check('client_nonce', clientNonce, NONCE_SIZE);
  return hkdf32(keyS2c, clientNonce, Buffer.concat([LABEL_HS_S2C, pid8]));
}

/**
 * Both handshake MAC keys.
 *
 * @example
 * const { hsC2s, hsS2c } = deriveHandshakeKeys(keyC2s, keyS2c, clientNonce, protocolIdBytes(0x123456789abcdef0n));
 */
export function deriveHandshakeKeys(keyC2s: Uint8Array, keyS2c: Uint8Array, clientNonce: Uint8Array, pid8: Uint8Array): HandshakeKeys {
  return { hsC2s: deriveHandshakeC2s(keyC2s, clientNonce, pid8), hsS2c: deriveHandshakeS2c(keyS2c, clientNonce, pid8) };
}

/** Per-connection traffic keys `K_c2s` / `K_s2c` (§4.4). */
export function deriveDataKeys(
  keyC2s: Uint8Array,
  keyS2c: Uint8Array,
  clientNonce: Uint8Array,
  serverNonce: Uint8Array,
  pid8: Uint8Array,
): DataKeys {
  check('key_c2s', keyC2s, KEY_SIZE);
  check('key_s2c', keyS2c, KEY_SIZE);
  check('client_nonce', clientNonce, NONCE_SIZE);
  check('server_nonce', serverNonce, NONCE_SIZE);
  const salt = Buffer.concat([clientNonce, serverNonce]);
  return {
    c2s: hkdf32(keyC2s, salt, Buffer.concat([LABEL_DATA_C2S, pid8])),
    s2c: hkdf32(keyS2c, salt, Buffer.concat([LABEL_DATA_S2C, pid8])),
  };
}
