import { describe, expect, it } from '@jest/globals';
import { Direction } from '../crypto/data-packet.codec.js';
import { deriveHandshakeS2c, protocolIdBytes } from '../crypto/key-schedule.js';
import { createPacketCipher } from '../crypto/packet-cipher.js';
import { HandshakeClient } from './handshake.client.js';
import type { HandshakeClientOptions } from './handshake.client.js';
import { DeniedReason, HandshakeDropReason } from './handshake.constants.js';
import { ChallengeLayout, ResponseLayout, encodeHello, parseDenied, verifyChallengeMac, verifyDeniedMac } from './handshake-packets.codec.js';
import type { HandshakeOutcome, HandshakeServer } from './handshake.server.js';
import { CLIENT, FakeHost, PROTOCOL_ID, SERVER, T0, issue, makeServer, seededBytes } from './handshake.test-fixtures.js';
import type { Endpoint } from './wire-values.codec.js';

const PID8 = protocolIdBytes(PROTOCOL_ID);
let seed = 1000;

function client(token = issue(), extra: Partial<HandshakeClientOptions> = {}): HandshakeClient {
  return new HandshakeClient({ token: token.token, keyC2s: token.keyC2s, keyS2c: token.keyS2c, protocolId: PROTOCOL_ID, random: seededBytes(seed++), ...extra });
}

function expectKind<K extends HandshakeOutcome['kind']>(out: HandshakeOutcome, kind: K): Extract<HandshakeOutcome, { kind: K }> {
  expect(out.kind).toBe(kind);
  return out as Extract<HandshakeOutcome, { kind: K }>;
}

function dropReason(out: HandshakeOutcome): string {
  return out.kind === 'drop' ? out.reason : `not a drop: ${out.kind}`;
}

/** HELLO → CHALLENGE → RESPONSE bytes, without sending the RESPONSE. */
function responseFor(server: HandshakeServer, c: HandshakeClient, now = T0, from: Endpoint = CLIENT): Buffer {
  const challenge = expectKind(server.onDatagram(now, c.start(now), from), 'challenge');
  const ev = c.onDatagram(now + 10, challenge.bytes);
  if (ev.kind !== 'send') throw new Error(`expected a RESPONSE, got ${ev.kind}`);
  return ev.bytes;
}

