// RUDP core throughput over the in-memory virtual network (no sockets, no real crypto: the test
// cipher stands in for ChaCha20-Poly1305, whose cost is measured separately). Figures are printed,
// never asserted. Run: `npm run bench -- rudp` or `node --import ./scripts/ts-register.mjs bench/rudp.bench.ts`.
import { performance } from 'node:perf_hooks';
import { RudpConnection } from '../libs/transport/src/rudp/rudp-connection.js';
import { RudpRole } from '../libs/transport/src/rudp/rudp-connection.types.js';
import type { RudpLimits } from '../libs/transport/src/rudp/rudp.options.js';
import { RudpTestPair, ktMessage } from '../libs/transport/src/testing/rudp-test-pair.js';
import { createTestCipherPair } from '../libs/transport/src/testing/test-packet-cipher.js';
import { randomBytes } from 'node:crypto';
import { createPacketCipher } from '../libs/transport/src/crypto/packet-cipher.js';
import { Direction } from '../libs/transport/src/crypto/data-packet.codec.js';
import { duplexCipher } from '../libs/transport/src/udp/duplex-cipher.js';

/** Lifts the rate clamp so the CPU, not the spec's 256 KiB/s per-connection cap, is measured. */
const UNCAPPED: Partial<RudpLimits> = {
  maxSendRate: 1e12,
  minSendRate: 1e9,
  pacerBurst: 1e12,
  maxInboundPacketsPerSec: 1e9,
  maxQueuedOutboundBytes: 1e12,
  maxQueuedOutboundMessages: 1e9,
};

function run(label: string, channel: number, payload: number, count: number, link = {}): void {
  const pair = new RudpTestPair({ seed: 1, rttSeedMs: 1, limits: UNCAPPED, clientToServer: link, serverToClient: link });
  pair.connect();
  const message = ktMessage(0x13, payload, 1);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const t0 = performance.now();
  let sent = 0;
  const batch = 64;
  while (sent < count) {
    for (let i = 0; i < batch && sent < count; i++, sent++) {
      pair.server.send(channel, message);
    }
    pair.net.runUntil(pair.net.now + 1);
  }
  pair.net.runWhile(() => pair.clientEvents.messages.length < count && pair.server.stats().backlogMessages > 0, 60_000);
  const ms = performance.now() - t0;
  const s = pair.server.stats();
  const got = pair.clientEvents.messages.length;
  console.log(
    `${label.padEnd(44)} ${String(Math.round((got / ms) * 1000)).padStart(9)} msg/s  ${((ms * 1000) / got).toFixed(2).padStart(6)} µs/msg (send+ack)  ` +
      `${((s.bytesSent / ms) * 1000 / 1e6).toFixed(1)} MB/s wire, ${s.packetsSent} pkts, ${got}/${count} delivered`,
  );
  pair.clientEvents.messages.length = 0;
}

function codecOnly(count: number): void {
  // Baseline in the same run: the test cipher alone, seal + open of a 1,200-B datagram.
  const ciphers = createTestCipherPair(1);
  const header = Buffer.alloc(9);
  const plaintext = Buffer.alloc(1_175, 3);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const sealed = ciphers.server.seal(header, plaintext, i);
    ciphers.client.open(header, sealed, i);
  }
  const ms = performance.now() - t0;
  console.log(`${'baseline: test cipher seal+open 1,200 B'.padEnd(44)} ${((ms * 1000) / count).toFixed(2)} µs/packet`);
}

function idleConnections(n: number): void {
  const ciphers = createTestCipherPair(1);
  const conns: RudpConnection[] = [];
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) {
    conns.push(new RudpConnection({ role: RudpRole.SERVER, connId: i + 1, cipher: ciphers.server, now: 0 }));
  }
  const after = process.memoryUsage().heapUsed;
  console.log(`${`heap per idle connection (${n})`.padEnd(44)} ${((after - before) / n / 1024).toFixed(1)} KiB`);
}

/**
 * One RO request and its reply through both RUDP cores with the real AEAD (sodium-native when it
 * loads), no sockets: the protocol's own CPU cost per echo round trip. Baseline in the same run:
 * the four AEAD operations alone (seal + open each way) on packets of the same size.
 */
function pingPong(count: number): void {
  const kc = randomBytes(32);
  const ks = randomBytes(32);
  const pair = new RudpTestPair({
    limits: UNCAPPED,
    cipherPair: {
      client: duplexCipher(createPacketCipher(kc, Direction.C2S), createPacketCipher(ks, Direction.S2C)),
      server: duplexCipher(createPacketCipher(ks, Direction.S2C), createPacketCipher(kc, Direction.C2S)),
    },
  });
  pair.connect();
  const message = ktMessage(0xa0, 61, 1);
  const clientAddress = { address: '10.0.0.1', port: 40_000 };
  const serverAddress = { address: '10.0.0.2', port: 7_350 };
  let now = pair.net.now;
  let size = 0;
  const roundTrip = () => {
    now += 0.05;
    pair.client.send(1, message, now);
    for (const d of pair.client.poll(now)) {
      size = d.length;
      pair.server.onDatagram(now, d, clientAddress);
    }
    pair.server.send(1, pair.serverEvents.messages.pop()!.message, now);
    for (const d of pair.server.poll(now)) pair.client.onDatagram(now, d, serverAddress);
    pair.clientEvents.messages.pop();
  };
  const c2s = createPacketCipher(kc, Direction.C2S);
  const s2c = createPacketCipher(ks, Direction.S2C);
  const aeadOnly = () => {
    const plaintext = Buffer.alloc(size - 25, 1);
    const a = c2s.sealPacket(7, 1, plaintext);
    c2s.openPacket(a);
    const b = s2c.sealPacket(7, 1, plaintext);
    s2c.openPacket(b);
  };
  // CPU time, best of 5 (wall time on a shared machine moves with other work).
  const best = (fn: () => void) => {
    for (let i = 0; i < 5_000; i++) fn();
    let us = Infinity;
    for (let rep = 0; rep < 5; rep++) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < count; i++) fn();
      const c = process.cpuUsage(c0);
      us = Math.min(us, (c.user + c.system) / count);
    }
    return us;
  };
  const rt = best(roundTrip);
  const aead = best(aeadOnly);
  console.log(
    `${'RO echo round trip, both cores, real AEAD'.padEnd(44)} ${rt.toFixed(2).padStart(6)} µs CPU  (baseline: 4 AEAD ops alone ${aead.toFixed(2)} µs, ` +
      `${(aead / rt * 100).toFixed(0)} %; protocol logic ${(rt - aead).toFixed(2)} µs; ${size}-B packets, ${pair.client.stats().ackOnlyPacketsSent} ACK-only sent)`,
  );
}

console.log(`node ${process.version}`);
pingPong(50_000);
codecOnly(20_000);
run('RO 64 B messages, perfect link', 1, 64, 200_000);
run('RO 1,000 B messages, perfect link', 1, 1_000, 50_000);
run('US 64 B messages, perfect link', 3, 64, 200_000);
run('U 64 B messages, perfect link', 4, 64, 200_000);
run('RO 16 KiB messages (15 fragments)', 1, 16_384, 3_000);
run('RO 64 B messages, 5 % loss, 10 ms', 1, 64, 100_000, { lossRate: 0.05, delayMs: 10 });
idleConnections(2_000);
