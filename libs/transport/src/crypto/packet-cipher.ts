/**
 * Per-packet AEAD of DATA packets (spec §3.2): ChaCha20-Poly1305, key `K_c2s` or `K_s2c`,
 * nonce = `dir` u8 ‖ 00 00 00 ‖ `pn` u64 LE, AAD = the 9 header bytes. One cipher per key and
 * direction: the sender seals with it, the receiver opens with it. The replay window is not
 * here: it belongs to the RUDP connection (pre-check before `open`, mark after success).
 */
// The module binding, not the global: Node 20's global `Buffer` is a getter, a generic load per use.
import { Buffer } from 'node:buffer';
import { AEAD_KEY_SIZE, AEAD_NONCE_SIZE, selectAeadBackend } from './aead.backend.js';
import type { AeadBackend, AeadBackendName, AeadPreference } from './aead.backend.js';
import {
  DATA_HEADER_SIZE,
  DATA_TAG_SIZE,
  MAX_PLAINTEXT,
  MAX_UDP_PAYLOAD,
  MIN_DATA_PACKET,
  PacketType,
  readPacketNumber,
  writeDataHeader,
} from './data-packet.codec.js';
import type { Direction } from './data-packet.codec.js';
import { ownedCopy } from './owned-bytes.js';

export interface PacketCipher {
  /** Which AEAD implementation runs underneath. */
  readonly backend: AeadBackendName;
  /** ciphertext ‖ tag of `plaintext` under (`header` 9 B as AAD, `pn`). */
  seal(header: Buffer, plaintext: Buffer, pn: number): Buffer;
  /** Plaintext of `body` (ciphertext ‖ tag), or null when it does not authenticate. */
  open(header: Buffer, body: Buffer, pn: number): Buffer | null;
  /** A whole datagram, header ‖ ciphertext ‖ tag, in one allocation. */
  sealPacket(connId: number, pn: number, plaintext: Buffer): Buffer;
  /**
   * Opens a whole datagram (pn read from its header). Null when it is not a DATA packet of
   * 26–1,200 B or does not authenticate. The caller does the replay pre-check first.
   */
  openPacket(packet: Buffer): Buffer | null;
}

/** PacketCipher on any {@link AeadBackend}; the nonce buffer is reused (both backends copy it). */
export class AeadPacketCipher implements PacketCipher {
  readonly backend: AeadBackendName;
  readonly #aead: AeadBackend;
  readonly #key: Buffer;
  readonly #nonce = Buffer.alloc(AEAD_NONCE_SIZE);
  /** The 9 header bytes as AAD, copied here: a view into each datagram is one object per packet. */
  readonly #aad = Buffer.alloc(DATA_HEADER_SIZE);
  readonly #direction: Direction;

  constructor(key: Uint8Array, direction: Direction, aead: AeadBackend) {
    if (key.length !== AEAD_KEY_SIZE) {
      throw new RangeError(`packet key must be ${AEAD_KEY_SIZE} bytes`);
    }
    this.#aead = aead;
    this.backend = aead.name;
    this.#key = ownedCopy(key); // lives as long as the connection
    this.#nonce[0] = direction;
    this.#direction = direction;
  }

  #setPn(pn: number): Buffer {
    if (pn >>> 0 !== pn) {
      throw new RangeError(`pn must be a u32, got ${pn}`);
    }
    const nonce = this.#nonce;
    nonce[4] = pn & 0xff;
    nonce[5] = (pn >>> 8) & 0xff;
    nonce[6] = (pn >>> 16) & 0xff;
    nonce[7] = pn >>> 24;
    return nonce;
  }

  seal(header: Buffer, plaintext: Buffer, pn: number): Buffer {
    if (header.length !== DATA_HEADER_SIZE) {
      throw new RangeError('DATA header must be 9 bytes');
    }
    const out = Buffer.allocUnsafe(plaintext.length + DATA_TAG_SIZE);
    this.#aead.sealInto(out, 0, plaintext, header, this.#setPn(pn), this.#key);
    return out;
  }

  open(header: Buffer, body: Buffer, pn: number): Buffer | null {
    if (header.length !== DATA_HEADER_SIZE || body.length <= DATA_TAG_SIZE || pn >>> 0 !== pn) {
      return null;
    }
    return this.#aead.open(body, header, this.#setPn(pn), this.#key);
  }

  sealPacket(connId: number, pn: number, plaintext: Buffer): Buffer {
    if (plaintext.length < 1 || plaintext.length > MAX_PLAINTEXT) {
      throw new RangeError(`DATA plaintext must be 1–${MAX_PLAINTEXT} bytes, got ${plaintext.length}`);
    }
    const out = Buffer.allocUnsafe(DATA_HEADER_SIZE + plaintext.length + DATA_TAG_SIZE);
    const aead = this.#aead;
    if (aead.sealDataPacket !== undefined) {
      if (pn >>> 0 !== pn) {
        throw new RangeError(`pn must be a u32, got ${pn}`);
      }
      aead.sealDataPacket(out, connId >>> 0, pn, this.#direction, plaintext, this.#key);
      return out;
    }
    const aad = this.#aad;
    writeDataHeader(aad, 0, connId >>> 0, pn);
    for (let i = 0; i < DATA_HEADER_SIZE; i++) {
      out[i] = aad[i]!;
    }
    aead.sealInto(out, DATA_HEADER_SIZE, plaintext, aad, this.#setPn(pn), this.#key);
    return out;
  }

  openPacket(packet: Buffer): Buffer | null {
    if (packet.length < MIN_DATA_PACKET || packet.length > MAX_UDP_PAYLOAD || packet[0] !== PacketType.DATA) {
      return null;
    }
    const aead = this.#aead;
    if (aead.openDataPacket !== undefined) {
      return aead.openDataPacket(packet, this.#direction, this.#key);
    }
    const nonce = this.#setPn(readPacketNumber(packet));
    const aad = this.#aad;
    for (let i = 0; i < DATA_HEADER_SIZE; i++) {
      aad[i] = packet[i]!;
    }
    return aead.openAt !== undefined ? aead.openAt(packet, DATA_HEADER_SIZE, aad, nonce, this.#key) : aead.open(packet.subarray(DATA_HEADER_SIZE), aad, nonce, this.#key);
  }
}

/**
 * A PacketCipher for `key` and `direction` on the preferred backend (`auto`: the WebAssembly
 * module when it runs, else sodium-native, else node:crypto).
 *
 * @example
 * const send = createPacketCipher(keys.s2c, Direction.S2C); // server side, outbound
 * const recv = createPacketCipher(keys.c2s, Direction.C2S); // server side, inbound
 * socket.send(send.sealPacket(connId, pn++, plaintext));
 */
export function createPacketCipher(key: Uint8Array, direction: Direction, preference: AeadPreference = 'auto'): PacketCipher {
  return new AeadPacketCipher(key, direction, selectAeadBackend(preference));
}
