import { describe, expect, it } from '@jest/globals';
import { Direction } from '../crypto/data-packet.codec.js';
import { deriveHandshakeS2c, protocolIdBytes } from '../crypto/key-schedule.js';
import { createPacketCipher } from '../crypto/packet-cipher.js';
import { HandshakeClient, HandshakeClientState } from './handshake.client.js';
import type { HandshakeClientOptions } from './handshake.client.js';
import { DeniedReason } from './handshake.constants.js';
import { ResponseLayout, encodeChallenge, encodeDenied } from './handshake-packets.codec.js';
import { CLIENT, FakeHost, PROTOCOL_ID, T0, issue, makeServer, seededBytes } from './handshake.test-fixtures.js';

const PID8 = protocolIdBytes(PROTOCOL_ID);
const TOKEN = issue();

function sut(extra: Partial<HandshakeClientOptions> = {}): HandshakeClient {
  return new HandshakeClient({ token: TOKEN.token, keyC2s: TOKEN.keyC2s, keyS2c: TOKEN.keyS2c, protocolId: PROTOCOL_ID, random: seededBytes(42), ...extra });
}

function challengeFor(hello: Buffer, cookieTime = T0, hsKey = TOKEN.keyS2c): Buffer {
  const clientNonce = hello.subarray(9, 25);
  return encodeChallenge(
    { clientNonce, serverNonce: Buffer.alloc(16, 0x50), cookieTime, cookieMac: Buffer.alloc(16, 0xcc) },
    deriveHandshakeS2c(hsKey, clientNonce, PID8),
  );
}

