import { describe, expect, it } from '@jest/globals';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { AeadBackendName, backendsAgree, loadSodiumNative, loadSodiumPublic, loadWasmChaChaPoly, nodeAeadBackend, selectAeadBackend, sodiumAeadBackend, wasmAeadBackend } from './aead.backend.js';
import { AeadPacketCipher, createPacketCipher } from './packet-cipher.js';
import { DATA_HEADER_SIZE, Direction, encodeDataHeader, isDataPacket, readConnId, readPacketNumber } from './data-packet.codec.js';
import { hmac16, macEquals, verifyHmac16 } from './hmac16.js';

const K_S2C = Buffer.from('4b6de5dda8aa8387f0a114ff9dd81165488b90068fcea53f56ed539194ba09f7', 'hex');
const VECTOR_PACKET = '40efbeadde05000000d633153159cee93eb0b4bab8d3bd35e638';
const PING = Buffer.from([0x02]);

const sodium = loadSodiumNative();
const sodiumPublic = loadSodiumPublic();
const wasm = loadWasmChaChaPoly();
const backends = [
  nodeAeadBackend,
  ...(sodium ? [sodiumAeadBackend(sodium)] : []),
  ...(sodiumPublic ? [sodiumAeadBackend(sodiumPublic)] : []),
  ...(wasm ? [wasmAeadBackend(wasm), selectAeadBackend()] : []),
];
const noWasm = () => null;

