import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { nodeAeadBackend } from './aead.backend.js';
import { WASM_MAX_AAD, WASM_MAX_PLAINTEXT, WasmChaChaPoly } from './chacha-poly-wasm.js';
import { CHACHA_POLY_WASM_BASE64 } from './chacha-poly.wasm.js';

const wasm = WasmChaChaPoly.load()!;

function reference(plaintext: Uint8Array, aad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer {
  const out = Buffer.alloc(plaintext.length + 16);
  nodeAeadBackend.sealInto(out, 0, plaintext, aad, nonce, key);
  return out;
}

function seal(plaintext: Uint8Array, aad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer {
  const out = Buffer.alloc(plaintext.length + 16);
  wasm.seal(out, 0, plaintext, aad, nonce, key);
  return out;
}

/** The raw module, for what the class does not show: its memory after a call, and its own traps. */
function rawModule(): {
  memory: Uint8Array;
  seal(t: number, a: number): void;
  open(t: number, a: number): number;
  sealPacket(t: number, connId: number, pn: number, dir: number): void;
  openPacket(t: number, dir: number): number;
} {
  const api = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => { exports: Record<string, unknown> } } }).WebAssembly;
  const { exports } = new api.Instance(new api.Module(Buffer.from(CHACHA_POLY_WASM_BASE64, 'base64')), {});
  return {
    memory: new Uint8Array((exports.memory as { buffer: ArrayBuffer }).buffer),
    seal: exports.seal as (t: number, a: number) => void,
    open: exports.open as (t: number, a: number) => number,
    sealPacket: exports.sealPacket as (t: number, connId: number, pn: number, dir: number) => void,
    openPacket: exports.openPacket as (t: number, dir: number) => number,
  };
}