describe('HandshakeServer (§4.5)', () => {
  it('accepts a full handshake; the client opens the server DATA packet with the same keys', () => {
    const host = new FakeHost();
    const sut = makeServer(host);
    const c = client();
    const response = responseFor(sut, c);
    const accepted = expectKind(sut.onDatagram(T0 + 30, response, CLIENT), 'accept').connection;
    expect(accepted).toMatchObject({ connId: 0x1001, address: CLIENT, userId: expect.any(String), rttSeedMs: 30, resumeRequested: false, prevConnId: 0 });
    const welcome = createPacketCipher(accepted.keyS2c, Direction.S2C).sealPacket(accepted.connId, 0, Buffer.from([0x02]));
    const ev = c.onDatagram(T0 + 40, welcome);
    expect(ev.kind).toBe('established');
    if (ev.kind !== 'established') return;
    expect(ev.connection.connId).toBe(accepted.connId);
    expect(ev.connection.keys.c2s.equals(accepted.keyC2s)).toBe(true);
    expect(ev.connection.plaintext.equals(Buffer.from([0x02]))).toBe(true);
    const up = ev.connection.sendCipher.sealPacket(accepted.connId, 0, Buffer.from([0x02]));
    expect(createPacketCipher(accepted.keyC2s, Direction.C2S).openPacket(up)!.equals(Buffer.from([0x02]))).toBe(true);
    expect(sut.counters).toMatchObject({ challenges: 1, accepted: 1 });
  });

  it('seeds the RTT with at least 1 ms when the handshake took under a millisecond (0 would read as no sample, 333 ms)', () => {
    const sut = makeServer(new FakeHost());
    const c = client();
    const response = responseFor(sut, c, T0);
    // The RESPONSE arrives in the same wall-clock millisecond as the cookie was made.
    const accepted = expectKind(sut.onDatagram(T0, response, CLIENT), 'accept').connection;
    expect(accepted.rttSeedMs).toBe(1);
  });

  it('KT-25 HELLO or RESPONSE of any size other than 1,200 B → silence', () => {
    const sut = makeServer(new FakeHost());
    const hello = client().start(T0);
    for (const size of [1, 34, 73, 343, 1_199, 1_201, 1_500]) {
      const p = Buffer.alloc(size);
      hello.copy(p, 0, 0, Math.min(size, hello.length));
      expect(dropReason(sut.onDatagram(T0, p, CLIENT))).toBe(HandshakeDropReason.SIZE);
      p[0] = 0x58;
      expect(dropReason(sut.onDatagram(T0, p, CLIENT))).toBe(HandshakeDropReason.SIZE);
    }
    for (const type of [0x00, 0x40, 0x49, 0x50, 0x60, 0xff]) {
      const p = Buffer.from(hello);
      p[0] = type;
      expect(dropReason(sut.onDatagram(T0, p, CLIENT))).toBe(HandshakeDropReason.TYPE);
    }
    expect(dropReason(sut.onDatagram(T0, Buffer.alloc(0), CLIENT))).toBe(HandshakeDropReason.TYPE);
    expect(sut.counters.bytesOut).toBe(0);
  });

  it('KT-26 HELLO with an expired, unknown-key, tampered, other-protocol, other-server token or bad hello_mac → silence', () => {
    const sut = makeServer(new FakeHost(), { perIpHandshakeBurst: 1e9, maxHandshakesPerSec: 1e9 });
    expect(dropReason(sut.onDatagram(T0 + 62_000, client().start(T0), CLIENT))).toBe(HandshakeDropReason.TOKEN_EXPIRED);
    expect(dropReason(sut.onDatagram(T0, client(issue({ keyId: 9 })).start(T0), CLIENT))).toBe(HandshakeDropReason.TOKEN_KEY_ID);
    expect(dropReason(sut.onDatagram(T0, client(issue({ protocolId: 5n })).start(T0), CLIENT))).toBe(HandshakeDropReason.TOKEN_PROTOCOL_ID);
    const otherProtocol = new HandshakeClient({ ...issue(), protocolId: 5n, random: seededBytes(3) }).start(T0);
    expect(dropReason(sut.onDatagram(T0, otherProtocol, CLIENT))).toBe(HandshakeDropReason.PROTOCOL_ID);
    expect(dropReason(sut.onDatagram(T0, client(issue({ endpoints: [{ ip: '203.0.113.8', port: 7350 }] })).start(T0), CLIENT))).toBe(
      HandshakeDropReason.TOKEN_ENDPOINT,
    );
    const t = issue();
    const badMac = encodeHello({ pid8: PID8, clientNonce: Buffer.alloc(16, 1), token: t.token }, Buffer.alloc(32, 9));
    expect(dropReason(sut.onDatagram(T0, badMac, CLIENT))).toBe(HandshakeDropReason.HELLO_MAC);
    const hello = client(t).start(T0);
    for (let bit = 0; bit < 343 * 8; bit++) {
      const p = Buffer.from(hello);
      p[bit >> 3] = p[bit >> 3]! ^ (1 << (bit & 7));
      const out = sut.onDatagram(T0, p, CLIENT);
      expect(out.kind).toBe('drop');
    }
    expect(sut.counters.bytesOut).toBe(0);
    const padded = Buffer.from(hello);
    padded.fill(0xaa, 343);
    expect(sut.onDatagram(T0, padded, CLIENT).kind).toBe('challenge');
  });

  it('KT-27 a valid HELLO → exactly one 73-B CHALLENGE echoing client_nonce with a valid challenge_mac', () => {
    const sut = makeServer(new FakeHost());
    const t = issue();
    const hello = client(t).start(T0);
    const ch = expectKind(sut.onDatagram(T0, hello, CLIENT), 'challenge');
    expect(ch.bytes).toHaveLength(73);
    expect(ch.bytes[0]).toBe(0x50);
    const nonce = hello.subarray(9, 25);
    expect(ch.bytes.subarray(ChallengeLayout.CLIENT_NONCE, ChallengeLayout.SERVER_NONCE).equals(nonce)).toBe(true);
    expect(Number(ch.bytes.readBigUInt64LE(ChallengeLayout.COOKIE_TIME))).toBe(T0);
    expect(verifyChallengeMac(ch.bytes, deriveHandshakeS2c(t.keyS2c, nonce, PID8))).toBe(true);
  });

  it('KT-28 over many HELLOs from one address without a valid RESPONSE, bytes sent ≤ bytes received', () => {
    const sut = makeServer(new FakeHost());
    const t = issue();
    let bytesIn = 0;
    let bytesOut = 0;
    for (let i = 0; i < 1_000; i++) {
      const now = T0 + i * 20;
      const hello = i % 3 === 2 ? Buffer.alloc(1_200, i) : client(t).start(now);
      bytesIn += hello.length;
      const out = sut.onDatagram(now, hello, CLIENT);
      if (out.kind === 'challenge' || out.kind === 'denied') bytesOut += out.bytes.length;
      expect(bytesOut).toBeLessThanOrEqual(bytesIn);
    }
    expect(bytesOut).toBeGreaterThan(0);
    expect(bytesOut / bytesIn).toBeLessThan(0.07);
  });
});

