/**
 * AEAD cost per DATA packet (spec §3.2): seal + open of one packet with node:crypto, sodium-native
 * and the WebAssembly module, at 26 B (one PING frame), 112 B (the echo bench's packet), 200 B,
 * 217 B (the largest that takes sodium's keystream + Poly1305 path, chacha-poly-split.ts), then
 * 400–1,200 B on the wire, where `auto` hands packets over from the module to sodium
 * (WASM_LARGE_FROM). `sodium` is that backend alone; `sodium-combined` is libsodium's one-call
 * AEAD alone; `wasm` is the module for every size; `auto` is what the server runs. Figures are
 * printed, never asserted; the ratio is against node:crypto measured in the same run.
 *
 *   npm run bench -- transport-crypto      (or: npm run bench:transport)
 */
import { randomBytes } from 'node:crypto';
import { loadSodiumNative, loadWasmChaChaPoly, nodeAeadBackend, selectAeadBackend, sodiumAeadBackend, wasmAeadBackend } from '../libs/transport/src/crypto/aead.backend.js';
import type { AeadBackend } from '../libs/transport/src/crypto/aead.backend.js';
import { Direction } from '../libs/transport/src/crypto/data-packet.codec.js';
import { AeadPacketCipher } from '../libs/transport/src/crypto/packet-cipher.js';

const PACKET_SIZES = [26, 112, 200, 217, 400, 600, 800, 1_000, 1_200];
const OVERHEAD = 9 + 16;
const ROUNDS = 7;
const TARGET_MS_PER_ROUND = 150;

interface Result {
  readonly usPerOp: number;
  readonly opsPerSec: number;
}

function roundTrip(cipher: AeadPacketCipher, plaintext: Buffer, iterations: number, pn0: number): number {
  let sink = 0;
  for (let i = 0; i < iterations; i++) {
    const packet = cipher.sealPacket(0xdeadbeef, (pn0 + i) >>> 0, plaintext);
    const opened = cipher.openPacket(packet);
    sink += opened === null ? 1 : opened[0]!;
  }
  return sink;
}

function calibrate(cipher: AeadPacketCipher, plaintext: Buffer): number {
  // Size rounds to about TARGET_MS_PER_ROUND, warming the JIT on the way.
  let iterations = 1_000;
  for (;;) {
    const t0 = process.hrtime.bigint();
    roundTrip(cipher, plaintext, iterations, 0);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms >= TARGET_MS_PER_ROUND / 2) return Math.max(1_000, Math.round((iterations * TARGET_MS_PER_ROUND) / ms));
    iterations *= 2;
  }
}

/** Rounds of the backends interleaved (A, B, A, B, …) so both see the same machine load. */
function measure(backends: readonly AeadBackend[], packetSize: number): Result[] {
  const plaintext = randomBytes(packetSize - OVERHEAD);
  const ciphers = backends.map((b) => new AeadPacketCipher(randomBytes(32), Direction.S2C, b));
  const iterations = ciphers.map((c) => calibrate(c, plaintext));
  const samples: number[][] = backends.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    ciphers.forEach((cipher, i) => {
      (globalThis as { gc?: () => void }).gc?.();
      const t0 = process.hrtime.bigint();
      roundTrip(cipher, plaintext, iterations[i]!, r * iterations[i]!);
      samples[i]!.push(Number(process.hrtime.bigint() - t0) / 1e3 / iterations[i]!);
    });
  }
  return samples.map((s) => {
    s.sort((a, b) => a - b);
    const usPerOp = s[Math.floor(s.length / 2)]!;
    return { usPerOp, opsPerSec: 1e6 / usPerOp };
  });
}

function main(): void {
  const sodium = loadSodiumNative();
  const backends: AeadBackend[] = [nodeAeadBackend];
  if (sodium === null) {
    console.log('sodium-native could not be loaded: node:crypto only');
  } else {
    backends.push(sodiumAeadBackend(sodium));
    const combinedOnly = {
      crypto_aead_chacha20poly1305_ietf_encrypt: sodium.crypto_aead_chacha20poly1305_ietf_encrypt,
      crypto_aead_chacha20poly1305_ietf_decrypt: sodium.crypto_aead_chacha20poly1305_ietf_decrypt,
    };
    backends.push({ ...sodiumAeadBackend(combinedOnly), name: 'sodium-combined' as AeadBackend['name'] });
  }
  const wasm = loadWasmChaChaPoly();
  if (wasm === null) {
    console.log('the WebAssembly module could not be loaded');
  } else {
    backends.push(wasmAeadBackend(wasm));
    backends.push({ ...selectAeadBackend(), name: 'auto' as AeadBackend['name'] });
  }
  console.log(`Node ${process.version}; seal + open of one DATA packet (median of ${ROUNDS} interleaved rounds)`);
  console.log('packet  backend          µs/op    ops/s      vs node:crypto');
  for (const size of PACKET_SIZES) {
    const results = measure(backends, size);
    const baseline = results[0]!.usPerOp;
    results.forEach((r, i) => {
      const name = backends[i]!.name;
      const vs = i === 0 ? '1.00x (baseline)' : `${(baseline / r.usPerOp).toFixed(2)}x faster`;
      console.log(`${String(size).padStart(5)} B  ${name.padEnd(15)}  ${r.usPerOp.toFixed(2).padStart(5)}  ${Math.round(r.opsPerSec).toString().padStart(9)}  ${vs}`);
    });
  }
}

main();