describe('ChaCha20-Poly1305 in WebAssembly', () => {
  it('loads here (Node has WebAssembly SIMD) and refuses bytes that are not the module', () => {
    expect(wasm).not.toBeNull();
    expect(WasmChaChaPoly.load(Buffer.from('not wasm'))).toBeNull();
    // A valid module without the expected layout (an empty module: magic + version only).
    expect(WasmChaChaPoly.load(Buffer.from('0061736d01000000', 'hex'))).toBeNull();
  });

  it('matches the RFC 8439 §2.8.2 test vector', () => {
    const key = Buffer.from('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f', 'hex');
    const nonce = Buffer.from('070000004041424344454647', 'hex');
    const aad = Buffer.from('50515253c0c1c2c3c4c5c6c7', 'hex');
    const plaintext = Buffer.from("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const sealed = seal(plaintext, aad, nonce, key);
    expect(sealed.subarray(0, 16).toString('hex')).toBe('d31a8d34648e60db7b86afbc53ef7ec2');
    expect(sealed.subarray(plaintext.length).toString('hex')).toBe('1ae10b594f09e26a7e902ecbd0600691');
    expect(sealed.equals(reference(plaintext, aad, nonce, key))).toBe(true);
    expect(wasm.open(sealed, 0, aad, nonce, key)!.equals(plaintext)).toBe(true);
  });

  it('gives node:crypto\'s bytes for every plaintext length up to 700, then a stride to the region\'s end, with AADs of 0–128 bytes', () => {
    const aadLengths = [0, 1, 9, 15, 16, 17, 64, WASM_MAX_AAD];
    const lengths = [...Array.from({ length: 701 }, (_, i) => i), ...Array.from({ length: 30 }, (_, i) => 701 + i * 44), WASM_MAX_PLAINTEXT];
    let mismatches = 0;
    for (const [i, n] of lengths.entries()) {
      const key = randomBytes(32);
      const nonce = randomBytes(12);
      const aad = randomBytes(aadLengths[i % aadLengths.length]!);
      const plaintext = randomBytes(n);
      const want = reference(plaintext, aad, nonce, key);
      if (!seal(plaintext, aad, nonce, key).equals(want)) mismatches++;
      const opened = wasm.open(want, 0, aad, nonce, key);
      if (opened === null || !opened.equals(plaintext)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('carries no state from one call to the next (sizes and keys interleaved)', () => {
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const aad = randomBytes(9);
    const texts = [randomBytes(87), randomBytes(700), randomBytes(0), randomBytes(193), randomBytes(87)];
    const want = texts.map((t) => reference(t, aad, nonce, key));
    for (let round = 0; round < 3; round++) {
      for (const [i, t] of texts.entries()) {
        expect(seal(t, aad, nonce, key).equals(want[i]!)).toBe(true);
        // A failed open in between leaves nothing behind either.
        const bad = Buffer.from(want[i]!);
        bad[bad.length - 1] ^= 0x80;
        expect(wasm.open(bad, 0, aad, nonce, key)).toBeNull();
      }
    }
  });

  it('refuses every single-bit change to ciphertext or tag (one and two keystream batches), and a wrong AAD, nonce or key', () => {
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const aad = randomBytes(9);
    for (const n of [100, 300]) {
      const plaintext = randomBytes(n);
      const sealed = reference(plaintext, aad, nonce, key);
      let accepted = 0;
      for (let byte = 0; byte < sealed.length; byte++) {
        for (let bit = 0; bit < 8; bit++) {
          const bad = Buffer.from(sealed);
          bad[byte] = bad[byte]! ^ (1 << bit);
          if (wasm.open(bad, 0, aad, nonce, key) !== null) accepted++;
        }
      }
      expect(accepted).toBe(0);
      const flip = (b: Buffer) => {
        const c = Buffer.from(b);
        c[0] = c[0]! ^ 1;
        return c;
      };
      expect(wasm.open(sealed, 0, flip(aad), nonce, key)).toBeNull();
      expect(wasm.open(sealed, 0, aad.subarray(1), nonce, key)).toBeNull();
      expect(wasm.open(sealed, 0, aad, flip(nonce), key)).toBeNull();
      expect(wasm.open(sealed, 0, aad, nonce, flip(key))).toBeNull();
      expect(wasm.open(sealed.subarray(0, sealed.length - 1), 0, aad, nonce, key)).toBeNull();
      expect(wasm.open(sealed, 0, aad, nonce, key)!.equals(plaintext)).toBe(true);
    }
  });

  it('opens the body at any offset of a packet, in place (one copy) or through a view past 512 bytes', () => {
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const aad = randomBytes(9);
    const plaintext = randomBytes(150);
    const body = reference(plaintext, aad, nonce, key);
    for (const offset of [0, 9, 16, 17, 512, 513, 700]) {
      const packet = Buffer.concat([randomBytes(offset), body]);
      expect(wasm.open(packet, offset, aad, nonce, key)!.equals(plaintext)).toBe(true);
      packet[offset + 3] ^= 4;
      expect(wasm.open(packet, offset, aad, nonce, key)).toBeNull();
    }
  });

  it('wipes the keystream, the one-time Poly1305 key and its scratch before a call returns', () => {
    const m = rawModule();
    m.memory.set(randomBytes(32), 0);
    m.memory.set(randomBytes(12), 32);
    m.memory.set(randomBytes(9), 128);
    m.memory.set(randomBytes(300), 1024);
    const scratch = () => [...m.memory.subarray(48, 128), ...m.memory.subarray(256, 512)];
    m.seal(300, 9);
    expect(scratch().some((b) => b !== 0)).toBe(false);
    expect(m.open(300, 9)).toBe(1);
    expect(scratch().some((b) => b !== 0)).toBe(false);
    m.memory[1024] ^= 1;
    expect(m.open(300, 9)).toBe(0);
    expect(scratch().some((b) => b !== 0)).toBe(false);
    m.sealPacket(300, 7, 9, 1);
    expect(scratch().some((b) => b !== 0)).toBe(false);
    expect(m.openPacket(300, 1)).toBe(1);
    expect(scratch().some((b) => b !== 0)).toBe(false);
  });

  it('seals and opens whole DATA packets (§3.2): header 0x40 ‖ conn_id ‖ pn as AAD, nonce dir ‖ 0³ ‖ pn u64 LE, as node:crypto computes them', () => {
    const key = randomBytes(32);
    const cases = [
      { n: 1, connId: 0, pn: 0, dir: 0 },
      { n: 87, connId: 0xdeadbeef, pn: 5, dir: 1 },
      { n: 193, connId: 0xffff_ffff, pn: 0xffff_ffef, dir: 0 },
      { n: 1_175, connId: 0x01020304, pn: 0x80000000, dir: 1 },
    ];
    for (const { n, connId, pn, dir } of cases) {
      const plaintext = randomBytes(n);
      const header = Buffer.alloc(9);
      header[0] = 0x40;
      header.writeUInt32LE(connId, 1);
      header.writeUInt32LE(pn, 5);
      const nonce = Buffer.alloc(12);
      nonce[0] = dir;
      nonce.writeUInt32LE(pn, 4);
      const want = Buffer.concat([header, reference(plaintext, header, nonce, key)]);
      const got = Buffer.alloc(9 + n + 16);
      wasm.sealPacket(got, connId, pn, dir, plaintext, key);
      expect(got.equals(want)).toBe(true);
      expect(wasm.openPacket(want, dir, key)!.equals(plaintext)).toBe(true);
      // The header is authenticated: another conn_id or pn, or the other direction, fails.
      for (const byte of [1, 5, 8]) {
        const bad = Buffer.from(want);
        bad[byte] ^= 0x10;
        expect(wasm.openPacket(bad, dir, key)).toBeNull();
      }
      expect(wasm.openPacket(want, dir ^ 1, key)).toBeNull();
    }
  });

  it('traps rather than run past its regions when called with lengths the wrapper would not pass', () => {
    const m = rawModule();
    expect(() => m.seal(WASM_MAX_PLAINTEXT + 1, 0)).toThrow();
    expect(() => m.open(0, WASM_MAX_AAD + 1)).toThrow();
    expect(() => m.seal(WASM_MAX_PLAINTEXT, WASM_MAX_AAD)).not.toThrow();
    expect(WasmChaChaPoly.fits(WASM_MAX_PLAINTEXT, WASM_MAX_AAD)).toBe(true);
    expect(WasmChaChaPoly.fits(WASM_MAX_PLAINTEXT + 1, 0)).toBe(false);
    expect(WasmChaChaPoly.fits(0, WASM_MAX_AAD + 1)).toBe(false);
  });

  it('agrees with a second, independent reference (node:crypto\'s cipher objects, not the backend) on all-ones inputs', () => {
    // Carries through every Poly1305 limb: all-ones key, AAD and text.
    const key = Buffer.alloc(32, 0xff);
    const nonce = Buffer.alloc(12, 0xff);
    for (const n of [0, 15, 16, 64, 191, 192, 193, 1_200]) {
      const plaintext = Buffer.alloc(n, 0xff);
      const aad = Buffer.alloc(16, 0xff);
      const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
      c.setAAD(aad, { plaintextLength: n });
      const want = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
      expect(seal(plaintext, aad, nonce, key).equals(want)).toBe(true);
    }
  });

  it('the committed bytes are what the AssemblyScript source compiles to (npm run build:wasm --check)', () => {
    const r = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 90_000);
});