describe('HandshakeServer RESPONSE checks (§4.5 steps 5, 3, 6)', () => {
  it('KT-29 RESPONSE with a cookie older than 5 s → silence', () => {
    const sut = makeServer(new FakeHost());
    const response = responseFor(sut, client());
    expect(dropReason(sut.onDatagram(T0 + 5_001, response, CLIENT))).toBe(HandshakeDropReason.COOKIE_AGE);
    expect(dropReason(sut.onDatagram(T0 - 1, response, CLIENT))).toBe(HandshakeDropReason.COOKIE_AGE);
    expect(sut.onDatagram(T0 + 5_000, response, CLIENT).kind).toBe('accept');
  });

  it('KT-29 RESPONSE from another ip:port → silence', () => {
    const sut = makeServer(new FakeHost());
    const response = responseFor(sut, client());
    expect(dropReason(sut.onDatagram(T0 + 20, response, { ip: CLIENT.ip, port: CLIENT.port + 1 }))).toBe(HandshakeDropReason.COOKIE_MAC);
    expect(dropReason(sut.onDatagram(T0 + 20, response, { ip: '198.51.100.21', port: CLIENT.port }))).toBe(HandshakeDropReason.COOKIE_MAC);
  });

  it('KT-29 RESPONSE with an altered server_nonce, cookie_time, cookie_mac or client_nonce → silence', () => {
    const sut = makeServer(new FakeHost());
    const response = responseFor(sut, client());
    for (const at of [ResponseLayout.SERVER_NONCE, ResponseLayout.SERVER_NONCE + 15, ResponseLayout.COOKIE_MAC, ResponseLayout.CLIENT_NONCE, ResponseLayout.TOKEN + 290]) {
      const p = Buffer.from(response);
      p[at] = p[at]! ^ 0x01;
      expect(dropReason(sut.onDatagram(T0 + 20, p, CLIENT))).toBe(HandshakeDropReason.COOKIE_MAC);
    }
    const older = Buffer.from(response);
    older.writeBigUInt64LE(BigInt(T0 - 1), ResponseLayout.COOKIE_TIME);
    expect(dropReason(sut.onDatagram(T0 + 20, older, CLIENT))).toBe(HandshakeDropReason.COOKIE_MAC);
  });

  it('KT-29 RESPONSE with a bad response_mac (or resume fields changed) → silence', () => {
    const sut = makeServer(new FakeHost());
    const response = responseFor(sut, client());
    const badMac = Buffer.from(response);
    badMac[ResponseLayout.MAC] = badMac[ResponseLayout.MAC]! ^ 0x80;
    expect(dropReason(sut.onDatagram(T0 + 20, badMac, CLIENT))).toBe(HandshakeDropReason.RESPONSE_MAC);
    const resumed = Buffer.from(response);
    resumed[ResponseLayout.RESUME] = 1;
    resumed.writeUInt32LE(77, ResponseLayout.PREV_CONN_ID);
    expect(dropReason(sut.onDatagram(T0 + 20, resumed, CLIENT))).toBe(HandshakeDropReason.RESPONSE_MAC);
    const inconsistent = Buffer.from(response);
    inconsistent[ResponseLayout.RESUME] = 1;
    expect(dropReason(sut.onDatagram(T0 + 20, inconsistent, CLIENT))).toBe(HandshakeDropReason.RESUME_FIELDS);
    inconsistent[ResponseLayout.RESUME] = 2;
    expect(dropReason(sut.onDatagram(T0 + 20, inconsistent, CLIENT))).toBe(HandshakeDropReason.RESUME_FIELDS);
    const padded = Buffer.from(response);
    padded.fill(0x55, ResponseLayout.PADDING);
    expect(sut.onDatagram(T0 + 20, padded, CLIENT).kind).toBe('accept');
  });

  it('KT-30 keeps no per-HELLO state: RESPONSE accepted after 1,000 HELLOs from other addresses and one cookie-secret rotation', () => {
    const sut = makeServer(new FakeHost());
    const response = responseFor(sut, client());
    const t = issue();
    for (let i = 0; i < 1_000; i++) {
      sut.onDatagram(T0 + 1, client(t).start(T0 + 1), { ip: `127.${(i >> 8) & 255}.${i & 255}.1`, port: 40_000 + i });
    }
    expect(sut.counters.challenges).toBe(1_001);
    sut.rotateCookieSecret(T0 + 2);
    expect(sut.onDatagram(T0 + 3, response, CLIENT).kind).toBe('accept');
  });

  it('accepts a cookie under the previous secret after a lazy 60-s rotation, not after two rotations', () => {
    const sut = makeServer(new FakeHost(), { cookieLifetimeMs: 200_000 });
    const first = responseFor(sut, client(issue({ lifetimeMs: 300_000 })));
    const second = responseFor(sut, client(issue({ lifetimeMs: 300_000, random: seededBytes(5) })));
    expect(sut.onDatagram(T0 + 60_000, first, CLIENT).kind).toBe('accept');
    sut.rotateCookieSecret(T0 + 60_001);
    expect(dropReason(sut.onDatagram(T0 + 60_002, second, CLIENT))).toBe(HandshakeDropReason.COOKIE_MAC);
  });

  it('KT-32 a duplicate RESPONSE while PENDING → resend WELCOME on the same conn_id (≤ 1 per 100 ms), no second connection', () => {
    const host = new FakeHost();
    const sut = makeServer(host);
    const response = responseFor(sut, client());
    const { connId } = expectKind(sut.onDatagram(T0 + 20, response, CLIENT), 'accept').connection;
    host.add(connId, CLIENT.ip, true);
    expect(dropReason(sut.onDatagram(T0 + 50, response, CLIENT))).toBe(HandshakeDropReason.WELCOME_THROTTLED);
    expect(sut.onDatagram(T0 + 120, response, CLIENT)).toEqual({ kind: 'resend-welcome', connId });
    expect(dropReason(sut.onDatagram(T0 + 150, response, CLIENT))).toBe(HandshakeDropReason.WELCOME_THROTTLED);
    expect(sut.onDatagram(T0 + 220, response, CLIENT)).toEqual({ kind: 'resend-welcome', connId });
    expect(sut.counters.accepted).toBe(1);
    host.add(connId, CLIENT.ip, false);
    expect(dropReason(sut.onDatagram(T0 + 400, response, CLIENT))).toBe(HandshakeDropReason.TOKEN_REUSED);
  });

  it('KT-33 the same token in a non-resume RESPONSE from another address → silence', () => {
    const host = new FakeHost();
    const sut = makeServer(host);
    const t = issue();
    expectKind(sut.onDatagram(T0 + 20, responseFor(sut, client(t)), CLIENT), 'accept');
    const elsewhere: Endpoint = { ip: '192.0.2.50', port: 4000 };
    const again = responseFor(sut, client(t), T0 + 30, elsewhere);
    expect(dropReason(sut.onDatagram(T0 + 40, again, elsewhere))).toBe(HandshakeDropReason.TOKEN_REUSED);
    const sameAddressNewNonce = responseFor(sut, client(t), T0 + 50);
    expect(dropReason(sut.onDatagram(T0 + 60, sameAddressNewNonce, CLIENT))).toBe(HandshakeDropReason.TOKEN_REUSED);
  });

  it('admits a resume of the connection the token last admitted, from a new address, and records it', () => {
    const host = new FakeHost();
    const sut = makeServer(host);
    const t = issue();
    const first = expectKind(sut.onDatagram(T0 + 20, responseFor(sut, client(t)), CLIENT), 'accept').connection;
    host.add(first.connId, CLIENT.ip, false);
    const moved: Endpoint = { ip: '192.0.2.9', port: 5000 };
    const wrong = responseFor(sut, client(t, { resume: { prevConnId: first.connId + 1 } }), T0 + 30, moved);
    expect(dropReason(sut.onDatagram(T0 + 40, wrong, moved))).toBe(HandshakeDropReason.TOKEN_REUSED);
    const resume = responseFor(sut, client(t, { resume: { prevConnId: first.connId } }), T0 + 50, moved);
    const second = expectKind(sut.onDatagram(T0 + 60, resume, moved), 'accept').connection;
    expect(second).toMatchObject({ resumeRequested: true, prevConnId: first.connId, sessionId: first.sessionId });
    expect(second.connId).not.toBe(first.connId);
    expect(second.keyC2s.equals(first.keyC2s)).toBe(false);
    const stale = responseFor(sut, client(t, { resume: { prevConnId: first.connId } }), T0 + 70, moved);
    expect(dropReason(sut.onDatagram(T0 + 80, stale, moved))).toBe(HandshakeDropReason.TOKEN_REUSED);
    const fresh = responseFor(sut, client(issue({ random: seededBytes(4) }), { resume: { prevConnId: second.connId } }), T0 + 90);
    expect(expectKind(sut.onDatagram(T0 + 100, fresh, CLIENT), 'accept').connection.resumeRequested).toBe(true);
  });

  it('drops a new token when the token-use table (8 × maxConnections) is full, until records expire', () => {
    const sut = makeServer(new FakeHost(), { maxConnections: 1 });
    for (let i = 0; i < 8; i++) {
      expect(sut.onDatagram(T0 + 20, responseFor(sut, client(issue({ random: seededBytes(500 + i) })), T0, { ip: `10.0.0.${i}`, port: 1 }), { ip: `10.0.0.${i}`, port: 1 }).kind).toBe('accept');
    }
    expect(sut.tokenUseRecords).toBe(8);
    const ninth = responseFor(sut, client(issue({ random: seededBytes(600) })), T0, { ip: '10.0.1.1', port: 1 });
    expect(dropReason(sut.onDatagram(T0 + 20, ninth, { ip: '10.0.1.1', port: 1 }))).toBe(HandshakeDropReason.TOKEN_TABLE_FULL);
    const later = T0 + 62_001;
    const tenth = responseFor(sut, client(issue({ now: later, random: seededBytes(601) })), later, { ip: '10.0.1.2', port: 1 });
    expect(sut.onDatagram(later + 10, tenth, { ip: '10.0.1.2', port: 1 }).kind).toBe('accept');
    expect(sut.tokenUseRecords).toBe(1);
  });
});

