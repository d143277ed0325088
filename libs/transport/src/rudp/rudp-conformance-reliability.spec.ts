import { describe, it, expect } from '@jest/globals';
import { RudpConnection } from './rudp-connection.js';
import { RudpRole } from './rudp-connection.types.js';
import { FrameType } from './rudp.constants.js';
import { inspectPacket, type InspectedPacket } from '../testing/packet-inspector.js';
import { RudpTestPair, ktMessage, ktTag } from '../testing/rudp-test-pair.js';
import { createTestCipherPair, sealDatagram } from '../testing/test-packet-cipher.js';
import type { Side } from '../testing/virtual-network.js';

interface Emitted {
  side: Side;
  time: number;
  bytes: Buffer;
}

/** A pair that records every emitted datagram; `drop` may veto one. */
function recordedPair(
  options: ConstructorParameters<typeof RudpTestPair>[0] & { drop?: (e: Emitted) => boolean } = {},
): { pair: RudpTestPair; emitted: Emitted[] } {
  const emitted: Emitted[] = [];
  const pair = new RudpTestPair({
    ...options,
    onEmit: (side, bytes, now) => {
      const e = { side, time: now, bytes: Buffer.from(bytes) };
      if (options.drop?.(e) === true) {
        return false;
      }
      emitted.push(e);
      return true;
    },
  });
  return { pair, emitted };
}

function serverPackets(pair: RudpTestPair, emitted: Emitted[], after = -1): InspectedPacket[] {
  return emitted
    .filter((e) => e.side === 'b' && e.time > after)
    .map((e) => inspectPacket(pair.ciphers.client, e.bytes) as InspectedPacket);
}

const isAckOnly = (p: InspectedPacket): boolean => p.frames.every((f) => f.type === FrameType.ACK);

