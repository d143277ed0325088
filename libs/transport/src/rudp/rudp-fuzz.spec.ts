import { describe, it, expect } from '@jest/globals';
import { ProtocolError } from '../codec/protocol-error.js';
import { RudpConnection } from './rudp-connection.js';
import { RudpRole, RudpState } from './rudp-connection.types.js';
import { FrameType } from './rudp.constants.js';
import { RecordingListener, ktMessage } from '../testing/rudp-test-pair.js';
import { SeededRandom } from '../testing/seeded-random.js';
import { createTestCipherPair, sealDatagram } from '../testing/test-packet-cipher.js';

/** Frames that are individually valid for a fresh server connection (ACK of its pn 0 WELCOME packet). */
function templates(rng: SeededRandom): Buffer[] {
  const ack = Buffer.alloc(16);
  ack[0] = FrameType.ACK;
  const msgId = rng.int(1_100);
  const frag = Buffer.concat([Buffer.from([0x21, msgId & 0xff, msgId >> 8, rng.int(3), 3, 0x4c, 0x04]), Buffer.alloc(1_100, rng.int(256))]);
  return [
    ack,
    Buffer.from([FrameType.PING]),
    Buffer.from([FrameType.PADDING, 0, 0, 0]),
    Buffer.concat([Buffer.from([0x10, rng.int(4), 0]), ktMessage(0x01, rng.int(40))]),
    Buffer.concat([Buffer.from([0x11, msgId & 0xff, msgId >> 8]), ktMessage(0x80, rng.int(200))]),
    Buffer.concat([Buffer.from([0x12, msgId & 0xff, msgId >> 8]), ktMessage(0x81, rng.int(200))]),
    Buffer.concat([Buffer.from([0x13, rng.int(256), rng.int(256)]), ktMessage(0x13, rng.int(100))]),
    Buffer.concat([Buffer.from([0x14]), ktMessage(0x13, rng.int(100))]),
    Buffer.concat([Buffer.from([FrameType.PATH_RESPONSE]), rng.bytes(8)]),
    frag.subarray(0, rng.chance(0.5) ? frag.length : 7 + rng.int(1_100)),
  ];
}

function mutate(rng: SeededRandom): Buffer {
  const t = templates(rng);
  const parts: Buffer[] = [];
  const n = 1 + rng.int(6);
  for (let i = 0; i < n; i++) {
    parts.push(t[rng.int(t.length)]);
  }
  let plaintext: Buffer = Buffer.concat(parts).subarray(0, 1_175);
  const kind = rng.int(10);
  if (kind === 0) {
    plaintext = rng.bytes(1 + rng.int(1_175));
  } else if (kind <= 4) {
    plaintext = Buffer.from(plaintext);
    for (let flips = 1 + rng.int(3); flips > 0; flips--) {
      plaintext[rng.int(plaintext.length)] = rng.int(256);
    }
  } else if (kind === 5) {
    plaintext = plaintext.subarray(0, rng.int(plaintext.length + 1));
  }
  return plaintext;
}

describe('RudpConnection fuzz (seeded, bounded)', () => {
  it('random and mutated frames in authenticated packets only ever close with a ProtocolError, never throw, and stay bounded', () => {
    const rng = new SeededRandom(0xf022);
    const ciphers = createTestCipherPair(7);
    let closes = 0;
    let delivered = 0;
    let now = 0;
    for (let session = 0; session < 60; session++) {
      const events = new RecordingListener();
      const sut = new RudpConnection({ role: RudpRole.SERVER, connId: 5, cipher: ciphers.server, now, listener: events });
      sut.poll(now);
      let pn = 0;
      for (let i = 0; i < 150 && (sut.state === RudpState.PENDING || sut.state === RudpState.CONNECTED); i++) {
        now += rng.int(30);
        const plaintext = mutate(rng);
        const datagram = sealDatagram(ciphers.client, 5, pn, plaintext);
        pn += rng.chance(0.05) ? 1 + rng.int(2_000) : 1;
        expect(() => sut.onDatagram(now, datagram.subarray(0, Math.min(1_200, datagram.length)))).not.toThrow();
        if (rng.chance(0.3)) {
          expect(() => sut.poll(now)).not.toThrow();
        }
        const s = sut.stats();
        expect(s.receiveBufferedBytes).toBeLessThanOrEqual(131_072 + 65_538);
        expect(s.backlogMessages).toBe(0);
      }
      delivered += events.messages.length;
      for (const close of events.closes.filter((c) => c.initiator === 'local')) {
        closes++;
        expect(close.error).toBeInstanceOf(ProtocolError);
        expect(close.reason).toBe(1);
      }
      expect(() => sut.poll(now + 10_000)).not.toThrow();
    }
    expect(closes).toBeGreaterThan(30);
    expect(delivered).toBeGreaterThan(50);
  });
});