describe('HandshakeServer admission and rate limits (§4.5 steps 2, 7)', () => {
  function denied(out: HandshakeOutcome): number {
    return expectKind(out, 'denied').reason;
  }

  it('KT-34 with the server full, a valid RESPONSE → DENIED (34 B, reason 1, valid MAC); DENIED never answers a HELLO', () => {
    const host = new FakeHost();
    const sut = makeServer(host, { maxConnections: 1 });
    host.add(1, '192.0.2.1', false);
    const t = issue();
    const c = client(t);
    const challenge = sut.onDatagram(T0, c.start(T0), CLIENT);
    expect(challenge.kind).toBe('challenge');
    const ev = c.onDatagram(T0 + 5, (challenge as { bytes: Buffer }).bytes);
    const response = (ev as { bytes: Buffer }).bytes;
    const out = expectKind(sut.onDatagram(T0 + 10, response, CLIENT), 'denied');
    expect(out.reason).toBe(DeniedReason.SERVER_FULL);
    expect(out.bytes).toHaveLength(34);
    expect(parseDenied(out.bytes)).toEqual({ clientNonce: response.subarray(9, 25), reason: 1 });
    expect(verifyDeniedMac(out.bytes, deriveHandshakeS2c(t.keyS2c, response.subarray(9, 25), PID8))).toBe(true);
    expect(c.onDatagram(T0 + 15, out.bytes)).toEqual({ kind: 'failed', failure: { kind: 'denied', reason: 1 } });
    expect(sut.tokenUseRecords).toBe(0);
  });

  it('answers ban → DENIED 2, 32 connections from the IP → DENIED 3, draining → DENIED 4, in that order', () => {
    const host = new FakeHost();
    let banned = true;
    const sut = makeServer(host, {}, { isBanned: (userId, ip) => banned && ip === CLIENT.ip && userId.length === 36 });
    for (let i = 0; i < 32; i++) host.add(100 + i, CLIENT.ip, false);
    host.draining = true;
    const t = issue();
    expect(denied(sut.onDatagram(T0 + 10, responseFor(sut, client(t)), CLIENT))).toBe(DeniedReason.FORBIDDEN);
    banned = false;
    expect(denied(sut.onDatagram(T0 + 10, responseFor(sut, client(t)), CLIENT))).toBe(DeniedReason.ADDRESS_LIMIT);
    host.connections.delete(100);
    expect(denied(sut.onDatagram(T0 + 10, responseFor(sut, client(t)), CLIENT))).toBe(DeniedReason.UNAVAILABLE);
    host.draining = false;
    expect(sut.onDatagram(T0 + 10, responseFor(sut, client(t)), CLIENT).kind).toBe('accept');
    expect(sut.counters.denied).toBe(3);
  });

  it('KT-35 HELLOs from one IP above 10/s (burst 20) get no CHALLENGE', () => {
    const sut = makeServer(new FakeHost());
    const t = issue();
    const kinds = Array.from({ length: 30 }, () => sut.onDatagram(T0, client(t).start(T0), CLIENT).kind);
    expect(kinds.filter((k) => k === 'challenge')).toHaveLength(20);
    expect(sut.counters.drops[HandshakeDropReason.RATE_IP]).toBe(10);
    const otherPort = sut.onDatagram(T0, client(t).start(T0), { ip: CLIENT.ip, port: 1 });
    expect(dropReason(otherPort)).toBe(HandshakeDropReason.RATE_IP);
    const later = Array.from({ length: 15 }, () => sut.onDatagram(T0 + 1_000, client(t).start(T0 + 1_000), CLIENT).kind);
    expect(later.filter((k) => k === 'challenge')).toHaveLength(10);
    expect(sut.onDatagram(T0, client(t).start(T0), { ip: '192.0.2.77', port: 1 }).kind).toBe('challenge');
  });

  it('enforces the global handshake budget and the onHandshake / isRevoked hooks', () => {
    const sut = makeServer(new FakeHost(), { maxHandshakesPerSec: 5 });
    const t = issue();
    const kinds = Array.from({ length: 8 }, (_, i) => sut.onDatagram(T0, client(t).start(T0), { ip: `10.1.0.${i}`, port: 9 }).kind);
    expect(kinds.filter((k) => k === 'challenge')).toHaveLength(5);
    expect(sut.counters.drops[HandshakeDropReason.RATE_GLOBAL]).toBe(3);
    const hooked = makeServer(new FakeHost(), {}, { onHandshake: (ip) => ip !== CLIENT.ip, isRevoked: () => true });
    expect(dropReason(hooked.onDatagram(T0, client(t).start(T0), CLIENT))).toBe(HandshakeDropReason.LIMITER_HOOK);
    expect(dropReason(hooked.onDatagram(T0, client(t).start(T0), { ip: '10.9.9.9', port: 1 }))).toBe(HandshakeDropReason.TOKEN_REVOKED);
  });

  it('bounds the per-IP table (LRU) and survives a spoofed flood without replying', () => {
    const sut = makeServer(new FakeHost(), { maxTrackedIps: 100 });
    const junk = Buffer.alloc(1_200);
    junk[0] = 0x48;
    PID8.copy(junk, 1);
    const t = issue();
    t.token.copy(junk, 25);
    for (let i = 0; i < 5_000; i++) {
      const out = sut.onDatagram(T0, junk, { ip: `127.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 1 });
      expect(out.kind).toBe('drop');
    }
    expect(sut.trackedIps).toBeLessThanOrEqual(100);
    expect(sut.counters.bytesOut).toBe(0);
    expect(sut.counters.drops[HandshakeDropReason.HELLO_MAC]).toBe(5_000);
  });

  it('accepts token keys rotated at runtime', () => {
    const sut = makeServer(new FakeHost());
    const t = issue({ keyId: 7, tokenKey: Buffer.alloc(32, 7) });
    expect(dropReason(sut.onDatagram(T0, client(t).start(T0), CLIENT))).toBe(HandshakeDropReason.TOKEN_KEY_ID);
    sut.setTokenKeys({ current: { keyId: 7, key: Buffer.alloc(32, 7) } });
    expect(sut.onDatagram(T0, client(t).start(T0), CLIENT).kind).toBe('challenge');
  });
});
