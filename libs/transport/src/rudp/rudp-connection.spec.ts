import { describe, it, expect } from '@jest/globals';
import { CloseReason, ProtocolErrorCode } from '../codec/protocol-error.js';
import { RudpConnection } from './rudp-connection.js';
import { RudpRole, RudpState } from './rudp-connection.types.js';
import { SendStatus } from './rudp-channel-state.js';
import { ChannelMode, FrameType } from './rudp.constants.js';
import { inspectPacket } from '../testing/packet-inspector.js';
import { RecordingListener, RudpTestPair, ktMessage, ktTag } from '../testing/rudp-test-pair.js';
import { createTestCipherPair, sealDatagram } from '../testing/test-packet-cipher.js';

const LINK = { delayMs: 10 };

describe(RudpConnection.name, () => {
  it('refuses US/U messages above MAX_SINGLE with TOO_LARGE and never truncates', () => {
    const pair = new RudpTestPair();
    pair.connect();
    expect(pair.server.send(3, ktMessage(0x13, 1_098))).toBe(SendStatus.TOO_LARGE);
    expect(pair.server.send(4, ktMessage(0x13, 1_098))).toBe(SendStatus.TOO_LARGE);
    expect(pair.server.send(4, ktMessage(0x13, 1_097))).toBe(SendStatus.QUEUED);
    expect(pair.server.send(1, ktMessage(0x13, 1_098))).toBe(SendStatus.QUEUED);
  });

  it('throws for a channel that does not exist or bytes that are not exactly one KaosTalk message', () => {
    const pair = new RudpTestPair();
    expect(() => pair.server.send(5, ktMessage(0x80, 1))).toThrow(RangeError);
    expect(() => pair.server.send(0, Buffer.from([0x80, 5, 0, 1]))).toThrow(TypeError);
    expect(() => pair.server.send(0, Buffer.concat([ktMessage(0x80, 1), ktMessage(0x80, 1)]))).toThrow(TypeError);
  });

  it('server: WELCOME in every packet until the client is heard from, with its configuration; client adopts it', () => {
    const welcomes: number[] = [];
    const holder: { pair?: RudpTestPair } = {};
    const pair = new RudpTestPair({
      seed: 3,
      clientToServer: LINK,
      serverToClient: LINK,
      serverLimits: { channelModes: [ChannelMode.RELIABLE_ORDERED, ChannelMode.UNRELIABLE], keepaliveMs: 1_500, idleTimeoutMs: 7_000 },
      onEmit: (side, bytes) => {
        if (side === 'b' && holder.pair !== undefined) {
          const p = inspectPacket(holder.pair.ciphers.client, bytes);
          welcomes.push(p?.frames.some((f) => f.type === FrameType.WELCOME) ? 1 : 0);
        }
      },
    });
    holder.pair = pair;
    pair.server.send(0, ktMessage(0x04, 30, 1));
    pair.connect();
    pair.server.send(0, ktMessage(0x04, 30, 2));
    pair.net.runUntil(pair.net.now + 500);
    expect(welcomes[0]).toBe(1);
    expect(welcomes.at(-1)).toBe(0);
    expect(pair.clientEvents.welcome).toMatchObject({ resumed: false, keepaliveMs: 1_500, idleTimeoutMs: 7_000, maxAckDelayMs: 25, graceMs: 30_000 });
    expect(pair.client.channelModes).toEqual([0, 3]);
    expect(pair.client.limits.idleTimeoutMs).toBe(7_000);
    expect(pair.clientEvents.messages.map((m) => ktTag(m.message))).toEqual([1, 2]);
  });

  it('client: holds messages sent before WELCOME and sends them after it (§10.1)', () => {
    const pair = new RudpTestPair({ clientToServer: LINK, serverToClient: LINK });
    expect(pair.client.send(0, ktMessage(0x01, 20, 9))).toBe(SendStatus.QUEUED);
    pair.connect();
    pair.net.runUntil(pair.net.now + 200);
    expect(pair.serverEvents.messages.map((m) => ktTag(m.message))).toEqual([9]);
  });

  it('client: sends a PING after keepalive_ms without ack-eliciting sends and answers PATH_CHALLENGE at once', () => {
    const clientPackets: { t: number; types: number[] }[] = [];
    const holder: { pair?: RudpTestPair } = {};
    const pair = new RudpTestPair({
      clientToServer: LINK,
      serverToClient: LINK,
      onEmit: (side, bytes, now) => {
        if (side === 'a' && holder.pair !== undefined) {
          clientPackets.push({ t: now, types: (inspectPacket(holder.pair.ciphers.server, bytes)?.frames ?? []).map((f) => f.type) });
        }
      },
    });
    holder.pair = pair;
    pair.connect();
    const t0 = pair.net.now;
    pair.net.runUntil(t0 + 2_100);
    expect(clientPackets.some((p) => p.types.includes(FrameType.PING) && p.t >= t0 + 1_900)).toBe(true);
    pair.net.inject('a', sealDatagram(pair.ciphers.server, pair.connId, 10_000, Buffer.from([FrameType.PATH_CHALLENGE, 1, 2, 3, 4, 5, 6, 7, 8])));
    const t1 = pair.net.now;
    pair.net.runUntil(t1 + 1);
    expect(clientPackets.filter((p) => p.t >= t1).some((p) => p.types.includes(FrameType.PATH_RESPONSE))).toBe(true);
  });

  it('client: a PATH_RESPONSE from the server is a protocol error (§10.12)', () => {
    const pair = new RudpTestPair();
    pair.connect();
    pair.net.inject('a', sealDatagram(pair.ciphers.server, pair.connId, 10_000, Buffer.from([FrameType.PATH_RESPONSE, 1, 2, 3, 4, 5, 6, 7, 8])));
    pair.net.runUntil(pair.net.now + 1);
    expect(pair.clientEvents.closes[0]).toMatchObject({ reason: CloseReason.PROTOCOL_ERROR, initiator: 'local' });
    expect((pair.clientEvents.closes[0].error as { code: string }).code).toBe(ProtocolErrorCode.UNEXPECTED_FRAME);
  });

  it('closes with CLOSE × 3, drops input while CLOSING and is CLOSED after drainMs', () => {
    const pair = new RudpTestPair({ clientToServer: LINK, serverToClient: LINK });
    pair.connect();
    const drain = pair.server.drainMs;
    expect(drain).toBeGreaterThanOrEqual(1_000);
    pair.server.close(CloseReason.SHUTDOWN);
    expect(pair.server.send(0, ktMessage(0x02, 2))).toBe(SendStatus.DROPPED);
    const t = pair.net.now;
    pair.net.runUntil(t + drain - 1);
    expect(pair.server.state).toBe(RudpState.CLOSING);
    expect(pair.clientEvents.closes[0]).toMatchObject({ reason: CloseReason.SHUTDOWN, initiator: 'peer' });
    pair.net.runUntil(t + drain + 1);
    expect(pair.server.state).toBe(RudpState.CLOSED);
    expect(pair.server.nextTimeout()).toBeUndefined();
  });

  it('closes PN_EXHAUSTED before the packet number reaches its limit, CLOSE packets included', () => {
    const pns: number[] = [];
    const pair = new RudpTestPair({
      serverLimits: { pnLimit: 40 },
      clientToServer: LINK,
      serverToClient: LINK,
      onEmit: (side, bytes) => {
        if (side === 'b') {
          pns.push(bytes.readUInt32LE(5));
        }
      },
    });
    pair.connect();
    for (let i = 0; i < 100; i++) {
      pair.server.send(1, ktMessage(0x80, 500, i));
    }
    pair.net.runUntil(pair.net.now + 3_000);
    expect(pair.serverEvents.closes[0]?.reason).toBe(CloseReason.PN_EXHAUSTED);
    expect(Math.max(...pns)).toBe(39);
  });

  it('drops inbound packets above maxInboundPacketsPerSec before decrypting and closes RATE_LIMITED when sustained', () => {
    const ciphers = createTestCipherPair(1);
    const events = new RecordingListener();
    const sut = new RudpConnection({
      role: RudpRole.SERVER,
      connId: 3,
      cipher: ciphers.server,
      now: 0,
      listener: events,
      limits: { maxInboundPacketsPerSec: 10, rateLimitCloseMs: 3_000, idleTimeoutMs: 100_000 },
    });
    let pn = 0;
    for (let t = 0; t < 5_000; t += 20) {
      sut.onDatagram(t, sealDatagram(ciphers.client, 3, pn++, Buffer.from([FrameType.PING])));
      sut.poll(t);
    }
    expect(sut.stats().droppedRate).toBeGreaterThan(100);
    expect(events.closes[0]?.reason).toBe(CloseReason.RATE_LIMITED);
  });

  it('drops unreliable messages queued longer than unreliableTtlMs and counts them', () => {
    const pair = new RudpTestPair({ clientToServer: LINK, serverToClient: LINK, serverLimits: { maxSendRate: 40_000, minSendRate: 1_000 } });
    pair.connect();
    for (let i = 0; i < 300; i++) {
      pair.server.send(4, ktMessage(0x13, 1_000, i));
    }
    pair.net.runUntil(pair.net.now + 2_000);
    const s = pair.server.stats();
    expect(s.unreliableExpired).toBeGreaterThan(0);
    expect(s.unreliableExpired + s.unreliableSent).toBe(300);
  });

  it('goes LOST without sending CLOSE after idle_timeout_ms, and PENDING servers after handshakeTimeoutMs', () => {
    const ciphers = createTestCipherPair(1);
    const events = new RecordingListener();
    const sut = new RudpConnection({ role: RudpRole.SERVER, connId: 3, cipher: ciphers.server, now: 0, listener: events });
    expect(sut.poll(0)).toHaveLength(1);
    expect(sut.nextTimeout()).toBeLessThanOrEqual(5_000);
    sut.poll(5_000);
    expect(sut.state).toBe(RudpState.LOST);
    expect(events.lost).toBe(1);
    expect(sut.poll(5_001)).toEqual([]);
  });

  it('refuses to adopt a channel state with another channel table or after messages were queued', () => {
    const a = new RudpTestPair();
    const state = a.server.exportChannelState();
    const b = new RudpTestPair({ serverLimits: { channelModes: [ChannelMode.RELIABLE_ORDERED] } });
    expect(() => b.server.adopt(state)).toThrow(/channel table/);
    const c = new RudpTestPair();
    c.server.send(1, ktMessage(0x80, 1));
    expect(() => c.server.adopt(state)).toThrow(/after reliable messages/);
  });

  it('delivers through receive() when no onMessage listener is set', () => {
    const ciphers = createTestCipherPair(1);
    const sut = new RudpConnection({ role: RudpRole.SERVER, connId: 3, cipher: ciphers.server, now: 0 });
    const msg = Buffer.concat([Buffer.from([0x11, 0, 0]), ktMessage(0x80, 4, 42)]);
    sut.onDatagram(1, sealDatagram(ciphers.client, 3, 0, msg));
    const got = sut.receive();
    expect(got?.channel).toBe(1);
    expect(ktTag(got?.message as Buffer)).toBe(42);
    expect(sut.receive()).toBeUndefined();
    expect(sut.state).toBe(RudpState.CONNECTED);
  });
});