describe('HandshakeClient (§6)', () => {
  it('sends a 1,200-B HELLO and resends it every 200 ms with a fresh nonce, then times out at 5 s', () => {
    const c = sut();
    const first = c.start(T0);
    expect(first).toHaveLength(1_200);
    expect(first[0]).toBe(0x48);
    expect(c.state).toBe(HandshakeClientState.HELLO_SENT);
    expect(c.nextTimeout()).toBe(T0 + 200);
    expect(c.poll(T0 + 199)).toBeNull();
    const second = c.poll(T0 + 200)!;
    expect(second).toHaveLength(1_200);
    expect(second.subarray(9, 25).equals(first.subarray(9, 25))).toBe(false);
    expect(second.subarray(25, 327).equals(TOKEN.token)).toBe(true);
    let now = T0 + 200;
    while (c.state === HandshakeClientState.HELLO_SENT) {
      now = c.nextTimeout();
      c.poll(now);
    }
    expect(now).toBe(T0 + 5_000);
    expect(c.failure).toEqual({ kind: 'timeout' });
    expect(c.nextTimeout()).toBe(Infinity);
    expect(() => c.start(now)).toThrow();
  });

  it('answers a CHALLENGE to any of the last 8 HELLOs, not an older one, and seeds RTT from that HELLO', () => {
    const c = sut();
    const hellos = [c.start(T0)];
    for (let i = 1; i <= 9; i++) hellos.push(c.poll(T0 + 200 * i)!);
    expect(c.onDatagram(T0 + 2_000, challengeFor(hellos[1]!))).toEqual({ kind: 'ignored' });
    const ev = c.onDatagram(T0 + 2_000, challengeFor(hellos[2]!));
    expect(ev.kind).toBe('send');
    const response = (ev as { bytes: Buffer }).bytes;
    expect(response).toHaveLength(1_200);
    expect(response[0]).toBe(0x58);
    expect(response.subarray(9, 25).equals(hellos[2]!.subarray(9, 25))).toBe(true);
    expect(response[ResponseLayout.RESUME]).toBe(0);
    expect(c.state).toBe(HandshakeClientState.RESPONSE_SENT);
  });

  it('ignores CHALLENGEs with a bad MAC, wrong size or unknown nonce', () => {
    const c = sut();
    const hello = c.start(T0);
    expect(c.onDatagram(T0 + 1, challengeFor(hello, T0, Buffer.alloc(32, 1))).kind).toBe('ignored');
    expect(c.onDatagram(T0 + 1, challengeFor(hello).subarray(0, 72)).kind).toBe('ignored');
    const unknown = challengeFor(Buffer.alloc(1_200, 3));
    expect(c.onDatagram(T0 + 1, unknown).kind).toBe('ignored');
    expect(c.onDatagram(T0 + 1, Buffer.alloc(0)).kind).toBe('ignored');
    expect(c.state).toBe(HandshakeClientState.HELLO_SENT);
  });

  it('resends the RESPONSE unchanged every 200 ms and restarts with a HELLO once the cookie is older than 5 s', () => {
    const c = sut({ timeoutMs: 20_000 });
    const hello = c.start(T0);
    const response = (c.onDatagram(T0 + 10, challengeFor(hello)) as { bytes: Buffer }).bytes;
    expect(c.poll(T0 + 210)!.equals(response)).toBe(true);
    expect(c.poll(T0 + 410)).toBe(response);
    const restart = c.poll(T0 + 5_011)!;
    expect(restart[0]).toBe(0x48);
    expect(c.state).toBe(HandshakeClientState.HELLO_SENT);
  });

  it('fails on a valid DENIED for its RESPONSE, ignores forged or unrelated ones', () => {
    const c = sut();
    const hello = c.start(T0);
    const nonce = hello.subarray(9, 25);
    expect(c.onDatagram(T0, encodeDenied(nonce, DeniedReason.SERVER_FULL, deriveHandshakeS2c(TOKEN.keyS2c, nonce, PID8))).kind).toBe('ignored');
    c.onDatagram(T0 + 1, challengeFor(hello));
    const hs = deriveHandshakeS2c(TOKEN.keyS2c, nonce, PID8);
    expect(c.onDatagram(T0 + 2, encodeDenied(Buffer.alloc(16, 9), 1, hs)).kind).toBe('ignored');
    expect(c.onDatagram(T0 + 2, encodeDenied(nonce, 1, Buffer.alloc(32))).kind).toBe('ignored');
    expect(c.onDatagram(T0 + 2, encodeDenied(nonce, DeniedReason.UNAVAILABLE, hs))).toEqual({ kind: 'failed', failure: { kind: 'denied', reason: 4 } });
    expect(c.state).toBe(HandshakeClientState.FAILED);
    expect(c.poll(T0 + 1_000)).toBeNull();
  });

  it('builds a resume RESPONSE with prev_conn_id', () => {
    const c = sut({ resume: { prevConnId: 0xabcdef01 } });
    const ev = c.onDatagram(T0 + 1, challengeFor(c.start(T0))) as { bytes: Buffer };
    expect(ev.bytes[ResponseLayout.RESUME]).toBe(1);
    expect(ev.bytes.readUInt32LE(ResponseLayout.PREV_CONN_ID)).toBe(0xabcdef01);
    expect(() => sut({ resume: { prevConnId: 0 } })).toThrow(RangeError);
    expect(() => new HandshakeClient({ ...TOKEN, token: Buffer.alloc(10), protocolId: PROTOCOL_ID })).toThrow(RangeError);
  });

  it('is established by the first DATA packet that opens under K_s2c, ignoring others', () => {
    const host = new FakeHost();
    const server = makeServer(host);
    const c = sut();
    const ch = server.onDatagram(T0, c.start(T0), CLIENT) as { bytes: Buffer };
    const response = (c.onDatagram(T0 + 25, ch.bytes) as { bytes: Buffer }).bytes;
    const accepted = server.onDatagram(T0 + 30, response, CLIENT);
    if (accepted.kind !== 'accept') throw new Error(accepted.kind);
    const conn = accepted.connection;
    const forged = createPacketCipher(Buffer.alloc(32), Direction.S2C).sealPacket(conn.connId, 0, Buffer.from([2]));
    expect(c.onDatagram(T0 + 40, forged).kind).toBe('ignored');
    const wrongDir = createPacketCipher(conn.keyS2c, Direction.C2S).sealPacket(conn.connId, 0, Buffer.from([2]));
    expect(c.onDatagram(T0 + 40, wrongDir).kind).toBe('ignored');
    const ev = c.onDatagram(T0 + 41, createPacketCipher(conn.keyS2c, Direction.S2C).sealPacket(conn.connId, 3, Buffer.from([4, 5])));
    expect(ev.kind).toBe('established');
    if (ev.kind !== 'established') return;
    expect(ev.connection).toMatchObject({ connId: conn.connId, pn: 3, rttSeedMs: 25, resumeRequested: false });
    expect(c.state).toBe(HandshakeClientState.CONNECTED);
    expect(c.nextTimeout()).toBe(Infinity);
    expect(c.onDatagram(T0 + 50, createPacketCipher(conn.keyS2c, Direction.S2C).sealPacket(conn.connId, 4, Buffer.from([4]))).kind).toBe('ignored');
  });
});
