import type { PacketCipher } from '../rudp/rudp-connection.types.js';

const TAG = 16;

function mix(h: number, b: number, m: number): number {
  h = Math.imul(h ^ b, m);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * A cheap stand-in for the ChaCha20-Poly1305 PacketCipher in sans-IO tests: the "ciphertext" is the
 * plaintext, the tag a 128-bit keyed checksum over key, direction, header, pn and plaintext, so any
 * bit flip, a wrong key, a wrong direction or a replay under another pn fails to open. NOT secure.
 */
export class TestPacketCipher implements PacketCipher {
  readonly #key: number;
  readonly #sealDir: number;
  readonly #openDir: number;

  /** `sealDir` = this side's direction byte (0 C→S, 1 S→C); opening uses the other. */
  constructor(key: number, sealDir: 0 | 1) {
    this.#key = key >>> 0;
    this.#sealDir = sealDir;
    this.#openDir = sealDir ^ 1;
  }

  seal(header: Buffer, plaintext: Buffer, pn: number): Buffer {
    const out = Buffer.allocUnsafe(plaintext.length + TAG);
    plaintext.copy(out, 0);
    this.#tag(this.#sealDir, header, plaintext, pn, out, plaintext.length);
    return out;
  }

  open(header: Buffer, body: Buffer, pn: number): Buffer | null {
    if (body.length < TAG + 1) {
      return null;
    }
    const n = body.length - TAG;
    const plaintext = body.subarray(0, n);
    const expected = Buffer.allocUnsafe(TAG);
    this.#tag(this.#openDir, header, plaintext, pn, expected, 0);
    if (!expected.equals(body.subarray(n))) {
      return null;
    }
    return Buffer.from(plaintext);
  }

  #tag(dir: number, header: Buffer, plaintext: Buffer, pn: number, out: Buffer, offset: number): void {
    // Four independent 32-bit multiply-xorshift lanes.
    let h0 = (this.#key ^ 0x243f6a88 ^ dir) >>> 0;
    let h1 = (this.#key ^ 0x85a308d3 ^ (pn >>> 0)) >>> 0;
    let h2 = (this.#key ^ 0x13198a2e ^ (dir << 8)) >>> 0;
    let h3 = (this.#key ^ 0x03707344 ^ plaintext.length) >>> 0;
    for (let i = 0; i < header.length; i++) {
      h0 = mix(h0, header[i], 0x9e3779b1);
      h1 = mix(h1, header[i], 0x85ebca77);
    }
    for (let i = 0; i < plaintext.length; i++) {
      const b = plaintext[i] + i * 257;
      h0 = mix(h0, b, 0x9e3779b1);
      h1 = mix(h1, b, 0x85ebca77);
      h2 = mix(h2, b, 0xc2b2ae3d);
      h3 = mix(h3, b, 0x27d4eb2f);
    }
    out.writeUInt32LE(mix(h0, h3, 0x165667b1), offset);
    out.writeUInt32LE(mix(h1, h2, 0xd3a2646c), offset + 4);
    out.writeUInt32LE(mix(h2, h0, 0xfd7046c5), offset + 8);
    out.writeUInt32LE(mix(h3, h1, 0xb55a4f09), offset + 12);
  }
}

/** Ciphers for both ends of one connection under the same key. */
export function createTestCipherPair(key: number): { client: TestPacketCipher; server: TestPacketCipher } {
  return { client: new TestPacketCipher(key, 0), server: new TestPacketCipher(key, 1) };
}

/** Builds a DATA datagram: header(flags 0x40, conn_id, pn) ‖ seal(plaintext). */
export function sealDatagram(cipher: PacketCipher, connId: number, pn: number, plaintext: Buffer): Buffer {
  const header = Buffer.allocUnsafe(9);
  header[0] = 0x40;
  header.writeUInt32LE(connId >>> 0, 1);
  header.writeUInt32LE(pn >>> 0, 5);
  return Buffer.concat([header, cipher.seal(header, plaintext, pn)]);
}

/** Opens a DATA datagram with `cipher` (the receiving side's); null if it does not authenticate. */
export function openDatagram(cipher: PacketCipher, datagram: Buffer): { connId: number; pn: number; plaintext: Buffer } | null {
  const pn = datagram.readUInt32LE(5);
  const plaintext = cipher.open(datagram.subarray(0, 9), datagram.subarray(9), pn);
  return plaintext === null ? null : { connId: datagram.readUInt32LE(1), pn, plaintext };
}