describe('DATA packet AEAD (§3.2)', () => {
  it('loads sodium-native and the WebAssembly module under Jest ESM and prefers the module in auto mode', () => {
    expect(sodium).not.toBeNull();
    expect(wasm).not.toBeNull();
    expect(selectAeadBackend().name).toBe(AeadBackendName.WASM);
    expect(createPacketCipher(K_S2C, Direction.S2C).backend).toBe('wasm');
    expect(createPacketCipher(K_S2C, Direction.S2C, 'sodium').backend).toBe('sodium');
    expect(createPacketCipher(K_S2C, Direction.S2C, 'wasm').backend).toBe('wasm');
    expect(createPacketCipher(K_S2C, Direction.S2C, 'node').backend).toBe('node');
  });

  it('the WebAssembly backends seal and open whole DATA packets in one step unless they hand packet sizes over', () => {
    expect(typeof selectAeadBackend().sealDataPacket).toBe('function');
    expect(typeof selectAeadBackend().openDataPacket).toBe('function');
    expect(typeof wasmAeadBackend(wasm!).sealDataPacket).toBe('function');
    expect(wasmAeadBackend(wasm!, nodeAeadBackend, 500).sealDataPacket).toBeUndefined();
    expect(sodiumAeadBackend(sodium!).sealDataPacket).toBeUndefined();
    // … and the cipher takes that path: with the generic calls disabled it still seals and opens.
    const generic = () => {
      throw new Error('generic AEAD path taken');
    };
    const packetOnly = { ...wasmAeadBackend(wasm!), sealInto: generic, open: generic, openAt: generic };
    const viaModule = new AeadPacketCipher(K_S2C, Direction.S2C, packetOnly);
    expect(viaModule.sealPacket(0xdeadbeef, 5, PING).toString('hex')).toBe(VECTOR_PACKET);
    expect(viaModule.openPacket(Buffer.from(VECTOR_PACKET, 'hex'))!.equals(PING)).toBe(true);
    expect(() => viaModule.sealPacket(1, 2 ** 32, PING)).toThrow(RangeError);
    expect(() => viaModule.sealPacket(1, -1, PING)).toThrow(RangeError);
  });

  it('the self-test covers the whole-packet calls too: a wrong header, an accepting open or a missing half fails it', () => {
    const real = wasmAeadBackend(wasm!);
    expect(backendsAgree(real)).toBe(true);
    const wrongHeader = {
      ...real,
      sealDataPacket: (out: Buffer, connId: number, pn: number, direction: number, plaintext: Uint8Array, key: Uint8Array) => real.sealDataPacket!(out, connId ^ 1, pn, direction, plaintext, key),
    };
    expect(backendsAgree(wrongHeader)).toBe(false);
    const acceptsAnything = { ...real, openDataPacket: (packet: Uint8Array) => Buffer.from(packet.subarray(9, packet.length - 16)) };
    expect(backendsAgree(acceptsAnything)).toBe(false);
    expect(backendsAgree({ ...real, openDataPacket: undefined })).toBe(false);
  });

  it('falls back to sodium without the WebAssembly module, and to node:crypto without either', () => {
    expect(selectAeadBackend('auto', loadSodiumNative, noWasm).name).toBe(AeadBackendName.SODIUM);
    expect(() => selectAeadBackend('wasm', loadSodiumNative, noWasm)).toThrow(/WebAssembly/);
    expect(selectAeadBackend('auto', () => null, noWasm).name).toBe(AeadBackendName.NODE);
    expect(() => selectAeadBackend('sodium', () => null)).toThrow();
    const broken = {
      crypto_aead_chacha20poly1305_ietf_encrypt: () => 0,
      crypto_aead_chacha20poly1305_ietf_decrypt: () => 0,
    };
    expect(backendsAgree(sodiumAeadBackend(broken))).toBe(false);
    expect(selectAeadBackend('auto', () => broken, noWasm).name).toBe(AeadBackendName.NODE);
  });

  it('the WebAssembly backend hands plaintexts from largeFrom bytes on, and what does not fit its memory, to its large backend', () => {
    let handed = 0;
    const counting = {
      ...nodeAeadBackend,
      sealInto: (...args: Parameters<typeof nodeAeadBackend.sealInto>) => {
        handed++;
        nodeAeadBackend.sealInto(...args);
      },
      open: (...args: Parameters<typeof nodeAeadBackend.open>) => {
        handed++;
        return nodeAeadBackend.open(...args);
      },
    };
    const largeFrom = 500;
    const be = wasmAeadBackend(wasm!, counting, largeFrom);
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const cases = [
      { n: largeFrom - 1, aad: 9, large: false },
      { n: largeFrom, aad: 9, large: true },
      { n: 100, aad: 128, large: false },
      { n: 100, aad: 129, large: true },
    ];
    // Past the module's 2,032-byte region even without a largeFrom, or with one above it.
    const big = randomBytes(2_033);
    for (const whole of [wasmAeadBackend(wasm!, counting), wasmAeadBackend(wasm!, counting, 10_000)]) {
      const sealedBig = Buffer.alloc(2_049);
      handed = 0;
      whole.sealInto(sealedBig, 0, big, Buffer.alloc(9), nonce, key);
      expect(whole.open(sealedBig, Buffer.alloc(9), nonce, key)!.equals(big)).toBe(true);
      expect(handed).toBe(2);
    }
    for (const { n, aad: aadLength, large } of cases) {
      const plaintext = randomBytes(n);
      const aad = randomBytes(aadLength);
      const want = Buffer.alloc(n + 16);
      const got = Buffer.alloc(n + 16);
      nodeAeadBackend.sealInto(want, 0, plaintext, aad, nonce, key);
      handed = 0;
      be.sealInto(got, 0, plaintext, aad, nonce, key);
      expect(got.equals(want)).toBe(true);
      expect(be.open(want, aad, nonce, key)!.equals(plaintext)).toBe(true);
      expect(handed).toBe(large ? 2 : 0);
    }
  });

  it('the sodium backend checks lengths itself (the binding is called without sodium-native\'s asserts)', () => {
    expect(sodium).not.toBeNull();
    const be = sodiumAeadBackend(sodium!);
    const key = randomBytes(32);
    const nonce = Buffer.alloc(12);
    const plaintext = Buffer.alloc(40, 1);
    const canary = Buffer.alloc(64, 0xee);
    // An output 1 byte short must throw, not write past its end into the bytes after it.
    const short = canary.subarray(0, 40 + 16 - 1);
    expect(() => be.sealInto(short, 0, plaintext, Buffer.alloc(9), nonce, key)).toThrow(RangeError);
    expect(canary.every((b) => b === 0xee)).toBe(true);
    expect(() => be.sealInto(Buffer.alloc(100), 0, plaintext, Buffer.alloc(9), Buffer.alloc(8), key)).toThrow(RangeError);
    expect(() => be.sealInto(Buffer.alloc(100), 0, plaintext, Buffer.alloc(9), nonce, key.subarray(0, 16))).toThrow(RangeError);
    const sealed = Buffer.alloc(56);
    be.sealInto(sealed, 0, plaintext, Buffer.alloc(9), nonce, key);
    expect(be.open(sealed, Buffer.alloc(9), nonce, key)!.equals(plaintext)).toBe(true);
    expect(be.open(sealed.subarray(0, 15), Buffer.alloc(9), nonce, key)).toBeNull();
    expect(be.open(sealed, Buffer.alloc(9), Buffer.alloc(11), key)).toBeNull();
    sealed[55] ^= 1;
    expect(be.open(sealed, Buffer.alloc(9), nonce, key)).toBeNull();
  });

  it.each(backends.map((b, i) => [`${b.name}#${i}`, b] as const))('%s matches the §11 DATA packet vector exactly', (_name, backend) => {
    const cipher = new AeadPacketCipher(K_S2C, Direction.S2C, backend);
    const packet = cipher.sealPacket(0xdeadbeef, 5, PING);
    expect(packet.toString('hex')).toBe(VECTOR_PACKET);
    const header = encodeDataHeader(0xdeadbeef, 5);
    expect(Buffer.concat([header, cipher.seal(header, PING, 5)]).toString('hex')).toBe(VECTOR_PACKET);
    const wire = Buffer.from(VECTOR_PACKET, 'hex');
    expect(cipher.openPacket(wire)!.equals(PING)).toBe(true);
    expect(cipher.open(wire.subarray(0, 9), wire.subarray(9), 5)!.equals(PING)).toBe(true);
  });

  it('node:crypto, sodium-native and the WebAssembly module give identical bytes for random sizes, keys, pns and both directions', () => {
    expect(backends).toHaveLength(5); // node:crypto, the sodium binding, sodium-native's public API, wasm alone, auto
    for (let i = 0; i < 200; i++) {
      const key = randomBytes(32);
      const dir = i % 2 === 0 ? Direction.C2S : Direction.S2C;
      const pn = i === 0 ? 0xffffffef : randomBytes(4).readUInt32LE(0);
      const plaintext = randomBytes(1 + (i * 37) % 1175);
      const [a, ...others] = backends.map((be) => new AeadPacketCipher(key, dir, be).sealPacket(0x01020304, pn, plaintext));
      for (const b of others) expect(a!.equals(b)).toBe(true);
      for (const be of backends) expect(new AeadPacketCipher(key, dir, be).openPacket(a!)!.equals(plaintext)).toBe(true);
    }
  });

  it('KT-37 S→C packet: byte 0 = 0x40, conn_id, opens with K_s2c under nonce 01 00 00 00 ‖ pn u64 LE and AAD = header', () => {
    const cipher = createPacketCipher(K_S2C, Direction.S2C);
    const plaintext = Buffer.from('0102030405', 'hex');
    const packet = cipher.sealPacket(0xcafef00d, 0x01020304, plaintext);
    expect(packet[0]).toBe(0x40);
    expect(readConnId(packet)).toBe(0xcafef00d);
    expect(readPacketNumber(packet)).toBe(0x01020304);
    expect(packet.length).toBe(9 + plaintext.length + 16);
    const nonce = Buffer.from('01000000' + '0403020100000000', 'hex');
    const d = createDecipheriv('chacha20-poly1305', K_S2C, nonce, { authTagLength: 16 });
    d.setAAD(packet.subarray(0, 9), { plaintextLength: plaintext.length });
    d.setAuthTag(packet.subarray(packet.length - 16));
    const opened = Buffer.concat([d.update(packet.subarray(9, packet.length - 16)), d.final()]);
    expect(opened.equals(plaintext)).toBe(true);
  });

  it.each(backends.map((b) => [b.name, b] as const))('%s: a bit flipped anywhere → null (KT-40 crypto part)', (_name, backend) => {
    const cipher = new AeadPacketCipher(K_S2C, Direction.S2C, backend);
    const wire = Buffer.from(VECTOR_PACKET, 'hex');
    for (let byte = 0; byte < wire.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = Buffer.from(wire);
        bad[byte] = bad[byte]! ^ (1 << bit);
        expect(cipher.openPacket(bad)).toBeNull();
      }
    }
  });

  it('refuses wrong direction, wrong key, wrong pn, short and oversize packets', () => {
    const wire = Buffer.from(VECTOR_PACKET, 'hex');
    expect(createPacketCipher(K_S2C, Direction.C2S).openPacket(wire)).toBeNull();
    expect(createPacketCipher(Buffer.alloc(32), Direction.S2C).openPacket(wire)).toBeNull();
    const cipher = createPacketCipher(K_S2C, Direction.S2C);
    expect(cipher.open(wire.subarray(0, 9), wire.subarray(9), 6)).toBeNull();
    expect(cipher.open(wire.subarray(0, 9), wire.subarray(9, 25), 5)).toBeNull();
    expect(cipher.open(wire.subarray(0, 8), wire.subarray(9), 5)).toBeNull();
    expect(cipher.openPacket(wire.subarray(0, 25))).toBeNull();
    expect(cipher.openPacket(Buffer.concat([wire, Buffer.alloc(1200)]))).toBeNull();
    expect(isDataPacket(wire)).toBe(true);
    expect(isDataPacket(Buffer.alloc(26))).toBe(false);
    expect(() => cipher.sealPacket(1, 0, Buffer.alloc(0))).toThrow(RangeError);
    expect(() => cipher.sealPacket(1, 0, Buffer.alloc(1176))).toThrow(RangeError);
    expect(cipher.sealPacket(1, 0, Buffer.alloc(1175)).length).toBe(1200);
    expect(() => cipher.seal(Buffer.alloc(DATA_HEADER_SIZE), PING, -1)).toThrow(RangeError);
    expect(() => new AeadPacketCipher(Buffer.alloc(16), Direction.S2C, nodeAeadBackend)).toThrow(RangeError);
  });
});

describe('HMAC16', () => {
  it('is the first 16 bytes of HMAC-SHA256 over the concatenated parts', () => {
    const key = Buffer.alloc(32, 1);
    expect(hmac16(key, Buffer.from('ab'), Buffer.from('c')).equals(hmac16(key, Buffer.from('abc')))).toBe(true);
    expect(hmac16(key, Buffer.from('abc'))).toHaveLength(16);
  });

  it('verifies in constant time and refuses other lengths or any flipped bit', () => {
    const key = Buffer.alloc(32, 2);
    const mac = hmac16(key, Buffer.from('m'));
    expect(verifyHmac16(key, Buffer.from('m'), mac)).toBe(true);
    expect(macEquals(mac, mac.subarray(0, 15))).toBe(false);
    for (let i = 0; i < 128; i++) {
      const bad = Buffer.from(mac);
      bad[i >> 3] = bad[i >> 3]! ^ (1 << (i & 7));
      expect(verifyHmac16(key, Buffer.from('m'), bad)).toBe(false);
    }
  });
});
