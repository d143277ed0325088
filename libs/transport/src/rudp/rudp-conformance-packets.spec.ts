import { describe, it, expect } from '@jest/globals';
import { RudpConnection } from './rudp-connection.js';
import { RudpRole, RudpState } from './rudp-connection.types.js';
import { FrameType } from './rudp.constants.js';
import { inspectPacket } from '../testing/packet-inspector.js';
import { RecordingListener, RudpTestPair, ktMessage, ktTag } from '../testing/rudp-test-pair.js';
import { createTestCipherPair, sealDatagram } from '../testing/test-packet-cipher.js';

const LINK = { delayMs: 15, jitterMs: 5 };

function msgFrame(channel: number, msgId: number, message: Buffer): Buffer {
  const head = Buffer.from([0x10 | channel, msgId & 0xff, msgId >> 8]);
  return Buffer.concat([head, message]);
}

describe('RudpConnection conformance: packets and crypto (§3.1, §3.2)', () => {
  it('KT-36 no datagram from either side exceeds 1,200 B, whatever is queued', () => {
    let max = 0;
    const pair = new RudpTestPair({
      seed: 36,
      rttSeedMs: 30,
      clientToServer: { ...LINK, lossRate: 0.05 },
      serverToClient: { ...LINK, lossRate: 0.05 },
      onEmit: (_side, bytes) => {
        max = Math.max(max, bytes.length);
      },
    });
    pair.connect();
    for (let i = 0; i < 30; i++) {
      pair.server.send(i % 3, ktMessage(0x80, i % 10 === 9 ? 65_535 : (i * 1_301) % 8_000, i));
      pair.server.send(3, ktMessage(0x13, 1_097, i));
      pair.server.send(4, ktMessage(0x13, 1_098, i));
      pair.client.send(1, ktMessage(0x80, 1_097, i));
    }
    pair.net.runUntil(pair.net.now + 10_000);
    expect(pair.clientEvents.messages.filter((m) => m.channel < 3)).toHaveLength(30);
    expect(max).toBeGreaterThan(1_150);
    expect(max).toBeLessThanOrEqual(1_200);
  });

  it('KT-38 server pns start at 0 and increase by exactly 1 per packet, retransmissions included', () => {
    const pns: number[] = [];
    const pair = new RudpTestPair({
      seed: 38,
      rttSeedMs: 30,
      serverToClient: { ...LINK, lossRate: 0.15 },
      clientToServer: LINK,
      onEmit: (side, bytes) => {
        if (side === 'b') {
          pns.push(bytes.readUInt32LE(5));
        }
      },
    });
    pair.connect();
    for (let i = 0; i < 200; i++) {
      pair.server.send(1, ktMessage(0x80, 500, i));
    }
    pair.net.runUntil(pair.net.now + 10_000);
    expect(pair.server.stats().retransmittedBytes).toBeGreaterThan(0);
    expect(pns).toEqual(pns.map((_, i) => i));
  });

  it('KT-39 a replayed copy of an accepted DATA packet has no effect', () => {
    const captured: Buffer[] = [];
    const pair = new RudpTestPair({
      seed: 39,
      onEmit: (side, bytes) => {
        if (side === 'a') {
          captured.push(Buffer.from(bytes));
        }
      },
    });
    pair.connect();
    pair.client.send(0, ktMessage(0x20, 40, 7));
    pair.net.runUntil(pair.net.now + 500);
    expect(pair.serverEvents.messages).toHaveLength(1);
    for (const copy of captured) {
      pair.net.inject('b', copy);
    }
    pair.net.runUntil(pair.net.now + 500);
    expect(pair.serverEvents.messages).toHaveLength(1);
    expect(pair.server.stats().droppedReplay).toBe(captured.length);
    expect(pair.server.state).toBe(RudpState.CONNECTED);
  });

  it('KT-40 a DATA packet with any bit flipped is dropped without CLOSE and the connection continues', () => {
    let original: Buffer | undefined;
    const pair = new RudpTestPair({
      seed: 40,
      onEmit: (side, bytes) => {
        if (side === 'a' && original === undefined && bytes.length > 40) {
          original = Buffer.from(bytes);
          return false;
        }
        return true;
      },
    });
    pair.connect();
    pair.client.send(0, ktMessage(0x20, 40, 1));
    pair.net.flush();
    expect(original).toBeDefined();
    const datagram = original as Buffer;
    // Every bit after byte 0 (byte 0 is checked first; conn_id flips are dropped as unknown).
    for (let bit = 8; bit < datagram.length * 8; bit++) {
      const tampered = Buffer.from(datagram);
      tampered[bit >> 3] ^= 1 << (bit & 7);
      pair.net.inject('b', tampered);
    }
    pair.net.runUntil(pair.net.now + 1);
    const stats = pair.server.stats();
    expect(stats.droppedAuth + stats.droppedOther + stats.droppedReplay).toBe(datagram.length * 8 - 8);
    expect(pair.serverEvents.closes).toEqual([]);
    pair.net.runUntil(pair.net.now + 2_000);
    expect(pair.serverEvents.messages.map((m) => ktTag(m.message))).toEqual([1]);
    expect(pair.server.state).toBe(RudpState.CONNECTED);
  });

  it('KT-41 a forged far-future pn does not block genuine packets; pn ≤ largest − 1,024 is dropped; unknown conn_id is silent', () => {
    const ciphers = createTestCipherPair(41);
    const events = new RecordingListener();
    const sut = new RudpConnection({ role: RudpRole.SERVER, connId: 9, cipher: ciphers.server, now: 0, listener: events });
    sut.poll(0);
    const ping = Buffer.from([FrameType.PING]);
    sut.onDatagram(1, sealDatagram(ciphers.client, 9, 5, ping));
    // Forged: pn = largest + 1,000,000 with a bad tag.
    const forged = sealDatagram(ciphers.client, 9, 1_000_005, ping);
    forged[forged.length - 1] ^= 0xff;
    sut.onDatagram(2, forged);
    sut.onDatagram(3, sealDatagram(ciphers.client, 9, 6, msgFrame(0, 0, ktMessage(0x20, 4, 1))));
    expect(events.messages).toHaveLength(1);
    sut.onDatagram(4, sealDatagram(ciphers.client, 9, 2_000, ping));
    sut.onDatagram(5, sealDatagram(ciphers.client, 9, 2_000 - 1_024, msgFrame(0, 1, ktMessage(0x20, 4, 2))));
    expect(events.messages).toHaveLength(1);
    expect(sut.stats().droppedReplay).toBe(1);
    sut.onDatagram(6, sealDatagram(ciphers.client, 9, 2_000 - 1_023, msgFrame(0, 1, ktMessage(0x20, 4, 2))));
    expect(events.messages).toHaveLength(2);
    // Unknown conn_id: no state change, nothing owed.
    sut.poll(100);
    sut.onDatagram(200, sealDatagram(ciphers.client, 10, 3_000, ping));
    expect(sut.poll(200)).toEqual([]);
    expect(sut.stats().droppedOther).toBe(1);
  });
});