describe('RudpConnection conformance: reliability and congestion (§3.3–§3.8)', () => {
  it('KT-42 an ack-eliciting client packet is acked within 25 ms + network delay when the server has nothing to send', () => {
    const { pair, emitted } = recordedPair({ seed: 42, rttSeedMs: 20, clientToServer: { delayMs: 10 }, serverToClient: { delayMs: 10 } });
    pair.connect();
    pair.net.runUntil(pair.net.now + 100);
    const sentAt = pair.net.now;
    pair.client.send(1, ktMessage(0x80, 20, 1));
    pair.net.flush();
    const clientPn = (emitted.filter((e) => e.side === 'a').at(-1) as Emitted).bytes.readUInt32LE(5);
    pair.net.runUntil(pair.net.now + 200);
    const ack = emitted.find(
      (e) => e.side === 'b' && e.time > sentAt && inspectPacket(pair.ciphers.client, e.bytes)?.frames[0].acked?.includes(clientPn),
    ) as Emitted;
    expect(ack).toBeDefined();
    expect(ack.time - sentAt).toBeLessThanOrEqual(10 + 25);
    expect(isAckOnly(inspectPacket(pair.ciphers.client, ack.bytes) as InspectedPacket)).toBe(true);
  });

  it('KT-43 ACK largest, bitmap and ranges exactly describe the pns received', () => {
    const received = new Set<number>();
    let checked = 0;
    let sawRanges = false;
    const pair: RudpTestPair = new RudpTestPair({
      seed: 43,
      rttSeedMs: 30,
      clientToServer: { delayMs: 15, jitterMs: 12, lossRate: 0.2, reorderRate: 0.1, reorderDelayMs: 20 },
      serverToClient: { delayMs: 15 },
      onDeliver: (to, bytes) => {
        if (to === 'b') {
          received.add(bytes.readUInt32LE(5));
        }
      },
      onEmit: (side, bytes) => {
        if (side !== 'b') {
          return;
        }
        const ack = inspectPacket(pair.ciphers.client, bytes)?.frames.find((f) => f.type === FrameType.ACK);
        if (ack?.acked === undefined) {
          return;
        }
        const acked = new Set(ack.acked);
        const largest = Math.max(...received);
        expect(ack.ackLargest).toBe(largest);
        const lowest = Math.min(...acked);
        for (let pn = lowest; pn <= largest; pn++) {
          expect([pn, acked.has(pn)]).toEqual([pn, received.has(pn)]);
        }
        sawRanges ||= lowest < largest - 64;
        checked++;
      },
    });
    pair.connect();
    for (let i = 0; i < 300; i++) {
      pair.client.send(i % 2 === 0 ? 1 : 4, ktMessage(0x80, 300, i));
      pair.net.runUntil(pair.net.now + 7);
    }
    pair.net.runUntil(pair.net.now + 3_000);
    expect(checked).toBeGreaterThan(50);
    expect(sawRanges).toBe(true);
  });

  it('KT-44 the server never sends an ACK-only packet in reply to an ACK-only packet', () => {
    const { pair, emitted } = recordedPair({ seed: 44, rttSeedMs: 20, clientToServer: { delayMs: 10 }, serverToClient: { delayMs: 10 } });
    pair.connect();
    for (let i = 0; i < 100; i++) {
      pair.server.send(1, ktMessage(0x80, 900, i));
    }
    pair.net.runUntil(pair.net.now + 3_000);
    expect(pair.clientEvents.messages).toHaveLength(100);
    const eliciting = new Map<number, boolean>();
    for (const e of emitted.filter((x) => x.side === 'a')) {
      const p = inspectPacket(pair.ciphers.server, e.bytes) as InspectedPacket;
      eliciting.set(p.pn, p.ackEliciting);
    }
    const acked = new Set<number>();
    let ackOnlyCount = 0;
    for (const p of serverPackets(pair, emitted)) {
      const fresh = (p.frames.find((f) => f.type === FrameType.ACK)?.acked ?? []).filter((pn) => !acked.has(pn));
      if (isAckOnly(p)) {
        ackOnlyCount++;
        // Every ACK-only packet answers at least one ack-eliciting client packet (a keep-alive PING here).
        expect(fresh.some((pn) => eliciting.get(pn) === true)).toBe(true);
      }
      fresh.forEach((pn) => acked.add(pn));
    }
    expect(ackOnlyCount).toBeLessThanOrEqual(2);
    // And directly: an ACK-only packet into an idle server produces nothing.
    const ciphers = createTestCipherPair(44);
    const sut = new RudpConnection({ role: RudpRole.SERVER, connId: 1, cipher: ciphers.server, now: 0 });
    sut.poll(0);
    const ackOnly = Buffer.alloc(16);
    ackOnly[0] = FrameType.ACK;
    sut.onDatagram(10, sealDatagram(ciphers.client, 1, 0, ackOnly));
    expect(sut.poll(10)).toEqual([]);
    expect(sut.poll(500)).toHaveLength(0);
  });

  it('KT-45 reliable data in a dropped packet is sent again in a packet with a new pn; RO order is preserved', () => {
    let dropped: InspectedPacket | undefined;
    const holder: { pair?: RudpTestPair } = {};
    const { pair, emitted } = recordedPair({
      seed: 45,
      rttSeedMs: 20,
      clientToServer: { delayMs: 10 },
      serverToClient: { delayMs: 10 },
      drop: (e) => {
        if (e.side !== 'b' || dropped !== undefined || holder.pair === undefined) {
          return false;
        }
        const p = inspectPacket(holder.pair.ciphers.client, e.bytes) as InspectedPacket;
        if (p.frames.some((f) => f.channel === 1 && f.msgId === 5)) {
          dropped = p;
          return true;
        }
        return false;
      },
    });
    holder.pair = pair;
    pair.connect();
    for (let i = 0; i < 40; i++) {
      pair.server.send(1, ktMessage(0x80, 400, i));
    }
    pair.net.runUntil(pair.net.now + 2_000);
    expect(dropped).toBeDefined();
    const again = serverPackets(pair, emitted).filter((p) => p.frames.some((f) => f.channel === 1 && f.msgId === 5));
    expect(again).toHaveLength(1);
    expect(again[0].pn).toBeGreaterThan((dropped as InspectedPacket).pn);
    expect(pair.clientEvents.messages.map((m) => ktTag(m.message))).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('KT-46 when the client stops acknowledging, probes follow after about 1 PTO with doubling intervals capped at 2 s', () => {
    const { pair, emitted } = recordedPair({
      seed: 46,
      rttSeedMs: 50,
      clientToServer: { delayMs: 5 },
      serverToClient: { delayMs: 5 },
      drop: (e) => e.side === 'a' && e.time > 1_100,
    });
    pair.connect();
    pair.net.runUntil(1_200);
    const pto = pair.server.ptoMs;
    pair.server.send(1, ktMessage(0x80, 100, 1));
    pair.net.runUntil(1_200 + 9_000);
    const times = serverPackets(pair, emitted, 1_199)
      .map((p, i) => ({ p, t: emitted.filter((e) => e.side === 'b' && e.time > 1_199)[i].time }))
      .filter(({ p }) => p.ackEliciting)
      .map(({ t }) => t);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(gaps[0]).toBeCloseTo(pto, 0);
    expect(gaps[1]).toBeCloseTo(2 * pto, 0);
    expect(gaps[2]).toBeCloseTo(4 * pto, 0);
    for (const gap of gaps) {
      expect(gap).toBeLessThanOrEqual(2_000 + 1e-6);
    }
    expect(gaps.filter((g) => Math.abs(g - 2_000) < 1e-6).length).toBeGreaterThanOrEqual(2);
  });

  it('KT-47 before its first ACK the server keeps at most max(12,000, minSendRate · srtt) bytes in flight, probes aside', () => {
    let start = Number.POSITIVE_INFINITY;
    const { pair, emitted } = recordedPair({
      seed: 47,
      rttSeedMs: 100,
      clientToServer: { delayMs: 50 },
      serverToClient: { delayMs: 50 },
      drop: (e) => e.side === 'a' && e.time >= start,
    });
    pair.connect();
    start = pair.net.now;
    const pto = pair.server.ptoMs;
    for (let i = 0; i < 100; i++) {
      pair.server.send(1, ktMessage(0x80, 1_000, i));
    }
    pair.net.runUntil(start + pto - 1);
    const bytes = emitted.filter((e) => e.side === 'b' && e.time >= start).reduce((a, e) => a + e.bytes.length, 0);
    expect(bytes).toBeGreaterThan(10_000);
    expect(bytes).toBeLessThanOrEqual(Math.max(12_000, (32_768 * 100) / 1_000));
  });

  it('KT-48 averaged over any 1 s the server never exceeds maxSendRate to one connection', () => {
    const { pair, emitted } = recordedPair({ seed: 48, rttSeedMs: 4, clientToServer: { delayMs: 2 }, serverToClient: { delayMs: 2 } });
    pair.connect();
    for (let i = 0; i < 900; i++) {
      pair.server.send(1, ktMessage(0x80, 1_097, i));
    }
    pair.net.runUntil(pair.net.now + 6_000);
    expect(pair.clientEvents.messages).toHaveLength(900);
    const sends = emitted.filter((e) => e.side === 'b');
    let worst = 0;
    for (let i = 0, j = 0, sum = 0; i < sends.length; i++) {
      sum += sends[i].bytes.length;
      while (sends[i].time - sends[j].time >= 1_000) {
        sum -= sends[j++].bytes.length;
      }
      worst = Math.max(worst, sum);
    }
    expect(worst).toBeLessThanOrEqual(262_144);
    expect(worst).toBeGreaterThan(240_000);
  });

  it('KT-49 an unreliable message never appears in two packets', () => {
    const { pair, emitted } = recordedPair({
      seed: 49,
      rttSeedMs: 30,
      clientToServer: { delayMs: 15, lossRate: 0.2 },
      serverToClient: { delayMs: 15, jitterMs: 10, lossRate: 0.2 },
    });
    pair.connect();
    for (let i = 0; i < 200; i++) {
      pair.server.send(3, ktMessage(0x13, 60, i));
      pair.server.send(4, ktMessage(0x13, 60, 10_000 + i));
      pair.server.send(1, ktMessage(0x80, 60, 20_000 + i));
      pair.net.runUntil(pair.net.now + 10);
    }
    pair.net.runUntil(pair.net.now + 2_000);
    const seen = new Map<number, number>();
    for (const p of serverPackets(pair, emitted)) {
      for (const f of p.frames) {
        if ((f.channel === 3 || f.channel === 4) && f.message !== undefined) {
          const tag = ktTag(f.message);
          seen.set(tag, (seen.get(tag) ?? 0) + 1);
        }
      }
    }
    expect(seen.size).toBe(400);
    expect(Math.max(...seen.values())).toBe(1);
    expect(pair.server.stats().retransmittedBytes).toBeGreaterThan(0);
  });

  it('KT-50 a 65,535-B payload on an RO channel arrives intact in 60 FRAG frames of 1,100 B (last 638 B)', () => {
    const { pair, emitted } = recordedPair({ seed: 50, rttSeedMs: 20, clientToServer: { delayMs: 10 }, serverToClient: { delayMs: 10 } });
    pair.connect();
    const big = ktMessage(0x80, 65_535, 50);
    pair.server.send(1, big);
    pair.net.runUntil(pair.net.now + 3_000);
    expect(pair.clientEvents.messages).toHaveLength(1);
    expect(pair.clientEvents.messages[0].message.equals(big)).toBe(true);
    const frags = serverPackets(pair, emitted).flatMap((p) => p.frames.filter((f) => f.type === (FrameType.FRAG | 1)));
    expect(frags).toHaveLength(60);
    expect(frags.map((f) => f.fragIndex)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(frags.every((f) => f.fragCount === 60)).toBe(true);
    expect(frags.slice(0, 59).every((f) => f.chunkLength === 1_100)).toBe(true);
    expect(frags[59].chunkLength).toBe(638);
  });

  describe('KT-51 an authenticated packet that breaks the frame rules → CLOSE PROTOCOL_ERROR', () => {
    const one = Buffer.concat([Buffer.from([0x14]), ktMessage(0x80, 0)]);
    const ackUnsent = Buffer.alloc(16);
    ackUnsent[0] = FrameType.ACK;
    ackUnsent.writeUInt32LE(100_000, 1);
    it.each([
      ['FRAG frag_count 61', Buffer.from([0x21, 0, 0, 0, 61, 1, 0, 9])],
      ['FRAG on a US channel', Buffer.from([0x23, 0, 0, 0, 2, 1, 0, 9])],
      ['FRAG on a U channel', Buffer.from([0x24, 0, 0, 0, 2, 1, 0, 9])],
      ['a wrong chunk_len', Buffer.concat([Buffer.from([0x21, 0, 0, 0, 2, 100, 0]), Buffer.alloc(100)])],
      ['65 MSG frames', Buffer.concat(Array.from({ length: 65 }, () => one))],
      ['an unknown frame type', Buffer.from([0x0a])],
      ['an ACK for an unsent pn', ackUnsent],
      ['a WELCOME from the client', Buffer.from([0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0])],
      ['a PATH_CHALLENGE from the client', Buffer.from([0x05, 1, 2, 3, 4, 5, 6, 7, 8])],
    ])('%s', (_name, plaintext) => {
      const { pair, emitted } = recordedPair({ seed: 51, rttSeedMs: 20, clientToServer: { delayMs: 5 }, serverToClient: { delayMs: 5 } });
      pair.connect();
      const t = pair.net.now;
      pair.net.inject('b', sealDatagram(pair.ciphers.client, pair.connId, 5_000, plaintext));
      pair.net.runUntil(t + 100);
      const closes = serverPackets(pair, emitted, t - 1).filter((p) => p.frames.some((f) => f.type === FrameType.CLOSE));
      expect(closes).toHaveLength(3);
      expect(closes.every((p) => p.frames.find((f) => f.type === FrameType.CLOSE)?.closeReason === 1)).toBe(true);
      expect(pair.serverEvents.closes[0].error?.name).toBe('ProtocolError');
      // (The client sees an ACK for the forged pn in those packets, which it never sent: it stops too.)
      expect(pair.client.state).not.toBe('connected');
    });
  });

  it('KT-52 messages queued in the same event-loop turn share packets (20 small events in ≤ 2 packets)', () => {
    const { pair, emitted } = recordedPair({ seed: 52, rttSeedMs: 20, clientToServer: { delayMs: 5 }, serverToClient: { delayMs: 5 } });
    pair.connect();
    pair.net.runUntil(pair.net.now + 50);
    const t = pair.net.now;
    for (let i = 0; i < 20; i++) {
      pair.server.send(0, ktMessage(0x14, 40, i));
    }
    pair.net.flush();
    const packets = serverPackets(pair, emitted, t - 1e-9).filter((p) => p.frames.some((f) => f.channel === 0));
    expect(packets.length).toBeLessThanOrEqual(2);
    expect(packets.flatMap((p) => p.frames.filter((f) => f.channel === 0))).toHaveLength(20);
  });
});
