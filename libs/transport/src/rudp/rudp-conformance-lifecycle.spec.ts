import { describe, it, expect } from '@jest/globals';
import { CloseReason } from '../codec/protocol-error.js';
import { RudpRole, RudpState } from './rudp-connection.types.js';
import { RudpConnection } from './rudp-connection.js';
import { createTestCipherPair } from '../testing/test-packet-cipher.js';
import { SendStatus } from './rudp-channel-state.js';
import { FrameType } from './rudp.constants.js';
import { inspectPacket, type InspectedPacket } from '../testing/packet-inspector.js';
import { RecordingListener, RudpTestPair, ktMessage, ktTag } from '../testing/rudp-test-pair.js';

const LINK = { delayMs: 10 };

describe('RudpConnection conformance: lifecycle (§3.9, §3.10, §4.6, §7.2)', () => {
  it('KT-53 a silent client gets a PING after 2 × keepalive_ms; after idle_timeout_ms the server stops sending', () => {
    let silent = false;
    const server: { t: number; p: InspectedPacket }[] = [];
    const holder: { pair?: RudpTestPair } = {};
    const pair = new RudpTestPair({
      seed: 53,
      rttSeedMs: 20,
      clientToServer: LINK,
      serverToClient: LINK,
      onEmit: (side, bytes, now) => {
        if (side === 'b' && holder.pair !== undefined) {
          server.push({ t: now, p: inspectPacket(holder.pair.ciphers.client, bytes) as InspectedPacket });
        }
        return !(silent && side === 'a');
      },
    });
    holder.pair = pair;
    pair.connect();
    silent = true;
    const lastHeard = pair.net.now;
    pair.net.runUntil(lastHeard + 30_000);
    const pings = server.filter(({ p }) => p.frames.some((f) => f.type === FrameType.PING));
    expect(pings[0].t - lastHeard).toBeGreaterThanOrEqual(4_000 - 20);
    expect(pings[0].t - lastHeard).toBeLessThanOrEqual(4_000 + 20);
    expect(pair.server.state).toBe(RudpState.LOST);
    expect(pair.serverEvents.lost).toBe(1);
    expect(Math.max(...server.map(({ t }) => t))).toBeLessThan(lastHeard + 10_000 + 20);
    expect(server.some(({ p }) => p.frames.some((f) => f.type === FrameType.CLOSE))).toBe(false);
  });

  it('a PENDING server connection waits handshakeTimeoutMs for the first DATA, even with a shorter idle timeout (§4.5 step 8)', () => {
    const lost: RudpState[] = [];
    const sut = new RudpConnection({
      role: RudpRole.SERVER,
      connId: 7,
      cipher: createTestCipherPair(1).server,
      now: 0,
      rttSeedMs: 1,
      limits: { idleTimeoutMs: 300, handshakeTimeoutMs: 5_000 },
      listener: { onLost: (previous) => lost.push(previous) },
    });
    for (let t = 0; t < 4_900; t += 100) sut.poll(t);
    // A resumed client whose first packets were lost still has WELCOME resends coming.
    expect(sut.state).toBe(RudpState.PENDING);
    expect(sut.nextTimeout()).toBeLessThanOrEqual(5_000);
    sut.poll(5_000);
    expect(sut.state).toBe(RudpState.LOST);
    expect(lost).toEqual([RudpState.PENDING]);
  });

  it('KT-55 after CLOSE from the client the server sends nothing more and the session ends without grace', () => {
    let closedAt = Number.POSITIVE_INFINITY;
    let serverAfter = 0;
    const pair = new RudpTestPair({
      seed: 55,
      rttSeedMs: 20,
      clientToServer: LINK,
      serverToClient: LINK,
      onEmit: (side, _bytes, now) => {
        if (side === 'b' && now > closedAt) {
          serverAfter++;
        }
      },
    });
    pair.connect();
    pair.server.send(1, ktMessage(0x80, 100, 1));
    pair.client.close(CloseReason.NORMAL);
    closedAt = pair.net.now;
    pair.net.runUntil(closedAt + 5_000);
    pair.server.send(1, ktMessage(0x80, 100, 2));
    pair.net.runUntil(pair.net.now + 1_000);
    expect(serverAfter).toBe(0);
    expect(pair.serverEvents.closes).toEqual([{ reason: CloseReason.NORMAL, initiator: 'peer', error: undefined }]);
    expect(pair.serverEvents.states).toEqual([RudpState.CONNECTED, RudpState.DRAINING, RudpState.CLOSED]);
    expect(pair.serverEvents.lost).toBe(0);
    expect(pair.clientEvents.states.slice(-2)).toEqual([RudpState.CLOSING, RudpState.CLOSED]);
  });

  it('KT-56 adopting the channel state after a blackout delivers reliable messages exactly once, in order, both ways', () => {
    const clientEvents = new RecordingListener();
    const serverEvents = new RecordingListener();
    let blackout = false;
    const first = new RudpTestPair({
      seed: 56,
      rttSeedMs: 20,
      clientToServer: { delayMs: 20, lossRate: 0.1 },
      serverToClient: { delayMs: 20, lossRate: 0.1 },
      clientListener: clientEvents,
      serverListener: serverEvents,
      onEmit: (side) => !(blackout && (side === 'a' || side === 'b')),
    });
    first.connect();
    for (let i = 0; i < 60; i++) {
      first.server.send(1, ktMessage(0x80, i % 7 === 0 ? 3_000 : 200, i));
      first.client.send(2, ktMessage(0x81, 200, i));
      first.net.runUntil(first.net.now + 5);
    }
    blackout = true;
    first.net.runUntil(first.net.now + 12_000);
    expect([first.server.state, first.client.state]).toEqual([RudpState.LOST, RudpState.LOST]);
    const serverState = first.server.exportChannelState();
    const clientState = first.client.exportChannelState();
    // GRACE: the session keeps queueing reliable messages; unreliable ones are dropped.
    for (let i = 60; i < 90; i++) {
      expect(serverState.enqueue(1, ktMessage(0x80, 200, i), first.net.now)).toBe(SendStatus.QUEUED);
    }
    expect(serverState.enqueue(4, ktMessage(0x13, 10), first.net.now)).toBe(SendStatus.DROPPED);
    const holder: { pair?: RudpTestPair } = {};
    clientEvents.onWelcomeHook = (info) => {
      if (info.resumed) {
        holder.pair?.client.adopt(clientState);
      }
    };
    const second = new RudpTestPair({
      seed: 57,
      key: 99,
      connId: 0x0bad_cafe,
      rttSeedMs: 20,
      startTime: first.net.now,
      clientToServer: { delayMs: 20, lossRate: 0.1 },
      serverToClient: { delayMs: 20, lossRate: 0.1 },
      clientListener: clientEvents,
      serverListener: serverEvents,
      serverChannelState: serverState,
      resumed: true,
    });
    holder.pair = second;
    second.connect();
    second.net.runUntil(second.net.now + 5_000);
    expect(clientEvents.welcome?.resumed).toBe(true);
    expect(clientEvents.messages.filter((m) => m.channel === 1).map((m) => ktTag(m.message))).toEqual(
      Array.from({ length: 90 }, (_, i) => i),
    );
    const fromClient = serverEvents.messages.filter((m) => m.channel === 2).map((m) => ktTag(m.message));
    expect([...fromClient].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('KT-58 a source-port change → PATH_CHALLENGE; ≤ 3 × the bytes received from the new address until PATH_RESPONSE; traffic continues', () => {
    const newAddress = { address: '10.0.0.1', port: 40_001 };
    let receivedFromNew = 0;
    let sentUnvalidated = 0;
    let challenges = 0;
    const holder: { pair?: RudpTestPair } = {};
    const pair = new RudpTestPair({
      seed: 58,
      rttSeedMs: 20,
      clientToServer: LINK,
      serverToClient: LINK,
      onDeliver: (to, bytes, _now, from) => {
        if (to === 'b' && from.port === newAddress.port) {
          receivedFromNew += bytes.length;
        }
      },
      onEmit: (side, bytes) => {
        const p = holder.pair;
        if (side !== 'b' || p === undefined) {
          return;
        }
        if (inspectPacket(p.ciphers.client, bytes)?.frames.some((f) => f.type === FrameType.PATH_CHALLENGE)) {
          challenges++;
        }
        if (!p.server.pathValidated) {
          sentUnvalidated += bytes.length;
          expect(sentUnvalidated).toBeLessThanOrEqual(3 * receivedFromNew);
        }
      },
    });
    holder.pair = pair;
    pair.connect();
    for (let i = 0; i < 200; i++) {
      pair.server.send(1, ktMessage(0x80, 1_000, i));
      if (i === 50) {
        pair.net.aAddress = newAddress;
        pair.client.send(1, ktMessage(0x80, 10, 1));
      }
      pair.net.runUntil(pair.net.now + 10);
    }
    pair.net.runUntil(pair.net.now + 5_000);
    expect(challenges).toBeGreaterThanOrEqual(1);
    expect(sentUnvalidated).toBeGreaterThan(0);
    expect(pair.server.pathValidated).toBe(true);
    expect(pair.server.remoteAddress).toEqual(newAddress);
    expect(pair.clientEvents.messages).toHaveLength(200);
  });

  it('KT-58 an unvalidated path reverts after 3 × PTO; a lower pn from another address never moves it', () => {
    let blockNew = false;
    let holdNext = false;
    let held: Buffer | undefined;
    const pair = new RudpTestPair({
      seed: 59,
      rttSeedMs: 20,
      clientToServer: LINK,
      serverToClient: LINK,
      onEmit: (side, bytes) => {
        if (side === 'a' && holdNext) {
          holdNext = false;
          held = Buffer.from(bytes);
          return false;
        }
        // The client never hears the challenge on the new path.
        return !(blockNew && side === 'b');
      },
    });
    pair.connect();
    holdNext = true;
    pair.client.ping();
    pair.net.runUntil(pair.net.now + 5);
    pair.client.ping();
    pair.net.runUntil(pair.net.now + 50);
    pair.net.inject('b', held as Buffer, pair.net.now, { address: '10.7.7.7', port: 1 });
    pair.net.runUntil(pair.net.now + 50);
    expect(pair.server.remoteAddress).toEqual(pair.net.aAddress);
    expect(pair.server.stats().droppedReplay).toBe(0);
    const old = pair.server.remoteAddress;
    blockNew = true;
    pair.net.aAddress = { address: '10.9.9.9', port: 5 };
    pair.client.ping();
    pair.net.runUntil(pair.net.now + 30);
    expect(pair.server.remoteAddress?.address).toBe('10.9.9.9');
    expect(pair.server.pathValidated).toBe(false);
    blockNew = false;
    pair.net.aAddress = old as { address: string; port: number };
    pair.net.runUntil(pair.net.now + 3 * pair.server.ptoMs + 50);
    expect(pair.server.remoteAddress).toEqual(old);
    expect(pair.server.pathValidated).toBe(true);
  });

  it('KT-59 a reliable backlog above 524,288 B raises the overflow event once; CLOSE(OVERFLOW) follows', () => {
    const closes: number[] = [];
    const holder: { pair?: RudpTestPair } = {};
    const pair = new RudpTestPair({
      seed: 60,
      rttSeedMs: 20,
      clientToServer: LINK,
      serverToClient: LINK,
      onEmit: (side, bytes) => {
        const f = side === 'b' ? inspectPacket((holder.pair as RudpTestPair).ciphers.client, bytes)?.frames.find((x) => x.type === FrameType.CLOSE) : undefined;
        if (f?.closeReason !== undefined) {
          closes.push(f.closeReason);
        }
      },
    });
    holder.pair = pair;
    pair.connect();
    const statuses: string[] = [];
    for (let i = 0; i < 530; i++) {
      statuses.push(pair.server.send(1, ktMessage(0x80, 997, i)));
    }
    expect(statuses.indexOf(SendStatus.OVERFLOW)).toBe(524);
    expect(pair.serverEvents.overflows).toBe(1);
    expect(pair.server.stats().backlogBytes).toBe(530 * 1_000);
    pair.server.close(CloseReason.OVERFLOW);
    pair.net.runUntil(pair.net.now + 100);
    expect(closes).toEqual([2, 2, 2]);
    expect(pair.clientEvents.closes[0]?.reason).toBe(CloseReason.OVERFLOW);
  });

  it('KT-59 more than 2,048 queued reliable messages also overflow', () => {
    const pair = new RudpTestPair({ seed: 61 });
    pair.connect();
    let status: string = SendStatus.QUEUED;
    for (let i = 0; i < 2_049; i++) {
      status = pair.server.send(2, ktMessage(0x80, 1, i));
    }
    expect(status).toBe(SendStatus.OVERFLOW);
    expect(pair.serverEvents.overflows).toBe(1);
  });
});
